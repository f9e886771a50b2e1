#include "mcprov/migration/migration_template.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include <libxml/tree.h>

#include "mcprov/support/encoding.hpp"
#include "mcprov/xml/document.hpp"
#include "mcprov/xml/schema.hpp"

namespace mcprov::migration {
namespace {

using support::errc;
using support::make_error;
using support::result;

constexpr std::string_view template_namespace = "urn:mcprov:migration-template:1";
constexpr std::string_view mcptt_namespace = "urn:3gpp:mcptt:user-profile:1.0";
constexpr std::size_t max_template_bytes = 256 * 1024;

const xmlChar* x(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

std::string_view name_of(const xmlNode* n) { return reinterpret_cast<const char*>(n->name); }

bool is_element(const xmlNode* n, std::string_view ns, std::string_view name) {
    return n && n->type == XML_ELEMENT_NODE && n->ns && reinterpret_cast<const char*>(n->ns->href) == ns &&
           name_of(n) == name;
}

std::vector<xmlNode*> children(xmlNode* parent, std::string_view ns, std::string_view name) {
    std::vector<xmlNode*> out;
    for (xmlNode* c = parent ? parent->children : nullptr; c; c = c->next) {
        if (is_element(c, ns, name)) {
            out.push_back(c);
        }
    }
    return out;
}

xmlNode* first_child(xmlNode* parent, std::string_view ns, std::string_view name) {
    auto all = children(parent, ns, name);
    return all.empty() ? nullptr : all.front();
}

std::string attribute(xmlNode* n, const char* name) {
    xmlChar* v = xmlGetNoNsProp(n, x(name));
    std::string out = v ? reinterpret_cast<const char*>(v) : "";
    xmlFree(v);
    return out;
}

std::string text_of(xmlNode* n) {
    xmlChar* v = xmlNodeGetContent(n);
    std::string out = v ? reinterpret_cast<const char*>(v) : "";
    xmlFree(v);
    auto first = out.find_first_not_of(" \t\r\n");
    auto last = out.find_last_not_of(" \t\r\n");
    return first == std::string::npos ? std::string() : out.substr(first, last - first + 1);
}

// Unlinks and frees a node with the blank text after it, so that no blank line is left behind. (Not the text
// before it: what the template appends has none after it, so applying a template twice stays idempotent.)
void remove_node(xmlNode* n) {
    if (xmlNode* after = n->next; after && after->type == XML_TEXT_NODE && xmlIsBlankNode(after)) {
        xmlUnlinkNode(after);
        xmlFreeNode(after);
    }
    xmlUnlinkNode(n);
    xmlFreeNode(n);
}

// Every element below `root`, in document order, without recursion.
std::vector<xmlNode*> all_elements(xmlNode* root) {
    std::vector<xmlNode*> out;
    for (xmlNode* n = root; n;) {
        if (n->type == XML_ELEMENT_NODE) {
            out.push_back(n);
        }
        if (n->children && n->type == XML_ELEMENT_NODE) {
            n = n->children;
            continue;
        }
        while (n && n != root && !n->next) {
            n = n->parent;
        }
        n = (n == root || !n) ? nullptr : n->next;
    }
    return out;
}

result<double> decimal(xmlNode* n, const char* name) {
    auto text = attribute(n, name);
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return make_error(errc::invalid_argument, "line " + std::to_string(xmlGetLineNo(n)) + ": " + name +
                                                      " is not a number: '" + text + "'");
    }
    return value;
}

result<point> point_of(xmlNode* n) {
    auto latitude = decimal(n, "latitude");
    if (!latitude) {
        return std::move(latitude).err();
    }
    auto longitude = decimal(n, "longitude");
    if (!longitude) {
        return std::move(longitude).err();
    }
    return point{*latitude, *longitude};
}

result<std::shared_ptr<const xml::schema>> mcptt_schema() {
    return xml::load_embedded_schema("ts24484-rel13/mcptt-user-profile.xsd");
}

std::string format_decimal(double v) {
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
    return ec == std::errc() ? std::string(buffer, end) : "0";
}

xmlNode* new_child(xmlNode* parent, const char* name, const std::string& content = {}) {
    return xmlNewTextChild(parent, parent->ns, x(name), content.empty() ? nullptr : x(content.c_str()));
}

xmlNode* child_or_new(xmlNode* parent, const char* name, const char* index = nullptr) {
    if (auto* existing = first_child(parent, mcptt_namespace, name)) {
        return existing;
    }
    auto* created = new_child(parent, name);
    if (index) {
        xmlNewProp(created, x("index"), x(index));
    }
    return created;
}

class template_application {
public:
    template_application(const migration_template& t, xmlNode* root) : t_(t), root_(root) {}

    void run() {
        restrict_groups();
        add_groups();
        adjust_priority();
        withdraw_authorisations();
        record_operating_area();
    }

private:
    bool group_allowed(const std::string& uri) const {
        auto matches = [&](const std::vector<std::string>& patterns) {
            for (const auto& p : patterns) {
                if (pattern_matches(p, uri)) {
                    return true;
                }
            }
            return false;
        };
        return (t_.allowed_groups.empty() || matches(t_.allowed_groups)) && !matches(t_.denied_groups);
    }

