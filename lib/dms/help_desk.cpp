#include "mcprov/dms/help_desk.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "mcprov/xml/writer.hpp"

namespace mcprov::dms {

using support::errc;
using support::make_error;
using support::result;

const std::vector<std::string>& help_desk_nodes() {
    static const std::vector<std::string> nodes{
        "./DevDetail/DevTyp", "./DevInfo/Man",     "./DevInfo/Mod",     "./DevInfo/DevId",
        "./DevDetail/OEM",    "./DevDetail/FwV",   "./DevDetail/SwV",   "./DevDetail/HwV",
        "./DevDetail/LrgObj", "./SCOMO/Inventory/Deployed", "./MCS", "./FUMO/fw/State"};
    return nodes;
}

job help_desk_query() {
    job j;
    for (const auto& node : help_desk_nodes()) {
        j.commands.push_back({.name = syncml::command_name::get, .target = node});
    }
    return j;
}

namespace {

bool is_query(const job& j) {
    const auto& nodes = help_desk_nodes();
    return j.commands.size() == nodes.size() &&
           std::equal(j.commands.begin(), j.commands.end(), nodes.begin(), [](const job_command& c, const std::string& n) {
               return c.name == syncml::command_name::get && c.target == n;
           });
}

} // namespace

result<std::vector<help_desk_answer>> help_desk_report(const job& query) {
    if (!is_query(query)) {
        return make_error(errc::invalid_argument, "job " + query.id + " is not a help-desk query");
    }
    std::vector<help_desk_answer> out;
    for (std::size_t k = 0; k < query.commands.size(); ++k) {
        help_desk_answer a{.node = query.commands[k].target, .value = std::nullopt, .missing = {}};
        const auto* outcome = k < query.outcomes.size() ? &query.outcomes[k] : nullptr;
        if (!outcome || outcome->status == 0) {
            a.missing = "not answered";
        } else if (outcome->status == 200 && !outcome->results.empty()) {
            a.value = outcome->results.front().data.value_or("");
        } else if (outcome->status == 404) {
            a.missing = "not on this device";
        } else {
            a.missing = "refused (status " + std::to_string(outcome->status) + ")";
        }
        out.push_back(std::move(a));
    }
    return out;
}

std::optional<job> latest_help_desk_query(const std::vector<job>& jobs) {
    std::optional<job> latest;
    for (const auto& j : jobs) {
        if (is_query(j) && (!latest || j.id > latest->id)) {
            latest = j;
        }
    }
    return latest;
}

result<job> help_desk_installation(const boost::json::object& application, const std::string& agent) {
    if (agent.empty() || agent.size() > 128 || !xml::is_xml_text(agent)) {
        return make_error(errc::invalid_argument, "the help desk's agent must be named (1 to 128 bytes of text)");
    }
    auto request = job_request_from_json(boost::json::object{{"application", application}});
    if (!request) {
        return request;
    }
    const auto* name = application.if_contains("name");
    const auto* id = application.if_contains("id");
    const auto* version = application.if_contains("version");
    auto text = [](const boost::json::value* v) { return v && v->is_string() ? std::string(v->as_string()) : ""; };
    const auto called = name ? text(name) : text(id);
    request->gate = job_gate{.for_job = {},
                             .level = "user",
                             .confirmation = "The help desk (" + agent + ") asks to install " + called + " " +
                                             text(version) + " on this device. Allow?",
                             .entitlement = "any",
                             .charge = std::nullopt,
                             .nonce = {},
                             .decision = {},
                             .subscription = {}};
    return request;
}

} // namespace mcprov::dms
