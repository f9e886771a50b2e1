#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mcprov/agent/dm_account.hpp"
#include "mcprov/agent/firmware_update.hpp"
#include "mcprov/agent/gba_bootstrapping.hpp"
#include "mcprov/agent/management_tree.hpp"
#include "mcprov/agent/software_component.hpp"
#include "mcprov/agent/user_interaction.hpp"
#include "mcprov/gba/dm_proof.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/log.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::agent {

// One DM server the device has an account with ([[account]] in the agent's configuration).
struct account_config {
    dm_account account;
    std::optional<std::filesystem::path> ca; // trusted for the server's TLS certificate (system CAs when unset)
    // The device's TLS client certificate for this server (its subject CN its DevId) and key; unset: none.
    std::optional<std::filesystem::path> certificate;
    std::optional<std::filesystem::path> private_key;
    bool wbxml = false;                      // the encoding the device speaks to it
};

// [card]: the device's smart card slot and what it does at switch-on (docs/agent.md, "Smart card").
struct card_config {
    std::string reader;              // a part of the PC/SC reader's name; empty: any reader
    std::optional<std::string> pin;  // PIN1 for an unattended device; otherwise the user is asked (alert 1102)
    std::string network;             // the switch-on authentication's URL (https://.../dms/v1/switch-on)
    std::optional<std::filesystem::path> ca; // trusted for the network and for DM servers whose account the card gave
    unsigned wait_ms = 10'000;       // for a card to be in the reader
    std::vector<std::string> locked; // corporate policy: nodes (and what is below them) the card may not provide
    std::string device_class;        // selected provisioning: the class whose encrypted objects this device may open
    std::optional<std::filesystem::path> class_key; // that class's private key (PEM)
    std::string bsf; // the GBA bootstrapping server (https://...); empty: the device does not bootstrap
};

// Everything `mcprov agent` reads from its TOML file (docs/agent.md).
struct agent_config {
    std::map<std::string, std::string> dev_info; // ./DevInfo leaves: DevId, Man, Mod, DmV, Lang
    std::map<std::string, std::string> dev_detail; // ./DevDetail leaves: DevTyp, OEM, FwV, SwV, HwV
    std::vector<account_config> accounts;
    std::uint64_t max_message_bytes = 64 * 1024;  // its MaxMsgSize: larger messages come in several
    std::uint64_t max_object_bytes = 4 << 20;     // its MaxObjSize: the largest object it takes in chunks
    firmware_config firmware;                     // [firmware]: directory, ca (for applications' packages too)
    software_config applications;                 // [applications]: directory
    // [mc_client] directory: where the device's MC client reads its configuration (ue-init-config.xml, the
    // TS 24.484 document the MCS UE initial configuration MO mirrors).
    std::filesystem::path mc_client_directory;
    std::string store_url;
    std::optional<http::server_config> push; // the push endpoint standing in for WAP push and SMS (package 0)
    std::string ui = "unattended";           // unattended or terminal
    unattended_policy policy;
    std::optional<card_config> card;
    std::string log_level = "info";
    support::log_format log_format = support::log_format::text;

    const std::string& device_id() const { return dev_info.at("DevId"); }
};

support::result<agent_config> load_agent_config(const std::filesystem::path& file);
support::result<agent_config> parse_agent_config(std::string_view text, const std::string& source_name,
                                                 const std::filesystem::path& base_dir);

// What a switch-on did (seed 004 steps 1 to 5).
struct switch_on_outcome {
    std::string iccid;
    std::string imsi;
    std::vector<std::string> inserted;  // the URIs of the card's objects now in the tree
    std::vector<std::string> not_used;  // objects the device did not use, each with the reason
    std::vector<std::string> sessions;  // the DM servers whose account came from the card and that were called
    // How long each step took, in order (card, network, objects, tree, applications, sessions), milliseconds.
    std::vector<std::pair<std::string, double>> steps;
};

struct switch_off_outcome {
    std::vector<std::string> withdrawn;
    std::vector<std::string> kept; // persistent
    double milliseconds = 0;       // the tree and the applications
};