    static std::string entry_uri(xmlNode* entry) { return text_of(first_child(entry, mcptt_namespace, "uri-entry")); }

    // Group lists lose their denied entries; an emergency or imminent-peril call set up on a denied group is
    // removed whole (it cannot stand without its group).
    void restrict_groups() {
        std::vector<xmlNode*> doomed;
        for (xmlNode* n : all_elements(root_)) {
            if (!is_element(n, mcptt_namespace, "entry") || !n->parent) {
                continue;
            }
            auto parent = name_of(n->parent);
            if (is_element(n->parent, mcptt_namespace, parent) &&
                (parent == "MCPTTGroupInfo" || parent == "ImplicitAffiliations") && !group_allowed(entry_uri(n))) {
                doomed.push_back(n);
            } else if (parent == "MCPTTGroupInitiation" && n->parent->parent && !group_allowed(entry_uri(n))) {
                doomed.push_back(n->parent->parent);
            }
        }
        // The same call setup can be reached from several entries, and a node may sit inside another doomed one.
        std::sort(doomed.begin(), doomed.end());
        doomed.erase(std::unique(doomed.begin(), doomed.end()), doomed.end());
        auto inside_doomed = [&](xmlNode* n) {
            for (xmlNode* a = n->parent; a; a = a->parent) {
                if (std::binary_search(doomed.begin(), doomed.end(), a)) {
                    return true;
                }
            }
            return false;
        };
        std::erase_if(doomed, inside_doomed);
        for (xmlNode* n : doomed) {
            remove_node(n);
        }
    }

    void add_groups() {
        if (t_.added_groups.empty()) {
            return;
        }
        xmlNode* on_network = child_or_new(root_, "OnNetwork", "partner-on-network");
        unsigned n = 0;
        for (const auto& g : t_.added_groups) {
            ++n;
            add_entry(child_or_new(on_network, "MCPTTGroupInfo"), g, "partner-group-" + std::to_string(n));
            if (g.implicit_affiliation) {
                add_entry(child_or_new(on_network, "ImplicitAffiliations"), g,
                          "partner-affiliation-" + std::to_string(n));
            }
        }
    }

    static void add_entry(xmlNode* list, const added_group& g, const std::string& index) {
        for (xmlNode* existing : children(list, mcptt_namespace, "entry")) {
            if (entry_uri(existing) == g.uri) {
                return;
            }
        }
        xmlNode* entry = new_child(list, "entry");
        xmlNewProp(entry, x("index"), x(index.c_str()));
        new_child(entry, "uri-entry", g.uri);
        if (!g.display_name.empty()) {
            new_child(entry, "display-name", g.display_name);
        }
    }

    void adjust_priority() {
        if (t_.priority == priority_mode::keep) {
            return;
        }
        const auto value = std::to_string(t_.priority_value);
        bool seen = false;
        for (xmlNode* n : all_elements(root_)) {
            if (!is_element(n, mcptt_namespace, "Priority") || !is_element(n->parent, mcptt_namespace, "MCPTT-group-call")) {
                continue;
            }
            seen = true;
            unsigned current = 0;
            auto text = text_of(n);
            auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), current);
            bool parsed = ec == std::errc() && end == text.data() + text.size();
            if (t_.priority == priority_mode::replace || !parsed || current > t_.priority_value) {
                xmlNodeSetContent(n, x(value.c_str()));
            }
        }
        if (!seen && t_.priority == priority_mode::replace) {
            xmlNode* common = child_or_new(root_, "Common", "partner-common");
            new_child(child_or_new(common, "MCPTT-group-call"), "Priority", value);
        }
    }

    void withdraw_authorisations() {
        if (t_.withdrawn_authorisations.empty()) {
            return;
        }
        for (xmlNode* n : all_elements(root_)) {
            if (n->ns == nullptr || reinterpret_cast<const char*>(n->ns->href) != mcptt_namespace ||
                !name_of(n).starts_with("allow-")) {
                continue;
            }
            for (const auto& p : t_.withdrawn_authorisations) {
                if (pattern_matches(p, name_of(n))) {
                    xmlNodeSetContent(n, x("false"));
                    break;
                }
            }
        }
    }

