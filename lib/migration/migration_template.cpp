#include "mcprov/migration/migration_template.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <type_traits>
#include <vector>

#include "mcprov/support/encoding.hpp"
#include "mcprov/xcap/application_usage.hpp"
#include "mcprov/xml/document.hpp"
#include "mcprov/xml/schema.hpp"

namespace mcprov::migration {
namespace {

using support::errc;
using support::make_error;
using support::result;

constexpr std::string_view template_namespace = "urn:mcprov:migration-template:1";
constexpr std::size_t max_template_bytes = 256 * 1024;

// Where a service's profile keeps its groups. MCPTT (Release 13) lists them as entries of one group-info element;
// MCVideo and MCData have one group-info element per group, holding its ID.
struct group_layout {
    std::string_view group_info;       // "MCPTTGroupInfo"
    std::string_view group_id;         // "MCVideo-Group-ID"; empty where group_info holds entries
    std::string_view group_initiation; // "MCPTTGroupInitiation": an emergency or imminent-peril call on a group
    std::string_view group_call;       // "MCPTT-group-call", in Common: where the Priority is; empty: none
};

// By xcap::mc_service.
constexpr std::array<group_layout, 3> layouts{
    group_layout{"MCPTTGroupInfo", "", "MCPTTGroupInitiation", "MCPTT-group-call"},
    group_layout{"MCDataGroupInfo", "MCData-Group-ID", "", ""},
    group_layout{"MCVideoGroupInfo", "MCVideo-Group-ID", "MCVideoGroupInitiation", "MCVideo-group-call"},
};

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

std::string format_decimal(double v) {
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
    return ec == std::errc() ? std::string(buffer, end) : "0";
}

// Applies a template's rules for one service to a profile of that service. Every change goes through the document,
// which checks names and text; the first refusal is kept (and everything after it works on empty handles, changing
// nothing) and run() returns it.
class template_application {
public:
    template_application(const migration_template& t, xcap::mc_service service, xml::document& doc)
        : t_(t), layers_{&t.common, &t.services[static_cast<std::size_t>(service)]},
          layout_(layouts[static_cast<std::size_t>(service)]), doc_(doc), root_(doc.root()),
          ns_(root_.namespace_uri()) {}

    result<void> run() {
        restrict_groups();
        add_groups();
        adjust_priority();
        withdraw_authorisations();
        cap_limits();
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
        if (auto existing = parent.first_child(ns_, name)) {
            return existing;
        }
        auto created = add(parent, name);
        if (!index.empty()) {
            set(created, "index", index);
        }
        return created;
    }

    // Kept when every layer (the common rules, the service's section) keeps it: allowed by one of its allow
    // patterns (or it has none) and denied by none of its deny patterns.
    bool group_allowed(const std::string& uri) const {
        auto matches = [&](const std::vector<std::string>& patterns) {
            return std::any_of(patterns.begin(), patterns.end(),
                               [&](const std::string& p) { return pattern_matches(p, uri); });
        };
        for (const service_rules* r : layers_) {
            if ((!r->allowed_groups.empty() && !matches(r->allowed_groups)) || matches(r->denied_groups)) {
                return false;
            }
        }
        return true;
    }

    std::string entry_uri(xml::element entry) const { return entry.first_child(ns_, "uri-entry").trimmed_text(); }

    // What goes when the template does not keep the group `n` names: the entry of a group list, the group-info
    // element that holds a group's ID, or the whole call set up on the group (it cannot stand without it). An
    // empty handle when `n` names no group, or one that is kept.
    xml::element doomed_with(xml::element n) const {
        const xml::element parent = n.parent();
        if (!parent || parent.namespace_uri() != ns_) {
            return {};
        }
        const auto parent_name = parent.local_name();
        xml::element doomed;
        if (n.is(ns_, "entry")) {
            if ((layout_.group_id.empty() && parent_name == layout_.group_info) ||
                parent_name == "ImplicitAffiliations") {
                doomed = n;
            } else if (!layout_.group_initiation.empty() && parent_name == layout_.group_initiation) {
                doomed = parent.parent();
            }
        } else if (!layout_.group_id.empty() && n.is(ns_, layout_.group_id) && parent_name == layout_.group_info) {
            doomed = parent;
        }
        return doomed && !group_allowed(entry_uri(n)) ? doomed : xml::element{};
    }

