#pragma once

#include <memory>
#include <optional>
#include <string>

#include "mcprov/dms/device_notifier.hpp"
#include "mcprov/dms/device_registry.hpp"
#include "mcprov/dms/job.hpp"
#include "mcprov/dms/management_session.hpp"
#include "mcprov/dms/operation_gate.hpp"
#include "mcprov/dms/purchase.hpp"
#include "mcprov/dms/switch_on_authentication.hpp"
#include "mcprov/http/pipeline.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/mcs_mo/ue_configuration.hpp"
#include "mcprov/mcs_mo/ue_initial_configuration.hpp"
#include "mcprov/support/clock.hpp"

namespace mcprov::dms {

struct dm_interface_config {
    session_config session;
    std::string dm_path = "/dm";
    std::string admin_scope = "mcprov:dms:admin";
    bool tls = true; // how devices reach it: the scheme of its address when session.server_uri is unset
    std::optional<mcs_mo::ue_initial_configuration> mc; // what POST .../mc-configuration provisions
    std::string client_certificates = "off";        // dms_config::client_certificates
    std::optional<mcs_mo::ue_configuration> mc_ue; // provisioned with mc, when set
    subscriber_policy subscribers;                 // dms_config::subscribers, for the switch-on authentication
};

// The DM server's HTTP interface (docs/dms.md), its routes on one http::pipeline:
//   syncml       POST <dm_path>: a device's SyncML DM message (OMA-TS-DM_HTTPBinding: application/vnd.syncml.dm+xml or
//                +wbxml, and the application/vnd.syncml+xml and +wbxml some clients send), answered in the same
//                encoding and media type; auth-MAC in the x-syncml-hmac header both ways. A body that is no SyncML
//                message has no header to answer with a Status: 400 (415 for another media type, 413 over
//                MaxMsgSize). With client certificates, a device whose certificate's CN is not its DevId (or that
//                has none, when they are required) is refused 403.
//   admin        /dms/v1/devices[/{id}[/jobs[/{job}]|/notify|/mc-configuration]], /dms/v1/jobs: enrol devices, read
//                their inventory, queue, read and cancel jobs, notify a device, provision its MCS UE initial
//                configuration (JSON); a bearer token with admin_scope.
//   switch-on    POST /dms/v1/switch-on, POST /dms/v1/switch-on/{attempt}: a device's switch-on authentication with its
//                card (switch_on_authentication; JSON, octets in hex, no token: the card is the credential), when
//                the server has an HLR.
//   purchases    GET /dms/v1/offers, POST /dms/v1/purchases, POST /dms/v1/purchases/{id}: a PC agent's purchase for a
//                device (subscriber_purchase; JSON, no token: the device's proof is the credential).
//   cards        GET /dms/v1/devices/{id}/cards: the cards (ICCID, IMSI) the network authenticated in the device, by
//                its IMEI (administrators).
//   stats        GET /stats: the routes' counters (administrators).
//   healthz      GET /healthz.
class dm_interface final : public http::handler {
public:
    dm_interface(dm_interface_config config, std::shared_ptr<store::document_store> documents,
                 std::shared_ptr<support::clock> clock,
                 std::shared_ptr<const identity::access_token_verifier> verifier,
                 std::shared_ptr<http::client> push_client, std::shared_ptr<gsup::hlr_client> hlr = nullptr,
                 std::shared_ptr<const operation_gate> gate = nullptr,
                 std::shared_ptr<subscriber_purchase> purchases = nullptr,
                 std::shared_ptr<support::metrics_registry> metrics = nullptr);

    http::response handle(http::request&& req, const http::peer_info& peer) override;
    std::optional<http::response> screen(const http::request& req, const http::peer_info& peer) override;

