#pragma once

#include <cstdint>
#include <functional>
#include <vector>
#include <optional>
#include <string>
#include <string_view>

#include "mcprov/agent/dm_account.hpp"
#include "mcprov/agent/management_tree.hpp"
#include "mcprov/agent/user_interaction.hpp"
#include "mcprov/support/result.hpp"
#include "mcprov/syncml/credentials.hpp"
#include "mcprov/syncml/message.hpp"

namespace mcprov::agent {

// OMA DM 1.2 (OMA-TS-DM_Protocol-V1_2) at the device: one management session with one server, message by message.
//  - Package 1 carries the session's alert and the device's DevInfo, with the device's credentials when it has a nonce
//    from the server; a challenge (401, 407) is answered by package 1 again with credentials made from the new nonce,
//    at most twice. A nonce the server gives is kept in the account (CLCRED).
//  - The server authenticates itself too when the account's SRVCRED says DIGEST or BASIC: until its credential
//    verifies, its message is answered 407 (none) or 401 (wrong) with a fresh nonce of the device's (kept in SRVCRED)
//    and none of its commands is carried out; after two challenges the device gives up. Once it verifies, 212 and a
//    nonce for the next session.
//  - The server's commands run against the management tree under the server's identifier: Get (with its Results),
//    Add, Replace, Delete, each answered with the tree's status; Atomic all or nothing (a failure rolls the tree back:
//    507, and 216 for the commands undone); Sequence in order, the rest not executed (215) after a user's no or
//    cancel; user interaction alerts put to `ui` (406 without one); a command the device does not carry out, 406.
//  - The session ends when the server's message holds no command to answer, or aborts it (1223).
class client_session {
public:
    // `alert` is 1201 (the device starts) or 1200 (a notification asked for it); `session_id` is the notification's,
    // or one of the device's own.
    client_session(management_tree& tree, std::string server_id, std::string device_id, std::string session_id,
                   std::string alert = "1201", user_interaction* ui = nullptr,
                   std::function<std::string()> nonces = syncml::random_nonce);

    // Package 1. Errors: not_found (no account for the server), invalid_argument (an unusable account).
    support::result<syncml::message> start();

    // The answer to the server's message; nullopt when the session is over. Errors: unauthenticated (the server
    // refused the device's credentials twice, or ended the session on them; or the server's credentials failed after
    // two challenges), invalid_argument (a message of another session).
    support::result<std::optional<syncml::message>> answer(const syncml::message& from_server);

    bool authenticated() const { return authenticated_; }
    // Carries out an Exec (the plug-in behind the node): the status to answer, 202 for one accepted to be done later.
    // Without one, Exec is answered 406.
    void set_exec_handler(std::function<unsigned(const syncml::command&, const syncml::item&)> handler) {
        exec_ = std::move(handler);
    }
    // Told of every confirmation (Alert 1101) the user answered in this session: its text, and whether the user
    // confirmed.
    void set_confirmation_observer(std::function<void(const std::string& text, bool confirmed)> observer) {
        confirmations_ = std::move(observer);
    }
    // A Generic Alert (1226) to send in package 1, after the session's alert: a report of an earlier operation.
    void add_report(syncml::command alert) { reports_.push_back(std::move(alert)); }
    // Whether the server took the reports (its Status 200 for each).
    bool reports_delivered() const { return reports_delivered_; }
    // What the device takes (its MaxMsgSize and MaxObjSize, told the server in package 1).
    void set_limits(std::uint64_t max_msg_size, std::uint64_t max_obj_size) {
        max_msg_size_ = max_msg_size;
        max_obj_size_ = max_obj_size;
    }
    // Where the next message goes: the server's RespURI once it gave one, else the account's address.
    const std::string& next_uri() const { return next_uri_; }

private:
    syncml::message package1(const dm_account& account, bool with_credentials);
    syncml::message next_message();
    // Carries out one command of the server's message: its Status (and Results) go to `out`.
    void execute(const syncml::message& in, const syncml::command& c, std::vector<syncml::command>& out);
    syncml::command ask_user(const syncml::message& in, const syncml::command& c);
    void receive_chunk(const syncml::message& in, const syncml::command& c, std::vector<syncml::command>& out);
    bool continues_large_object(const syncml::command& c) const;
    // Keeps the message within the server's MaxMsgSize: the rest waits in the outbox for the next message.
    void fit(syncml::message& out);

    struct large_object {
        std::optional<std::string> target;
        std::uint64_t size = 0;
        std::string data;
    };

    management_tree& tree_;
    std::string server_id_;
    std::string device_id_;
    std::string session_id_;
    std::string alert_;
    user_interaction* ui_;
    std::function<std::string()> nonces_;
    std::string next_uri_;
    unsigned long msg_id_ = 0;
    unsigned challenges_ = 0;
    unsigned server_challenges_ = 0;
    bool authenticated_ = false;
    bool server_authenticated_ = false;
    std::uint64_t max_msg_size_ = 64 * 1024;
    std::uint64_t max_obj_size_ = 4 * 1024 * 1024;
    std::uint64_t server_max_msg_ = 0;
    std::optional<large_object> incoming_;
    std::vector<syncml::command> outbox_;
    std::function<unsigned(const syncml::command&, const syncml::item&)> exec_;
    std::function<void(const std::string&, bool)> confirmations_;
    std::vector<syncml::command> reports_;
    bool reports_delivered_ = false;
    std::string package1_msg_id_;
};

} // namespace mcprov::agent
