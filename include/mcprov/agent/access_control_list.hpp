#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/result.hpp"

namespace mcprov::agent {

// The commands a node's ACL governs (OMA-TS-DM_TND-V1_2 clause 7.7.1).
enum class dm_command { add, delete_, exec, get, replace };

std::string_view to_string(dm_command c);

// A node's ACL property: per command, the server identifiers that may run it, "*" for every server. An ACL that names
// no server for a command says nothing about it: the node's parent's ACL decides (inheritance up to the root).
class access_control_list {
public:
    // "Add=a+b&Get=*&Replace=a"; "" is the empty ACL. Errors: invalid_argument (an unknown command, a command given
    // twice, a missing '=', an empty or malformed server identifier).
    static support::result<access_control_list> parse(std::string_view text);

    // In the canonical form: Add, Delete, Exec, Get, Replace, each with its identifiers in the order given.
    std::string to_string() const;

    bool empty() const;
    // Whether the ACL names the command at all (else the parent's ACL decides it).
    bool names(dm_command c) const { return !servers_[index(c)].empty(); }
    // Whether the ACL, naming the command, lets this server run it.
    bool allows(dm_command c, std::string_view server_id) const;

    void set(dm_command c, std::vector<std::string> servers) { servers_[index(c)] = std::move(servers); }
    const std::vector<std::string>& servers(dm_command c) const { return servers_[index(c)]; }

    friend bool operator==(const access_control_list&, const access_control_list&) = default;

private:
    static std::size_t index(dm_command c) { return static_cast<std::size_t>(c); }
    std::array<std::vector<std::string>, 5> servers_{};
};

} // namespace mcprov::agent
