#include <gtest/gtest.h>

#include "mcprov/aka/authentication.hpp"
#include "mcprov/bsf/bootstrapping_info_request.hpp"
#include "mcprov/bsf/bootstrapping_procedure.hpp"
#include "mcprov/gba/key_derivation.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::bsf {
namespace {

using namespace std::chrono_literals;
using support::errc;

const std::string k = *support::hex_decode("465b5ce8b199b49faa5f0a2ee238a6bc");
const std::string opc = *support::hex_decode("cd63cb71954a9f4e48a5994e37a02baf");
constexpr std::string_view imsi = "001010000000017";
constexpr std::string_view impi = "001010000000017@ims.mnc001.mcc001.3gppnetwork.org";

// The HLR of one subscriber: MILENAGE with its own SQN, re-synchronised by AUTS as an HLR does.
class fake_hlr final : public gsup::hlr_client {
public:
    support::result<aka::authentication_vector> send_auth_info(std::string_view who,
                                                                const std::optional<resynchronisation>& resync) override {
        ++requests;
        if (who != imsi)
            return support::make_error(errc::not_found, "unknown subscriber");
        const auto f = aka::milenage::create(k, opc).value();
        if (resync) {
            auto sqn_ms = aka::sqn_from_auts(f, resync->rand, resync->auts);
            if (!sqn_ms)
                return std::move(sqn_ms).err();
            sqn = *sqn_ms + 32;
        }
        sqn += 32;
        std::string rand(16, '\0');
        for (auto& c : rand)
            c = static_cast<char>(rng++);
        return aka::make_authentication_vector(f, rand, sqn, std::string("\x80\x00", 2));
    }
    support::result<void> check_imei(std::string_view, std::string_view) override { return {}; }

