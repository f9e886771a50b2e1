#include "mcprov/migration/served_profile.hpp"

#include <libxml/tree.h>

#include "mcprov/support/clock.hpp"
#include "mcprov/xml/document.hpp"

namespace mcprov::migration {
namespace {

using support::errc;
using support::make_error;
using support::result;

constexpr const char* migration_namespace = "urn:mcprov:migration:1";

const xmlChar* x(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

bool is_migration_element(const xmlNode* n, const char* name) {
    return n->type == XML_ELEMENT_NODE && n->ns && xmlStrEqual(n->ns->href, x(migration_namespace)) &&
           xmlStrEqual(n->name, x(name));
}

std::string attribute(xmlNode* n, const char* name) {
    xmlChar* v = xmlGetNoNsProp(n, x(name));
    std::string out = v ? reinterpret_cast<const char*>(v) : "";
    xmlFree(v);
    return out;
}

} // namespace

result<std::string> stamp_for_serving(std::string_view profile, const serving_stamp& stamp) {
    auto doc = xml::parse(profile);
    if (!doc) {
        return std::move(doc).err();
    }
    xmlNode* root = doc->root();
    for (xmlNode* n = root->children; n;) {
        xmlNode* next = n->next;
        if (is_migration_element(n, "migration-for") || is_migration_element(n, "served-by")) {
            xmlUnlinkNode(n);
            xmlFreeNode(n);
        }
        n = next;
    }
    if (xmlHasProp(root, x("user-profile-index"))) {
        xmlSetProp(root, x("user-profile-index"), x("0"));
    }
    xmlNode* served = xmlNewNode(nullptr, x("served-by"));
    xmlNs* ns = xmlNewNs(served, x(migration_namespace), nullptr);
    xmlSetNs(served, ns);
    xmlNewProp(served, x("system"), x(stamp.serving_system.c_str()));
    xmlNewProp(served, x("primary-system"), x(stamp.primary_system.c_str()));
    xmlNewProp(served, x("template"), x(stamp.template_name.c_str()));
    xmlNewProp(served, x("profile"), x(stamp.source_profile.c_str()));
    xmlNewProp(served, x("valid-from"), x(support::format_utc(stamp.valid_from).c_str()));
    xmlNewProp(served, x("valid-until"), x(support::format_utc(stamp.valid_until).c_str()));
    if (!xmlAddChild(root, served)) {
        xmlFreeNode(served);
        return make_error(errc::internal, "cannot add served-by");
    }
    return doc->serialize();
}

result<serving_stamp> read_serving_stamp(std::string_view profile) {
    auto doc = xml::parse(profile);
    if (!doc) {
        return std::move(doc).err();
    }
    for (xmlNode* n = doc->root()->children; n; n = n->next) {
        if (!is_migration_element(n, "served-by")) {
            continue;
        }
        serving_stamp stamp{attribute(n, "system"), attribute(n, "primary-system"), attribute(n, "template"),
                            attribute(n, "profile"), {}, {}};
        auto from = support::parse_utc(attribute(n, "valid-from"));
        auto until = support::parse_utc(attribute(n, "valid-until"));
        if (stamp.serving_system.empty() || !from || !until) {
            return make_error(errc::invalid_argument, "served-by needs system, valid-from and valid-until");
        }
        stamp.valid_from = *from;
        stamp.valid_until = *until;
        return stamp;
    }
    return make_error(errc::not_found, "the profile carries no served-by statement");
}

} // namespace mcprov::migration
