#include "mcprov/bsf/bootstrapping_procedure.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <openssl/crypto.h>

#include "mcprov/aka/authentication.hpp"
#include "mcprov/gba/key_derivation.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/json.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::bsf {
namespace {

namespace json = boost::json;
using support::errc;
using support::make_error;
using support::result;

bool equal_in_constant_time(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace

store::document_key challenge_key(const std::string& imsi) {
    return {"org.mcprov.bsf-challenge", imsi, "challenge.json"};
}
store::document_key subscriber_key(const std::string& imsi) {
    return {"org.mcprov.bsf-subscriber", imsi, "current.json"};
}
store::document_key session_key(std::string_view rand) {
    return {"org.mcprov.bsf-session", support::hex_encode(rand), "session.json"};
}
store::document_key vectors_key(const std::string& imsi) {
    return {"org.mcprov.bsf-vectors", imsi, "asked.json"};
}

bootstrapping_procedure::bootstrapping_procedure(bootstrapping_settings settings,
                                                 std::shared_ptr<store::document_store> documents,
                                                 std::shared_ptr<gsup::hlr_client> hlr,
                                                 std::shared_ptr<support::clock> clock)
    : settings_(std::move(settings)), documents_(std::move(documents)), hlr_(std::move(hlr)),
      clock_(std::move(clock)) {}

bootstrapping_procedure::outcome bootstrapping_procedure::challenge_with(std::string nonce, std::string why) const {
    return outcome(challenged{.challenge = {.realm = settings_.name,
                                            .nonce = std::move(nonce),
                                            .algorithm = std::string(gba::aka_v1_md5),
                                            .qop = "auth-int",
                                            .opaque = {},
                                            .stale = false},
                              .why = std::move(why)});
}

result<bootstrapping_procedure::outcome>
bootstrapping_procedure::challenge(const std::string& imsi, const std::string& impi,
                                   const std::optional<gsup::hlr_client::resynchronisation>& resync, std::string why) {
    const auto now = clock_->now();
    auto recent = documents_->get(vectors_key(imsi));
    if (!recent && recent.err().code != errc::not_found)
        return std::move(recent).err();
    std::vector<std::chrono::system_clock::time_point> asked; // within the window, oldest first
    if (recent) {
        boost::system::error_code ec;
        const auto v = json::parse(recent->content, ec);
        const auto* times = !ec && v.is_object() ? v.as_object().if_contains("asked") : nullptr;
        if (times && times->is_array())
            for (const auto& t : times->as_array())
                if (const auto at = t.is_string() ? support::parse_utc(t.as_string()) : std::nullopt;
                    at && *at > now - settings_.vector_window && *at <= now)
                    asked.push_back(*at);
    }
    std::sort(asked.begin(), asked.end());
    if (asked.size() >= settings_.max_vectors) {
        const auto wait = std::chrono::ceil<std::chrono::seconds>(asked.front() + settings_.vector_window - now);
        support::logger("bsf")->warn("{}: throttled: the HLR was asked {} times in the last {} s ({})", impi,
                                     asked.size(), settings_.vector_window.count(), why);
        return outcome(throttled{.retry_after = std::max(wait, std::chrono::seconds(1)),
                                 .why = "too many bootstraps of this subscriber lately"});
    }
    json::array times;
    for (const auto& at : asked)
        times.emplace_back(support::format_utc(at));
    times.emplace_back(support::format_utc(now));
    store::document_write asked_now{vectors_key(imsi), json::serialize(json::object{{"asked", std::move(times)}})};

    auto vector = hlr_->send_auth_info(imsi, resync);
    if (!vector) {
        if (vector.err().code == errc::not_found) {
            support::logger("bsf")->warn("{}: refused: {}", impi, vector.err().message);
            return make_error(errc::forbidden, "this BSF does not serve the subscription");
        }
        // The HLR answered for a subscriber it knows (a re-synchronisation it refused, say): it was asked all the same.
        (void)documents_->write_all({std::move(asked_now)});
        return std::move(vector).err();
    }
    const std::string nonce = gba::aka_nonce(vector->rand, vector->autn);
    const auto expires = now + settings_.challenge_lifetime;
    const std::string content = json::serialize(json::object{{"impi", impi},
                                                             {"nonce", nonce},
                                                             {"xres", support::hex_encode(vector->xres)},
                                                             {"ck", support::hex_encode(vector->ck)},
                                                             {"ik", support::hex_encode(vector->ik)},
                                                             {"expires", support::format_utc(expires)},
                                                             {"resynchronised", resync.has_value()}});
    if (auto written = documents_->write_all({{challenge_key(imsi), content}, std::move(asked_now)}); !written)
        return std::move(written).err();
    return challenge_with(nonce, std::move(why));
}

result<bootstrapping_procedure::outcome> bootstrapping_procedure::run(const gba::digest_credentials& presented,
                                                                     std::string_view method, std::string_view body) {
    if (!presented.algorithm.empty() && presented.algorithm != gba::aka_v1_md5)
        return make_error(errc::invalid_argument, "the algorithm is AKAv1-MD5");
    auto imsi = gba::imsi_of_impi(presented.username);
    if (!imsi)
        return make_error(errc::forbidden, "the user name must be an IMPI: <IMSI>@ims.mnc<MNC>.mcc<MCC>.3gppnetwork.org");
    const std::string& impi = presented.username;
    auto stored = documents_->get(challenge_key(*imsi));
    if (!stored && stored.err().code != errc::not_found)
        return std::move(stored).err();
    std::optional<json::object> pending;
    if (stored) {
        boost::system::error_code ec;
        auto v = json::parse(stored->content, ec);
        if (!ec && v.is_object())
            pending = std::move(v.as_object());
    }
    // A challenge without a readable expiry is as good as expired.
    const auto expires = pending ? support::parse_utc(support::json_text(*pending, "expires"))
                                       .value_or(std::chrono::system_clock::time_point::min())
                                 : std::chrono::system_clock::time_point::min();
    const auto* resynchronised_value = pending ? pending->if_contains("resynchronised") : nullptr;
    const bool resynchronised = resynchronised_value && resynchronised_value->is_bool() && resynchronised_value->as_bool();
    // The first request may guess the realm (the device knows the BSF by its address); the challenge names it.
    if (presented.nonce.empty()) {
        // While a challenge of this subscriber is pending, a first request gets it again: asking the HLR on every
        // unauthenticated request would let anyone who knows an IMPI replace the device's challenge and use up
        // the subscriber's sequence numbers. A card that already took that challenge answers with AUTS, and the
        // re-synchronisation gives a fresh one.
        if (pending && support::json_text(*pending, "impi") == impi && clock_->now() <= expires && !resynchronised)
            return challenge_with(support::json_text(*pending, "nonce"), "first request, while its challenge is pending");
        return challenge(*imsi, impi, std::nullopt, "first request");
    }
    if (presented.realm != settings_.name)
        return make_error(errc::invalid_argument, "the realm is \"" + settings_.name + "\"");
    if (!pending || support::json_text(*pending, "nonce") != presented.nonce || support::json_text(*pending, "impi") != impi)
        return challenge(*imsi, impi, std::nullopt, "a nonce this BSF did not give, or gave and took back");
    if (clock_->now() > expires)
        return challenge(*imsi, impi, std::nullopt, "the challenge expired");
    const auto xres = support::hex_decode(support::json_text(*pending, "xres"));
    const auto ck = support::hex_decode(support::json_text(*pending, "ck"));
    const auto ik = support::hex_decode(support::json_text(*pending, "ik"));
    auto parts = gba::split_aka_nonce(presented.nonce);
    if (!xres || !ck || !ik || !parts)
        return make_error(errc::internal, "a stored challenge does not read");
    if (presented.qop != "auth-int")
        return make_error(errc::invalid_argument, "the qop is auth-int");

    if (presented.auts) {
        // The digest of a synchronisation failure is made with an empty password (RFC 3310 section 3.4).
        const auto auts = support::base64_decode(*presented.auts);
        if (!auts || auts->size() != aka::auts_size)
            return make_error(errc::invalid_argument, "auts must be base64 of the card's 14-octet AUTS");
        if (!equal_in_constant_time(gba::digest_response(presented, "", method, body), presented.response))
            return make_error(errc::forbidden, "the digest of the re-synchronisation request does not verify");
        if (resynchronised) {
            (void)documents_->write_all({{challenge_key(*imsi), std::nullopt}});
            return make_error(errc::forbidden, "the card asked for re-synchronisation twice in one bootstrap");
        }
        return challenge(*imsi, impi, gsup::hlr_client::resynchronisation{parts->rand, *auts},
                         "re-synchronised with the card's AUTS");
    }

    if (!equal_in_constant_time(gba::digest_response(presented, *xres, method, body), presented.response)) {
        (void)documents_->write_all({{challenge_key(*imsi), std::nullopt}});
        support::logger("bsf")->warn("{}: authentication failed: the response was not made with RES", impi);
        return make_error(errc::forbidden, "authentication failed: the response does not match");
    }

    const auto now = clock_->now();
    const gba::bootstrapping_info info{.btid = gba::btid(parts->rand, settings_.name),
                                       .lifetime = now + settings_.key_lifetime};
    const std::string session = json::serialize(json::object{{"btid", info.btid},
                                                             {"impi", impi},
                                                             {"rand", support::hex_encode(parts->rand)},
                                                             {"ks", support::hex_encode(gba::ks_of(*ck, *ik))},
                                                             {"created", support::format_utc(now)},
                                                             {"expires", support::format_utc(info.lifetime)}});
    auto recorded = documents_->transact([&](store::transaction& t) -> result<void> {
        auto previous = t.get(subscriber_key(*imsi));
        if (!previous)
            return std::move(previous).err();
        if (*previous) {
            boost::system::error_code ec;
            const auto v = json::parse((*previous)->content, ec);
            const auto old_rand = !ec && v.is_object() ? support::hex_decode(support::json_text(v.as_object(), "rand")) : std::nullopt;
            if (old_rand)
                if (auto removed = t.remove(session_key(*old_rand)); !removed)
                    return std::move(removed).err();
        }
        if (auto put = t.put(session_key(parts->rand), session); !put)
            return std::move(put).err();
        if (auto put = t.put(subscriber_key(*imsi),
                             json::serialize(json::object{{"rand", support::hex_encode(parts->rand)}}));
            !put)
            return std::move(put).err();
        if (auto removed = t.remove(challenge_key(*imsi)); !removed)
            return std::move(removed).err();
        return {};
    });
    if (!recorded)
        return std::move(recorded).err();
    support::logger("bsf")->info("{}: bootstrapped, B-TID {} until {}", impi, info.btid,
                                 support::format_utc(info.lifetime));
    auto document = gba::format_bootstrapping_info(info);
    const auto rspauth = gba::digest_rspauth(presented, *xres, document);
    return outcome(bootstrapped{.info = info,
                                .body = std::move(document),
                                .authentication_info = gba::format_authentication_info(presented, rspauth),
                                .impi = impi});
}

} // namespace mcprov::bsf