    std::uint64_t sqn = 0;
    unsigned requests = 0;
    unsigned char rng = 1;
};

class bootstrapping : public ::testing::Test {
protected:
    std::shared_ptr<support::manual_clock> clock = std::make_shared<support::manual_clock>(
        std::chrono::system_clock::time_point(1'800'000'000s));
    std::shared_ptr<store::document_store> documents = store::create_memory_document_store(clock);
    std::shared_ptr<fake_hlr> hlr = std::make_shared<fake_hlr>();
    bootstrapping_procedure ub{{.name = "bsf.example.org", .key_lifetime = 3600s, .challenge_lifetime = 60s},
                               documents, hlr, clock};
    aka::sequence_numbers usim_seen;

    gba::digest_credentials first(std::string_view user = impi) {
        return {.username = std::string(user), .realm = "bsf.example.org", .nonce = {}, .uri = "/", .response = {},
                .algorithm = {}, .cnonce = {}, .nc = {}, .qop = {}, .opaque = {}, .auts = std::nullopt};
    }

    gba::digest_challenge challenge_of(const support::result<bootstrapping_procedure::outcome>& o) {
        EXPECT_TRUE(o.has_value()) << (o ? "" : o.err().message);
        const auto* c = o ? std::get_if<bootstrapping_procedure::challenged>(&*o) : nullptr;
        EXPECT_NE(c, nullptr);
        return c ? c->challenge : gba::digest_challenge{};
    }

    // The device's answer to a challenge, made with the card's RES (or AUTS).
    gba::digest_credentials answer(const gba::digest_challenge& c, aka::usim_answer* out = nullptr,
                                   std::string_view wrong_res = {}) {
        const auto parts = gba::split_aka_nonce(c.nonce).value();
        const auto usim = aka::usim_authenticate(aka::milenage::create(k, opc).value(), usim_seen, parts.rand,
                                                 parts.autn);
        if (out)
            *out = usim;
        auto cred = first();
        cred.nonce = c.nonce;
        cred.realm = c.realm;
        cred.algorithm = "AKAv1-MD5";
        cred.qop = "auth-int";
        cred.nc = "00000001";
        cred.cnonce = "device-cnonce";
        if (usim.result == aka::usim_answer::outcome::synchronisation_failure) {
            cred.auts = support::base64_encode(usim.auts);
            cred.response = gba::digest_response(cred, "", "GET", "");
        } else {
            cred.response = gba::digest_response(cred, wrong_res.empty() ? usim.res : wrong_res, "GET", "");
        }
        return cred;
    }

    bootstrapping_procedure::bootstrapped bootstrap() {
        auto c = challenge_of(ub.run(first(), "GET", ""));
        auto done = ub.run(answer(c), "GET", "");
        EXPECT_TRUE(done.has_value()) << (done ? "" : done.err().message);
        const auto* b = done ? std::get_if<bootstrapping_procedure::bootstrapped>(&*done) : nullptr;
        EXPECT_NE(b, nullptr);
        return b ? *b : bootstrapping_procedure::bootstrapped{};
    }
};

TEST_F(bootstrapping, when_the_card_answers_with_res_then_a_btid_is_issued_with_the_key_lifetime) {
    auto done = bootstrap();
    EXPECT_TRUE(done.info.btid.ends_with("@bsf.example.org"));
    EXPECT_EQ(done.info.lifetime, clock->now() + 3600s);
    EXPECT_NE(done.authentication_info.find("rspauth="), std::string::npos);
    EXPECT_EQ(done.impi, impi);
}

TEST_F(bootstrapping, when_res_is_wrong_then_it_is_refused_and_the_challenge_is_used_up) {
    auto c = challenge_of(ub.run(first(), "GET", ""));
    auto wrong = answer(c, nullptr, "not-the-res");
    auto refused = ub.run(wrong, "GET", "");
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.err().code, errc::forbidden);
    // The same answer again (or a right one to the used challenge) meets a fresh challenge, never a session.
    auto again = ub.run(wrong, "GET", "");
    EXPECT_NE(challenge_of(again).nonce, c.nonce);
    EXPECT_EQ(documents->list_users("org.mcprov.bsf-session").value().size(), 0u);
}

TEST_F(bootstrapping, when_a_successful_answer_is_replayed_then_it_gets_a_fresh_challenge_and_no_second_session) {
    auto c = challenge_of(ub.run(first(), "GET", ""));
    auto right = answer(c);
    ASSERT_TRUE(std::holds_alternative<bootstrapping_procedure::bootstrapped>(ub.run(right, "GET", "").value()));
    auto replayed = ub.run(right, "GET", "");
    EXPECT_NE(challenge_of(replayed).nonce, c.nonce);
    EXPECT_EQ(documents->list_users("org.mcprov.bsf-session").value().size(), 1u);
}

TEST_F(bootstrapping, when_the_card_is_ahead_of_the_hlr_then_auts_resynchronises_once_and_the_bootstrap_succeeds) {
    // The card accepted a sequence number far ahead of the HLR's (another network served it).
    const auto f = aka::milenage::create(k, opc).value();
    const auto ahead = aka::make_authentication_vector(f, std::string(16, '\x7f'), 5000 * 32, std::string("\x80\x00", 2));
    ASSERT_EQ(aka::usim_authenticate(f, usim_seen, ahead.rand, ahead.autn).result, aka::usim_answer::outcome::success);

    auto c = challenge_of(ub.run(first(), "GET", ""));
    aka::usim_answer usim;
    auto resync = answer(c, &usim);
    ASSERT_EQ(usim.result, aka::usim_answer::outcome::synchronisation_failure);
    auto next = challenge_of(ub.run(resync, "GET", ""));
    ASSERT_NE(next.nonce, c.nonce);
    auto done = ub.run(answer(next, &usim), "GET", "");
    ASSERT_TRUE(done.has_value()) << done.err().message;
    EXPECT_TRUE(std::holds_alternative<bootstrapping_procedure::bootstrapped>(*done));
}

TEST_F(bootstrapping, when_the_resync_digest_is_not_made_with_an_empty_password_then_it_is_refused) {
    const auto f = aka::milenage::create(k, opc).value();
    const auto ahead = aka::make_authentication_vector(f, std::string(16, '\x7f'), 5000 * 32, std::string("\x80\x00", 2));
    (void)aka::usim_authenticate(f, usim_seen, ahead.rand, ahead.autn);
    auto c = challenge_of(ub.run(first(), "GET", ""));
    auto resync = answer(c);
    resync.response = gba::digest_response(resync, "guess", "GET", "");
    auto refused = ub.run(resync, "GET", "");
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.err().code, errc::forbidden);
}

TEST_F(bootstrapping, when_the_subscriber_is_unknown_or_the_name_no_impi_then_it_is_refused) {
    auto unknown = ub.run(first("001019999999999@ims.mnc001.mcc001.3gppnetwork.org"), "GET", "");
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.err().code, errc::forbidden);
    auto not_impi = ub.run(first("alice@example.org"), "GET", "");
    ASSERT_FALSE(not_impi.has_value());
    EXPECT_EQ(not_impi.err().code, errc::forbidden);
}

