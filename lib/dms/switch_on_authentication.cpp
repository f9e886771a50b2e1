#include "mcprov/dms/switch_on_authentication.hpp"

#include <algorithm>

#include "mcprov/dms/audit.hpp"

#include <boost/json.hpp>
#include <openssl/crypto.h>

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

constexpr std::string_view attempt_auid = "org.mcprov.dm-switch-on";
constexpr std::string_view pairing_auid = "org.mcprov.dm-card";

bool digits(std::string_view s, std::size_t min, std::size_t max) {
    return s.size() >= min && s.size() <= max && s.find_first_not_of("0123456789") == std::string_view::npos;
}

store::document_key attempt_key(const std::string& imsi) {
    return {std::string(attempt_auid), imsi, "attempt.json"};
}
store::document_key device_key(const std::string& imei) {
    return {std::string(pairing_auid), "IMEI:" + imei, "pairings.json"};
}
store::document_key subscription_key(const std::string& imsi) {
    return {std::string(pairing_auid), "IMSI:" + imsi, "pairings.json"};
}

json::object pairing_json(const card_pairing& p) {
    return {{"time", support::format_utc(p.time)}, {"imei", p.imei}, {"imsi", p.imsi}, {"iccid", p.iccid}};
}

std::vector<card_pairing> read_pairings(std::string_view content) {
    std::vector<card_pairing> out;
    boost::system::error_code ec;
    const auto v = json::parse(content, ec);
    const auto* history = !ec && v.is_object() ? v.as_object().if_contains("history") : nullptr;
    if (!history || !history->is_array())
        return out;
    for (const auto& e : history->as_array()) {
        if (!e.is_object())
            continue;
        const auto& o = e.as_object();
        const auto when = support::parse_utc(support::json_text(o, "time"));
        out.push_back({.time = when.value_or(std::chrono::system_clock::time_point{}), .imei = support::json_text(o, "imei"),
                       .imsi = support::json_text(o, "imsi"), .iccid = support::json_text(o, "iccid")});
    }
    return out;
}

// The history with `p` added at its end, the oldest dropped past the limit.
std::string appended(const std::optional<store::stored_document>& current, const card_pairing& p) {
    auto history = current ? read_pairings(current->content) : std::vector<card_pairing>{};
    history.push_back(p);
    if (history.size() > switch_on_authentication::history_length)
        history.erase(history.begin(),
                      history.begin() + static_cast<long>(history.size() - switch_on_authentication::history_length));
    json::array a;
    for (const auto& h : history)
        a.push_back(pairing_json(h));
    return json::serialize(json::object{{"history", std::move(a)}});
}

result<std::vector<card_pairing>> pairings_at(const store::document_store& documents, const store::document_key& key) {
    auto stored = documents.get(key);
    if (!stored) {
        if (stored.err().code == errc::not_found)
            return std::vector<card_pairing>{};
        return std::move(stored).err();
    }
    return read_pairings(stored->content);
}

} // namespace

