#include "mcprov/migration/migration_template.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <type_traits>
#include <vector>

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

// Every element below `root`, in document order, without recursion.
std::vector<xml::element> all_elements(xml::element root) {
    std::vector<xml::element> out;
    for (xml::element n = root; n;) {
        out.push_back(n);
        if (xml::element child = n.first_child()) {
            n = child;
            continue;
        }
        while (n && n != root && !n.next_sibling()) {
            n = n.parent();
        }
        n = (n == root || !n) ? xml::element{} : n.next_sibling();
    }
    return out;
}

std::string attribute(xml::element n, std::string_view name) {
    return n.attribute(name).value_or("");
}

result<double> decimal(xml::element n, std::string_view name) {
    auto text = attribute(n, name);
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return make_error(errc::invalid_argument, "line " + std::to_string(n.line()) + ": " + std::string(name) +
                                                      " is not a number: '" + text + "'");
    }
    return value;
}

result<point> point_of(xml::element n) {
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

// Applies a template to a profile. Every change goes through the document, which checks names and text; the first
// refusal is kept (and everything after it works on empty handles, changing nothing) and run() returns it.
class template_application {
public:
    template_application(const migration_template& t, xml::document& doc) : t_(t), doc_(doc), root_(doc.root()) {}

    result<void> run() {
        restrict_groups();
        add_groups();
        adjust_priority();
        withdraw_authorisations();
        record_operating_area();
        if (error_) {
            return std::move(*error_);
        }
        return {};
    }

private:
    template <class T> T check(result<T> r) {
        if (r) {
            if constexpr (!std::is_void_v<T>) {
                return std::move(r).value();
            } else {
                return;
            }
        }
        if (!error_) {
            error_ = std::move(r).err();
        }
        if constexpr (!std::is_void_v<T>) {
            return T{};
        }
    }

    // A new child in the parent's namespace (and with its prefix).
    xml::element add(xml::element parent, std::string_view name, std::string_view text = {}) {
        return check(doc_.append_element(parent, parent.namespace_uri(), name, text));
    }

    void set(xml::element n, std::string_view name, std::string_view value) {
        check(doc_.set_attribute(n, name, value));
    }

    xml::element child_or_new(xml::element parent, std::string_view name, std::string_view index = {}) {
        if (auto existing = parent.first_child(mcptt_namespace, name)) {
            return existing;
        }
        auto created = add(parent, name);
        if (!index.empty()) {
            set(created, "index", index);
        }
        return created;
    }

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

    static std::string entry_uri(xml::element entry) {
        return entry.first_child(mcptt_namespace, "uri-entry").trimmed_text();
    }

    // Group lists lose their denied entries; an emergency or imminent-peril call set up on a denied group is
    // removed whole (it cannot stand without its group).
    void restrict_groups() {
        std::vector<xml::element> doomed;
        for (xml::element n : all_elements(root_)) {
            const xml::element parent = n.parent();
            if (!n.is(mcptt_namespace, "entry") || !parent) {
                continue;
            }
            const auto parent_name = parent.local_name();
            if (parent.namespace_uri() == mcptt_namespace &&
                (parent_name == "MCPTTGroupInfo" || parent_name == "ImplicitAffiliations") &&
                !group_allowed(entry_uri(n))) {
                doomed.push_back(n);
            } else if (parent_name == "MCPTTGroupInitiation" && parent.parent() && !group_allowed(entry_uri(n))) {
                doomed.push_back(parent.parent());
            }
        }
        // The same call setup can be reached from several entries, and a node may sit inside another doomed one.
        std::sort(doomed.begin(), doomed.end());
        doomed.erase(std::unique(doomed.begin(), doomed.end()), doomed.end());
        auto inside_doomed = [&](xml::element n) {
            for (xml::element a = n.parent(); a; a = a.parent()) {
                if (std::binary_search(doomed.begin(), doomed.end(), a)) {
                    return true;
                }
            }
            return false;
        };
        std::erase_if(doomed, inside_doomed);
        for (xml::element n : doomed) {
            // With the blank text after it, not the text before it: what the template appends has none after it,
            // so applying a template twice stays idempotent.
            check(doc_.remove(n));
        }
    }

    void add_groups() {
        if (t_.added_groups.empty()) {
            return;
        }
        xml::element on_network = child_or_new(root_, "OnNetwork", "partner-on-network");
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

    void add_entry(xml::element list, const added_group& g, const std::string& index) {
        for (xml::element existing : list.children(mcptt_namespace, "entry")) {
            if (entry_uri(existing) == g.uri) {
                return;
            }
        }
        xml::element entry = add(list, "entry");
        set(entry, "index", index);
        add(entry, "uri-entry", g.uri);
        if (!g.display_name.empty()) {
            add(entry, "display-name", g.display_name);
        }
    }

    void adjust_priority() {
        if (t_.priority == priority_mode::keep) {
            return;
        }
        const auto value = std::to_string(t_.priority_value);
        bool seen = false;
        for (xml::element n : all_elements(root_)) {
            if (!n.is(mcptt_namespace, "Priority") || !n.parent().is(mcptt_namespace, "MCPTT-group-call")) {
                continue;
            }
            seen = true;
            unsigned current = 0;
            auto text = n.trimmed_text();
            auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), current);
            bool parsed = ec == std::errc() && end == text.data() + text.size();
            if (t_.priority == priority_mode::replace || !parsed || current > t_.priority_value) {
                check(doc_.set_text(n, value));
            }
        }
        if (!seen && t_.priority == priority_mode::replace) {
            xml::element common = child_or_new(root_, "Common", "partner-common");
            add(child_or_new(common, "MCPTT-group-call"), "Priority", value);
        }
    }

    void withdraw_authorisations() {
        if (t_.withdrawn_authorisations.empty()) {
            return;
        }
        for (xml::element n : all_elements(root_)) {
            if (n.namespace_uri() != mcptt_namespace || !n.local_name().starts_with("allow-")) {
                continue;
            }
            for (const auto& p : t_.withdrawn_authorisations) {
                if (pattern_matches(p, n.local_name())) {
                    check(doc_.set_text(n, "false"));
                    break;
                }
            }
        }
    }

    void record_operating_area() {
        if (t_.operating_area.empty()) {
            return;
        }
        for (xml::element old : root_.children(template_namespace, "operating-area").to_vector()) {
            check(doc_.remove(old));
        }
        xml::element area_node = check(doc_.append_element(root_, template_namespace, "operating-area", {}, "mt"));
        for (const auto& a : t_.operating_area) {
            if (a.centre) {
                xml::element c = add(area_node, "circle");
                set(c, "latitude", format_decimal(a.centre->latitude));
                set(c, "longitude", format_decimal(a.centre->longitude));
                set(c, "radius-metres", format_decimal(a.radius_metres));
            } else {
                xml::element polygon = add(area_node, "polygon");
                for (const auto& p : a.polygon) {
                    xml::element pt = add(polygon, "point");
                    set(pt, "latitude", format_decimal(p.latitude));
                    set(pt, "longitude", format_decimal(p.longitude));
                }
            }
        }
    }

    const migration_template& t_;
    xml::document& doc_;
    xml::element root_;
    std::optional<support::error> error_;
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
        return make_error(errc::schema_invalid,
                          "root element must be migration-template in namespace " + std::string(template_namespace));
    }
    if (auto valid = schema.value()->validate(*doc); !valid) {
        return std::move(valid).err();
    }

    const xml::element root = doc->root();
    const auto ns = template_namespace;
    migration_template t;
    t.name = attribute(root, "name");
    t.digest = support::hex_encode(support::sha256(text));
    const xml::element applies = root.first_child(ns, "applies-to");
    t.primary_system = attribute(applies, "primary-system");
    t.organisation = applies.attribute("organisation");
    if (xml::element groups = root.first_child(ns, "groups")) {
        for (xml::element n : groups.children(ns, "allow")) {
            t.allowed_groups.push_back(attribute(n, "pattern"));
        }
        for (xml::element n : groups.children(ns, "deny")) {
            t.denied_groups.push_back(attribute(n, "pattern"));
        }
        for (xml::element n : groups.children(ns, "add")) {
            t.added_groups.push_back(
                {attribute(n, "uri"), attribute(n, "display-name"),
                 attribute(n, "implicit-affiliation") == "true" || attribute(n, "implicit-affiliation") == "1"});
        }
    }
    if (xml::element priority = root.first_child(ns, "priority")) {
        t.priority = attribute(priority, "mode") == "cap" ? priority_mode::cap : priority_mode::replace;
        t.priority_value = static_cast<unsigned>(std::stoul(attribute(priority, "value")));
    }
    if (xml::element authorisations = root.first_child(ns, "authorisations")) {
        for (xml::element n : authorisations.children(ns, "withdraw")) {
            t.withdrawn_authorisations.push_back(attribute(n, "name"));
        }
    }
    if (xml::element operating = root.first_child(ns, "operating-area")) {
        for (xml::element n : operating.children()) {
            area a;
            if (n.is(ns, "circle")) {
                auto centre = point_of(n);
                auto radius = decimal(n, "radius-metres");
                if (!centre || !radius) {
                    return !centre ? std::move(centre).err() : std::move(radius).err();
                }
                a.centre = *centre;
                a.radius_metres = *radius;
            } else if (n.is(ns, "polygon")) {
                for (xml::element p : n.children(ns, "point")) {
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
    if (auto applied = template_application(t, *doc).run(); !applied) {
        return make_error(applied.err().code, "template " + t.name + ": " + applied.err().message);
    }
    auto schema = mcptt_schema();
    if (!schema) {
        return make_error(errc::internal, "MCPTT user profile schema: " + schema.err().message);
    }
    if (auto valid = schema.value()->validate(*doc); !valid) {
        return make_error(errc::schema_invalid,
                          "template " + t.name + " gives a profile that is not valid: " + valid.err().message);
    }
    return doc->serialize();
}

} // namespace mcprov::migration
