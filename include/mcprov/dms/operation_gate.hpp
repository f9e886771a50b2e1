#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcprov/dms/device_registry.hpp"
#include "mcprov/dms/job.hpp"
#include "mcprov/gba/bootstrapping.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/metrics.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::dms {

// The DMS as a NAF: its requests to the BSF over Zn (docs/bsf.md), for the key of a B-TID under NAF_Id = ServerID ||
// the DM proof's Ua protocol identifier.
class zn_client {
public:
    virtual ~zn_client() = default;
    // Errors: not_found (the BSF does not know the B-TID, or its key expired), forbidden (the BSF refuses this NAF),
    // unavailable.
    virtual support::result<gba::zn_answer> bootstrapping_info(const std::string& btid) = 0;
};

struct zn_config {
    std::string bsf;                       // https://bsf.../ (its Zn resource is below it)
    std::filesystem::path certificate;     // the DMS's client certificate, naming its ServerID
    std::filesystem::path private_key;
    std::optional<std::filesystem::path> ca; // trusted for the BSF's certificate
    std::chrono::milliseconds timeout{5000};
};

// `health`, when given, learns of every call whether the BSF answered (with anything, a refusal included).
support::result<std::unique_ptr<zn_client>> create_zn_client(const zn_config& config, std::string server_id,
                                                            std::shared_ptr<support::peer_health> health = nullptr);

// The Zn answers a store transaction may use. A network call inside a transaction would hold the store's write lock
// for up to the Zn timeout, so the transaction takes answers fetched before it: an answer it lacks is noted (and
// answered `unavailable`), the transaction is given up, fetch_missing() asks the BSF outside it, and the transaction
// runs again with the answer.
class zn_answers final : public zn_client {
public:
    explicit zn_answers(std::shared_ptr<zn_client> bsf);

    support::result<gba::zn_answer> bootstrapping_info(const std::string& btid) override;
    // Whether the transaction asked for an answer not fetched yet.
    bool missing() const { return !missing_.empty(); }
    void fetch_missing();

    // The B-TIDs one message may have verified; more are refused (a message finishes few gates).
    static constexpr std::size_t max_answers = 8;

private:
    std::shared_ptr<zn_client> bsf_;
    std::map<std::string, support::result<gba::zn_answer>, std::less<>> answers_;
    std::vector<std::string> missing_;
};

// A corporate customer: its devices take only its own subscriptions.
struct corporation {
    std::string name;
    std::vector<std::string> devices;       // DevIds
    std::vector<std::string> subscriptions; // IMSIs, or IMSI prefixes ending in '*'
    // Seed 003 5.3.1 B: the firmware version (./DevDetail/FwV) of the corporation's customisation, and the job that
    // customises a device that reports another; held by a gate that authenticates the subscription (entitlement
    // corporate), with the user's confirmation when `customisation_confirm` is set.
    std::string customisation_version{};
    std::optional<job> customisation{};
};

// What an operator decides about the subscribers behind DM operations ([subscribers], docs/dms.md).
struct subscriber_policy {
    std::vector<std::string> home_networks; // MCC+MNC of the operator's own subscriptions ("00101")
    std::vector<corporation> corporations;
    // Seed 003 5.1.4, [used_device]: the configuration a device gets at its first use with a subscription (a new
    // IMEI-IMSI pairing the network authenticated), held by its gate (level, confirmation); the entitlement is the
    // device's corporation's when it has one.
    std::optional<job> used_device{};
};

// What a new pairing brings: the gated used-device jobs for the device, when the policy has them and the device is
// enrolled (nothing otherwise). Errors: io.
support::result<std::vector<store::document_write>> first_use_writes(store::transaction& tx,
                                                                     const subscriber_policy& policy,
                                                                     const std::string& device,
                                                                     std::chrono::system_clock::time_point now);

// The corporation that owns a device, if any.
const corporation* corporation_of(const subscriber_policy& policy, std::string_view device);
// Whether an IMSI is one of the operator's own (its MCC+MNC is a home network).
bool home_subscription(const subscriber_policy& policy, std::string_view imsi);

// The two jobs of an operator's gated request (docs/subscriber-authentication.md): the gate job (the user's
// confirmation, then the Exec of ./Vendor/mcprov/GBA/Authenticate with a fresh nonce, then the Get of the proof),
// and the operation held until the gate passes. `request` has its gate set; both get ids, device and times.
std::vector<job> gated_jobs(const job& request, const std::string& device, std::string_view actor,
                            std::chrono::system_clock::time_point now, const std::function<std::string()>& nonces);

// What a proof must answer: the level and nonce asked, the confirmation's text ("" none), and when the request was
// made (a user-level proof needs a bootstrap made after it).
struct proof_request {
    std::string level;
    std::string nonce;
    std::string confirmation;
    std::chrono::system_clock::time_point issued;
};

// The subscriber a proof verified.
struct verified_subscriber {
    std::string impi;
    std::string imsi;
    std::string btid;
    std::string authentication; // the BSF's words for how it authenticated the subscriber
    std::chrono::system_clock::time_point bootstrap_time;
    std::string mac; // raw: the proof's, for the records
};

// Verifies the device's proof (docs/subscriber-authentication.md) with Ks_NAF from the BSF. Errors: unauthenticated,
// with the reason (the device's own "error=..." reason, a proof for another request, an unknown or expired B-TID, a
// MAC that does not verify, a user-level proof from an older bootstrap, no BSF).
support::result<verified_subscriber> verify_proof(zn_client* zn, std::string_view server_id, std::string_view device,
                                                  std::string_view proof_text, const proof_request& asked);

// What the gate decided: the held job goes on, or fails with the reason; the writes (audit records, the pairing
// learned, a charge) go into the session's transaction.
struct gate_decision {
    bool passed = false;
    std::string reason;
    std::string subscription; // the IMSI authenticated, when one was
    std::vector<store::document_write> writes;
};

// Judges a gate job's answers (docs/subscriber-authentication.md): the user's confirmation; the proof, verified with
// Ks_NAF from the BSF (its B-TID known and its key current, its MAC over this gate's nonce, level and confirmation and
// the device's id; for the user level, a bootstrap made after the gate was queued); the subscription it identifies
// (the IMSI of the IMPI) entitled to the operation; the charge. Every step is an audit record.
class operation_gate {
public:
    operation_gate(std::shared_ptr<zn_client> zn, subscriber_policy policy, std::string server_id);

    // `zn`: the BSF's answers, fetched outside `tx` (zn_answers).
    gate_decision judge(const job& gate, const job& held, store::transaction& tx,
                        std::chrono::system_clock::time_point now, zn_client& zn) const;

    const std::shared_ptr<zn_client>& bsf() const { return zn_; }

    // Seed 003 5.3.1 B: a corporation's device that reports (a Get of ./DevDetail/FwV answered) another firmware
    // version than the corporation's customisation gets the customisation's gated jobs, unless they are pending
    // already (`pending`: the device's pending jobs). Empty when nothing is to be done.
    std::vector<job> customisation_for(const std::string& device, const device_inventory& inventory,
                                       const std::vector<job>& pending, std::chrono::system_clock::time_point now) const;

private:
    std::shared_ptr<zn_client> zn_;
    subscriber_policy policy_;
    std::string server_id_;
};

} // namespace mcprov::dms
