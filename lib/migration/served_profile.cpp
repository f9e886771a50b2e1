#include "mcprov/migration/served_profile.hpp"

#include "mcprov/support/clock.hpp"
#include "mcprov/xml/document.hpp"

namespace mcprov::migration {
namespace {

using support::errc;
using support::make_error;
using support::result;

constexpr std::string_view migration_namespace = "urn:mcprov:migration:1";

} // namespace

std::string visitor_profile_name(xcap::mc_service service) {
    return std::string(xcap::user_profile_usage(service).document_prefix) + "0.xml";
}

result<std::string> stamp_for_serving(std::string_view profile, const serving_stamp& stamp) {
    auto doc = xml::parse(profile);
    if (!doc) {
        return std::move(doc).err();
    }
    const xml::element root = doc->root();
    for (xml::element n : root.children().to_vector()) {
        if (n.is(migration_namespace, "migration-for") || n.is(migration_namespace, "served-by")) {
            if (auto done = doc->remove(n); !done) {
                return std::move(done).err();
            }
        }
    }
    if (root.attribute("user-profile-index")) {
        if (auto done = doc->set_attribute(root, "user-profile-index", "0"); !done) {
            return std::move(done).err();
        }
    }
    auto served = doc->append_element(root, migration_namespace, "served-by");
    if (!served) {
        return std::move(served).err();
    }
    const std::pair<std::string_view, std::string> attributes[] = {
        {"system", stamp.serving_system},
        {"primary-system", stamp.primary_system},
        {"template", stamp.template_name},
        {"profile", stamp.source_profile},
        {"valid-from", support::format_utc(stamp.valid_from)},
        {"valid-until", support::format_utc(stamp.valid_until)},
    };
    for (const auto& [name, value] : attributes) {
        if (auto done = doc->set_attribute(*served, name, value); !done) {
            return std::move(done).err();
        }
    }
    return doc->serialize();
}

result<serving_stamp> read_serving_stamp(std::string_view profile) {
    auto doc = xml::parse(profile);
    if (!doc) {
        return std::move(doc).err();
    }
    const xml::element n = doc->root().first_child(migration_namespace, "served-by");
    if (!n) {
        return make_error(errc::not_found, "the profile carries no served-by statement");
    }
    auto attribute = [&n](std::string_view name) { return n.attribute(name).value_or(""); };
    serving_stamp stamp{
        attribute("system"), attribute("primary-system"), attribute("template"), attribute("profile"), {}, {}};
    auto from = support::parse_utc(attribute("valid-from"));
    auto until = support::parse_utc(attribute("valid-until"));
    if (stamp.serving_system.empty() || !from || !until) {
        return make_error(errc::invalid_argument, "served-by needs system, valid-from and valid-until");
    }
    stamp.valid_from = *from;
    stamp.valid_until = *until;
    return stamp;
}

} // namespace mcprov::migration