    void record_operating_area() {
        if (t_.operating_area.empty()) {
            return;
        }
        for (xmlNode* old : children(root_, template_namespace, "operating-area")) {
            remove_node(old);
        }
        xmlNode* area_node = xmlNewChild(root_, nullptr, x("operating-area"), nullptr);
        xmlNs* ns = xmlNewNs(area_node, x(std::string(template_namespace).c_str()), x("mt"));
        xmlSetNs(area_node, ns);
        for (const auto& a : t_.operating_area) {
            if (a.centre) {
                xmlNode* c = xmlNewChild(area_node, ns, x("circle"), nullptr);
                xmlNewProp(c, x("latitude"), x(format_decimal(a.centre->latitude).c_str()));
                xmlNewProp(c, x("longitude"), x(format_decimal(a.centre->longitude).c_str()));
                xmlNewProp(c, x("radius-metres"), x(format_decimal(a.radius_metres).c_str()));
            } else {
                xmlNode* polygon = xmlNewChild(area_node, ns, x("polygon"), nullptr);
                for (const auto& p : a.polygon) {
                    xmlNode* pt = xmlNewChild(polygon, ns, x("point"), nullptr);
                    xmlNewProp(pt, x("latitude"), x(format_decimal(p.latitude).c_str()));
                    xmlNewProp(pt, x("longitude"), x(format_decimal(p.longitude).c_str()));
                }
            }
        }
    }

    const migration_template& t_;
    xmlNode* root_;
};

} // namespace

bool pattern_matches(std::string_view pattern, std::string_view text) {
    // Iterative glob match with backtracking to the last '*': linear in practice, never exponential.
    std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') {
        ++p;
    }
    return p == pattern.size();
}

result<migration_template> parse_migration_template(std::string_view text) {
    auto doc = xml::parse(text, {.max_bytes = max_template_bytes, .max_depth = 16});
    if (!doc) {
        return std::move(doc).err();
    }
    auto schema = xml::load_embedded_schema("mcprov/migration-template.xsd");
    if (!schema) {
        return make_error(errc::internal, "migration template schema: " + schema.err().message);
    }
    if (doc->root_name() != "migration-template" || doc->root_namespace() != template_namespace) {
        return make_error(errc::schema_invalid, "root element must be migration-template in namespace " +
                                                    std::string(template_namespace));
    }
    if (auto valid = schema.value()->validate(*doc); !valid) {
        return std::move(valid).err();
    }

    xmlNode* root = doc->root();
    const auto ns = template_namespace;
    migration_template t;
    t.name = attribute(root, "name");
    t.digest = support::hex_encode(support::sha256(text));
    xmlNode* applies = first_child(root, ns, "applies-to");
    t.primary_system = attribute(applies, "primary-system");
    if (xmlHasProp(applies, x("organisation"))) {
        t.organisation = attribute(applies, "organisation");
    }
    if (xmlNode* groups = first_child(root, ns, "groups")) {
        for (xmlNode* n : children(groups, ns, "allow")) {
            t.allowed_groups.push_back(attribute(n, "pattern"));
        }
        for (xmlNode* n : children(groups, ns, "deny")) {
            t.denied_groups.push_back(attribute(n, "pattern"));
        }
        for (xmlNode* n : children(groups, ns, "add")) {
            t.added_groups.push_back({attribute(n, "uri"), attribute(n, "display-name"),
                                      attribute(n, "implicit-affiliation") == "true" ||
                                          attribute(n, "implicit-affiliation") == "1"});
        }
    }
    if (xmlNode* priority = first_child(root, ns, "priority")) {
        t.priority = attribute(priority, "mode") == "cap" ? priority_mode::cap : priority_mode::replace;
        t.priority_value = static_cast<unsigned>(std::stoul(attribute(priority, "value")));
    }
    if (xmlNode* authorisations = first_child(root, ns, "authorisations")) {
        for (xmlNode* n : children(authorisations, ns, "withdraw")) {
            t.withdrawn_authorisations.push_back(attribute(n, "name"));
        }
    }
    if (xmlNode* operating = first_child(root, ns, "operating-area")) {
        for (xmlNode* n = operating->children; n; n = n->next) {
            area a;
            if (is_element(n, ns, "circle")) {
                auto centre = point_of(n);
                auto radius = decimal(n, "radius-metres");
                if (!centre || !radius) {
                    return !centre ? std::move(centre).err() : std::move(radius).err();
                }
                a.centre = *centre;
                a.radius_metres = *radius;
            } else if (is_element(n, ns, "polygon")) {
                for (xmlNode* p : children(n, ns, "point")) {
                    auto pt = point_of(p);
                    if (!pt) {
                        return std::move(pt).err();
                    }
                    a.polygon.push_back(*pt);
                }
            } else {
                continue;
            }
            t.operating_area.push_back(std::move(a));
        }
    }
    return t;
}

result<std::string> apply_template(const migration_template& t, std::string_view mcptt_profile) {
    auto doc = xml::parse(mcptt_profile);
    if (!doc) {
        return std::move(doc).err();
    }
    if (doc->root_name() != "mcptt-user-profile" || doc->root_namespace() != mcptt_namespace) {
        return make_error(errc::schema_invalid, "a migration profile must be an MCPTT user profile");
    }
    template_application(t, doc->root()).run();
    auto schema = mcptt_schema();
    if (!schema) {
        return make_error(errc::internal, "MCPTT user profile schema: " + schema.err().message);
    }
    if (auto valid = schema.value()->validate(*doc); !valid) {
        return make_error(errc::schema_invalid, "template " + t.name + " gives a profile that is not valid: " +
                                                    valid.err().message);
    }
    return doc->serialize();
}

} // namespace mcprov::migration
