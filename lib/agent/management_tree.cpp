#include "mcprov/agent/management_tree.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>

#include <boost/json.hpp>

#include "mcprov/support/encoding.hpp"

namespace mcprov::agent {
namespace {

using support::errc;
using support::make_error;
using support::result;

constexpr std::string_view formats[] = {"b64", "bin",  "bool", "chr",   "int",  "node",
                                        "null", "xml", "date", "time", "float"};

// A URI of the tree: its segments below the root, and a property asked for with "?prop=".
struct parsed_uri {
    unsigned status = dm_status::ok;
    std::vector<std::string_view> segments;
    std::optional<std::string_view> property;
};

parsed_uri parse_uri(std::string_view uri, const tree_limits& limits) {
    parsed_uri out;
    if (uri.size() > limits.max_total_length) {
        out.status = dm_status::uri_too_long;
        return out;
    }
    if (const auto query = uri.find('?'); query != std::string_view::npos) {
        const auto q = uri.substr(query + 1);
        uri = uri.substr(0, query);
        if (!q.starts_with("prop=") || q.size() == 5) {
            out.status = q.starts_with("list=") ? dm_status::not_supported : dm_status::bad_request;
            return out;
        }
        out.property = q.substr(5);
    }
    if (uri == "." || uri == "./") {
        return out;
    }
    if (uri.starts_with("./")) {
        uri.remove_prefix(2);
    }
    while (true) {
        const auto slash = uri.find('/');
        const auto segment = uri.substr(0, slash);
        if (segment.empty() || segment == "." || segment == "..") {
            out.status = dm_status::bad_request;
            return out;
        }
        if (segment.size() > limits.max_segment_length || out.segments.size() + 1 > limits.max_depth) {
            out.status = dm_status::uri_too_long;
            return out;
        }
        out.segments.push_back(segment);
        if (slash == std::string_view::npos) {
            break;
        }
        uri.remove_prefix(slash + 1);
    }
    return out;
}

// Whether a value is one of its format (TND 7.5); 0 when it is, else the status to answer.
unsigned check_value(const node_value& v, const tree_limits& limits) {
    if (std::find(std::begin(formats), std::end(formats), v.format) == std::end(formats)) {
        return dm_status::unsupported_format;
    }
    if (v.data.size() > limits.max_value_bytes) {
        return dm_status::too_large;
    }
    if (v.format == "bool" && v.data != "true" && v.data != "false") {
        return dm_status::bad_request;
    }
    if (v.format == "int") {
        std::uint32_t n = 0;
        auto [end, ec] = std::from_chars(v.data.data(), v.data.data() + v.data.size(), n);
        if (v.data.empty() || ec != std::errc() || end != v.data.data() + v.data.size()) {
            return dm_status::bad_request;
        }
    }
    return 0;
}

} // namespace

struct management_tree::node {
    std::string name;
    node* parent = nullptr;
    bool interior = true;
    node_value value;  // a leaf's
    std::string type;  // an interior node's (an MO's identifier at its root)
    access_control_list acl;
    std::string title;
    bool permanent = false;
    std::optional<std::array<bool, 5>> access; // the commands the node takes at all (DDF AccessType); none: every one
    std::vector<std::unique_ptr<node>> children;

    bool takes(dm_command c) const { return !access || (*access)[static_cast<std::size_t>(c)]; }

