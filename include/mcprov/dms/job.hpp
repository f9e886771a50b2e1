#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "mcprov/store/document_store.hpp"
#include "mcprov/support/result.hpp"
#include "mcprov/syncml/message.hpp"

namespace mcprov::dms {

// One DM command of a job, as the server will send it.
struct job_command {
    syncml::command_name name = syncml::command_name::get; // get, add, replace, delete_, exec or alert
    std::string target{};                                  // the node (not for an alert)
    std::optional<std::string> data{};                     // add, replace: the value; exec: its argument
                                                           // (an exec carries the job's id as its Correlator)
    std::optional<std::string> format{};                   // add, replace: chr (default), int, bool, b64, node...
    std::optional<std::string> type{};                     // add, replace: a MIME type
    // alert: 1100 (display), 1101 (confirm or reject), 1102 (text input), 1103 (single choice), 1104 (multiple
    // choice); its options (OMA DM 1.2 clause 10.4: "MINDT=10&MAXDT=30&DR=1"), its text and its choices.
    unsigned alert = 0;
    std::string options{};
    std::string text{};
    std::vector<std::string> choices{};

    friend bool operator==(const job_command&, const job_command&) = default;
};

// What the device answered to one command: its Status code, and for a Get its Results (for a user alert, what the user
// entered or chose).
struct command_outcome {
    unsigned status = 0; // 0: no answer yet
    std::vector<syncml::item> results{};

    friend bool operator==(const command_outcome&, const command_outcome&) = default;
};

enum class job_state {
    queued,   // waiting for the device's next session
    held,     // waiting for its gate (the job that authenticates the subscriber or the user) to let it through
    sent,     // in a session under way
    accepted, // an Exec the device accepted (202): its result comes later, in a Generic Alert with the job's id
    done,     // every command answered with a 2xx status
    failed,   // a command answered with another status (the job's other commands are still answered)
    cancelled // withdrawn by an operator before it was sent
};
std::string_view to_string(job_state state);
std::optional<job_state> job_state_from(std::string_view text);

// What an operation costs the subscriber, and how it is paid.
struct charge_request {
    std::uint64_t amount = 0; // in the currency's minor unit (cents)
    std::string currency{};   // ISO 4217, e.g. EUR
    std::string description{};
    std::string means{}; // bill (a charging record on the subscription's bill), prepaid (the balance the DMS keeps),
                         // card (a payment by card through the payment gateway)
    // Subscriptions whose plan includes the operation (IMSIs, or prefixes ending in '*'): not charged.
    std::vector<std::string> waived_for{};

    friend bool operator==(const charge_request&, const charge_request&) = default;
};

// What an operation needs before it runs (docs/subscriber-authentication.md): the subscriber, or the user, authenticated
// by GBA in the session; optionally the user's confirmation (Alert 1101) of `confirmation`; a subscription entitled to
// it; a payment. A gate is a job of its own (its commands: the Alert, the Exec of ./Vendor/mcprov/GBA/Authenticate,
// the Get of ./Vendor/mcprov/GBA/Proof) that holds the operation's job until its answers are judged.
struct job_gate {
    std::string for_job{};      // the held job it lets through
    std::string level{};        // subscriber or user
    std::string confirmation{}; // the text the user confirms; empty: none
    std::string entitlement{};  // any, home (the operator's own subscribers) or corporate (the device's corporation's)
    std::optional<charge_request> charge{};
    std::string nonce{}; // raw: the server's, in the Exec
    // The decision, once the answers are judged.
    std::string decision{};     // empty: pending; passed; refused
    std::string subscription{}; // the IMSI authenticated

    friend bool operator==(const job_gate&, const job_gate&) = default;
};

// Work an operator queued for one device: commands carried out at the device's next session, in order, in one
// SyncML Atomic when `atomic` (all or none, OMA DM 1.2 clause 6.6.3), else in a Sequence when there are several.
struct job {
    std::string id{};    // unique; queued jobs run in the order of their ids
    std::string batch{}; // the id shared by the jobs of one request for several devices
    std::string device{};
    std::string requested_by{};
    bool atomic = false;
    std::vector<job_command> commands{};
    job_state state = job_state::queued;
    std::vector<command_outcome> outcomes{}; // one per command, once sent
    unsigned atomic_status = 0;              // atomic: the Atomic's own status
    std::string session_id{};                // the session that carried it out
    std::chrono::system_clock::time_point created{};
    std::optional<std::chrono::system_clock::time_point> finished{};
    std::optional<job_gate> gate{}; // a gate job: what it checks, and its decision
    std::string held_by{};          // a held job: the gate job it waits for
    std::string reason{};           // why a job failed when no command's status says it (a gate's refusal)
    std::string subscription{};     // a held job let through: the subscription (IMSI) its gate authenticated and
                                    // charged, if it charged; what it charged is refunded should the job fail

    bool finished_state() const { return state == job_state::done || state == job_state::failed || state == job_state::cancelled; }
};

boost::json::value to_json(const job& j);
// Errors: invalid_argument naming the member (a job from outside: the admin API), with limits on counts and sizes.
support::result<job> job_from_json(const boost::json::value& v);
// A job an operator asks for (the admin API's body): commands and atomic, or a firmware update
// ({"firmware": {"url", "version", "sha256", "node"}}: Replace of the FUMO object's PkgVersion,
// DownloadAndUpdate/PkgURL and Ext/PkgDigest, then Exec of DownloadAndUpdate); the rest is the server's to fill in.
// Errors: invalid_argument naming what is wrong.
support::result<job> job_request_from_json(const boost::json::value& v);

// The jobs of the devices a DM server manages, in the store: pending ones (queued or sent) with the device's other
// state (org.mcprov.dm-device, `job-<id>.json`), so that a session reads them in the one query that reads the device;
// finished ones in its history (org.mcprov.dm-job, one user per device, `<id>.json`).
class job_queue {
public:
    explicit job_queue(std::shared_ptr<store::document_store> documents);

    // Audited as queued by j.requested_by. Errors: invalid_argument (no commands), not_found (the device is not
    // enrolled), io.
    support::result<void> queue(const job& j);
    // Several jobs in one transaction: all of them or none.
    support::result<void> queue_all(const std::vector<job>& jobs);
    // Pending then finished, in id order. Errors: io, internal.
    support::result<std::vector<job>> list(std::string_view device) const;
    // Errors: not_found.
    support::result<job> find(std::string_view device, std::string_view id) const;
    // A queued (or held) job is withdrawn (cancelled, to the history), with its gate or the operation its gate holds;
    // conflict for one already sent or finished.
    support::result<job> cancel(std::string_view device, std::string_view id, std::chrono::system_clock::time_point now,
                                std::string_view actor);

    // The pending jobs among a device's documents (store::document_store::list_documents of the device).
    static support::result<std::vector<job>> pending(const std::vector<store::named_document>& device_documents);
    // The writes that keep a job where its state says: pending with the device, finished in the history.
    static std::vector<store::document_write> writes(const job& j);

    // A new job id: the time in milliseconds, then random hex, so that ids sort in the order jobs were made.
    static std::string new_id(std::chrono::system_clock::time_point now);

private:
    std::shared_ptr<store::document_store> documents_;
};

} // namespace mcprov::dms
