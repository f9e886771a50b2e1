#pragma once

#include <string>

#include <boost/json/value.hpp>

#include "mcprov/gba/dm_proof.hpp"
#include "mcprov/support/result.hpp"

// The device's local link (docs/agent.md, "Local link"): what a PC agent next to it asks, as the device reads it. Each
// decoder gives the values within their limits, or invalid_argument naming the member.
namespace mcprov::agent {

// POST /local/v1/proof: {"server_id", "request": "level=...&nonce=...", "confirmation", "pin"}.
struct local_proof_request {
    std::string server_id;                   // 1 to 256 bytes
    gba::dm_authentication_request request;  // what the DM server asked to be proven
    std::string confirmation;                // the text the user agreed to on the PC: at most 1024 bytes
    std::string pin;                         // the card's PIN the user typed: empty, or 4 to 8 digits
};
support::result<local_proof_request> local_proof_request_from_json(const boost::json::value& v);

// POST /local/v1/session: {"server_id"}.
support::result<std::string> local_session_request_from_json(const boost::json::value& v);

} // namespace mcprov::agent
