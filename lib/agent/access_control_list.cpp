#include "mcprov/agent/access_control_list.hpp"

#include <algorithm>

namespace mcprov::agent {
namespace {

using support::errc;
using support::make_error;
using support::result;

constexpr std::array<std::string_view, 5> command_names{"Add", "Delete", "Exec", "Get", "Replace"};

// TND 7.7.1: a server identifier is "*", or printable characters other than '=', '&', '*', '+' and white space.
bool is_server_id(std::string_view id) {
    if (id == "*") {
        return true;
    }
    return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return c > 0x20 && c < 0x7f && c != '=' && c != '&' && c != '*' && c != '+';
    });
}

} // namespace

std::string_view to_string(dm_command c) {
    return command_names[static_cast<std::size_t>(c)];
}

result<access_control_list> access_control_list::parse(std::string_view text) {
    access_control_list acl;
    if (text.empty()) {
        return acl;
    }
    if (text.size() > 4096) {
        return make_error(errc::invalid_argument, "an ACL is at most 4096 characters");
    }
    while (true) {
        const auto amp = text.find('&');
        const auto entry = text.substr(0, amp);
        const auto equals = entry.find('=');
        if (equals == std::string_view::npos) {
            return make_error(errc::invalid_argument, "ACL entry '" + std::string(entry) + "' has no '='");
        }
        const auto name = entry.substr(0, equals);
        auto it = std::find(command_names.begin(), command_names.end(), name);
        if (it == command_names.end()) {
            return make_error(errc::invalid_argument, "'" + std::string(name) +
                                                          "' is not a command an ACL governs (Add, Delete, Exec, Get, "
                                                          "Replace)");
        }
        auto& servers = acl.servers_[static_cast<std::size_t>(it - command_names.begin())];
        if (!servers.empty()) {
            return make_error(errc::invalid_argument, "the ACL names " + std::string(name) + " twice");
        }
        auto ids = entry.substr(equals + 1);
        while (true) {
            const auto plus = ids.find('+');
            const auto id = ids.substr(0, plus);
            if (!is_server_id(id)) {
                return make_error(errc::invalid_argument, "'" + std::string(id) + "' in the ACL entry for " +
                                                              std::string(name) + " is not a server identifier");
            }
            servers.emplace_back(id);
            if (plus == std::string_view::npos) {
                break;
            }
            ids.remove_prefix(plus + 1);
        }
        if (amp == std::string_view::npos) {
            break;
        }
        text.remove_prefix(amp + 1);
    }
    return acl;
}

std::string access_control_list::to_string() const {
    std::string out;
    for (std::size_t i = 0; i < servers_.size(); ++i) {
        if (servers_[i].empty()) {
            continue;
        }
        if (!out.empty()) {
            out += '&';
        }
        out += command_names[i];
        out += '=';
        for (std::size_t j = 0; j < servers_[i].size(); ++j) {
            out += (j ? "+" : "") + servers_[i][j];
        }
    }
    return out;
}

bool access_control_list::empty() const {
    return std::all_of(servers_.begin(), servers_.end(), [](const auto& s) { return s.empty(); });
}

bool access_control_list::allows(dm_command c, std::string_view server_id) const {
    const auto& servers = servers_[index(c)];
    return std::any_of(servers.begin(), servers.end(), [&](const std::string& s) { return s == "*" || s == server_id; });
}

} // namespace mcprov::agent