bool valid_imei(std::string_view imei) {
    if (!digits(imei, 15, 15))
        return false;
    int sum = 0;
    for (std::size_t i = 0; i < 14; ++i) {
        int d = imei[i] - '0';
        if (i % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return (10 - sum % 10) % 10 == imei[14] - '0';
}

switch_on_authentication::switch_on_authentication(std::shared_ptr<store::document_store> documents,
                                                   std::shared_ptr<gsup::hlr_client> hlr,
                                                   std::shared_ptr<support::clock> clock, subscriber_policy policy)
    : documents_(std::move(documents)), hlr_(std::move(hlr)), clock_(std::move(clock)), policy_(std::move(policy)) {}

result<switch_on_authentication::challenge> switch_on_authentication::begin(const std::string& imei,
                                                                          const std::string& imsi,
                                                                          const std::string& iccid) {
    if (!valid_imei(imei))
        return make_error(errc::invalid_argument, "imei must be 15 digits with its check digit");
    if (!digits(imsi, 6, 15))
        return make_error(errc::invalid_argument, "imsi must be 6 to 15 digits");
    if (!digits(iccid, 18, 20))
        return make_error(errc::invalid_argument, "iccid must be 18 to 20 digits");
    if (!hlr_)
        return make_error(errc::unavailable, "this server has no HLR configured ([hlr])");
    auto vector = hlr_->send_auth_info(imsi);
    if (!vector) {
        if (vector.err().code == errc::not_found) {
            support::logger("dms")->warn("switch-on of IMEI {} refused: {}", imei, vector.err().message);
            return make_error(errc::forbidden, "the network does not serve this subscription");
        }
        return std::move(vector).err();
    }
    return store_challenge(imei, imsi, iccid, *vector, false);
}

result<switch_on_authentication::challenge>
switch_on_authentication::store_challenge(const std::string& imei, const std::string& imsi, const std::string& iccid,
                                          const aka::authentication_vector& v, bool resynchronised) {
    challenge c{.attempt = imsi + "." + support::hex_encode(syncml::random_nonce()), .rand = v.rand, .autn = v.autn};
    const auto expires = clock_->now() + challenge_lifetime;
    const std::string content = json::serialize(json::object{{"attempt", c.attempt},
                                                             {"imei", imei},
                                                             {"imsi", imsi},
                                                             {"iccid", iccid},
                                                             {"rand", support::hex_encode(v.rand)},
                                                             {"xres", support::hex_encode(v.xres)},
                                                             {"expires", support::format_utc(expires)},
                                                             {"resynchronised", resynchronised}});
    if (auto written = documents_->write_all({{attempt_key(imsi), content}}); !written)
        return std::move(written).err();
    return c;
}

result<std::variant<card_pairing, switch_on_authentication::challenge>>
switch_on_authentication::answer(const std::string& attempt, const std::optional<std::string>& res,
                                 const std::optional<std::string>& auts) {
    const auto dot = attempt.find('.');
    const std::string imsi = attempt.substr(0, dot);
    if (dot == std::string::npos || !digits(imsi, 6, 15))
        return make_error(errc::not_found, "no such switch-on attempt");
    if (res.has_value() == auts.has_value())
        return make_error(errc::invalid_argument, "give res or auts");
    auto stored = documents_->get(attempt_key(imsi));
    if (!stored) {
        if (stored.err().code == errc::not_found)
            return make_error(errc::not_found, "no such switch-on attempt");
        return std::move(stored).err();
    }
    boost::system::error_code ec;
    const auto v = json::parse(stored->content, ec);
    if (ec || !v.is_object())
        return make_error(errc::internal, "a stored switch-on attempt does not read");
    const auto& o = v.as_object();
    const auto expires = support::parse_utc(support::json_text(o, "expires"));
    if (support::json_text(o, "attempt") != attempt || !expires || clock_->now() > *expires)
        return make_error(errc::not_found, "no such switch-on attempt, or it expired");
    const std::string imei = support::json_text(o, "imei"), iccid = support::json_text(o, "iccid");
    const auto rand = support::hex_decode(support::json_text(o, "rand"));
    const auto xres = support::hex_decode(support::json_text(o, "xres"));
    if (!rand || !xres)
        return make_error(errc::internal, "a stored switch-on attempt does not read");

    if (auts) {
        const auto* again = o.if_contains("resynchronised");
        if (again && again->is_bool() && again->as_bool())
            return make_error(errc::conflict, "the card asked for re-synchronisation twice");
        if (!hlr_)
            return make_error(errc::unavailable, "this server has no HLR configured ([hlr])");
        auto vector = hlr_->send_auth_info(imsi, gsup::hlr_client::resynchronisation{*rand, *auts});
        if (!vector)
            return vector.err().code == errc::not_found ? make_error(errc::forbidden, vector.err().message)
                                                        : std::move(vector).err();
        auto next = store_challenge(imei, imsi, iccid, *vector, true);
        if (!next)
            return std::move(next).err();
        return std::variant<card_pairing, challenge>(std::move(*next));
    }

    // One answer per challenge: right or wrong, the attempt is over.
    const bool matches = res->size() == xres->size() && CRYPTO_memcmp(res->data(), xres->data(), res->size()) == 0;
    if (!matches) {
        (void)documents_->write_all({{attempt_key(imsi), std::nullopt}});
        support::logger("dms")->warn("switch-on of IMEI {} with IMSI {}: RES does not match", imei, imsi);
        return make_error(errc::unauthenticated, "RES does not match: the card is not the subscription's");
    }
    if (auto checked = hlr_ ? hlr_->check_imei(imsi, imei)
                            : result<void>(make_error(errc::unavailable, "no HLR configured"));
        !checked)
        return std::move(checked).err();
    const std::string device = "IMEI:" + imei;
    if (const auto* owner = corporation_of(policy_, device);
        owner && std::none_of(owner->subscriptions.begin(), owner->subscriptions.end(), [&](const std::string& p) {
            return p.ends_with('*') ? imsi.starts_with(p.substr(0, p.size() - 1)) : imsi == p;
        })) {
        (void)documents_->write_all(audit_writes({.time = clock_->now(),
                                                  .actor = "subscriber:" + imsi,
                                                  .action = "refused",
                                                  .device = device,
                                                  .detail = "switch-on: the device is " + owner->name +
                                                            "'s, the subscription is not",
                                                  .subscription = imsi}));
        (void)documents_->write_all({{attempt_key(imsi), std::nullopt}});
        return make_error(errc::forbidden, "this device is " + owner->name + "'s: it takes only its subscriptions");
    }
    const card_pairing pairing{.time = clock_->now(), .imei = imei, .imsi = imsi, .iccid = iccid};
    auto recorded = documents_->transact([&](store::transaction& t) -> result<void> {
        auto added = record_pairing(t, pairing);
        if (!added)
            return std::move(added).err();
        if (*added) {
            auto first_use = first_use_writes(t, policy_, device, pairing.time);
            if (!first_use)
                return std::move(first_use).err();
            for (const auto& w : *first_use)
                if (auto done = w.content ? t.put(w.key, *w.content).has_value() : t.remove(w.key).has_value(); !done)
                    return make_error(errc::io, "the used-device configuration could not be queued");
        }
        if (auto removed = t.remove(attempt_key(imsi)); !removed)
            return std::move(removed).err();
        return {};
    });
    if (!recorded)
        return std::move(recorded).err();
    support::logger("dms")->info("switch-on: card {} (IMSI {}) authenticated in device IMEI {}", iccid, imsi, imei);
    return std::variant<card_pairing, challenge>(pairing);
}

result<bool> record_pairing(store::transaction& t, const card_pairing& pairing) {
    auto device = t.get(device_key(pairing.imei));
    if (!device)
        return std::move(device).err();
    const auto before = *device ? read_pairings((*device)->content) : std::vector<card_pairing>{};
    const bool fresh = before.empty() || before.back().imsi != pairing.imsi;
    auto subscription = t.get(subscription_key(pairing.imsi));
    if (!subscription)
        return std::move(subscription).err();
    for (auto [key, current] :
         {std::pair{device_key(pairing.imei), *device}, std::pair{subscription_key(pairing.imsi), *subscription}})
        if (auto put = t.put(key, appended(current, pairing)); !put)
            return std::move(put).err();
    return fresh;
}

result<std::vector<card_pairing>> pairings_of_device(const store::document_store& documents, const std::string& imei) {
    return pairings_at(documents, device_key(imei));
}

result<std::vector<card_pairing>> pairings_of_subscription(const store::document_store& documents,
                                                           const std::string& imsi) {
    return pairings_at(documents, subscription_key(imsi));
}

} // namespace mcprov::dms