TEST_F(bootstrapping, when_first_requests_repeat_while_a_challenge_is_pending_then_the_hlr_is_asked_once_and_it_still_answers) {
    auto c = challenge_of(ub.run(first(), "GET", ""));
    // Anyone who knows the IMPI may send first requests: they get the pending challenge, not a new vector.
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(challenge_of(ub.run(first(), "GET", "")).nonce, c.nonce);
    EXPECT_EQ(hlr->requests, 1u);
    auto done = ub.run(answer(c), "GET", "");
    ASSERT_TRUE(done.has_value()) << done.err().message;
    EXPECT_TRUE(std::holds_alternative<bootstrapping_procedure::bootstrapped>(*done));
    // Used up: the next first request asks the HLR again, as does one after a challenge expired.
    auto next = challenge_of(ub.run(first(), "GET", ""));
    EXPECT_NE(next.nonce, c.nonce);
    clock->advance(61s);
    EXPECT_NE(challenge_of(ub.run(first(), "GET", "")).nonce, next.nonce);
    EXPECT_EQ(hlr->requests, 3u);
}

TEST_F(bootstrapping, when_the_card_took_the_pending_challenge_already_then_its_auts_gets_a_fresh_one) {
    auto c = challenge_of(ub.run(first(), "GET", ""));
    (void)answer(c); // the card took it; its answer never reached the BSF
    auto again = challenge_of(ub.run(first(), "GET", ""));
    ASSERT_EQ(again.nonce, c.nonce);
    aka::usim_answer usim;
    auto resync = answer(again, &usim);
    ASSERT_EQ(usim.result, aka::usim_answer::outcome::synchronisation_failure);
    auto fresh = challenge_of(ub.run(resync, "GET", ""));
    EXPECT_NE(fresh.nonce, c.nonce);
    // The challenge given for the re-synchronisation is not handed out again to a first request.
    auto after = challenge_of(ub.run(first(), "GET", ""));
    EXPECT_NE(after.nonce, fresh.nonce);
    auto done = ub.run(answer(after), "GET", "");
    ASSERT_TRUE(done.has_value()) << done.err().message;
    EXPECT_TRUE(std::holds_alternative<bootstrapping_procedure::bootstrapped>(*done));
}

TEST_F(bootstrapping, when_first_requests_and_wrong_answers_alternate_then_the_hlr_is_asked_at_most_max_vectors_times) {
    // Someone who knows the IMPI uses up each challenge with a wrong answer, so that every first request would ask
    // the HLR for a new vector.
    std::optional<bootstrapping_procedure::throttled> stopped;
    for (int round = 0; round < 15 && !stopped; ++round) {
        auto o = ub.run(first(), "GET", "");
        ASSERT_TRUE(o.has_value()) << o.err().message;
        if (const auto* t = std::get_if<bootstrapping_procedure::throttled>(&*o)) {
            stopped = *t;
            break;
        }
        EXPECT_FALSE(ub.run(answer(challenge_of(o), nullptr, "not-the-res"), "GET", "").has_value());
        clock->advance(1s);
    }
    ASSERT_TRUE(stopped) << "the eleventh first request is throttled";
    EXPECT_EQ(hlr->requests, 10u);
    EXPECT_EQ(stopped->retry_after, 50s) << "asked at 0 s to 9 s, now 10 s: until the first ask leaves the 60-second window";

    clock->advance(50s);
    EXPECT_EQ(bootstrap().impi, impi) << "the real device, once the window has moved";
    EXPECT_EQ(hlr->requests, 11u);
}

TEST_F(bootstrapping, when_a_subscriber_is_unknown_then_nothing_is_kept_of_it) {
    EXPECT_FALSE(ub.run(first("001010000000099@ims.mnc001.mcc001.3gppnetwork.org"), "GET", "").has_value());
    EXPECT_TRUE(documents->list_users("org.mcprov.bsf-vectors").value().empty())
        << "requests for made-up IMSIs do not fill the store";
    bootstrap();
    EXPECT_EQ(documents->list_users("org.mcprov.bsf-vectors").value(), std::vector<std::string>{std::string(imsi)});
}

