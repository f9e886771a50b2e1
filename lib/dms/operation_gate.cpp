#include "mcprov/dms/operation_gate.hpp"

#include <algorithm>

#include <boost/beast/http.hpp>
#include <openssl/crypto.h>

#include "mcprov/dms/audit.hpp"
#include "mcprov/dms/charging.hpp"
#include "mcprov/dms/switch_on_authentication.hpp"
#include "mcprov/gba/dm_proof.hpp"
#include "mcprov/gba/key_derivation.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/log.hpp"
#include "mcprov/syncml/credentials.hpp"

namespace mcprov::dms {
namespace {

namespace bhttp = boost::beast::http;
using support::errc;
using support::make_error;
using support::result;
using syncml::command_name;

class https_zn_client final : public zn_client {
public:
    https_zn_client(std::unique_ptr<http::client> client, std::string url, std::string naf_id,
                    std::shared_ptr<support::peer_health> health)
        : client_(std::move(client)), url_(std::move(url)), naf_id_(std::move(naf_id)), health_(std::move(health)) {}

    result<gba::zn_answer> bootstrapping_info(const std::string& btid) override {
        auto res = client_->fetch({.method = bhttp::verb::post,
                                   .url = url_,
                                   .headers = {{"Content-Type", "application/json"}},
                                   .body = gba::format_zn_request({.btid = btid, .naf_id = naf_id_})});
        if (health_)
            res ? health_->answered() : health_->failed();
        if (!res)
            return make_error(errc::unavailable, "the BSF: " + res.err().message);
        const auto status = res->result_int();
        const std::string detail = "the BSF answered " + std::to_string(status) + " for B-TID " + btid;
        if (status == 404)
            return make_error(errc::not_found, detail + ": unknown, or its key expired");
        if (status == 401 || status == 403)
            return make_error(errc::forbidden, detail + ": this server is not one of its NAFs");
        if (status != 200)
            return make_error(errc::unavailable, detail);
        auto answer = gba::parse_zn_answer(res->body());
        if (!answer)
            return make_error(errc::unavailable, "the BSF's answer: " + answer.err().message);
        return answer;
    }

private:
    std::unique_ptr<http::client> client_;
    std::string url_;
    std::string naf_id_;
    std::shared_ptr<support::peer_health> health_;
};

// The gate job's answers, by what the command was.
const command_outcome* outcome_of(const job& gate, command_name name) {
    for (std::size_t k = 0; k < gate.commands.size() && k < gate.outcomes.size(); ++k)
        if (gate.commands[k].name == name)
            return &gate.outcomes[k];
    return nullptr;
}

bool imsi_matches(std::string_view imsi, std::string_view pattern) {
    if (pattern.ends_with('*'))
        return imsi.starts_with(pattern.substr(0, pattern.size() - 1));
    return imsi == pattern;
}

} // namespace

result<std::unique_ptr<zn_client>> create_zn_client(const zn_config& config, std::string server_id,
                                                    std::shared_ptr<support::peer_health> health) {
    http::client_options options;
    options.ca_file = config.ca;
    options.certificate_chain = config.certificate;
    options.private_key = config.private_key;
    options.timeout = std::chrono::duration_cast<std::chrono::seconds>(config.timeout);
    if (options.timeout.count() < 1)
        options.timeout = std::chrono::seconds(1);
    auto client = http::create_client(options);
    if (!client)
        return std::move(client).err();
    std::string url = config.bsf;
    if (!url.ends_with('/'))
        url += '/';
    return std::unique_ptr<zn_client>(new https_zn_client(std::move(client).value(), url + "zn/v1/bootstrapping-info",
                                                          gba::naf_id(server_id, gba::ua_dm_proof), std::move(health)));
}

const corporation* corporation_of(const subscriber_policy& policy, std::string_view device) {
    for (const auto& c : policy.corporations)
        if (std::find(c.devices.begin(), c.devices.end(), device) != c.devices.end())
            return &c;
    return nullptr;
}

bool home_subscription(const subscriber_policy& policy, std::string_view imsi) {
    return std::any_of(policy.home_networks.begin(), policy.home_networks.end(),
                       [&](const std::string& plmn) { return imsi.starts_with(plmn); });
}

std::vector<job> gated_jobs(const job& request, const std::string& device, std::string_view actor,
                            std::chrono::system_clock::time_point now, const std::function<std::string()>& nonces) {
    job held = request;
    held.gate.reset();
    held.id = job_queue::new_id(now);
    held.device = device;
    held.requested_by = std::string(actor);
    held.created = now;
    held.state = job_state::held;

    job gate;
    gate.id = job_queue::new_id(now);
    gate.batch = request.batch;
    gate.device = device;
    gate.requested_by = std::string(actor);
    gate.created = now;
    gate.state = job_state::queued;
    gate.gate = *request.gate;
    gate.gate->for_job = held.id;
    gate.gate->nonce = nonces();
    held.held_by = gate.id;
    const auto level = gate.gate->level == "user" ? gba::authentication_level::user
                                                  : gba::authentication_level::subscriber;
    if (!gate.gate->confirmation.empty())
        gate.commands.push_back({.name = command_name::alert,
                                 .alert = 1101,
                                 .options = "MINDT=120",
                                 .text = gate.gate->confirmation});
    gate.commands.push_back({.name = command_name::exec,
                             .target = std::string(gba::dm_authenticate_node),
                             .data = gba::format_dm_authentication_request({.level = level, .nonce = gate.gate->nonce})});
    gate.commands.push_back({.name = command_name::get, .target = std::string(gba::dm_proof_node)});
    return {gate, held};
}

result<std::vector<store::document_write>> first_use_writes(store::transaction& tx, const subscriber_policy& policy,
                                                            const std::string& device,
                                                            std::chrono::system_clock::time_point now) {
    std::vector<store::document_write> out;
    if (!policy.used_device)
        return out;
    auto enrolled = tx.get({"org.mcprov.dm-device", device, "credentials.json"});
    if (!enrolled)
        return std::move(enrolled).err();
    if (!*enrolled)
        return out;
    job request = *policy.used_device;
    if (request.gate)
        request.gate->entitlement = corporation_of(policy, device) ? "corporate" : "any";
    for (const auto& j : gated_jobs(request, device, "policy:used-device", now, syncml::random_nonce))
        for (auto& w : job_queue::writes(j))
            out.push_back(std::move(w));
    for (auto& w : audit_writes({.time = now,
                                 .actor = "policy:used-device",
                                 .action = "queue",
                                 .device = device,
                                 .detail = "the used-device configuration: first use with a new subscription",
                                 .subscription = {}}))
        out.push_back(std::move(w));
    return out;
}

result<verified_subscriber> verify_proof(zn_client* zn, std::string_view server_id, std::string_view device,
                                         std::string_view proof_text, const proof_request& asked) {
    auto refuse = [](std::string why) { return make_error(errc::unauthenticated, std::move(why)); };
    if (proof_text.starts_with("error="))
        return refuse("the device did not authenticate the " + asked.level + ": " + std::string(proof_text.substr(6)));
    auto proof = gba::parse_dm_proof(proof_text);
    if (!proof)
        return refuse("the device's proof: " + proof.err().message);
    if (proof->nonce != asked.nonce || std::string(gba::to_string(proof->level)) != asked.level)
        return refuse("the proof answers another request (nonce or level)");
    const std::string confirmation = asked.confirmation.empty() ? std::string() : support::sha256(asked.confirmation);
    if (proof->confirmation_sha256 != confirmation)
        return refuse("the proof covers another confirmation than the one asked");
    if (!asked.confirmation.empty() && proof->answer != gba::user_answer::yes)
        return refuse("the proof does not carry the user's yes");
    if (!zn)
        return refuse("this server has no BSF to verify the proof with ([gba])");
    auto key = zn->bootstrapping_info(proof->btid);
    if (!key)
        return refuse("B-TID " + proof->btid + ": " + key.err().message);
    const auto expected = gba::dm_proof_mac(key->ks_naf, device, server_id, *proof);
    if (expected.size() != proof->mac.size() ||
        CRYPTO_memcmp(expected.data(), proof->mac.data(), expected.size()) != 0)
        return refuse("the proof's MAC does not verify with the key of B-TID " + proof->btid);
    if (proof->level == gba::authentication_level::user && key->bootstrap_time + std::chrono::seconds(1) < asked.issued)
        return refuse("the user level needs a bootstrap made for this request; B-TID " + proof->btid + " is from " +
                      support::format_utc(key->bootstrap_time));
    auto imsi = gba::imsi_of_impi(key->impi);
    if (!imsi)
        return refuse("the BSF's IMPI " + key->impi + " is not an IMSI's");
    return verified_subscriber{.impi = key->impi,
                               .imsi = *imsi,
                               .btid = proof->btid,
                               .authentication = key->authentication,
                               .bootstrap_time = key->bootstrap_time,
                               .mac = proof->mac};
}

zn_answers::zn_answers(std::shared_ptr<zn_client> bsf) : bsf_(std::move(bsf)) {}

result<gba::zn_answer> zn_answers::bootstrapping_info(const std::string& btid) {
    if (auto known = answers_.find(btid); known != answers_.end())
        return known->second;
    if (answers_.size() + missing_.size() >= max_answers)
        return make_error(errc::unavailable, "more B-TIDs in one message than this server verifies");
    if (std::find(missing_.begin(), missing_.end(), btid) == missing_.end())
        missing_.push_back(btid);
    return make_error(errc::unavailable, "the BSF's answer is fetched outside the store's transaction");
}

void zn_answers::fetch_missing() {
    for (auto& btid : missing_)
        answers_.emplace(btid, bsf_ ? bsf_->bootstrapping_info(btid)
                                    : make_error(errc::unavailable, "this server has no BSF ([gba])"));
    missing_.clear();
}

operation_gate::operation_gate(std::shared_ptr<zn_client> zn, subscriber_policy policy, std::string server_id)
    : zn_(std::move(zn)), policy_(std::move(policy)), server_id_(std::move(server_id)) {}

std::vector<job> operation_gate::customisation_for(const std::string& device, const device_inventory& inventory,
                                                  const std::vector<job>& pending,
                                                  std::chrono::system_clock::time_point now) const {
    const auto* owner = corporation_of(policy_, device);
    if (!owner || !owner->customisation || owner->customisation_version.empty())
        return {};
    const auto reported = inventory.dev_info.find("./DevDetail/FwV");
    if (reported == inventory.dev_info.end() || reported->second == owner->customisation_version)
        return {};
    const std::string actor = "policy:corporate-customisation";
    if (std::any_of(pending.begin(), pending.end(), [&](const job& j) { return j.requested_by == actor; }))
        return {};
    support::logger("dms")->info("{}: {}'s device reports firmware {}, its customisation is {}: correcting it", device,
                                 owner->name, reported->second, owner->customisation_version);
    return gated_jobs(*owner->customisation, device, actor, now, syncml::random_nonce);
}

gate_decision operation_gate::judge(const job& gate, const job& held, store::transaction& tx,
                                    std::chrono::system_clock::time_point now, zn_client& zn) const {
    gate_decision d;
    const auto& g = *gate.gate;
    auto record = [&](std::string action, std::string detail) {
        for (auto& w : audit_writes({.time = now,
                                     .actor = d.subscription.empty() ? "device" : "subscriber:" + d.subscription,
                                     .action = std::move(action),
                                     .device = gate.device,
                                     .detail = std::move(detail),
                                     .subscription = d.subscription}))
            d.writes.push_back(std::move(w));
    };
    auto refuse = [&](std::string reason) {
        d.passed = false;
        d.reason = std::move(reason);
        record("refused", "job " + held.id + ": " + d.reason);
        return d;
    };

    // 1. The user's confirmation, when one was asked.
    if (!g.confirmation.empty()) {
        const auto* alert = outcome_of(gate, command_name::alert);
        const unsigned status = alert ? alert->status : 0;
        if (status == 304)
            return refuse("the user declined: \"" + g.confirmation + "\"");
        if (status != 200)
            return refuse("the user did not confirm (status " + std::to_string(status) + ")");
    }
    // 2. The proof the device wrote, or why it wrote none.
    const auto* exec = outcome_of(gate, command_name::exec);
    const auto* got = outcome_of(gate, command_name::get);
    const std::string proof_text =
        got && !got->results.empty() ? got->results.front().data.value_or("") : std::string();
    if (proof_text.starts_with("error="))
        return refuse("the device did not authenticate the " + g.level + ": " + proof_text.substr(6));
    if (!exec || exec->status != 200)
        return refuse("the device did not authenticate the " + g.level + " (status " +
                      std::to_string(exec ? exec->status : 0) + ")");
    auto verified = verify_proof(zn_ ? &zn : nullptr, server_id_, gate.device, proof_text,
                                 {.level = g.level, .nonce = g.nonce, .confirmation = g.confirmation,
                                  .issued = gate.created});
    if (!verified)
        return refuse(verified.err().message);
    const auto& key = *verified;
    const std::string& imsi = verified->imsi;

    // 3. Identified: the subscription behind the device, from the network, never from what the device says.
    d.subscription = imsi;
    record("identified", "IMPI " + key.impi + " by B-TID " + key.btid);
    if (gate.device.starts_with("IMEI:") && valid_imei(gate.device.substr(5))) {
        auto paired = record_pairing(tx, {.time = now, .imei = gate.device.substr(5), .imsi = imsi, .iccid = {}});
        if (!paired)
            return refuse("the pairing could not be kept: " + paired.err().message);
        if (*paired) {
            record("paired", "first use of the device with subscription " + imsi);
            // The used-device configuration, unless this gate is that configuration's own.
            if (held.requested_by != "policy:used-device") {
                auto more = first_use_writes(tx, policy_, gate.device, now);
                if (!more)
                    return refuse("the used-device configuration could not be queued: " + more.err().message);
                for (auto& w : *more)
                    d.writes.push_back(std::move(w));
            }
        }
    }
    record("authenticated", std::string(g.level == "user" ? "the user: PIN verified by the card, then "
                                                          : "the subscriber: ") +
                                "GBA (" + key.authentication + "), B-TID " + key.btid + " bootstrapped " +
                                support::format_utc(key.bootstrap_time));
    if (!g.confirmation.empty())
        record("consented", "\"" + g.confirmation + "\": yes, proof MAC " + support::base64_encode(key.mac));

    // 4. Entitled.
    if (g.entitlement == "home" && !home_subscription(policy_, imsi))
        return refuse("the subscription " + imsi + " is not one of this operator's");
    if (const auto* owner = corporation_of(policy_, gate.device); owner && g.entitlement == "corporate") {
        if (std::none_of(owner->subscriptions.begin(), owner->subscriptions.end(),
                         [&](const std::string& p) { return imsi_matches(imsi, p); }))
            return refuse("the device belongs to " + owner->name + ", whose subscriptions " + imsi + " is not one of");
    } else if (g.entitlement == "corporate") {
        return refuse("the device belongs to no corporation");
    }

    // 5. Charged, once per job.
    const bool waived = g.charge && std::any_of(g.charge->waived_for.begin(), g.charge->waived_for.end(),
                                                [&](const std::string& p) { return imsi_matches(imsi, p); });
    if (waived)
        record("not charged", format_money(g.charge->amount, g.charge->currency) + " for job " + held.id +
                                  ": included in the subscription");
    if (g.charge && !waived) {
        auto charged = charge_in(tx, imsi, held.id, *g.charge, now);
        if (!charged)
            return refuse("not charged: " + charged.err().message);
        for (auto& w : charged->second)
            d.writes.push_back(std::move(w));
        record("charged", format_money(g.charge->amount, g.charge->currency) + " by " + g.charge->means + " for job " +
                              held.id + (g.charge->description.empty() ? "" : ": " + g.charge->description));
    }
    d.passed = true;
    record("allowed", "job " + held.id);
    return d;
}

} // namespace mcprov::dms
