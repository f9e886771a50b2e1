#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mcprov/agent/management_tree.hpp"
#include "mcprov/support/result.hpp"
#include "mcprov/syncml/message.hpp"

// The device's account with one DM server: its DMAcc object (urn:oma:mo:oma-dm-dmacc:1.0, OMA-TS-DM_StdObj-V1_2) in the
// management tree, read and kept there.
namespace mcprov::agent {

inline constexpr std::string_view dmacc_type = "urn:oma:mo:oma-dm-dmacc:1.0";

// One AppAuth entry: the credentials of one direction.
struct app_auth {
    std::string type;   // AAuthType: BASIC, DIGEST (syncml:auth-md5) or HMAC (syncml:auth-MAC)
    std::string name;   // AAuthName
    std::string secret; // AAuthSecret
    std::string nonce;  // AAuthData, raw bytes
};

struct dm_account {
    std::string node;        // its interior node below ./DMAcc, e.g. "mcxa"
    std::string server_id;   // ServerID: the server's identifier in ACLs and notifications
    std::string name;        // Name
    std::string address;     // AppAddr/1/Addr: the server's URL
    std::string preferred;   // AAuthPref
    app_auth client;         // AAuthLevel CLCRED: how the device authenticates itself to the server
    app_auth server;         // AAuthLevel SRVCRED: how the server authenticates itself to the device
};

// Writes the account below ./DMAcc/<node>, every node's ACL letting only that server read and change it (the secrets
// and nonces never readable: TND's "No Get"). Errors: invalid_argument (a malformed node name or ACL).
support::result<void> install_account(management_tree& tree, const dm_account& account);

// The account whose ServerID is server_id. Errors: not_found, invalid_argument (an account without an address or
// without CLCRED/SRVCRED entries).
support::result<dm_account> read_account(const management_tree& tree, std::string_view server_id);

// Keeps a nonce the peer sent (NextNonce, raw): from the server, for the device's next credential (CLCRED); the device's
// own, given to the server, for checking the server's next credential (SRVCRED).
support::result<void> keep_client_nonce(management_tree& tree, const dm_account& account, std::string_view nonce);
support::result<void> keep_server_nonce(management_tree& tree, const dm_account& account, std::string_view nonce);

// The device's credential of a scheme (syncml:auth-basic or syncml:auth-md5) for its SyncHdr, from CLCRED.
syncml::credential client_credential(const dm_account& account, std::string_view auth_type);

// Whether the server's SyncHdr credential is right for SRVCRED (syncml:auth-md5 or syncml:auth-basic).
bool verify_server_credential(const dm_account& account, const syncml::credential& cred);

} // namespace mcprov::agent
