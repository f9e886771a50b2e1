// GBA end to end (TS 33.220): a device (`mcprov agent gba-bootstrap`) with its card in the real pcscd's vpcd reader
// (`mcprov card insert`) bootstraps with `mcprov bsf`, which authenticates it with HTTP Digest AKA and vectors from the
// real osmo-hlr over GSUP; a NAF then gets from the BSF over Zn the key the device derives.
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "gba_network.hpp"
#include "mcprov/gba/bootstrapping.hpp"
#include "mcprov/gba/digest.hpp"
#include "mcprov/gba/key_derivation.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
namespace bhttp = boost::beast::http;

const std::string& device = subscriber_device;
const std::string& imsi = subscriber_imsi;
const std::string impi = "001010000000017@ims.mnc001.mcc001.3gppnetwork.org";
const std::string& naf = operator_naf;

class gba_deployment : public gba_network {
protected:
    void write_device(const std::string& pin = "1234") {
        write("device.toml", "[device]\nid = \"" + device + "\"\n[store]\npath = \"device.db\"\n"
                             "[card]\nreader = \"mcprov vpcd\"\npin = \"" + pin + "\"\nca = \"ca.pem\"\n"
                             "bsf = \"" + bsf_url_ + "\"\n");
    }
    command_result bootstrap() { return run({"agent", "--config", path("device.toml"), "gba-bootstrap"}); }

    // The session the device keeps (B-TID, Ks, RAND), read from its store as the device's own code would.
    json::object device_session() {
        auto documents = store::open_store("sqlite:" + path("device.db"), support::create_system_clock()).value();
        auto stored = documents->get({"org.mcprov.dm-agent", device, "gba.json"});
        EXPECT_TRUE(stored.has_value());
        return stored ? json::parse(stored->content).as_object() : json::object{};
    }

    support::result<http::response> zn(const std::string& btid, const std::string& as = "naf",
                                       const std::string& naf_fqdn = naf) {
        http::client_options options;
        options.ca_file = path("ca.pem");
        if (!as.empty()) {
            options.certificate_chain = path(as + ".crt");
            options.private_key = path(as + ".key");
        }
        return http::fetch({.method = bhttp::verb::post,
                            .url = bsf_url_ + "zn/v1/bootstrapping-info",
                            .headers = {{"Content-Type", "application/json"}},
                            .body = gba::format_zn_request(
                                {.btid = btid, .naf_id = gba::naf_id(naf_fqdn, gba::ua_protocol::http_digest)})},
                           options);
    }

    support::result<http::response> ub(const std::string& authorization) {
        http::client_options options;
        options.ca_file = path("ca.pem");
        return http::fetch({.method = bhttp::verb::get, .url = bsf_url_, .headers = {{"Authorization", authorization}},
                            .body = {}},
                           options);
    }

};

TEST_F(gba_deployment, when_the_device_bootstraps_with_its_card_then_a_naf_gets_from_the_bsf_the_key_the_device_derives) {
    provision_in_hlr();
    insert();
    write_device();
    auto done = bootstrap();
    ASSERT_EQ(done.status, 0) << done.err << bsf_log();
    EXPECT_NE(done.out.find("bootstrapped: B-TID "), std::string::npos) << done.out;
    EXPECT_NE(done.out.find("@bsf.mnc001.mcc001.pub.3gppnetwork.org for " + impi), std::string::npos) << done.out;

    const auto session = device_session();
    const std::string btid(session.at("btid").as_string());
    const auto ks = support::hex_decode(std::string(session.at("ks").as_string())).value();
    const auto rand = support::hex_decode(std::string(session.at("rand").as_string())).value();
    auto answer = zn(btid);
    ASSERT_TRUE(answer.has_value()) << answer.err().message;
    ASSERT_EQ(answer->result_int(), 200) << answer->body();
    auto parsed = gba::parse_zn_answer(answer->body());
    ASSERT_TRUE(parsed.has_value()) << parsed.err().message;
    EXPECT_EQ(parsed->impi, impi);
    EXPECT_EQ(parsed->ks_naf,
              gba::ks_naf(ks, rand, impi, gba::naf_id(naf, gba::ua_protocol::http_digest)));
    EXPECT_EQ(support::format_utc(parsed->key_lifetime), std::string(session.at("lifetime").as_string()));
}