    const http::pipeline& pipeline() const { return *pipeline_; }

private:
    // What the management sessions did, series of the pipeline's registry (docs/operations.md).
    struct session_counters {
        explicit session_counters(support::metrics_registry& m);
        support::counter& authenticated;   // messages of an authenticated device
        support::counter& unauthenticated; // messages answered with a challenge or a refusal
        support::counter& ended;           // sessions ended
        support::counter& jobs_done;
        support::counter& jobs_failed;
    };

    support::result<http::response> serve_syncml(http::call& c);
    support::result<http::response> enroll(http::call& c);
    support::result<http::response> list_devices(http::call& c);
    support::result<http::response> show_device(http::call& c);
    support::result<http::response> queue_for_device(http::call& c);
    support::result<http::response> queue_batch(http::call& c);
    support::result<http::response> list_jobs(http::call& c);
    support::result<http::response> show_job(http::call& c);
    support::result<http::response> cancel_job(http::call& c);
    support::result<http::response> notify(http::call& c);
    support::result<http::response> provision_mc(http::call& c);
    support::result<http::response> begin_switch_on(http::call& c);
    support::result<http::response> answer_switch_on(http::call& c);
    support::result<http::response> list_cards(http::call& c);
    support::result<http::response> list_offers(http::call& c);
    support::result<http::response> open_purchase(http::call& c);
    support::result<http::response> complete_purchase(http::call& c);

    dm_interface_config config_;
    std::shared_ptr<store::document_store> documents_;
    std::shared_ptr<support::clock> clock_;
    management_session session_;
    device_registry registry_;
    job_queue jobs_;
    device_notifier notifier_;
    switch_on_authentication switch_on_;
    std::shared_ptr<subscriber_purchase> purchases_;
    std::shared_ptr<http::pipeline> pipeline_;
    session_counters counters_;
};

// Queues one job per device with the same commands and a shared batch id (the admin API's POST /dms/v1/jobs, and
// `mcprov dms queue`); a request with a gate queues, per device, the operation held and its gate job (gated_jobs), the
// operation first in what is returned. All or nothing: an unknown device fails the batch. Returns the jobs. Errors:
// invalid_argument, not_found, io.
support::result<std::vector<job>> queue_jobs(job_queue& jobs, const std::vector<std::string>& devices,
                                             const job& request, std::string_view actor,
                                             std::chrono::system_clock::time_point now);

// Enrols a device and queues the Gets of its DevDetail (type, OEM, firmware, software and hardware versions, large
// object support), so that its inventory is complete after its first session. Errors: those of
// device_registry::enroll and job_queue::queue.
support::result<void> enroll_device(device_registry& registry, job_queue& jobs, const std::string& device,
                                    const device_credentials& credentials, std::string_view actor,
                                    std::chrono::system_clock::time_point now);

// The job that provisions the MCS UE initial configuration MO at ./MCS/UEInitConfig, and the MCPTT UE configuration MO
// at ./MCS/UEConfig when given: one Atomic of the Adds of each object's root (its Type the MO's identifier) and
// leaves, after a Delete of the ones there when `replace`. `user`, when given, is the default user profile's MC service
// ID. The TS 24.484 documents they mirror are checked against their schemas first. Errors: schema_invalid,
// invalid_argument.
support::result<job> mc_configuration_job(mcs_mo::ue_initial_configuration config,
                                          const std::optional<mcs_mo::ue_configuration>& ue,
                                          std::optional<std::string> user, bool replace);
inline constexpr std::string_view mc_configuration_node = "./MCS/UEInitConfig";
inline constexpr std::string_view mc_ue_configuration_node = "./MCS/UEConfig";

// A device's inventory as the admin API shows it (DevInfo, last session, jobs pending).
boost::json::value device_json(std::string_view device, const device_inventory& inventory,
                               const std::vector<job>& jobs);

// A device's card history as the admin API shows it: {"device": ..., "cards": [{time, imei, imsi, iccid}...]}.
boost::json::value cards_json(std::string_view device, const std::vector<card_pairing>& pairings);

} // namespace mcprov::dms
