#include "mcprov/mcs_mo/ue_configuration.hpp"

#include <charconv>

#include "mcprov/xml/writer.hpp"

namespace mcprov::mcs_mo {
namespace {

using support::errc;
using support::make_error;
using support::result;

constexpr std::string_view groups_node = "Common/MCPTTGroupCall/PrioritizedMCPTTGroup/";

std::string flag(bool b) {
    return b ? "true" : "false";
}

std::optional<unsigned> number(const std::string& text) {
    unsigned n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size() ? std::optional(n) : std::nullopt;
}

} // namespace

std::vector<mo_leaf> to_mo_leaves(const ue_configuration& c) {
    std::vector<mo_leaf> out{{"Name", "chr", c.name},
                             {"Common/PrivateCall/MaxSimulCallN10", "int", std::to_string(c.max_private_calls)},
                             {"Common/MCPTTGroupCall/MaxSimulCallN4", "int", std::to_string(c.max_group_calls)},
                             {"Common/MCPTTGroupCall/MaxSimulTransN5", "int",
                              std::to_string(c.max_group_transmissions)}};
    for (std::size_t i = 0; i < c.prioritized_groups.size(); ++i) {
        const auto entry = std::string(groups_node) + std::to_string(i + 1) + "/";
        out.push_back({entry + "MCPTTGroupID", "chr", c.prioritized_groups[i].first});
        out.push_back({entry + "GroupPriorityHierarchy", "int", std::to_string(c.prioritized_groups[i].second)});
    }
    out.push_back({"OnNetwork/IPv6Preferred", "bool", flag(c.ipv6_preferred)});
    out.push_back({"OnNetwork/RelayService", "bool", flag(c.relay_service)});
    out.push_back({"Ext/Domain", "chr", c.domain});
    return out;
}

result<ue_configuration> ue_configuration_from_mo_leaves(const std::map<std::string, std::string>& leaves) {
    ue_configuration c;
    std::string missing;
    auto text = [&](const std::string& path) -> std::string {
        auto it = leaves.find(path);
        if (it == leaves.end()) {
            missing = missing.empty() ? path : missing;
            return {};
        }
        return it->second;
    };
    auto count = [&](const std::string& path, unsigned& into) {
        auto n = number(text(path));
        if (!n || *n == 0) {
            missing = missing.empty() ? path : missing;
        }
        into = n.value_or(1);
    };
    auto boolean = [&](const std::string& path, bool& into) {
        const auto t = text(path);
        if (t != "true" && t != "false") {
            missing = missing.empty() ? path : missing;
        }
        into = t == "true";
    };
    c.name = text("Name");
    c.domain = text("Ext/Domain");
    count("Common/PrivateCall/MaxSimulCallN10", c.max_private_calls);
    count("Common/MCPTTGroupCall/MaxSimulCallN4", c.max_group_calls);
    count("Common/MCPTTGroupCall/MaxSimulTransN5", c.max_group_transmissions);
    // The groups, by their run-time node names, in order.
    std::map<unsigned, std::pair<std::string, unsigned>> groups;
    for (const auto& [path, value] : leaves) {
        if (!path.starts_with(groups_node)) {
            continue;
        }
        const auto rest = path.substr(groups_node.size());
        const auto slash = rest.find('/');
        const auto index = number(rest.substr(0, slash));
        if (!index || slash == std::string::npos) {
            continue;
        }
        if (rest.substr(slash + 1) == "MCPTTGroupID") {
            groups[*index].first = value;
        } else if (rest.substr(slash + 1) == "GroupPriorityHierarchy") {
            groups[*index].second = number(value).value_or(0);
        }
    }
    for (auto& [index, group] : groups) {
        c.prioritized_groups.push_back(std::move(group));
    }
    boolean("OnNetwork/IPv6Preferred", c.ipv6_preferred);
    boolean("OnNetwork/RelayService", c.relay_service);
    if (!missing.empty()) {
        return make_error(errc::invalid_argument, "the MCPTT UE configuration lacks a proper " + missing);
    }
    if (c.prioritized_groups.empty()) {
        return make_error(errc::invalid_argument, "the MCPTT UE configuration has no prioritized group");
    }
    return c;
}

result<std::string> to_document(const ue_configuration& c) {
    xml::writer w({.indent = true});
    w.start_in(ue_configuration_namespace, "mcptt-UE-configuration").attribute("domain", c.domain);
    w.leaf("name", c.name);
    w.start("common");
    w.start("private-call").leaf("Max-Simul-Call-N10", std::to_string(c.max_private_calls)).end();
    w.start("MCPTT-Group-Call")
        .leaf("Max-Simul-Call-N4", std::to_string(c.max_group_calls))
        .leaf("Max-Simul-Trans-N5", std::to_string(c.max_group_transmissions));
    w.start("Prioritized-MCPTT-Group");
    for (const auto& [group, hierarchy] : c.prioritized_groups) {
        w.start("MCPTT-Group-Priority")
            .leaf("MCPTT-Group-ID", group)
            .leaf("group-priority-hierarchy", std::to_string(hierarchy))
            .end();
    }
    w.end().end().end();
    w.start("on-network").leaf("IPv6Preferred", flag(c.ipv6_preferred)).leaf("Relay-Service", flag(c.relay_service));
    w.end().end();
    auto text = w.finish();
    if (!text) {
        return text;
    }
    return checked_against(std::move(text).value(), ue_configuration_schema);
}

} // namespace mcprov::mcs_mo