// The network's switch-on authentication as the device reaches it.
class network_attachment {
public:
    struct challenge {
        std::string attempt;
        std::string rand;
        std::string autn;
    };
    virtual ~network_attachment() = default;
    virtual support::result<challenge> begin(const std::string& imei, const std::string& imsi,
                                             const std::string& iccid) = 0;
    // nullopt: authenticated; a challenge: re-synchronised, answer that one.
    virtual support::result<std::optional<challenge>> answer(const std::string& attempt,
                                                             const std::optional<std::string>& res,
                                                             const std::optional<std::string>& auts) = 0;
};
// Where the device keeps its smart card's state (org.mcprov.dm-agent/<DevId>/card.json).
store::document_key card_state_key(const std::string& device);
// Where the device keeps its GBA session (org.mcprov.dm-agent/<DevId>/gba.json).
store::document_key gba_session_key(const std::string& device);

// Over HTTPS to the DMS's /dms/v1/switch-on (docs/dms.md). Errors: unavailable, unauthenticated, forbidden.
support::result<std::unique_ptr<network_attachment>> create_http_network_attachment(const card_config& card);

// How a session ended.
struct session_outcome {
    std::string server_id;
    std::string session_id;
    unsigned messages = 0; // sent by the device
    bool authenticated = false;
    unsigned reports = 0;  // Generic Alerts delivered (firmware results), in a session of their own
};

// The device: its management tree (kept in the store, org.mcprov.dm-agent/<DevId>/tree.json, written whole after
// every message the device answers, so that a crash leaves the tree as it was after a message, never half of one),
// its accounts, and the sessions it opens: client-initiated (run_session) or asked for by a server's notification
// (package 0, verified against the server's SRVCRED before anything happens). One session at a time.
// The MC services (./MCS, which every account's server may manage): after each session, the MCS UE initial
// configuration at ./MCS/UEInitConfig is handed to the MC client as its TS 24.484 document, checked against the schema.
// Firmware (./FUMO/fw): an Exec accepted in a session (202) is carried out when the session is over, and its result
// reported in a session of its own (Generic Alert 1226); operations and reports not yet done are kept in the store
// (firmware.json, written with the tree), so that a restart finishes them.
class device_agent {
public:
    // The tree is read from the store; a device seen for the first time gets DevInfo, DevDetail and the accounts of
    // the configuration. Errors: the store's, invalid_argument (a stored tree that does not read, an unusable account).
    static support::result<std::unique_ptr<device_agent>> create(const agent_config& config,
                                                                 std::shared_ptr<store::document_store> documents,
                                                                 std::unique_ptr<user_interaction> ui);

    // A session with one server; alert 1201 unless a notification asked for it (1200, its session id). Errors:
    // not_found (no such account), unavailable (the server cannot be reached, or answered other than 200),
    // unauthenticated, invalid_argument (a reply that is no DM message).
    support::result<session_outcome> run_session(const std::string& server_id, const std::string& alert = "1201",
                                                 std::string session_id = {});

    // Package 0: verifies it, then runs the session it asks for. Errors: invalid_argument (malformed), not_found (no
    // account for its server), unauthenticated (a digest that does not match), and those of run_session.
    support::result<session_outcome> on_notification(std::string_view bytes);

    // Switch-on with the card in the [card] reader: reads ICCID and, after PIN1, IMSI; authenticates the (device, card)
    // pair to the network; only then reads the card's objects, withdraws a previous card's, inserts these over the
    // device's own (shadowed), hands the MC client its configuration and calls the DM servers whose account the card
    // gave. Nothing in the tree changes unless all of it succeeds. Errors: not_found (no [card]), unavailable (no
    // card, network unreachable), unauthenticated (wrong PIN, the network refused the card, the card refused the
    // network), forbidden (PIN blocked), invalid_argument (a card whose files are malformed), too_large.
    support::result<switch_on_outcome> switch_on(); // to [card] network, over HTTPS
    support::result<switch_on_outcome> switch_on(network_attachment& network);
    // GBA bootstrapping (TS 33.220) with the card in the [card] reader and the BSF of [card] bsf: ICCID, PIN1 when
    // the card asks for it, IMSI and the MNC's length (the IMPI), then HTTP Digest AKA over Ub. The session (B-TID,
    // Ks, lifetime) replaces the previous one in the store (gba_session_key), for the NAFs the device talks to.
    // Errors: not_found (no [card] or no bsf), those of gba_bootstrapping::run, and the card's.
    support::result<gba_session> gba_bootstrap();
    // The local link (a PC agent next to the device, seed 003 5.1.5): the proof a DM server asks for, made for the
    // PC's user, who consented to `confirmation` and typed the card's PIN on the PC (user level: the card is reset
    // and verifies it; then a fresh bootstrap). Errors: those of gba_bootstrap, and the card's (a wrong PIN:
    // unauthenticated with the tries left).
    support::result<std::string> proof_for(const std::string& server_id, const gba::dm_authentication_request& request,
                                           const std::string& confirmation, const std::string& pin);
    // DevInfo's leaves (DevId, Man, Mod, DmV, Lang) and the device's DM servers.
    std::map<std::string, std::string> device_info() const { return config_.dev_info; }
    // Switch-off: the card's objects leave the tree and the applications, but for those that persist.
    support::result<switch_off_outcome> switch_off();

