#pragma once

#include <filesystem>
#include <string>

#include "mcprov/dms/management_session.hpp"
#include "mcprov/mcs_mo/ue_configuration.hpp"
#include "mcprov/mcs_mo/ue_initial_configuration.hpp"
#include "mcprov/dms/operation_gate.hpp"
#include "mcprov/dms/purchase.hpp"
#include "mcprov/gsup/hlr_client.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/support/log.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::dms {

// Everything `mcprov dms` reads from its TOML file (docs/dms.md).
struct dms_config {
    http::server_config server;
    session_config session;
    std::string dm_path = "/dm"; // where devices post their messages
    // [dm] client_certificates: "off", "optional" (a device that presents a TLS client certificate must present its
    // own: subject CN = its DevId) or "required" (every device must). Needs [tls] client_ca.
    std::string client_certificates = "off";
    std::string store_url;
    identity::verifier_config auth; // administrators' tokens; public_key_pem holds the key itself
    std::string admin_scope = "mcprov:dms:admin";
    // [mc]: the MC system this server provisions devices for (the MCS UE initial configuration); unset: none.
    std::optional<mcs_mo::ue_initial_configuration> mc;
    // With [mc] prioritized_groups: the MCPTT UE configuration provisioned with it.
    std::optional<mcs_mo::ue_configuration> mc_ue;
    // [hlr]: the HLR the switch-on authentication asks for vectors (GSUP); unset: devices cannot switch on here.
    std::optional<gsup::hlr_address> hlr;
    // [gba]: the BSF this server, as a NAF, asks for the keys of B-TIDs (Zn); unset: no subscriber authentication.
    std::optional<zn_config> zn;
    // [subscribers] and [[corporation]]: who is entitled to what.
    subscriber_policy subscribers;
    // [gateway]: the payment gateway for card payments; [[offer]]: what subscribers may buy through a PC agent.
    std::optional<payment_gateway_config> gateway;
    std::vector<offer> offers;
    std::string log_level = "info";
    support::log_format log_format = support::log_format::text;
};

// Reads and checks a configuration file; relative paths are taken from its folder. Errors name the file, line and key.
support::result<dms_config> load_dms_config(const std::filesystem::path& file);
support::result<dms_config> parse_dms_config(std::string_view text, const std::string& source_name,
                                             const std::filesystem::path& base_dir);

} // namespace mcprov::dms
