#include "mcprov/dms/purchase.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "mcprov/dms/audit.hpp"
#include "mcprov/dms/charging.hpp"
#include "mcprov/dms/switch_on_authentication.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/json.hpp"
#include "mcprov/support/log.hpp"
#include "mcprov/syncml/credentials.hpp"

namespace mcprov::dms {
namespace {

namespace json = boost::json;
using support::errc;
using support::make_error;
using support::result;

store::document_key purchase_key(const std::string& id) {
    return {"org.mcprov.dm-purchase", id, "purchase.json"};
}

std::string to_json_text(const purchase_outcome& p, std::chrono::system_clock::time_point created) {
    json::array jobs;
    for (const auto& j : p.jobs)
        jobs.emplace_back(j);
    return json::serialize(json::object{{"id", p.id},
                                        {"state", p.state},
                                        {"reason", p.reason},
                                        {"device", p.device},
                                        {"subscription", p.subscription},
                                        {"amount", static_cast<std::int64_t>(p.amount)},
                                        {"currency", p.currency},
                                        {"means", p.means},
                                        {"reference", p.reference},
                                        {"jobs", std::move(jobs)},
                                        {"confirmation", p.confirmation},
                                        {"nonce", support::base64_encode(p.nonce)},
                                        {"created", support::format_utc(created)}});
}

std::optional<std::pair<purchase_outcome, std::chrono::system_clock::time_point>> from_json_text(std::string_view s) {
    boost::system::error_code ec;
    const auto v = json::parse(s, ec);
    if (ec || !v.is_object())
        return std::nullopt;
    const auto& o = v.as_object();
    purchase_outcome p{.id = support::json_text(o, "id"),
                       .state = support::json_text(o, "state"),
                       .reason = support::json_text(o, "reason"),
                       .device = support::json_text(o, "device"),
                       .subscription = support::json_text(o, "subscription"),
                       .amount = 0,
                       .currency = support::json_text(o, "currency"),
                       .means = support::json_text(o, "means"),
                       .reference = support::json_text(o, "reference"),
                       .jobs = {},
                       .confirmation = support::json_text(o, "confirmation"),
                       .nonce = support::base64_decode(support::json_text(o, "nonce")).value_or("")};
    if (const auto* a = o.if_contains("amount"); a && a->is_int64() && a->as_int64() > 0)
        p.amount = static_cast<std::uint64_t>(a->as_int64());
    if (const auto* jobs = o.if_contains("jobs"); jobs && jobs->is_array())
        for (const auto& j : jobs->as_array())
            if (j.is_string())
                p.jobs.emplace_back(j.as_string());
    const auto created = support::parse_utc(support::json_text(o, "created"));
    if (!created)
        return std::nullopt;
    return std::pair{std::move(p), *created};
}

} // namespace

subscriber_purchase::subscriber_purchase(std::shared_ptr<store::document_store> documents,
                                         std::shared_ptr<support::clock> clock, std::shared_ptr<zn_client> zn,
                                         std::shared_ptr<payment_gateway> gateway, std::vector<offer> offers,
                                         std::string server_id)
    : documents_(std::move(documents)), clock_(std::move(clock)), zn_(std::move(zn)), gateway_(std::move(gateway)),
      offers_(std::move(offers)), server_id_(std::move(server_id)) {}

result<purchase_outcome> subscriber_purchase::open(const std::string& device, const std::vector<std::string>& chosen,
                                                   const std::string& means) {
    if (chosen.empty() || chosen.size() > 16)
        return make_error(errc::invalid_argument, "choose 1 to 16 offers");
    if (means != "bill" && means != "prepaid" && means != "card")
        return make_error(errc::invalid_argument, "means must be bill, prepaid or card");
    if (means == "card" && !gateway_)
        return make_error(errc::invalid_argument, "this server takes no card payments ([gateway])");
    auto enrolled = documents_->get({"org.mcprov.dm-device", device, "credentials.json"});
    if (!enrolled)
        return enrolled.err().code == errc::not_found
                   ? make_error(errc::not_found, "no device " + device + " is managed here")
                   : std::move(enrolled).err();
    purchase_outcome p{.id = job_queue::new_id(clock_->now()), .state = "open", .reason = {}, .device = device,
                       .subscription = {}, .amount = 0, .currency = {}, .means = means, .reference = {}, .jobs = {},
                       .confirmation = {}, .nonce = syncml::random_nonce()};
    std::string items;
    for (const auto& id : chosen) {
        const auto found = std::find_if(offers_.begin(), offers_.end(), [&](const offer& o) { return o.id == id; });
        if (found == offers_.end())
            return make_error(errc::invalid_argument, "no offer \"" + id + "\"");
        if (!p.currency.empty() && p.currency != found->currency)
            return make_error(errc::invalid_argument, "the offers are in different currencies");
        p.currency = found->currency;
        p.amount += found->amount;
        items += (items.empty() ? "" : ", ") + found->description;
        p.jobs.push_back(found->id); // the offers until the jobs are queued
    }
    p.confirmation = "Buy " + items + " for " + format_money(p.amount, p.currency) + ", paid by " + means + "?";
    if (auto saved = save(p); !saved)
        return std::move(saved).err();
    return p;
}

result<void> subscriber_purchase::save(const purchase_outcome& p) {
    return documents_->write_all({{purchase_key(p.id), to_json_text(p, clock_->now())}});
}

result<purchase_outcome> subscriber_purchase::refuse(purchase_outcome p, const support::error& why,
                                                     const std::string& subscription) {
    p.state = "refused";
    p.reason = why.message;
    auto writes = audit_writes({.time = clock_->now(),
                                .actor = subscription.empty() ? "pc-agent" : "subscriber:" + subscription,
                                .action = "refused",
                                .device = p.device,
                                .detail = "purchase " + p.id + ": " + why.message,
                                .subscription = subscription});
    writes.push_back({purchase_key(p.id), to_json_text(p, clock_->now())});
    (void)documents_->write_all(writes);
    return make_error(why.code, why.message);
}

result<purchase_outcome> subscriber_purchase::complete(const std::string& id, const std::string& proof,
                                                       const std::string& card_token) {
    auto stored = documents_->get(purchase_key(id));
    if (!stored)
        return stored.err().code == errc::not_found ? make_error(errc::not_found, "no such purchase")
                                                    : std::move(stored).err();
    auto read = from_json_text(stored->content);
    if (!read)
        return make_error(errc::internal, "a stored purchase does not read");
    auto [p, created] = std::move(*read);
    if (p.state == "done")
        return p;
    if (p.state == "refused")
        return make_error(errc::forbidden, "this purchase was refused: " + p.reason);
    if (p.state == "open" && clock_->now() > created + lifetime)
        return make_error(errc::not_found, "the purchase expired: open another");
    auto who = verify_proof(zn_.get(), server_id_, p.device, proof,
                            {.level = "user", .nonce = p.nonce, .confirmation = p.confirmation, .issued = created});
    if (!who)
        return refuse(std::move(p), who.err());
    std::string reference;
    if (p.means == "card") {
        if (card_token.empty())
            return make_error(errc::invalid_argument, "a card payment needs the card's token from the gateway");
        if (p.state != "paying") {
            p.state = "paying";
            p.subscription = who->imsi;
            if (auto saved = save(p); !saved)
                return std::move(saved).err();
        }
        auto paid = gateway_->capture(p.id, card_token, p.amount, p.currency, p.confirmation);
        if (!paid) {
            if (paid.err().code == errc::unavailable)
                return make_error(errc::unavailable, paid.err().message + "; nothing is charged twice: complete the "
                                                                          "purchase again");
            return refuse(std::move(p), make_error(errc::forbidden, "the payment: " + paid.err().message), who->imsi);
        }
        reference = paid->id;
    }
    return finish(std::move(p), *who, reference);
}

result<purchase_outcome> subscriber_purchase::finish(purchase_outcome p, const verified_subscriber& who,
                                                     const std::string& reference) {
    const auto now = clock_->now();
    std::vector<std::string> offer_ids = std::move(p.jobs);
    p.jobs.clear();
    p.subscription = who.imsi;
    p.reference = reference;
    auto done = documents_->transact([&](store::transaction& tx) -> result<void> {
        std::vector<store::document_write> writes;
        auto record = [&](std::string action, std::string detail) {
            for (auto& w : audit_writes({.time = now,
                                         .actor = "subscriber:" + who.imsi,
                                         .action = std::move(action),
                                         .device = p.device,
                                         .detail = std::move(detail),
                                         .subscription = who.imsi}))
                writes.push_back(std::move(w));
        };
        record("identified", "IMPI " + who.impi + " by B-TID " + who.btid + " (purchase " + p.id + ")");
        if (p.device.starts_with("IMEI:") && valid_imei(p.device.substr(5)))
            if (auto paired = record_pairing(tx, {.time = now, .imei = p.device.substr(5), .imsi = who.imsi, .iccid = {}});
                !paired)
                return std::move(paired).err();
        record("authenticated", "the user: PIN verified by the card, then GBA (" + who.authentication + "), B-TID " +
                                    who.btid + ", through a PC agent");
        record("consented", "\"" + p.confirmation + "\": yes, proof MAC " + support::base64_encode(who.mac));
        auto charged = charge_in(tx, who.imsi, p.id,
                                 {.amount = p.amount, .currency = p.currency, .description = p.confirmation,
                                  .means = p.means, .waived_for = {}},
                                 now, reference);
        if (!charged)
            return std::move(charged).err();
        for (auto& w : charged->second)
            writes.push_back(std::move(w));
        record("charged", format_money(p.amount, p.currency) + " by " + p.means + " for purchase " + p.id +
                              (reference.empty() ? "" : " (payment " + reference + ")"));
        for (const auto& id : offer_ids) {
            const auto o = std::find_if(offers_.begin(), offers_.end(), [&](const offer& x) { return x.id == id; });
            if (o == offers_.end())
                continue;
            job j = o->request;
            j.id = job_queue::new_id(now);
            j.device = p.device;
            j.requested_by = "subscriber:" + who.imsi;
            j.created = now;
            j.state = job_state::queued;
            for (auto& w : job_queue::writes(j))
                writes.push_back(std::move(w));
            p.jobs.push_back(j.id);
            record("queue", "job " + j.id + ": " + o->description + " (purchase " + p.id + ")");
        }
        p.state = "done";
        writes.push_back({purchase_key(p.id), to_json_text(p, now)});
        for (const auto& w : writes)
            if (auto ok = w.content ? tx.put(w.key, *w.content).has_value() : tx.remove(w.key).has_value(); !ok)
                return make_error(errc::io, "the purchase could not be recorded");
        return {};
    });
    if (!done) {
        if (done.err().code == errc::forbidden)
            return refuse(std::move(p), done.err(), who.imsi);
        return std::move(done).err();
    }
    support::logger("dms")->info("{}: purchase {} by subscription {}: {} by {}", p.device, p.id, p.subscription,
                                 format_money(p.amount, p.currency), p.means);
    return p;
}

} // namespace mcprov::dms
