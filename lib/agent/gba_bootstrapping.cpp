#include "mcprov/agent/gba_bootstrapping.hpp"

#include <boost/json.hpp>

#include "mcprov/agent/device_agent.hpp"
#include "mcprov/gba/dm_proof.hpp"
#include "mcprov/support/clock.hpp"

#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <openssl/crypto.h>

#include "mcprov/gba/bootstrapping.hpp"
#include "mcprov/gba/digest.hpp"
#include "mcprov/gba/key_derivation.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/syncml/credentials.hpp"

namespace mcprov::agent {
namespace {

namespace bhttp = boost::beast::http;
using support::errc;
using support::make_error;
using support::result;

std::string refusal(const http::response& res) {
    return "the BSF answered " + std::to_string(res.result_int()) +
           (res.body().empty() ? std::string() : ": " + res.body().substr(0, 300));
}

} // namespace

result<gba_session> gba_bootstrapping::run(usim_card& card, const std::string& impi) {
    const auto url = boost::urls::parse_uri(url_);
    if (!url)
        return make_error(errc::invalid_argument, "the BSF's address is not a URL: " + url_);
    const std::string uri = url->encoded_path().empty() ? "/" : std::string(url->encoded_path());
    auto send = [&](const gba::digest_credentials& c) {
        return client_.fetch({.method = bhttp::verb::get,
                              .url = url_,
                              .headers = {{"Authorization", gba::format_digest_credentials(c)},
                                          {"User-Agent", "mcprov-agent 3gpp-gba"}},
                              .body = {}});
    };
    gba::digest_credentials c{.username = impi,
                              .realm = std::string(url->host()),
                              .nonce = {},
                              .uri = uri,
                              .response = {},
                              .algorithm = {},
                              .cnonce = {},
                              .nc = {},
                              .qop = {},
                              .opaque = {},
                              .auts = std::nullopt};
    auto answer = send(c);
    for (int round = 0;; ++round) {
        if (!answer)
            return std::move(answer).err();
        if (answer->result() == bhttp::status::forbidden)
            return make_error(errc::forbidden, refusal(*answer));
        if (answer->result() != bhttp::status::unauthorized)
            return make_error(errc::invalid_argument, refusal(*answer));
        auto challenge = gba::parse_digest_challenge((*answer)[bhttp::field::www_authenticate]);
        if (!challenge)
            return make_error(errc::invalid_argument, "the BSF's challenge: " + challenge.err().message);
        if (challenge->algorithm != gba::aka_v1_md5)
            return make_error(errc::invalid_argument, "the BSF's challenge is not AKAv1-MD5");
        auto parts = gba::split_aka_nonce(challenge->nonce);
        if (!parts)
            return make_error(errc::invalid_argument, "the BSF's nonce: " + parts.err().message);
        auto aka = card.authenticate(parts->rand, parts->autn);
        if (!aka) {
            if (aka.err().code == errc::unauthenticated)
                return make_error(errc::unauthenticated,
                                  "the card refused the BSF's AUTN: the challenge is not from the subscriber's network");
            return std::move(aka).err();
        }
        c.realm = challenge->realm;
        c.nonce = challenge->nonce;
        c.algorithm = std::string(gba::aka_v1_md5);
        c.opaque = challenge->opaque;
        c.qop = "auth-int";
        c.nc = "00000001";
        c.cnonce = support::base64_encode(syncml::random_nonce());
        const bool resync = aka->result == iso7816::authenticate_answer::outcome::synchronisation_failure;
        if (resync) {
            if (round > 0)
                return make_error(errc::unauthenticated, "the card refused the BSF's sequence number twice");
            c.auts = support::base64_encode(aka->auts);
            c.response = gba::digest_response(c, "", "GET", "");
            answer = send(c);
            c.auts.reset();
            continue;
        }
        c.response = gba::digest_response(c, aka->res, "GET", "");
        answer = send(c);
        if (!answer)
            return std::move(answer).err();
        if (answer->result() != bhttp::status::ok) {
            if (answer->result() == bhttp::status::forbidden)
                return make_error(errc::forbidden, refusal(*answer));
            return make_error(errc::invalid_argument, refusal(*answer));
        }
        // The BSF proves it knew XRES: rspauth over the body.
        auto rspauth = gba::parse_rspauth((*answer)[bhttp::field::authentication_info]);
        const auto expected = gba::digest_rspauth(c, aka->res, answer->body());
        if (!rspauth || rspauth->size() != expected.size() ||
            CRYPTO_memcmp(rspauth->data(), expected.data(), expected.size()) != 0)
            return make_error(errc::unauthenticated, "the BSF's rspauth does not verify");
        auto info = gba::parse_bootstrapping_info(answer->body());
        if (!info)
            return make_error(errc::invalid_argument, "the BSF's BootstrappingInfo: " + info.err().message);
        return gba_session{.btid = info->btid,
                           .impi = impi,
                           .rand = parts->rand,
                           .ks = gba::ks_of(aka->ck, aka->ik),
                           .lifetime = info->lifetime};
    }
}

std::string ks_naf_of(const gba_session& session, std::string_view naf_fqdn, std::string_view ua_protocol_id) {
    return gba::ks_naf(session.ks, session.rand, session.impi, gba::naf_id(naf_fqdn, ua_protocol_id));
}

} // namespace mcprov::agent

