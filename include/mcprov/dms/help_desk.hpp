#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mcprov/dms/job.hpp"
#include "mcprov/support/result.hpp"

// Help-desk problem determination (seed 003, 5.4.1): the help desk queries the device for what determines a problem,
// reads what it reported, and asks the user's authorisation to install an application, which counts only from an
// authenticated user (a user-level gate). docs/subscriber-authentication.md, "Help desk".
namespace mcprov::dms {

// The nodes the help desk asks for: device type, make and model, serial (DevId), firmware, software and hardware
// versions, capabilities (large objects), installed applications (SCOMO's deployed components), the MC client's
// configuration and the firmware update's state.
const std::vector<std::string>& help_desk_nodes();

// The query: a Get of each node, one job.
job help_desk_query();

// What a device answered to a query, node by node: its value (an interior node: its children's names), or why there
// is none ("not on this device" for 404, "not answered" before the device's session, else the status).
struct help_desk_answer {
    std::string node;
    std::optional<std::string> value;
    std::string missing;
};
// Errors: invalid_argument (the job is not a help-desk query).
support::result<std::vector<help_desk_answer>> help_desk_report(const job& query);
// The newest of the device's jobs that is a help-desk query, if any.
std::optional<job> latest_help_desk_query(const std::vector<job>& jobs);

// The installation of an application (the `application` of a job request: id, name, version, url, sha256,
// description) held by a gate at the user level whose confirmation names the help desk's agent and the application:
// the request to queue (queue_jobs makes the gate job and the held operation). Errors: invalid_argument.
support::result<job> help_desk_installation(const boost::json::object& application, const std::string& agent);

} // namespace mcprov::dms
