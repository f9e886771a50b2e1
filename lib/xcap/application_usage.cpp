#include "mcprov/xcap/application_usage.hpp"

#include <array>
#include <charconv>

#include "mcprov/xml/schema.hpp"

namespace mcprov::xcap {
namespace {

using support::errc;
using support::make_error;
using support::result;

constexpr std::array usages{
    application_usage{mcptt_user_profile_auid, "application/vnd.3gpp.mcptt-user-profile+xml",
                      "urn:3gpp:mcptt:user-profile:1.0", "mcptt-user-profile", "mcptt-user-profile-",
                      "ts24484-rel13/mcptt-user-profile.xsd"},
    application_usage{"org.3gpp.mcdata.user-profile", "application/vnd.3gpp.mcdata-user-profile+xml",
                      "urn:3gpp:ns:mcdata:user-profile:1.0", "mcdata-user-profile", "mcdata-user-profile-",
                      "mcprov/mcdata-user-profile.xsd", false, mc_service::mcdata},
    application_usage{"org.3gpp.mcvideo.user-profile", "application/vnd.3gpp.mcvideo-user-profile+xml",
                      "urn:3gpp:ns:mcvideo:user-profile:1.0", "mcvideo-user-profile", "mcvideo-user-profile-",
                      "ts24484/mcvideo-user-profile.xsd", false, mc_service::mcvideo},
    application_usage{migration_profile_auid, "application/vnd.3gpp.mcptt-user-profile+xml",
                      "urn:3gpp:mcptt:user-profile:1.0", "mcptt-user-profile", "migration-profile-",
                      "ts24484-rel13/mcptt-user-profile.xsd", true},
    application_usage{mcdata_migration_profile_auid, "application/vnd.3gpp.mcdata-user-profile+xml",
                      "urn:3gpp:ns:mcdata:user-profile:1.0", "mcdata-user-profile", "migration-profile-",
                      "mcprov/mcdata-user-profile.xsd", true, mc_service::mcdata},
    application_usage{mcvideo_migration_profile_auid, "application/vnd.3gpp.mcvideo-user-profile+xml",
                      "urn:3gpp:ns:mcvideo:user-profile:1.0", "mcvideo-user-profile", "migration-profile-",
                      "ts24484/mcvideo-user-profile.xsd", true, mc_service::mcvideo},
};

constexpr std::array services{
    named_service{mc_service::mcptt, "mcptt"},
    named_service{mc_service::mcdata, "mcdata"},
    named_service{mc_service::mcvideo, "mcvideo"},
};

} // namespace

std::span<const named_service> mc_services() {
    return services;
}

std::string_view to_string(mc_service service) {
    for (const auto& s : services) {
        if (s.service == service) {
            return s.name;
        }
    }
    return "mcptt";
}

std::optional<mc_service> service_named(std::string_view name) {
    for (const auto& s : services) {
        if (s.name == name) {
            return s.service;
        }
    }
    return std::nullopt;
}

const application_usage& user_profile_usage(mc_service service) {
    for (const auto& u : usages) {
        if (u.service == service && !u.migration) {
            return u;
        }
    }
    return usages.front();
}

const application_usage& migration_profile_usage(mc_service service) {
    for (const auto& u : usages) {
        if (u.service == service && u.migration) {
            return u;
        }
    }
    return usages.front();
}

std::span<const application_usage> application_usages() {
    return usages;
}

const application_usage* find_application_usage(std::string_view auid) {
    for (const auto& u : usages) {
        if (u.auid == auid) {
            return &u;
        }
    }
    return nullptr;
}

std::optional<unsigned> profile_index(const application_usage& usage, std::string_view document_name) {
    if (!document_name.starts_with(usage.document_prefix) || !document_name.ends_with(".xml")) {
        return std::nullopt;
    }
    auto digits =
        document_name.substr(usage.document_prefix.size(), document_name.size() - usage.document_prefix.size() - 4);
    if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits.front() == '0')) {
        return std::nullopt;
    }
    unsigned index = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (ec != std::errc() || end != digits.data() + digits.size() || index > 255) {
        return std::nullopt;
    }
    return index;
}

result<xml::document> check_profile_document(const application_usage& usage, std::string_view xui,
                                             std::string_view document_name, std::string_view bytes) {
    auto index = profile_index(usage, document_name);
    if (!index) {
        return make_error(errc::invalid_argument, "document name must be " + std::string(usage.document_prefix) +
                                                      "<index>.xml with an index from 0 to 255");
    }
    auto doc = xml::parse(bytes);
    if (!doc) {
        return doc;
    }
    if (doc->root_name() != usage.root_element || doc->root_namespace() != usage.default_namespace) {
        return make_error(errc::schema_invalid, "root element must be " + std::string(usage.root_element) +
                                                    " in namespace " + std::string(usage.default_namespace) + ", not " +
                                                    doc->root_name() + " in '" + doc->root_namespace() + "'");
    }
    if (!usage.schema.empty()) {
        auto s = xml::load_embedded_schema(usage.schema);
        if (!s) {
            return make_error(errc::internal, "schema " + std::string(usage.schema) + ": " + s.err().message);
        }
        if (auto valid = s.value()->validate(*doc); !valid) {
            return std::move(valid).err();
        }
    }
    const xml::element root = doc->root();
    if (auto user = root.attribute("XUI-URI"); user && *user != xui) {
        return make_error(errc::conflict, "XUI-URI attribute '" + *user + "' differs from the user in the URI '" +
                                              std::string(xui) + "'");
    }
    if (auto stated = root.attribute("user-profile-index"); stated && *stated != std::to_string(*index)) {
        return make_error(errc::conflict, "user-profile-index attribute '" + *stated +
                                              "' differs from the index in the document name (" +
                                              std::to_string(*index) + ")");
    }
    if (usage.migration) {
        if (auto targets = migration_targets_of(*doc); !targets) {
            return std::move(targets).err();
        }
    }
    return doc;
}

result<migration_targets> migration_targets_of(const xml::document& doc) {
    const xml::element found = doc.root().first_child(migration_namespace, "migration-for");
    if (found && found.next_sibling(migration_namespace, "migration-for")) {
        return make_error(errc::conflict, "a migration profile has one migration-for element, not several");
    }
    if (!found) {
        return make_error(errc::conflict, "a migration profile needs <migration-for xmlns=\"" +
                                              std::string(migration_namespace) +
                                              "\" default=\"true\"/> or partners=\"...\" at its root");
    }
    migration_targets targets;
    const auto is_default = found.attribute("default");
    targets.is_default = is_default == "true" || is_default == "1";
    std::string_view partners_text;
    const auto partners = found.attribute("partners").value_or("");
    partners_text = partners;
    while (!partners_text.empty()) {
        auto start = partners_text.find_first_not_of(" \t\r\n");
        if (start == std::string_view::npos) {
            break;
        }
        partners_text.remove_prefix(start);
        auto end = partners_text.find_first_of(" \t\r\n");
        targets.partners.emplace_back(partners_text.substr(0, end));
        partners_text.remove_prefix(end == std::string_view::npos ? partners_text.size() : end);
    }
    if (!targets.is_default && targets.partners.empty()) {
        return make_error(errc::conflict, "migration-for names no partner system and is not the default");
    }
    return targets;
}

} // namespace mcprov::xcap