    node* child(std::string_view n) const {
        for (const auto& c : children) {
            if (c->name == n) {
                return c.get();
            }
        }
        return nullptr;
    }
    std::size_t count() const {
        std::size_t n = 1;
        for (const auto& c : children) {
            n += c->count();
        }
        return n;
    }
    bool holds_permanent() const {
        return permanent || std::any_of(children.begin(), children.end(),
                                        [](const auto& c) { return c->holds_permanent(); });
    }
};

// Where a URI leads: the deepest node that exists on its path and how many of its segments that covers.
struct management_tree::located {
    parsed_uri uri;
    node* deepest = nullptr;
    std::size_t reached = 0;
    node* found() const { return uri.status == dm_status::ok && reached == uri.segments.size() ? deepest : nullptr; }
};

management_tree::management_tree(tree_limits limits) : limits_(limits), root_(std::make_unique<node>()) {
    root_->name = ".";
    root_->acl = access_control_list::parse("Add=*&Get=*").value();
    root_->permanent = true;
}

management_tree::~management_tree() = default;
management_tree::management_tree(management_tree&&) noexcept = default;
management_tree& management_tree::operator=(management_tree&&) noexcept = default;

management_tree::located management_tree::locate(std::string_view uri) const {
    located at{parse_uri(uri, limits_), root_.get(), 0};
    if (at.uri.status != dm_status::ok) {
        return at;
    }
    for (const auto segment : at.uri.segments) {
        auto* next = at.deepest->interior ? at.deepest->child(segment) : nullptr;
        if (!next) {
            break;
        }
        at.deepest = next;
        ++at.reached;
    }
    return at;
}

// TND 7.7.1: the nearest ACL on the way to the root that names the command decides.
bool management_tree::permitted(const node& n, dm_command c, std::string_view server) const {
    for (const node* at = &n; at; at = at->parent) {
        if (at->acl.names(c)) {
            return at->acl.allows(c, server);
        }
    }
    return false;
}

management_tree::node* management_tree::make_interiors(const located& at, std::size_t upto) {
    node* n = at.deepest;
    for (std::size_t i = at.reached; i < upto; ++i) {
        auto made = std::make_unique<node>();
        made->name = std::string(at.uri.segments[i]);
        made->parent = n;
        n = n->children.emplace_back(std::move(made)).get();
        ++nodes_;
    }
    return n;
}

result<void> management_tree::install_interior(std::string_view uri, std::string_view type, std::string_view acl,
                                               bool permanent) {
    auto parsed_acl = access_control_list::parse(acl);
    if (!parsed_acl) {
        return std::move(parsed_acl).err();
    }
    const auto at = locate(uri);
    if (at.uri.status != dm_status::ok || at.uri.property) {
        return make_error(errc::invalid_argument, "'" + std::string(uri) + "' is not a node's URI");
    }
    if (!at.deepest->interior) {
        return make_error(errc::invalid_argument, "a leaf stands in the way of " + std::string(uri));
    }
    node* n = make_interiors(at, at.uri.segments.size());
    n->type = std::string(type);
    n->acl = std::move(parsed_acl).value();
    n->permanent = permanent;
    return {};
}

result<void> management_tree::install_leaf(std::string_view uri, node_value value, std::string_view acl,
                                           bool permanent) {
    auto parsed_acl = access_control_list::parse(acl);
    if (!parsed_acl) {
        return std::move(parsed_acl).err();
    }
    const auto at = locate(uri);
    if (at.uri.status != dm_status::ok || at.uri.property || at.uri.segments.empty()) {
        return make_error(errc::invalid_argument, "'" + std::string(uri) + "' is not a leaf's URI");
    }
    node* leaf = at.found();
    if (leaf && leaf->interior) {
        return make_error(errc::invalid_argument, std::string(uri) + " is an interior node");
    }
    if (!leaf) {
        if (!at.deepest->interior) {
            return make_error(errc::invalid_argument, "a leaf stands in the way of " + std::string(uri));
        }
        node* parent = make_interiors(at, at.uri.segments.size() - 1);
        auto made = std::make_unique<node>();
        made->name = std::string(at.uri.segments.back());
        made->parent = parent;
        made->interior = false;
        leaf = parent->children.emplace_back(std::move(made)).get();
        ++nodes_;
    }
    leaf->value = std::move(value);
    leaf->acl = std::move(parsed_acl).value();
    leaf->permanent = permanent;
    return {};
}

result<void> management_tree::set_access_types(std::string_view uri, std::initializer_list<dm_command> allowed) {
    const auto at = locate(uri);
    if (at.uri.status != dm_status::ok || at.uri.property) {
        return make_error(errc::invalid_argument, "'" + std::string(uri) + "' is not a node's URI");
    }
    auto* n = at.found();
    if (!n) {
        return make_error(errc::not_found, std::string(uri) + " does not exist");
    }
    std::array<bool, 5> access{};
    for (auto c : allowed) {
        access[static_cast<std::size_t>(c)] = true;
    }
    n->access = access;
    return {};
}

tree_answer management_tree::get(std::string_view uri, std::string_view server) const {
    const auto at = locate(uri);
    if (at.uri.status != dm_status::ok) {
        return {at.uri.status, std::nullopt};
    }
    const auto* n = at.found();
    if (!n) {
        return {dm_status::not_found, std::nullopt};
    }
    if (!n->takes(dm_command::get)) {
        return {dm_status::not_allowed, std::nullopt};
    }
    if (!permitted(*n, dm_command::get, server)) {
        return {dm_status::permission_denied, std::nullopt};
    }
    if (at.uri.property) {
        const auto p = *at.uri.property;
        auto text = [](std::string data) { return node_value{"chr", "text/plain", std::move(data)}; };
        if (p == "ACL") {
            return {dm_status::ok, text(n->acl.to_string())};
        }
        if (p == "Format") {
            return {dm_status::ok, text(n->interior ? "node" : n->value.format)};
        }
        if (p == "Type") {
            return {dm_status::ok, text(n->interior ? n->type : n->value.type)};
        }
        if (p == "Name") {
            return {dm_status::ok, text(n->name)};
        }
        if (p == "Title") {
            return {dm_status::ok, text(n->title)};
        }
        if (p == "Size" && !n->interior) {
            return {dm_status::ok, node_value{"int", "text/plain", std::to_string(n->value.data.size())}};
        }
        return {dm_status::not_supported, std::nullopt};
    }
    if (!n->interior) {
        return {dm_status::ok, n->value};
    }
    std::string names;
    for (const auto& c : n->children) {
        names += (names.empty() ? "" : "/") + c->name;
    }
    return {dm_status::ok, node_value{"node", n->type, std::move(names)}};
}

unsigned management_tree::add(std::string_view uri, const node_value& value, std::string_view server) {
    auto at = locate(uri);
    if (at.uri.status != dm_status::ok) {
        return at.uri.status;
    }
    if (at.uri.property) {
        return dm_status::not_allowed; // properties are never added
    }
    if (at.found()) {
        return dm_status::already_exists;
    }
    if (!at.deepest->interior || !at.deepest->takes(dm_command::add)) {
        return dm_status::not_allowed;
    }
    if (!permitted(*at.deepest, dm_command::add, server)) {
        return dm_status::permission_denied;
    }
    const bool interior = value.format == "node";
    if (!interior) {
        if (auto bad = check_value(value, limits_)) {
            return bad;
        }
    }
    if (nodes_ + (at.uri.segments.size() - at.reached) > limits_.max_nodes) {
        return dm_status::device_full;
    }
    node* parent = make_interiors(at, at.uri.segments.size() - 1);
    auto made = std::make_unique<node>();
    made->name = std::string(at.uri.segments.back());
    made->parent = parent;
    made->interior = interior;
    if (interior) {
        made->type = value.type == "text/plain" ? std::string() : value.type;
    } else {
        made->value = value;
    }
    // The server that adds a node may manage it (TND 7.7.1: the new node's ACL); other servers may not read or change
    // it unless the node's ACL is replaced to let them.
    const std::vector<std::string> adder{std::string(server)};
    made->acl.set(dm_command::get, adder);
    made->acl.set(dm_command::replace, adder);
    made->acl.set(dm_command::delete_, adder);
    if (interior) {
        made->acl.set(dm_command::add, adder);
    }
    parent->children.push_back(std::move(made));
    ++nodes_;
    return dm_status::ok;
}

unsigned management_tree::replace(std::string_view uri, const node_value& value, std::string_view server) {
    auto at = locate(uri);
    if (at.uri.status != dm_status::ok) {
        return at.uri.status;
    }
    auto* n = at.found();
    if (!n) {
        return dm_status::not_found;
    }
    if (at.uri.property) {
        const auto p = *at.uri.property;
        if (p == "ACL") {
            // TND 7.7.1: the parent's Replace right governs a child's ACL; an interior node's own governs its own.
            const bool allowed = (n->parent && permitted(*n->parent, dm_command::replace, server)) ||
                                 (n->interior && permitted(*n, dm_command::replace, server));
            if (!allowed) {
                return dm_status::permission_denied;
            }
            auto acl = access_control_list::parse(value.data);
            if (!acl) {
                return dm_status::bad_request;
            }
            if (n == root_.get() && acl->empty()) {
                return dm_status::not_allowed; // the root's ACL is never empty
            }
            n->acl = std::move(acl).value();
            return dm_status::ok;
        }
        if (p == "Name" || p == "Title") {
            if (!permitted(*n, dm_command::replace, server)) {
                return dm_status::permission_denied;
            }
            if (p == "Title") {
                n->title = value.data;
                return dm_status::ok;
            }
            if (n == root_.get() || n->permanent) {
                return dm_status::not_allowed;
            }
            const auto renamed = parse_uri(value.data, limits_);
            if (renamed.status != dm_status::ok || renamed.segments.size() != 1 || renamed.property) {
                return dm_status::bad_request;
            }
            if (n->parent->child(value.data)) {
                return dm_status::already_exists;
            }
            n->name = value.data;
            return dm_status::ok;
        }
        return p == "Format" || p == "Type" || p == "Size" ? dm_status::not_allowed : dm_status::not_supported;
    }
    if (n->interior || !n->takes(dm_command::replace)) {
        return dm_status::not_allowed;
    }
    if (!permitted(*n, dm_command::replace, server)) {
        return dm_status::permission_denied;
    }
    if (auto bad = check_value(value, limits_)) {
        return bad;
    }
    n->value = value;
    return dm_status::ok;
}

unsigned management_tree::remove(std::string_view uri, std::string_view server) {
    auto at = locate(uri);
    if (at.uri.status != dm_status::ok) {
        return at.uri.status;
    }
    if (at.uri.property) {
        return dm_status::not_allowed;
    }
    auto* n = at.found();
    if (!n) {
        return dm_status::not_found;
    }
    if (n == root_.get() || n->holds_permanent() || !n->takes(dm_command::delete_)) {
        return dm_status::not_allowed;
    }
    if (!permitted(*n, dm_command::delete_, server)) {
        return dm_status::permission_denied;
    }
    nodes_ -= n->count();
    auto& siblings = n->parent->children;
    siblings.erase(std::find_if(siblings.begin(), siblings.end(), [n](const auto& c) { return c.get() == n; }));
    return dm_status::ok;
}

unsigned management_tree::may_exec(std::string_view uri, std::string_view server) const {
    const auto at = locate(uri);
    if (at.uri.status != dm_status::ok) {
        return at.uri.status;
    }
    const auto* n = at.found();
    if (!n || at.uri.property) {
        return n ? dm_status::not_allowed : dm_status::not_found;
    }
    if (!n->takes(dm_command::exec)) {
        return dm_status::not_allowed;
    }
    return permitted(*n, dm_command::exec, server) ? dm_status::ok : dm_status::permission_denied;
}

bool management_tree::exists(std::string_view uri) const {
    const auto at = locate(uri);
    return at.found() != nullptr && !at.uri.property;
}

std::optional<node_value> management_tree::value(std::string_view uri) const {
    const auto at = locate(uri);
    const auto* n = at.found();
    return n && !n->interior && !at.uri.property ? std::optional<node_value>(n->value) : std::nullopt;
}

std::vector<std::string> management_tree::children(std::string_view uri) const {
    std::vector<std::string> out;
    if (const auto* n = locate(uri).found(); n) {
        for (const auto& c : n->children) {
            out.push_back(c->name);
        }
    }
    return out;
}

std::size_t management_tree::size() const {
    return nodes_;
}

namespace {

namespace json = boost::json;

constexpr std::array<dm_command, 5> all_commands{dm_command::add, dm_command::delete_, dm_command::exec,
                                                 dm_command::get, dm_command::replace};

} // namespace

management_tree management_tree::clone() const {
    auto text = to_json();
    return std::move(from_json(text, limits_).value());
}

json::object management_tree::write_node(const node& n) {
    json::object o{{"name", n.name}, {"acl", n.acl.to_string()}};
    if (n.interior) {
        o["type"] = n.type;
        json::array children;
        for (const auto& c : n.children) {
            children.push_back(write_node(*c));
        }
        o["children"] = std::move(children);
    } else {
        o["format"] = n.value.format;
        o["mime"] = n.value.type;
        o["data"] = support::base64_encode(n.value.data); // any bytes: a bin leaf, a server's chr
    }
    if (!n.title.empty()) {
        o["title"] = n.title;
    }
    if (n.permanent) {
        o["permanent"] = true;
    }
    if (n.access) {
        json::array allowed;
        for (auto c : all_commands) {
            if ((*n.access)[static_cast<std::size_t>(c)]) {
                allowed.emplace_back(agent::to_string(c));
            }
        }
        o["access"] = std::move(allowed);
    }
    return o;
}

// Reads `o` into `n` (its name is the caller's), counting the nodes read into `nodes`.
result<void> management_tree::read_node(const json::object& o, node& n, unsigned depth, const tree_limits& limits,
                                        std::size_t& nodes) {
    if (++nodes > limits.max_nodes || depth > limits.max_depth) {
        return make_error(errc::invalid_argument, "a stored management tree over the tree's limits");
    }
    auto text_of = [](const json::object& obj, std::string_view k) {
        const auto* f = obj.if_contains(k);
        return f && f->is_string() ? std::string(f->as_string()) : std::string();
    };
    auto acl = access_control_list::parse(text_of(o, "acl"));
    if (!acl) {
        return make_error(errc::invalid_argument, "a stored node's ACL: " + acl.err().message);
    }
    n.acl = std::move(acl).value();
    n.title = text_of(o, "title");
    const auto* permanent = o.if_contains("permanent");
    n.permanent = permanent && permanent->is_bool() && permanent->as_bool();
    if (const auto* access = o.if_contains("access"); access && access->is_array()) {
        std::array<bool, 5> allowed{};
        for (const auto& a : access->as_array()) {
            for (auto c : all_commands) {
                if (a.is_string() && a.as_string() == agent::to_string(c)) {
                    allowed[static_cast<std::size_t>(c)] = true;
                }
            }
        }
        n.access = allowed;
    }
    const auto* children = o.if_contains("children");
    if (!children) {
        n.interior = false;
        auto data = support::base64_decode(text_of(o, "data"));
        if (!data) {
            return make_error(errc::invalid_argument, "a stored leaf's value is not base64");
        }
        n.value = {text_of(o, "format"), text_of(o, "mime"), std::move(data).value()};
        if (check_value(n.value, limits) != 0 && n.value.format != "node") {
            return make_error(errc::invalid_argument, "a stored leaf's value does not match its format");
        }
        return {};
    }
    n.interior = true;
    n.type = text_of(o, "type");
    if (!children->is_array()) {
        return make_error(errc::invalid_argument, "a stored node's children are not a list");
    }
    for (const auto& c : children->as_array()) {
        if (!c.is_object()) {
            return make_error(errc::invalid_argument, "a stored node is not an object");
        }
        auto child = std::make_unique<node>();
        child->name = text_of(c.as_object(), "name");
        child->parent = &n;
        if (child->name.empty() || child->name.find('/') != std::string::npos) {
            return make_error(errc::invalid_argument, "a stored node without a proper name");
        }
        if (auto r = read_node(c.as_object(), *child, depth + 1, limits, nodes); !r) {
            return r;
        }
        n.children.push_back(std::move(child));
    }
    return {};
}

std::string management_tree::to_json() const {
    return json::serialize(json::object{{"version", 1}, {"root", write_node(*root_)}});
}

result<management_tree> management_tree::from_json(std::string_view text, tree_limits limits) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    const auto* root = !ec && v.is_object() ? v.as_object().if_contains("root") : nullptr;
    if (!root || !root->is_object()) {
        return make_error(errc::invalid_argument, "not a stored management tree");
    }
    management_tree tree(limits);
    std::size_t nodes = 0;
    if (auto r = read_node(root->as_object(), *tree.root_, 0, limits, nodes); !r) {
        return std::move(r).err();
    }
    tree.root_->name = ".";
    tree.nodes_ = nodes;
    return tree;
}