namespace mcprov::agent {

namespace json = boost::json;
using support::errc;
using support::make_error;

namespace {

json::object session_json(const gba_session& s) {
    return {{"btid", s.btid},
            {"impi", s.impi},
            {"rand", support::hex_encode(s.rand)},
            {"ks", support::hex_encode(s.ks)},
            {"lifetime", support::format_utc(s.lifetime)}};
}

std::optional<gba_session> session_from(std::string_view content) {
    boost::system::error_code ec;
    const auto v = json::parse(content, ec);
    if (ec || !v.is_object())
        return std::nullopt;
    const auto& o = v.as_object();
    auto text = [&](std::string_view k) {
        const auto* f = o.if_contains(k);
        return f && f->is_string() ? std::string(f->as_string()) : std::string();
    };
    const auto rand = support::hex_decode(text("rand"));
    const auto ks = support::hex_decode(text("ks"));
    const auto lifetime = support::parse_utc(text("lifetime"));
    if (!rand || !ks || !lifetime)
        return std::nullopt;
    return gba_session{.btid = text("btid"), .impi = text("impi"), .rand = *rand, .ks = *ks, .lifetime = *lifetime};
}

std::string percent_free(std::string text) {
    for (auto& c : text)
        if (c == '&' || c == '=' || static_cast<unsigned char>(c) < 0x20)
            c = ' ';
    return text;
}

} // namespace

support::result<gba_session> device_agent::gba_bootstrap() {
    std::lock_guard lock(mutex_);
    return bootstrap_with_card(std::nullopt);
}

support::result<gba_session> device_agent::bootstrap_with_card(const std::optional<std::string>& purpose,
                                                               const std::optional<std::string>& users_pin) {
    if (!config_.card || config_.card->bsf.empty())
        return make_error(errc::not_found, "this device has no GBA bootstrapping server ([card] bsf)");
    const auto& card_cfg = *config_.card;
    auto channel = connect_pcsc_card(card_cfg.reader, card_cfg.wait_ms);
    if (!channel)
        return std::move(channel).err();
    usim_card card(**channel);
    if (purpose) {
        // The user, not the device, must know the PIN: whatever the card verified before is forgotten.
        if (auto reset = (*channel)->reset(); !reset)
            return std::move(reset).err();
    }
    auto iccid = card.read_iccid();
    if (!iccid)
        return std::move(iccid).err();
    if (purpose) {
        auto tries = card.pin_tries_left();
        if (!tries)
            return std::move(tries).err();
        if (!*tries)
            return make_error(errc::forbidden, "the PIN of card " + *iccid + " is disabled: the card cannot "
                                               "authenticate its user");
        if (**tries == 0)
            return make_error(errc::forbidden, "PIN1 of card " + *iccid + " is blocked: unblock it with the PUK");
        std::string pin;
        if (users_pin) {
            pin = *users_pin;
        } else {
            const auto reply = ui_->ask({.alert = 1102,
                                         .text = "Enter the PIN of your card " + *iccid + " to authorise: " + *purpose,
                                         .options = {{"IT", "N"}, {"ET", "P"}},
                                         .choices = {}});
            if (reply.status != ui_status::ok || reply.values.empty())
                return make_error(errc::unauthenticated, "the user did not enter the card's PIN");
            pin = reply.values.front();
        }
        if (auto verified = card.verify_pin(pin); !verified) {
            log_->warn("{}: card {}: the user's PIN: {}", config_.device_id(), *iccid, verified.err().message);
            return std::move(verified).err();
        }
    } else if (auto unlocked = unlock_card(card, *iccid); !unlocked) {
        return std::move(unlocked).err();
    }
    auto imsi = card.read_imsi();
    if (!imsi)
        return std::move(imsi).err();
    auto mnc_length = card.read_mnc_length();
    if (!mnc_length)
        return std::move(mnc_length).err();
    auto impi = gba::impi_of_imsi(*imsi, *mnc_length);
    if (!impi)
        return make_error(errc::invalid_argument, "card " + *iccid + ": " + impi.err().message);
    http::client_options options;
    options.ca_file = card_cfg.ca;
    options.timeout = std::chrono::seconds(15);
    auto client = http::create_client(options);
    if (!client)
        return std::move(client).err();
    auto session = gba_bootstrapping(**client, card_cfg.bsf).run(card, *impi);
    if (!session) {
        log_->warn("{}: GBA bootstrap of card {}: {}", config_.device_id(), *iccid, session.err().message);
        return session;
    }
    if (auto written = documents_->write_all(
            {{gba_session_key(config_.device_id()), json::serialize(session_json(*session))}});
        !written)
        return std::move(written).err();
    log_->info("{}: card {} bootstrapped{}: B-TID {} until {}", config_.device_id(), *iccid,
               purpose ? " by its user's PIN" : "", session->btid, support::format_utc(session->lifetime));
    return session;
}

unsigned device_agent::authenticate_for(const std::string& server_id, const syncml::item& item) {
    const std::string proof_node(gba::dm_proof_node);
    auto answer = [&](unsigned status, const std::string& proof) {
        (void)tree_.install_leaf(proof_node, {.format = "chr", .type = "text/plain", .data = proof}, "Get=*");
        return status;
    };
    auto refuse = [&](const support::error& e) {
        log_->warn("{}: authentication asked by {} not given: {}", config_.device_id(), server_id, e.message);
        const unsigned status = e.code == errc::unauthenticated ? 401
                                : e.code == errc::forbidden     ? 403
                                : e.code == errc::unavailable   ? 503
                                : e.code == errc::not_found     ? 406
                                                                : 500;
        return answer(status, "error=" + percent_free(e.message));
    };
    auto request = gba::parse_dm_authentication_request(item.data.value_or(""));
    if (!request)
        return answer(400, "error=" + percent_free(request.err().message));
    std::optional<gba_session> session;
    if (request->level == gba::authentication_level::user) {
        const std::string purpose = last_confirmation_ ? last_confirmation_->first : "a request of " + server_id;
        auto fresh = bootstrap_with_card(purpose);
        if (!fresh)
            return refuse(fresh.err());
        session = std::move(*fresh);
    } else {
        // A session still valid for a while serves; otherwise the card bootstraps again.
        if (auto stored = documents_->get(gba_session_key(config_.device_id())); stored)
            if (auto s = session_from(stored->content);
                s && s->lifetime > std::chrono::system_clock::now() + std::chrono::minutes(1))
                session = std::move(*s);
        if (!session) {
            auto fresh = bootstrap_with_card(std::nullopt);
            if (!fresh)
                return refuse(fresh.err());
            session = std::move(*fresh);
        }
    }
    const auto proof = make_proof(server_id, *session, *request, last_confirmation_);
    log_->info("{}: {} authentication for {} with B-TID {}", config_.device_id(), gba::to_string(request->level),
               server_id, session->btid);
    return answer(200, proof);
}

std::string device_agent::make_proof(const std::string& server_id, const gba_session& session,
                                     const gba::dm_authentication_request& request,
                                     const std::optional<std::pair<std::string, bool>>& confirmation) const {
    gba::dm_proof proof{.btid = session.btid,
                        .level = request.level,
                        .nonce = request.nonce,
                        .confirmation_sha256 = confirmation ? support::sha256(confirmation->first) : "",
                        .answer = !confirmation         ? gba::user_answer::none
                                  : confirmation->second ? gba::user_answer::yes
                                                         : gba::user_answer::no,
                        .mac = {}};
    proof.mac = gba::dm_proof_mac(ks_naf_of(session, server_id, gba::ua_dm_proof), config_.device_id(), server_id,
                                  proof);
    return gba::format_dm_proof(proof);
}

support::result<std::string> device_agent::proof_for(const std::string& server_id,
                                                    const gba::dm_authentication_request& request,
                                                    const std::string& confirmation, const std::string& pin) {
    std::lock_guard lock(mutex_);
    auto session = request.level == gba::authentication_level::user ? bootstrap_with_card(confirmation, pin)
                                                                      : bootstrap_with_card(std::nullopt);
    if (!session)
        return std::move(session).err();
    log_->info("{}: {} authentication for {} through the local link, B-TID {}", config_.device_id(),
               gba::to_string(request.level), server_id, session->btid);
    return make_proof(server_id, *session, request,
                      confirmation.empty() ? std::nullopt
                                           : std::optional<std::pair<std::string, bool>>(std::pair{confirmation, true}));
}

} // namespace mcprov::agent
