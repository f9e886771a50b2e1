#include "mcprov/agent/gba_bootstrapping.hpp"

#include <boost/json.hpp>

#include "mcprov/agent/device_agent.hpp"
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

using support::errc;
using support::make_error;

support::result<gba_session> device_agent::gba_bootstrap() {
    if (!config_.card || config_.card->bsf.empty())
        return make_error(errc::not_found, "this device has no GBA bootstrapping server ([card] bsf)");
    std::lock_guard lock(mutex_);
    const auto& card_cfg = *config_.card;
    auto channel = connect_pcsc_card(card_cfg.reader, card_cfg.wait_ms);
    if (!channel)
        return std::move(channel).err();
    usim_card card(**channel);
    auto iccid = card.read_iccid();
    if (!iccid)
        return std::move(iccid).err();
    if (auto unlocked = unlock_card(card, *iccid); !unlocked)
        return std::move(unlocked).err();
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
    const std::string stored = boost::json::serialize(boost::json::object{
        {"btid", session->btid},
        {"impi", session->impi},
        {"rand", support::hex_encode(session->rand)},
        {"ks", support::hex_encode(session->ks)},
        {"lifetime", support::format_utc(session->lifetime)}});
    if (auto written = documents_->write_all({{gba_session_key(config_.device_id()), stored}}); !written)
        return std::move(written).err();
    log_->info("{}: card {} bootstrapped: B-TID {} until {}", config_.device_id(), *iccid, session->btid,
               support::format_utc(session->lifetime));
    return session;
}

} // namespace mcprov::agent
