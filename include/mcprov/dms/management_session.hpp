#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mcprov/dms/client_authentication.hpp"
#include "mcprov/dms/device_registry.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/syncml/message.hpp"

namespace mcprov::dms {

struct session_config {
    std::string server_id;  // its ServerID in the devices' DMAcc, and its Source LocName
    std::string server_uri; // its Source LocURI and RespURI
    auth_scheme scheme = auth_scheme::md5;
    std::uint64_t max_msg_size = 64 * 1024;
};

// A message from a device as it arrived: decoded, the body exactly as received (auth-MAC covers it) and its
// x-syncml-hmac header.
struct incoming_message {
    syncml::message message;
    std::string_view body;
    std::optional<syncml::hmac_header> hmac;
};

struct session_reply {
    syncml::message message;
    bool session_ended = false; // the device answers this one with nothing: the session is over
};

// OMA DM 1.2 (OMA-TS-DM_Protocol-V1_2) at the server, one message of a management session at a time. What it keeps
// (the device's nonces and inventory) is in the store, written in one transaction per message.
//  - A header of another SyncML or DM version is answered 505 or 513; a MsgID that is no positive number, 400.
//  - The device is authenticated (client_authentication); until it is, every command is answered with the header's
//    status, and nothing is stored but the device's new nonce: the challenges of a session are counted by its MsgID,
//    so that an unknown device gets the answers a wrong password gets, and nothing is stored for it.
//  - Then: Alert 1200/1201/1222/1223/1226 and a Replace of ./DevInfo are answered 200 (DevInfo goes to the
//    inventory), Status and Results are taken without an answer, and commands a client may not send get 405.
//  - The server has no commands of its own yet: its package 2 holds only Status, so the session ends there.
class management_session {
public:
    management_session(session_config config, std::shared_ptr<store::document_store> documents,
                       std::shared_ptr<support::clock> clock, std::function<std::string()> nonces = random_nonce);

    // Errors: the store's (io), internal (a stored session that does not decode).
    support::result<session_reply> run(const incoming_message& in);

private:
    session_config config_;
    std::shared_ptr<store::document_store> documents_;
    std::shared_ptr<support::clock> clock_;
    client_authentication authentication_;
    std::function<std::string()> nonces_;
};

} // namespace mcprov::dms
