#pragma once

#include <mcprov/support/result.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace mcprov::gsup {

// osmo-hlr's subscriber administration, through its VTY (the telnet command line on port 4258 by default): what an
// operator types to provision a subscription, done by a program.
struct hlr_vty_address {
    std::string host = "127.0.0.1";
    std::uint16_t port = 4258;
    std::chrono::milliseconds timeout{5000};
};

struct subscriber {
    std::string imsi;
    std::string k;   // 16 octets
    std::string opc; // 16 octets
    std::string msisdn{};
};

// Creates the subscriber (or updates one that exists) with MILENAGE and its K and OPc; errors name the command the
// HLR refused and what it said.
support::result<void> provision_subscriber(const hlr_vty_address& vty, const subscriber& s);
// The HLR's `subscriber imsi IMSI show`, as printed.
support::result<std::string> show_subscriber(const hlr_vty_address& vty, std::string_view imsi);

} // namespace mcprov::gsup