    void restrict_groups() {
        std::vector<xml::element> doomed;
        for (xml::element n : all_elements(root_)) {
            if (xml::element d = doomed_with(n)) {
                doomed.push_back(d);
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
        unsigned n = 0;
        for (const service_rules* r : layers_) {
            for (const auto& g : r->added_groups) {
                ++n;
                xml::element on_network = child_or_new(root_, "OnNetwork", "partner-on-network");
                if (layout_.group_id.empty()) {
                    add_entry(child_or_new(on_network, layout_.group_info), "entry", g,
                              "partner-group-" + std::to_string(n));
                } else if (!has_group(on_network, g.uri)) {
                    add_entry(add(on_network, layout_.group_info), layout_.group_id, g, {});
                }
                if (g.implicit_affiliation) {
                    add_entry(child_or_new(on_network, "ImplicitAffiliations"), "entry", g,
                              "partner-affiliation-" + std::to_string(n));
                }
            }
        }
    }

    bool has_group(xml::element on_network, const std::string& uri) const {
        for (xml::element info : on_network.children(ns_, layout_.group_info)) {
            if (entry_uri(info.first_child(ns_, layout_.group_id)) == uri) {
                return true;
            }
        }
        return false;
    }

    // An element `name` (uri-entry, display-name) in `list`, unless the list has one for that URI already.
    void add_entry(xml::element list, std::string_view name, const added_group& g, const std::string& index) {
        for (xml::element existing : list.children(ns_, name)) {
            if (entry_uri(existing) == g.uri) {
                return;
            }
        }
        xml::element entry = add(list, name);
        if (!index.empty()) {
            set(entry, "index", index);
        }
        add(entry, "uri-entry", g.uri);
        if (!g.display_name.empty()) {
            add(entry, "display-name", g.display_name);
        }
    }

    // The service's section decides the priority when it says anything; else the common rules.
    void adjust_priority() {
        const service_rules* r = layers_[1]->priority != priority_mode::keep ? layers_[1] : layers_[0];
        if (r->priority == priority_mode::keep || layout_.group_call.empty()) {
            return;
        }
        const auto value = std::to_string(r->priority_value);
        bool seen = false;
        for (xml::element n : all_elements(root_)) {
            if (!n.is(ns_, "Priority") || !n.parent().is(ns_, layout_.group_call)) {
                continue;
            }
            seen = true;
            if (r->priority == priority_mode::replace || !at_most(n, r->priority_value)) {
                check(doc_.set_text(n, value));
            }
        }
        if (!seen && r->priority == priority_mode::replace) {
            xml::element common = child_or_new(root_, "Common", "partner-common");
            add(child_or_new(common, layout_.group_call), "Priority", value);
        }
    }

    // Whether an element's text is a whole number no greater than `limit`.
    static bool at_most(xml::element n, std::uint64_t limit) {
        std::uint64_t current = 0;
        auto text = n.trimmed_text();
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), current);
        return ec == std::errc() && end == text.data() + text.size() && current <= limit;
    }

    void withdraw_authorisations() {
        for (xml::element n : all_elements(root_)) {
            if (n.namespace_uri() != ns_ || !n.local_name().starts_with("allow-")) {
                continue;
            }
            for (const service_rules* r : layers_) {
                if (std::any_of(r->withdrawn_authorisations.begin(), r->withdrawn_authorisations.end(),
                                [&](const std::string& p) { return pattern_matches(p, n.local_name()); })) {
                    check(doc_.set_text(n, "false"));
                    break;
                }
            }
        }
    }