TEST_F(bootstrapping, when_the_challenge_expired_then_the_answer_meets_a_new_one) {
    auto c = challenge_of(ub.run(first(), "GET", ""));
    clock->advance(61s);
    auto late = ub.run(answer(c), "GET", "");
    EXPECT_NE(challenge_of(late).nonce, c.nonce);
}

TEST_F(bootstrapping, when_the_body_is_not_what_the_digest_covered_then_it_is_refused) {
    auto c = challenge_of(ub.run(first(), "GET", ""));
    auto refused = ub.run(answer(c), "GET", "a body the device did not send");
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.err().code, errc::forbidden);
}

class zn : public bootstrapping {
protected:
    void SetUp() override {
        auto ca = http::create_certificate_authority("nafs", 24h).value();
        dms_pem = http::issue_certificate(ca, "dms.example.org", {"dms.example.org"}, {},
                                          http::certificate_usage::client, 24h)
                      .value()
                      .certificate_pem;
    }
    std::string dms_pem;
    bootstrapping_info_request request{{"dms.example.org"}, documents, clock};
    const std::string naf_id = gba::naf_id("dms.example.org", gba::ua_protocol::http_digest);
};

TEST_F(zn, when_a_naf_asks_for_a_btid_then_it_gets_the_key_the_device_derives_and_the_impi) {
    auto c = challenge_of(ub.run(first(), "GET", ""));
    aka::usim_answer usim;
    auto done = ub.run(answer(c, &usim), "GET", "");
    const auto& info = std::get<bootstrapping_procedure::bootstrapped>(done.value()).info;
    auto a = request.run({.btid = info.btid, .naf_id = naf_id}, dms_pem);
    ASSERT_TRUE(a.has_value()) << a.err().message;
    EXPECT_EQ(a->impi, impi);
    const auto rand = gba::split_aka_nonce(c.nonce).value().rand;
    EXPECT_EQ(a->ks_naf, gba::ks_naf(gba::ks_of(usim.ck, usim.ik), rand, impi, naf_id));
    EXPECT_EQ(a->key_lifetime, info.lifetime);
}

TEST_F(zn, when_the_btid_is_unknown_or_expired_then_the_naf_is_told_so) {
    auto info = bootstrap().info;
    auto unknown = request.run({.btid = "AAAAAAAAAAAAAAAAAAAAAA==@bsf.example.org", .naf_id = naf_id}, dms_pem);
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.err().code, errc::not_found);
    clock->advance(3601s);
    auto expired = request.run({.btid = info.btid, .naf_id = naf_id}, dms_pem);
    ASSERT_FALSE(expired.has_value());
    EXPECT_EQ(expired.err().code, errc::not_found);
    EXPECT_NE(expired.err().message.find("expired"), std::string::npos);
}

TEST_F(zn, when_a_naf_asks_for_another_nafs_key_or_is_not_known_then_it_is_refused) {
    auto info = bootstrap().info;
    auto other = request.run({.btid = info.btid, .naf_id = gba::naf_id("cms.example.org", gba::ua_protocol::http_digest)},
                             dms_pem);
    ASSERT_FALSE(other.has_value());
    EXPECT_EQ(other.err().code, errc::forbidden);
    bootstrapping_info_request strict{{"cms.example.org"}, documents, clock};
    auto not_listed = strict.run({.btid = info.btid, .naf_id = naf_id}, dms_pem);
    ASSERT_FALSE(not_listed.has_value());
    EXPECT_EQ(not_listed.err().code, errc::forbidden);
}

TEST_F(zn, when_the_subscriber_bootstraps_again_then_the_old_btid_is_gone) {
    auto old_info = bootstrap().info;
    auto new_info = bootstrap().info;
    EXPECT_NE(old_info.btid, new_info.btid);
    EXPECT_FALSE(request.run({.btid = old_info.btid, .naf_id = naf_id}, dms_pem).has_value());
    EXPECT_TRUE(request.run({.btid = new_info.btid, .naf_id = naf_id}, dms_pem).has_value());
}

} // namespace
} // namespace mcprov::bsf