TEST_F(gba_deployment, when_the_card_is_ahead_of_the_hlr_then_they_resynchronise_and_the_bootstrap_succeeds) {
    provision_in_hlr();
    auto image = json::parse(*support::read_file(dir_.path() / "card.json")).as_object();
    json::array seq;
    for (int i = 0; i < 32; ++i)
        seq.emplace_back(100000);
    image["sqn"] = json::object{{"ind_bits", 5}, {"highest", std::uint64_t{100000} << 5}, {"seq_by_ind", seq}};
    write("card.json", json::serialize(image));
    insert();
    write_device();
    auto done = bootstrap();
    ASSERT_EQ(done.status, 0) << done.err << bsf_log();
}

TEST_F(gba_deployment, when_the_pin_is_wrong_or_blocked_then_the_card_is_never_asked_and_nothing_is_bootstrapped) {
    provision_in_hlr();
    insert();
    write_device("9999");
    auto wrong = bootstrap();
    EXPECT_EQ(wrong.status, 3);
    EXPECT_NE(wrong.err.find("2 tries left"), std::string::npos) << wrong.err;
    (void)bootstrap();
    (void)bootstrap();
    write_device("1234");
    auto blocked = bootstrap();
    EXPECT_EQ(blocked.status, 3);
    EXPECT_NE(blocked.err.find("blocked"), std::string::npos) << blocked.err;
    EXPECT_EQ(bsf_log().find("bootstrapped"), std::string::npos);
}

TEST_F(gba_deployment, when_the_hlr_does_not_know_the_subscription_then_the_bsf_refuses_it_and_counts_the_refusal) {
    insert();
    write_device();
    auto refused = bootstrap();
    EXPECT_EQ(refused.status, 3);
    EXPECT_NE(refused.err.find("403"), std::string::npos) << refused.err;

    http::client_options tls;
    tls.ca_file = path("ca.pem");
    auto ready = http::fetch({.method = bhttp::verb::get, .url = bsf_url_ + "readyz", .headers = {}, .body = {}}, tls);
    ASSERT_TRUE(ready) << ready.err().message;
    EXPECT_EQ(ready->result_int(), 200) << ready->body();
    auto metrics = http::fetch({.method = bhttp::verb::get, .url = bsf_metrics_url_ + "/metrics", .headers = {}, .body = {}}, {});
    ASSERT_TRUE(metrics) << metrics.err().message;
    EXPECT_EQ(metrics->result_int(), 200);
    EXPECT_NE(metrics->body().find(R"(mcprov_http_responses_total{server="bsf",route="ub",class="4xx"} 1)"),
              std::string::npos)
        << metrics->body();
    EXPECT_NE(metrics->body().find(R"(mcprov_store_errors_total{operation="get",error="unavailable"} 0)"),
              std::string::npos)
        << metrics->body();
    // The HLR answered (that it does not know the subscriber): it is up.
    EXPECT_NE(metrics->body().find("mcprov_bsf_peer_up{peer=\"hlr\"} 1\n"), std::string::npos) << metrics->body();
    EXPECT_NE(metrics->body().find("mcprov_bsf_peer_call_failures_total{peer=\"hlr\"} 0\n"), std::string::npos)
        << metrics->body();
}

