#include "mcprov/profile/application_usage.hpp"

#include <array>
#include <charconv>
#include <map>
#include <mutex>

#include <libxml/tree.h>

#include "mcprov/xml/schema.hpp"

namespace mcprov::profile {
namespace {

using support::errc;
using support::make_error;
using support::result;

constexpr std::array usages{
    application_usage{"org.3gpp.mcptt.user-profile", "application/vnd.3gpp.mcptt-user-profile+xml",
                      "urn:3gpp:mcptt:user-profile:1.0", "mcptt-user-profile", "mcptt-user-profile-",
                      "ts24484-rel13/mcptt-user-profile.xsd"},
    application_usage{"org.3gpp.mcdata.user-profile", "application/vnd.3gpp.mcdata-user-profile+xml",
                      "urn:3gpp:mcdata:user-profile:1.0", "mcdata-user-profile", "mcdata-user-profile-", ""},
    application_usage{"org.3gpp.mcvideo.user-profile", "application/vnd.3gpp.mcvideo-user-profile+xml",
                      "urn:3gpp:mcvideo:user-profile:1.0", "mcvideo-user-profile", "mcvideo-user-profile-", ""},
};

std::string attribute(xmlNode* node, const char* name) {
    xmlChar* value = xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>(name));
    if (!value) {
        return {};
    }
    std::string out(reinterpret_cast<const char*>(value));
    xmlFree(value);
    return out;
}

bool has_attribute(xmlNode* node, const char* name) {
    return xmlHasNsProp(node, reinterpret_cast<const xmlChar*>(name), nullptr) != nullptr;
}

result<std::shared_ptr<const xml::schema>> schema_for(const application_usage& usage) {
    // Compiled once per process; a failure here is a build defect, reported on every use.
    static std::mutex mutex;
    static std::map<std::string_view, result<std::shared_ptr<const xml::schema>>> cache;
    std::lock_guard lock(mutex);
    auto it = cache.find(usage.schema);
    if (it == cache.end()) {
        it = cache.emplace(usage.schema, xml::load_embedded_schema(usage.schema)).first;
    }
    return it->second;
}

} // namespace

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
        auto s = schema_for(usage);
        if (!s) {
            return make_error(errc::internal, "schema " + std::string(usage.schema) + ": " + s.err().message);
        }
        if (auto valid = s.value()->validate(*doc); !valid) {
            return std::move(valid).err();
        }
    }
    xmlNode* root = doc->root();
    if (has_attribute(root, "XUI-URI") && attribute(root, "XUI-URI") != xui) {
        return make_error(errc::conflict, "XUI-URI attribute '" + attribute(root, "XUI-URI") +
                                              "' differs from the user in the URI '" + std::string(xui) + "'");
    }
    if (has_attribute(root, "user-profile-index") && attribute(root, "user-profile-index") != std::to_string(*index)) {
        return make_error(errc::conflict, "user-profile-index attribute '" + attribute(root, "user-profile-index") +
                                              "' differs from the index in the document name (" +
                                              std::to_string(*index) + ")");
    }
    return doc;
}

} // namespace mcprov::profile
