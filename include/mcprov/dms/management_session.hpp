#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mcprov/dms/client_authentication.hpp"
#include "mcprov/dms/device_registry.hpp"
#include "mcprov/dms/operation_gate.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/syncml/message.hpp"

namespace mcprov::dms {

struct session_config {
    std::string server_id;  // its ServerID in the devices' DMAcc, and its Source LocName
    std::string server_uri; // its Source LocURI and RespURI; empty: the URI each message was posted to
    auth_scheme scheme = auth_scheme::md5;
    std::uint64_t max_msg_size = 64 * 1024;
    std::chrono::seconds max_session_duration{300}; // from its first authenticated message
    unsigned max_messages = 64;                     // from the device, in one session
    unsigned max_jobs_per_message = 16;
    std::uint64_t max_object_size = 16 * 1024 * 1024; // a large object the device sends in chunks (Results)
};

// A message from a device as it arrived: decoded, the body exactly as received (auth-MAC covers it) and its
// x-syncml-hmac header.
struct incoming_message {
    syncml::message message;
    std::string_view body;
    std::optional<syncml::hmac_header> hmac;
    // The session key the server's RespURI carried (its "s" query parameter), empty if none: it ties the messages after
    // the first to the authenticated session.
    std::string_view session_key{};
    // The URI the message was posted to, without its query: the server's address when session_config has none.
    std::string_view posted_to{};
};

// The session key of a request target or URI that the server's RespURI gave ("/dm?s=<key>"); empty when none.
std::string_view session_key_of(std::string_view target);

// What the server's x-syncml-hmac (auth-MAC) is made from: its name and password towards the device, and the nonce
// the device gave it last.
struct mac_key {
    std::string name;
    std::string secret;
    std::string nonce;
};

struct session_reply {
    syncml::message message;
    bool session_ended = false; // the device answers this one with nothing: the session is over
    bool authenticated = false; // the device is authenticated for this message
    std::size_t jobs_done = 0;   // jobs this message finished, done
    std::size_t jobs_failed = 0; // and failed
    // auth-MAC, a known device: the reply's body, exactly as sent, carries a MAC made with this key.
    std::optional<mac_key> mac;
};

// OMA DM 1.2 (OMA-TS-DM_Protocol-V1_2) at the server, one message of a management session at a time. What it keeps
// (the device's nonces and inventory) is in the store, written in one transaction per message.
//  - A header of another SyncML or DM version is answered 505 or 513; a MsgID that is no positive number, 400.
//  - The device is authenticated (client_authentication); until it is, every command is answered with the header's
//    status, and nothing is stored but the device's new nonce: the challenges of a session are counted by its MsgID,
//    so that an unknown device gets the answers a wrong password gets, and nothing is stored for it.
//  - Once it is, the session is kept in the store (org.mcprov.dm-device/<device>/session.json): its MsgIDs (each must
//    follow the last, else 400 and nothing is taken), the server's commands awaiting an answer, a session key that the
//    server's RespURI carries and without which a later message needs credentials again, and its age and length
//    (past max_session_duration or max_messages, the server aborts it with Alert 1223).
//  - Alert 1200/1201/1222/1223/1226 and a Replace of ./DevInfo are answered 200 (DevInfo goes to the inventory), and
//    commands a client may not send get 405. Status and Results answer the server's commands: they complete the jobs
//    those commands came from (job_queue).
//  - When the device's package is complete (Final), the server sends the device's queued jobs, up to
//    max_jobs_per_message at a time; a message with none ends the session. A device's message without Final is
//    answered with Alert 1222 (send the rest).
//  - A 401 or 407 from the device for the server's header (DM Security: the device authenticates the server) gives
//    the server a nonce to answer with; the commands of that message are sent again, at most twice.
//  - A gate job (job::gate) once answered is judged (operation_gate) in the same transaction: the job it holds is
//    queued, and sent in the same reply, or fails with the gate's reason.
//  - One transaction per message: a crash leaves the message either wholly taken or not at all (then the device's
//    retransmission is taken afresh), and a job is never half done.
class management_session {
public:
    // `gate` judges the gate jobs (operation_gate); without one, a gate job's held job fails.
    management_session(session_config config, std::shared_ptr<store::document_store> documents,
                       std::shared_ptr<support::clock> clock, std::function<std::string()> nonces = syncml::random_nonce,
                       std::shared_ptr<const operation_gate> gate = nullptr);

    // Errors: the store's (io), internal (a stored session that does not decode).
    support::result<session_reply> run(const incoming_message& in);

private:
    session_config config_;
    std::shared_ptr<store::document_store> documents_;
    std::shared_ptr<support::clock> clock_;
    client_authentication authentication_;
    std::function<std::string()> nonces_;
    std::shared_ptr<const operation_gate> gate_;
};

} // namespace mcprov::dms