TEST_F(gba_deployment, when_a_client_answers_without_the_card_then_it_is_refused_and_the_nonce_is_not_taken_twice) {
    provision_in_hlr();
    gba::digest_credentials c{.username = impi, .realm = "bsf", .nonce = {}, .uri = "/", .response = {},
                              .algorithm = {}, .cnonce = {}, .nc = {}, .qop = {}, .opaque = {}, .auts = std::nullopt};
    auto first = ub(gba::format_digest_credentials(c));
    ASSERT_TRUE(first.has_value()) << first.err().message;
    ASSERT_EQ(first->result_int(), 401) << first->body();
    auto challenge = gba::parse_digest_challenge((*first)[bhttp::field::www_authenticate]);
    ASSERT_TRUE(challenge.has_value());
    EXPECT_EQ(challenge->algorithm, "AKAv1-MD5");
    EXPECT_EQ(challenge->qop, "auth-int");
    EXPECT_EQ(challenge->realm, "bsf.mnc001.mcc001.pub.3gppnetwork.org");
    c.realm = challenge->realm;
    c.nonce = challenge->nonce;
    c.algorithm = "AKAv1-MD5";
    c.qop = "auth-int";
    c.nc = "00000001";
    c.cnonce = "guess";
    c.response = gba::digest_response(c, "not the RES", "GET", "");
    auto wrong = ub(gba::format_digest_credentials(c));
    ASSERT_TRUE(wrong.has_value());
    EXPECT_EQ(wrong->result_int(), 403) << wrong->body();
    auto replayed = ub(gba::format_digest_credentials(c));
    ASSERT_TRUE(replayed.has_value());
    EXPECT_EQ(replayed->result_int(), 401);
    auto fresh = gba::parse_digest_challenge((*replayed)[bhttp::field::www_authenticate]);
    ASSERT_TRUE(fresh.has_value());
    EXPECT_NE(fresh->nonce, c.nonce);
    // Wrong answers use each challenge up, so that every first request would ask the HLR again: the eleventh ask
    // within a minute (bsf.max_vectors_per_subscriber, bsf.vector_window_seconds) is not made.
    int asked = 2;
    std::optional<http::response> throttled;
    for (auto next = fresh; asked <= 12 && !throttled;) {
        c.nonce = next->nonce;
        c.response = gba::digest_response(c, "not the RES", "GET", "");
        auto refused = ub(gba::format_digest_credentials(c));
        ASSERT_TRUE(refused.has_value());
        ASSERT_EQ(refused->result_int(), 403);
        auto again = ub(gba::format_digest_credentials(
            {.username = impi, .realm = "bsf", .nonce = {}, .uri = "/", .response = {}, .algorithm = {},
             .cnonce = {}, .nc = {}, .qop = {}, .opaque = {}, .auts = std::nullopt}));
        ASSERT_TRUE(again.has_value());
        if (again->result_int() == 429) {
            throttled = *again;
            break;
        }
        ASSERT_EQ(again->result_int(), 401) << again->body();
        ++asked;
        next = gba::parse_digest_challenge((*again)[bhttp::field::www_authenticate]);
        ASSERT_TRUE(next.has_value());
    }
    ASSERT_TRUE(throttled) << "a first request is throttled after ten vectors";
    EXPECT_EQ(asked, 10);
    const auto retry_after = std::stoi(std::string((*throttled)[bhttp::field::retry_after]));
    EXPECT_GE(retry_after, 1);
    EXPECT_LE(retry_after, 60);
    // Malformed credentials: 400, with what is wrong.
    auto malformed = ub("Digest username=\"" + impi + "\", realm=");
    ASSERT_TRUE(malformed.has_value());
    EXPECT_EQ(malformed->result_int(), 400);
}

TEST_F(gba_deployment, when_a_naf_asks_without_its_certificate_for_another_naf_or_an_unknown_btid_then_it_is_refused) {
    provision_in_hlr();
    insert();
    write_device();
    ASSERT_EQ(bootstrap().status, 0);
    const std::string btid(device_session().at("btid").as_string());
    auto anonymous = zn(btid, "");
    ASSERT_TRUE(anonymous.has_value());
    EXPECT_EQ(anonymous->result_int(), 401);
    auto other = zn(btid, "other");
    ASSERT_TRUE(other.has_value());
    EXPECT_EQ(other->result_int(), 403);
    auto not_its_own = zn(btid, "naf", "cms.operator.example");
    ASSERT_TRUE(not_its_own.has_value());
    EXPECT_EQ(not_its_own->result_int(), 403);
    auto unknown = zn("AAAAAAAAAAAAAAAAAAAAAA==@bsf.mnc001.mcc001.pub.3gppnetwork.org");
    ASSERT_TRUE(unknown.has_value());
    EXPECT_EQ(unknown->result_int(), 404);
    // Bootstrapped again, the old B-TID is gone.
    ASSERT_EQ(bootstrap().status, 0);
    auto old = zn(btid);
    ASSERT_TRUE(old.has_value());
    EXPECT_EQ(old->result_int(), 404);
}

} // namespace
} // namespace mcprov::testing