    // Leaves only: an element with element children is no limit, whatever its name.
    void cap_limits() {
        for (xml::element n : all_elements(root_)) {
            if (n.namespace_uri() != ns_ || n.first_child()) {
                continue;
            }
            for (const service_rules* r : layers_) {
                for (const auto& cap : r->limits) {
                    if (pattern_matches(cap.pattern, n.local_name()) && !at_most(n, cap.value)) {
                        check(doc_.set_text(n, std::to_string(cap.value)));
                    }
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
    std::array<const service_rules*, 2> layers_; // the common rules, then the service's section
    const group_layout& layout_;
    xml::document& doc_;
    xml::element root_;
    std::string ns_; // the profile's namespace
    std::optional<support::error> error_;
};

// The groups, priority, authorisations and limits parts of a template element (the root, or a service's section).
void read_rules(xml::element parent, service_rules& r) {
    const auto ns = template_namespace;
    if (xml::element groups = parent.first_child(ns, "groups")) {
        for (xml::element n : groups.children(ns, "allow")) {
            r.allowed_groups.push_back(attribute(n, "pattern"));
        }
        for (xml::element n : groups.children(ns, "deny")) {
            r.denied_groups.push_back(attribute(n, "pattern"));
        }
        for (xml::element n : groups.children(ns, "add")) {
            r.added_groups.push_back(
                {attribute(n, "uri"), attribute(n, "display-name"),
                 attribute(n, "implicit-affiliation") == "true" || attribute(n, "implicit-affiliation") == "1"});
        }
    }
    // The schema has checked the numbers.
    if (xml::element priority = parent.first_child(ns, "priority")) {
        r.priority = attribute(priority, "mode") == "cap" ? priority_mode::cap : priority_mode::replace;
        r.priority_value = static_cast<unsigned>(std::stoul(attribute(priority, "value")));
    }
    if (xml::element authorisations = parent.first_child(ns, "authorisations")) {
        for (xml::element n : authorisations.children(ns, "withdraw")) {
            r.withdrawn_authorisations.push_back(attribute(n, "name"));
        }
    }
    if (xml::element limits = parent.first_child(ns, "limits")) {
        for (xml::element n : limits.children(ns, "cap")) {
            r.limits.push_back({attribute(n, "name"), std::stoull(attribute(n, "value"))});
        }
    }
}

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
    read_rules(root, t.common);
    for (const auto& service : xcap::mc_services()) {
        if (xml::element section = root.first_child(ns, service.name)) {
            read_rules(section, t.services[static_cast<std::size_t>(service.service)]);
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

namespace {

result<std::string> apply_to(const migration_template& t, const xcap::application_usage& usage, xml::document& doc) {
    if (auto applied = template_application(t, usage.service, doc).run(); !applied) {
        return make_error(applied.err().code, "template " + t.name + ": " + applied.err().message);
    }
    auto schema = xml::load_embedded_schema(usage.schema);
    if (!schema) {
        return make_error(errc::internal, std::string(usage.schema) + ": " + schema.err().message);
    }
    if (auto valid = schema.value()->validate(doc); !valid) {
        return make_error(errc::schema_invalid,
                          "template " + t.name + " gives a profile that is not valid: " + valid.err().message);
    }
    return doc.serialize();
}

bool is_profile_of(const xcap::application_usage& usage, const xml::document& doc) {
    return doc.root_name() == usage.root_element && doc.root_namespace() == usage.default_namespace;
}

} // namespace

result<std::string> apply_template(const migration_template& t, std::string_view profile) {
    auto doc = xml::parse(profile);
    if (!doc) {
        return std::move(doc).err();
    }
    // The user profile usage of the service whose root element this is (migration profiles share it).
    for (const auto& service : xcap::mc_services()) {
        if (const auto& usage = xcap::user_profile_usage(service.service); is_profile_of(usage, *doc)) {
            return apply_to(t, usage, *doc);
        }
    }
    return make_error(errc::schema_invalid, "a migration profile must be an MCPTT, MCData or MCVideo user profile");
}

result<std::string> apply_template(const migration_template& t, xcap::mc_service service, std::string_view profile) {
    auto doc = xml::parse(profile);
    if (!doc) {
        return std::move(doc).err();
    }
    const auto& usage = xcap::user_profile_usage(service);
    if (!is_profile_of(usage, *doc)) {
        return make_error(errc::schema_invalid, "an " + std::string(xcap::to_string(service)) +
                                                    " migration profile must be an " + std::string(usage.root_element) +
                                                    ", not " + doc->root_name() + " in '" + doc->root_namespace() +
                                                    "'");
    }
    return apply_to(t, usage, *doc);
}

} // namespace mcprov::migration