std::size_t management_tree::count(const node& n) {
    std::size_t total = 1;
    for (const auto& c : n.children) {
        total += count(*c);
    }
    return total;
}

std::optional<std::string> management_tree::subtree_json(std::string_view uri) const {
    const auto at = locate(uri);
    const node* n = at.uri.property ? nullptr : at.found();
    if (!n || n == root_.get()) {
        return std::nullopt;
    }
    return json::serialize(write_node(*n));
}

result<void> management_tree::put_subtree(std::string_view uri, std::string_view subtree) {
    const auto at = locate(uri);
    if (at.uri.status != dm_status::ok || at.uri.property || at.uri.segments.empty()) {
        return make_error(errc::invalid_argument, "'" + std::string(uri) + "' is not a node's URI");
    }
    boost::system::error_code ec;
    const auto v = json::parse(subtree, ec);
    if (ec || !v.is_object()) {
        return make_error(errc::invalid_argument, "not a stored subtree");
    }
    auto fresh = std::make_unique<node>();
    std::size_t nodes = 0;
    if (auto r = read_node(v.as_object(), *fresh, static_cast<unsigned>(at.uri.segments.size()), limits_, nodes);
        !r) {
        return r;
    }
    node* existing = at.found();
    const std::size_t replaced = existing ? count(*existing) : 0;
    if (nodes_ - replaced + nodes + at.uri.segments.size() > limits_.max_nodes) {
        return make_error(errc::too_large, "the tree would exceed its node limit");
    }
    if (!existing && !at.deepest->interior) {
        return make_error(errc::invalid_argument, "a leaf stands in the way of " + std::string(uri));
    }
    node* parent = existing ? existing->parent : make_interiors(at, at.uri.segments.size() - 1);
    fresh->name = std::string(at.uri.segments.back());
    fresh->parent = parent;
    for (auto& c : parent->children) {
        if (c.get() == existing) {
            c = std::move(fresh);
            nodes_ = nodes_ - replaced + nodes;
            return {};
        }
    }
    parent->children.push_back(std::move(fresh));
    nodes_ += nodes;
    return {};
}

result<void> management_tree::erase(std::string_view uri) {
    const auto at = locate(uri);
    node* n = at.uri.property ? nullptr : at.found();
    if (!n || n == root_.get()) {
        return make_error(errc::not_found, "no node " + std::string(uri));
    }
    auto& siblings = n->parent->children;
    for (auto it = siblings.begin(); it != siblings.end(); ++it) {
        if (it->get() == n) {
            nodes_ -= count(*n);
            siblings.erase(it);
            break;
        }
    }
    return {};
}

} // namespace mcprov::agent
