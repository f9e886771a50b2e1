#include "mcprov/migration/profile_changes.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "mcprov/xml/document.hpp"

namespace mcprov::migration {
namespace {

using support::make_error;
using support::result;

constexpr std::string_view migration_namespace = "urn:mcprov:migration:1";
constexpr std::string_view dsig_namespace = "http://www.w3.org/2000/09/xmldsig#";
constexpr std::string_view template_namespace = "urn:mcprov:migration-template:1";

// Where the user profiles of MCPTT, MCData and MCVideo name groups: the entries of these lists, and these elements
// (one per group-info element of MCData and MCVideo). Each has a uri-entry and may have a display-name.
constexpr std::string_view group_lists[] = {"MCPTTGroupInfo", "ImplicitAffiliations", "MCPTTGroupInitiation",
                                            "MCVideoGroupInitiation"};
constexpr std::string_view group_ids[] = {"MCData-Group-ID", "MCVideo-Group-ID"};

template <std::size_t N> bool one_of(const std::string_view (&names)[N], std::string_view name) {
    return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

// A limit a template may cap: a leaf whose name says it is a maximum (max-data-size-fd-bytes, MaxAffiliationsN2).
bool is_limit(xml::element n) {
    const auto name = n.local_name();
    return (name.starts_with("max-") || name.starts_with("Max")) && !n.first_child();
}

// Not the template's doing: the partner's stamp, the primary's migration-for and the partner's signature.
bool ignored(xml::element n) {
    auto ns = n.namespace_uri();
    return ns == migration_namespace || ns == dsig_namespace;
}

std::string trim(std::string s) {
    auto first = s.find_first_not_of(" \t\r\n");
    auto last = s.find_last_not_of(" \t\r\n");
    return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
}

// The first child element called name, in whatever namespace.
xml::element first_child_named(xml::element parent, std::string_view name) {
    for (xml::element c : parent.children()) {
        if (c.local_name() == name) {
            return c;
        }
    }
    return {};
}

// An element and its content in a form that compares equal exactly when the two say the same (attribute order,
// namespace prefixes and whitespace around text do not count). Depth is bounded by the parse limits.
std::string canonical(xml::element n) {
    std::string out = "<{" + std::string(n.namespace_uri()) + "}" + std::string(n.local_name());
    std::vector<std::pair<std::string, std::string>> attributes;
    for (auto& a : n.attributes()) {
        attributes.emplace_back("{" + a.namespace_uri + "}" + a.local_name, std::move(a.value));
    }
    std::sort(attributes.begin(), attributes.end());
    for (const auto& [name, value] : attributes) {
        out += " " + name + "=\"" + xml::escape_attribute(value) + "\"";
    }
    out += ">";
    out += xml::escape_attribute(trim(n.own_text()));
    for (xml::element c : n.children()) {
        out += canonical(c);
    }
    return out + "</>";
}

struct group {
    std::string uri;
    std::string display_name;
};

// An element found by its path from the root ("Common/MCPTT-group-call/Priority"), unique within one document.
struct located_value {
    std::string path;
    std::string name;
    std::string value;
};

struct profile_facts {
    std::vector<group> groups; // document order, each URI once
    std::vector<located_value> priorities;
    std::vector<located_value> authorisations;
    std::vector<located_value> limits;
    bool has_area = false;
    std::size_t area_count = 0;
    std::string area_canonical;
};

class fact_collector {
public:
    explicit fact_collector(xml::element root) : root_(root) {}

    profile_facts run() && {
        visit(root_, "");
        return std::move(facts_);
    }

private:
    // One step of a path: the local name, in braces the namespace when it is not the root's, and the position among
    // the siblings of the same name when there are several.
    std::string segment(xml::element n, std::size_t position, std::size_t of) const {
        std::string out;
        if (n.namespace_uri() != root_.namespace_uri()) {
            out = "{" + std::string(n.namespace_uri()) + "}";
        }
        out += n.local_name();
        if (of > 1) {
            out += "[" + std::to_string(position) + "]";
        }
        return out;
    }

    void visit(xml::element parent, const std::string& parent_path) {
        using key = std::pair<std::string_view, std::string_view>;
        std::map<key, std::size_t> totals;
        for (xml::element c : parent.children()) {
            ++totals[{c.namespace_uri(), c.local_name()}];
        }
        std::map<key, std::size_t> seen;
        for (xml::element c : parent.children()) {
            if (ignored(c)) {
                continue;
            }
            const key k{c.namespace_uri(), c.local_name()};
            auto step = segment(c, ++seen[k], totals[k]);
            auto path = parent_path.empty() ? step : parent_path + "/" + step;
            if (c.namespace_uri() == template_namespace) {
                if (parent == root_ && c.local_name() == "operating-area") {
                    record_area(c);
                }
                continue;
            }
            inspect(c, path);
            visit(c, path);
        }
    }

    void inspect(xml::element n, const std::string& path) {
        auto name = n.local_name();
        if ((name == "entry" && n.parent() && one_of(group_lists, n.parent().local_name())) ||
            one_of(group_ids, name)) {
            record_group(n);
        } else if (is_limit(n)) {
            facts_.limits.push_back({path, std::string(name), n.trimmed_text()});
        } else if (name == "Priority") {
            facts_.priorities.push_back({path, std::string(name), n.trimmed_text()});
        } else if (name.starts_with("allow-")) {
            facts_.authorisations.push_back({path, std::string(name), n.trimmed_text()});
        }
    }

    void record_group(xml::element entry) {
        auto uri = first_child_named(entry, "uri-entry").trimmed_text();
        if (uri.empty()) {
            return;
        }
        auto display_name = first_child_named(entry, "display-name").trimmed_text();
        auto [at, inserted] = group_index_.try_emplace(uri, facts_.groups.size());
        if (inserted) {
            facts_.groups.push_back({std::move(uri), std::move(display_name)});
        } else if (facts_.groups[at->second].display_name.empty()) {
            facts_.groups[at->second].display_name = std::move(display_name);
        }
    }

    void record_area(xml::element area) {
        facts_.has_area = true;
        facts_.area_count += area.child_count();
        facts_.area_canonical += canonical(area);
    }

    xml::element root_;
    profile_facts facts_;
    std::map<std::string, std::size_t> group_index_;
};

result<profile_facts> facts_of(std::string_view text, const char* which) {
    auto doc = xml::parse(text);
    if (!doc) {
        auto e = std::move(doc).err();
        return make_error(e.code, std::string(which) + ": " + e.message);
    }
    if (!doc->root()) {
        return profile_facts{};
    }
    return fact_collector(doc->root()).run();
}

// The values of both documents side by side: first in the order of `before`, then those only `after` has.
struct value_pair {
    std::string path;
    std::string name;
    const std::string* before = nullptr;
    const std::string* after = nullptr;
};

std::vector<value_pair> pair_up(const std::vector<located_value>& before, const std::vector<located_value>& after) {
    std::map<std::string_view, const located_value*> after_by_path;
    for (const auto& v : after) {
        after_by_path.emplace(v.path, &v);
    }
    std::vector<value_pair> out;
    std::set<std::string_view> before_paths;
    for (const auto& v : before) {
        auto match = after_by_path.find(v.path);
        out.push_back({v.path, v.name, &v.value, match == after_by_path.end() ? nullptr : &match->second->value});
        before_paths.insert(v.path);
    }
    for (const auto& v : after) {
        if (!before_paths.contains(v.path)) {
            out.push_back({v.path, v.name, nullptr, &v.value});
        }
    }
    return out;
}

std::optional<unsigned long> number(const std::string& text) {
    unsigned long value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return value;
}

std::optional<bool> boolean(const std::string& text) {
    if (text == "true" || text == "1") {
        return true;
    }
    if (text == "false" || text == "0") {
        return false;
    }
    return std::nullopt;
}

void describe_groups(const profile_facts& before, const profile_facts& after, std::vector<std::string>& lines) {
    auto uris = [](const profile_facts& f) {
        std::set<std::string_view> out;
        for (const auto& g : f.groups) {
            out.insert(g.uri);
        }
        return out;
    };
    const auto before_uris = uris(before);
    const auto after_uris = uris(after);
    for (const auto& g : before.groups) {
        if (!after_uris.contains(g.uri)) {
            lines.push_back("group removed: " + g.uri);
        }
    }
    for (const auto& g : after.groups) {
        if (!before_uris.contains(g.uri)) {
            lines.push_back("group added: " + g.uri + (g.display_name.empty() ? "" : " (" + g.display_name + ")"));
        }
    }
}

// Numbers that changed, "(none)" for a missing one: "priority: 9 -> 5", or with the path where `label` names several.
void describe_numbers(const std::vector<located_value>& before, const std::vector<located_value>& after,
                      std::string_view label, std::vector<std::string>& lines) {
    const auto pairs = pair_up(before, after);
    std::map<std::string_view, std::size_t> paths_per_name;
    for (const auto& p : pairs) {
        ++paths_per_name[p.name];
    }
    for (const auto& p : pairs) {
        if (p.before && p.after) {
            auto b = number(*p.before);
            auto a = number(*p.after);
            if (*p.before == *p.after || (b && a && *b == *a)) {
                continue;
            }
        }
        const bool several = label.empty() ? paths_per_name[p.name] > 1 : pairs.size() > 1;
        const std::string what = label.empty() ? "limit " + p.name : std::string(label);
        lines.push_back(what + (several ? " (" + p.path + ")" : "") + ": " + (p.before ? *p.before : "(none)") +
                        " -> " + (p.after ? *p.after : "(none)"));
    }
}

void describe_authorisations(const profile_facts& before, const profile_facts& after, std::vector<std::string>& lines) {
    const auto pairs = pair_up(before.authorisations, after.authorisations);
    std::map<std::string_view, std::size_t> paths_per_name;
    for (const auto& p : pairs) {
        ++paths_per_name[p.name];
    }
    for (const auto& p : pairs) {
        auto label = paths_per_name[p.name] > 1 ? p.name + " (" + p.path + ")" : p.name;
        if (!p.after) {
            lines.push_back("authorisation removed: " + label + " (was " + *p.before + ")");
        } else if (!p.before) {
            lines.push_back("authorisation added: " + label + " = " + *p.after);
        } else if (auto b = boolean(*p.before), a = boolean(*p.after); b && a) {
            if (*b != *a) {
                lines.push_back(std::string(*b ? "authorisation withdrawn: " : "authorisation granted: ") + label);
            }
        } else if (*p.before != *p.after) {
            lines.push_back("authorisation changed: " + label + ": " + *p.before + " -> " + *p.after);
        }
    }
}

void describe_area(const profile_facts& before, const profile_facts& after, std::vector<std::string>& lines) {
    auto count = [](std::size_t n) { return std::to_string(n) + (n == 1 ? " area" : " areas"); };
    if (!before.has_area && after.has_area) {
        lines.push_back("operating area set: " + count(after.area_count));
    } else if (before.has_area && !after.has_area) {
        lines.push_back("operating area removed");
    } else if (before.has_area && before.area_canonical != after.area_canonical) {
        lines.push_back("operating area changed: " + count(after.area_count));
    }
}

} // namespace

result<std::vector<std::string>> describe_profile_changes(std::string_view before, std::string_view after) {
    auto b = facts_of(before, "before");
    if (!b) {
        return std::move(b).err();
    }
    auto a = facts_of(after, "after");
    if (!a) {
        return std::move(a).err();
    }
    std::vector<std::string> lines;
    describe_groups(*b, *a, lines);
    describe_numbers(b->priorities, a->priorities, "priority", lines);
    describe_authorisations(*b, *a, lines);
    describe_numbers(b->limits, a->limits, "", lines);
    describe_area(*b, *a, lines);
    return lines;
}

} // namespace mcprov::migration