    // The tree as it is now (a copy, for tests and `mcprov agent tree`).
    std::string tree_json() const;

private:
    device_agent(agent_config config, std::shared_ptr<store::document_store> documents, management_tree tree,
                 std::unique_ptr<user_interaction> ui);
    support::result<void> save();
    support::result<void> load_firmware_state();
    // Hands ./MCS/UEInitConfig to the MC client (mc_client_directory/ue-init-config.xml); nothing when absent.
    void publish_mc_configuration();
    support::result<void> save_with_card(const management_tree& tree, const std::string& card_state);
    support::result<std::string> card_pin(const std::string& iccid);
    // PIN1 when the card asks for it: from [card] pin, or the user (alert 1102).
    support::result<void> unlock_card(usim_card& card, const std::string& iccid);
    // A bootstrap with the card; with `purpose`, the user authenticates: the card is reset and the PIN asked of the
    // user (never [card] pin) for that purpose.
    support::result<gba_session> bootstrap_with_card(const std::optional<std::string>& purpose,
                                                     const std::optional<std::string>& users_pin = std::nullopt);
    // The proof of `request` for `server_id`, from `session`, covering a confirmation and its answer.
    std::string make_proof(const std::string& server_id, const gba_session& session,
                           const gba::dm_authentication_request& request,
                           const std::optional<std::pair<std::string, bool>>& confirmation) const;
    // The Exec of ./Vendor/mcprov/GBA/Authenticate by `server_id`: its status; the proof (or why there is none) in
    // ./Vendor/mcprov/GBA/Proof.
    unsigned authenticate_for(const std::string& server_id, const syncml::item& request);
    // The session's last confirmation (Alert 1101): its text and whether the user said yes.
    std::optional<std::pair<std::string, bool>> last_confirmation_;
    support::result<std::string> decrypt_object(std::string_view device_class, std::string_view enveloped) const;
    // Carries out the accepted firmware operations, then reports every result not yet delivered.
    support::result<unsigned> finish_firmware(const std::string& server_id);
    support::result<session_outcome> session_with(const std::string& server_id, const std::string& alert,
                                                  std::string session_id,
                                                  const std::vector<syncml::command>& reports);
    support::result<http::client*> client_for(const std::string& server_id);
    std::unique_ptr<http::client> firmware_client_;

    agent_config config_;
    std::shared_ptr<store::document_store> documents_;
    management_tree tree_;
    std::unique_ptr<user_interaction> ui_;
    std::map<std::string, std::unique_ptr<http::client>> clients_; // by server id
    std::vector<std::pair<std::string, deferred_operation>> operations_; // (server id, op) accepted, not carried out
    std::vector<std::pair<std::string, syncml::command>> reports_; // (server id, Generic Alert) not yet delivered
    mutable std::mutex mutex_; // one session at a time
    std::shared_ptr<spdlog::logger> log_;
};

// The push endpoint (POST /push, application/vnd.syncml.notification), standing in for the WAP push or SMS bearer:
// a notification that decodes is answered 202 at once (400 malformed, 415 another media type, 503 when 16 wait
// already) and taken by a thread of its own, one after another: its digest is checked (a wrong one is logged and
// dropped, as a handset drops a bad push) and its session run.
std::shared_ptr<http::handler> create_push_handler(std::shared_ptr<device_agent> agent);

} // namespace mcprov::agent
