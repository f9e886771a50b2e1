#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "mcprov/agent/access_control_list.hpp"
#include "mcprov/support/result.hpp"

// The device's DM management tree (OMA-TS-DM_TND-V1_2): interior and leaf nodes with their properties, addressed by
// URI ("./DevInfo/DevId"), each command checked against the ACLs by the asking server's identifier. Every operation
// answers with the DM status code (OMA-TS-DM_RepPro-V1_2) the device sends back.
namespace mcprov::agent {

namespace dm_status {
inline constexpr unsigned ok = 200;
inline constexpr unsigned bad_request = 400;         // a malformed URI or property
inline constexpr unsigned not_found = 404;
inline constexpr unsigned too_large = 413;           // a value over the tree's limit
inline constexpr unsigned not_allowed = 405;         // the command is not allowed on this node (root, permanent)
inline constexpr unsigned not_supported = 406;       // an optional feature (a property) not supported
inline constexpr unsigned uri_too_long = 414;
inline constexpr unsigned unsupported_format = 415;  // a format the node or the tree does not take
inline constexpr unsigned already_exists = 418;
inline constexpr unsigned device_full = 420;
inline constexpr unsigned permission_denied = 425;   // the ACL does not let this server do it
} // namespace dm_status

// A leaf's value and how it is to be read (TND 7.4, 7.5): b64, bin, bool, chr, int, null, xml, date, time, float.
struct node_value {
    std::string format = "chr";
    std::string type = "text/plain";
    std::string data;

    friend bool operator==(const node_value&, const node_value&) = default;
};

struct tree_limits {
    unsigned max_depth = 16;                   // segments below the root (./DevDetail/URI/MaxDepth)
    std::size_t max_total_length = 512;        // of a URI (./DevDetail/URI/MaxTotLen)
    std::size_t max_segment_length = 64;       // (./DevDetail/URI/MaxSegLen)
    std::size_t max_nodes = 10000;
    std::size_t max_value_bytes = 1024 * 1024; // of one leaf
};

struct tree_answer {
    unsigned status = dm_status::ok;
    std::optional<node_value> value; // of a Get that succeeded
};

class management_tree {
public:
    // The root "." alone, with the ACL "Add=*&Get=*" (TND: the root's ACL is never empty and lets any server add).
    explicit management_tree(tree_limits limits = {});
    ~management_tree();
    management_tree(management_tree&&) noexcept;
    management_tree& operator=(management_tree&&) noexcept;

    // What the device itself puts into its tree (DevInfo, DMAcc, the objects of its plug-ins): no ACL is checked,
    // missing interior nodes are made, and a permanent node cannot be deleted by a server. Errors: invalid_argument (a
    // malformed URI or ACL, a leaf in the way).
    support::result<void> install_interior(std::string_view uri, std::string_view type = {}, std::string_view acl = {},
                                           bool permanent = true);
    support::result<void> install_leaf(std::string_view uri, node_value value, std::string_view acl = {},
                                       bool permanent = true);

    // Restricts the commands a node takes at all, whoever asks (its DDF AccessType): others are answered 405. Add is
    // the node's to allow for its children. Errors: invalid_argument (a malformed URI), not_found.
    support::result<void> set_access_types(std::string_view uri, std::initializer_list<dm_command> allowed);

    // The commands of a server (its DMAcc ServerID). A URI may carry "?prop=<name>" (ACL, Format, Name, Size, Title,
    // Type). Get of an interior node gives its children's names, '/'-separated, in format node.
    tree_answer get(std::string_view uri, std::string_view server) const;
    // Adds a leaf, or an interior node when the value's format is "node"; missing interior parents are made.
    unsigned add(std::string_view uri, const node_value& value, std::string_view server);
    // A leaf's value (its format and type too), or a property: ?prop=ACL, ?prop=Name, ?prop=Title.
    unsigned replace(std::string_view uri, const node_value& value, std::string_view server);
    // Deletes the node and everything below it.
    unsigned remove(std::string_view uri, std::string_view server);
    // Whether the server may execute the node (the plug-in behind it runs it): 200, 404 or 425.
    unsigned may_exec(std::string_view uri, std::string_view server) const;

    // Whether the node exists, and a leaf's value, as the device sees them (no ACL).
    bool exists(std::string_view uri) const;
    std::optional<node_value> value(std::string_view uri) const;
    // The names of an interior node's children, in order.
    std::vector<std::string> children(std::string_view uri) const;

    std::size_t size() const; // nodes, the root included

    // A copy to go back to (an Atomic's rollback).
    management_tree clone() const;
    // The whole tree, every property and value (secrets too: it is the device's own storage), as JSON; and back.
    // from_json errors: invalid_argument (not a tree this version wrote, or one over `limits`).
    std::string to_json() const;
    static support::result<management_tree> from_json(std::string_view text, tree_limits limits = {});

    // One node and everything below it, as to_json writes nodes; nullopt when there is no such node (or it is the
    // root). put_subtree puts such a subtree at `uri` in place of what is there (making missing interior parents),
    // erase takes a node and everything below it out whatever its ACL or permanence: what the device does when a
    // smart card's objects come and go. Errors: invalid_argument (a malformed URI or subtree, a leaf in the way),
    // too_large (over the node limit), not_found.
    std::optional<std::string> subtree_json(std::string_view uri) const;
    support::result<void> put_subtree(std::string_view uri, std::string_view subtree);
    support::result<void> erase(std::string_view uri);

private:
    struct node;
    struct located;
    static boost::json::object write_node(const node& n);
    static support::result<void> read_node(const boost::json::object& o, node& n, unsigned depth,
                                           const tree_limits& limits, std::size_t& nodes);
    static std::size_t count(const node& n);
    located locate(std::string_view uri) const;
    // Makes the interior nodes missing on the located path, up to `upto` segments; returns the last node.
    node* make_interiors(const located& at, std::size_t upto);
    bool permitted(const node& n, dm_command c, std::string_view server) const;

    tree_limits limits_;
    std::unique_ptr<node> root_;
    std::size_t nodes_ = 1;
};

} // namespace mcprov::agent
