#include "mcprov/identity/access_token.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "jws.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::identity {
namespace {

using namespace std::chrono_literals;
using support::errc;

constexpr const char* issuer = "https://idms.example.com";
constexpr const char* audience = "mcprov-cms";
constexpr const char* es256_header = R"({"alg":"ES256","typ":"JWT"})";
constexpr std::int64_t start_seconds = 1'704'067'200; // 2024-01-01T00:00:00Z

std::string public_pem_of(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    EXPECT_EQ(PEM_write_bio_PUBKEY(bio, key), 1);
    char* data = nullptr;
    long length = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(length));
    BIO_free(bio);
    return pem;
}

std::string json_number(std::int64_t n) {
    return std::to_string(n);
}

class identity_access_token : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto pem = generate_p256_private_key_pem();
        ASSERT_TRUE(pem);
        private_pem_ = new std::string(*pem);
        auto pub = public_key_pem_from_private(*pem);
        ASSERT_TRUE(pub);
        public_pem_ = new std::string(*pub);
        auto other = generate_p256_private_key_pem();
        ASSERT_TRUE(other);
        other_private_pem_ = new std::string(*other);
    }
    static void TearDownTestSuite() {
        delete private_pem_;
        delete public_pem_;
        delete other_private_pem_;
    }

    void SetUp() override {
        clock_ = std::make_shared<support::manual_clock>(
            std::chrono::system_clock::time_point(std::chrono::seconds(start_seconds)));
    }

    verifier_config config() const {
        verifier_config c;
        c.issuer = issuer;
        c.audience = audience;
        c.public_key_pem = *public_pem_;
        return c;
    }

    std::unique_ptr<access_token_verifier> verifier(verifier_config c) const {
        auto v = create_access_token_verifier(std::move(c), clock_);
        EXPECT_TRUE(v) << v.err().message;
        return v ? std::move(*v) : nullptr;
    }
    std::unique_ptr<access_token_verifier> verifier() const { return verifier(config()); }
    std::unique_ptr<access_token_verifier> uncached_verifier() const {
        auto c = config();
        c.cache_entries = 0;
        return verifier(std::move(c));
    }

    static token_request request() {
        token_request r;
        r.issuer = issuer;
        r.subject = "alice";
        r.audience = {audience};
        r.mc_id = "sip:alice@mc.example.com";
        r.scopes = {"openid", "3gpp:mc:ptt_service"};
        r.lifetime = 3600s;
        return r;
    }

    std::string issue(const token_request& r, const std::string& pem = *private_pem_) const {
        auto iss = create_token_issuer(pem, clock_);
        EXPECT_TRUE(iss) << iss.err().message;
        auto token = (*iss)->issue(r);
        EXPECT_TRUE(token) << token.err().message;
        return token ? *token : std::string();
    }

    // Signs an arbitrary header and payload with the configured key.
    static std::string sign(const std::string& payload, const std::string& header = es256_header) {
        auto key = load_p256_private_key_pem(*private_pem_);
        EXPECT_TRUE(key);
        auto token = sign_es256_compact(header, payload, key->get());
        EXPECT_TRUE(token) << token.err().message;
        return token ? *token : std::string();
    }

    // A payload with every required claim, plus extra members (JSON text without braces).
    static std::string payload_with(const std::string& extra, std::int64_t exp = start_seconds + 600) {
        std::string p =
            R"({"iss":")" + std::string(issuer) + R"(","aud":")" + audience + R"(","exp":)" + json_number(exp);
        if (!extra.empty()) {
            p += "," + extra;
        }
        return p + "}";
    }

    static void expect_refused(const support::result<access_token>& r, const std::string& message) {
        ASSERT_FALSE(r) << "expected refusal: " << message;
        EXPECT_EQ(r.err().code, errc::unauthenticated);
        EXPECT_EQ(r.err().message, message);
    }

    static std::string* private_pem_;
    static std::string* public_pem_;
    static std::string* other_private_pem_;
    std::shared_ptr<support::manual_clock> clock_;
};

std::string* identity_access_token::private_pem_ = nullptr;
std::string* identity_access_token::public_pem_ = nullptr;
std::string* identity_access_token::other_private_pem_ = nullptr;

TEST_F(identity_access_token, when_token_issued_then_it_verifies_with_every_claim) {
    auto r = request();
    r.mcptt_id = "sip:alice-ptt@mc.example.com";
    r.mcdata_id = "sip:alice-data@mc.example.com";
    r.mcvideo_id = "sip:alice-video@mc.example.com";
    r.client_id = "mcptt-client";
    auto token = issue(r);
    auto result = verifier()->verify(token);
    ASSERT_TRUE(result) << result.err().message;
    EXPECT_EQ(result->issuer, issuer);
    EXPECT_EQ(result->subject, "alice");
    EXPECT_EQ(result->audience, std::vector<std::string>{audience});
    EXPECT_EQ(result->client_id, "mcptt-client");
    EXPECT_EQ(result->mc_id, "sip:alice@mc.example.com");
    EXPECT_EQ(result->mcptt_id, "sip:alice-ptt@mc.example.com");
    EXPECT_EQ(result->mcdata_id, "sip:alice-data@mc.example.com");
    EXPECT_EQ(result->mcvideo_id, "sip:alice-video@mc.example.com");
    EXPECT_EQ(result->scopes, (std::vector<std::string>{"openid", "3gpp:mc:ptt_service"}));
    EXPECT_TRUE(result->has_scope("3gpp:mc:ptt_service"));
    EXPECT_FALSE(result->has_scope("3gpp:mc:ptt"));
    EXPECT_EQ(result->issued_at, clock_->now());
    EXPECT_EQ(result->expires_at, clock_->now() + 3600s);
}

TEST_F(identity_access_token, when_issued_then_header_and_claims_have_the_expected_shape) {
    auto r = request();
    r.audience = {"other", audience};
    r.scopes.clear();
    auto token = issue(r);
    auto key = load_p256_public_key_pem(*public_pem_);
    ASSERT_TRUE(key);
    auto jws = verify_es256_compact(token, key->get());
    ASSERT_TRUE(jws) << jws.err().message;
    EXPECT_EQ(jws->first, es256_header);
    EXPECT_NE(jws->second.find(R"("aud":["other","mcprov-cms"])"), std::string::npos) << jws->second;
    EXPECT_EQ(jws->second.find("scope"), std::string::npos);
    EXPECT_EQ(jws->second.find("mcptt_id"), std::string::npos);
    EXPECT_NE(jws->second.find(R"("client_id":"mcprov")"), std::string::npos);
    EXPECT_NE(jws->second.find(R"("exp":)" + json_number(start_seconds + 3600)), std::string::npos);
    EXPECT_TRUE(verifier()->verify(token));
}

TEST_F(identity_access_token, when_issuer_differs_then_refused) {
    auto r = request();
    r.issuer = "https://evil.example.com";
    expect_refused(verifier()->verify(issue(r)), "token issuer is not the configured issuer");
}

TEST_F(identity_access_token, when_audience_does_not_include_server_then_refused) {
    auto r = request();
    r.audience = {"someone-else", "another"};
    expect_refused(verifier()->verify(issue(r)), "token audience does not include this server");
}

TEST_F(identity_access_token, when_clock_passes_exp_plus_leeway_then_expired) {
    auto token = issue(request());
    clock_->advance(3600s + 30s);
    expect_refused(uncached_verifier()->verify(token), "token has expired");
}

TEST_F(identity_access_token, when_past_exp_but_within_leeway_then_accepted) {
    auto token = issue(request());
    clock_->advance(3600s + 29s);
    auto result = uncached_verifier()->verify(token);
    EXPECT_TRUE(result) << result.err().message;
}

TEST_F(identity_access_token, when_nbf_in_future_then_refused) {
    auto v = uncached_verifier();
    expect_refused(
        v->verify(sign(payload_with(R"("mc_id":"sip:a@b.example","nbf":)" + json_number(start_seconds + 31)))),
        "token is not yet valid (nbf)");
    EXPECT_TRUE(v->verify(sign(payload_with(R"("mc_id":"sip:a@b.example","nbf":)" + json_number(start_seconds + 30)))));
}

TEST_F(identity_access_token, when_iat_in_future_beyond_leeway_then_refused) {
    auto v = uncached_verifier();
    expect_refused(
        v->verify(sign(payload_with(R"("mc_id":"sip:a@b.example","iat":)" + json_number(start_seconds + 31)))),
        "token is issued in the future (iat)");
    EXPECT_TRUE(v->verify(sign(payload_with(R"("mc_id":"sip:a@b.example","iat":)" + json_number(start_seconds + 30)))));
}

// A payload with every required claim and the given JSON text as exp (no iat).
std::string payload_with_exp_text(const std::string& exp_text) {
    return R"({"iss":")" + std::string(issuer) + R"(","aud":")" + audience + R"(","mc_id":"sip:a@b.example","exp":)" +
           exp_text + "}";
}

TEST_F(identity_access_token, when_exp_is_1e30_then_refused_as_after_the_year_9999) {
    expect_refused(uncached_verifier()->verify(sign(payload_with_exp_text("1e30"))),
                   "claim exp is after the year 9999");
}

TEST_F(identity_access_token, when_exp_nbf_or_iat_is_not_an_integer_from_1970_to_9999_then_refused_saying_why) {
    auto v = uncached_verifier();
    const std::vector<std::pair<std::string, std::string>> cases{
        {"-1", "is negative (before 1970)"},
        {"-1e10", "is negative (before 1970)"},
        {"253402300800", "is after the year 9999"},         // 10000-01-01T00:00:00Z
        {"18446744073709551615", "is after the year 9999"}, // held as uint64
        {"1e300", "is after the year 9999"},
        {json_number(start_seconds + 60) + ".5", "is not a whole number of seconds"},
        {json_number(start_seconds + 60) + ".0", "is a floating-point number, not an integer"},
        {"1.70406726e9", "is a floating-point number, not an integer"},
    };
    for (const auto& [text, why] : cases) {
        expect_refused(v->verify(sign(payload_with_exp_text(text))), "claim exp " + why);
        for (const char* claim : {"nbf", "iat"}) {
            expect_refused(
                v->verify(sign(payload_with(R"("mc_id":"sip:a@b.example",")" + std::string(claim) + R"(":)" + text))),
                "claim " + std::string(claim) + " " + why);
        }
    }
    // The ends of the range are NumericDates; they fail only as the token's times.
    expect_refused(v->verify(sign(payload_with(R"("mc_id":"sip:a@b.example","nbf":253402300799)"))),
                   "token is not yet valid (nbf)");
    EXPECT_TRUE(v->verify(sign(payload_with(R"("mc_id":"sip:a@b.example","nbf":0)"))));
    expect_refused(v->verify(sign(payload_with_exp_text("253402300799"))),
                   "token expires more than 86400 s from now, the limit on a token's lifetime");
    expect_refused(v->verify(sign(payload_with_exp_text("0"))), "token has expired");
}

TEST_F(identity_access_token, when_exp_minus_iat_exceeds_the_lifetime_limit_then_refused) {
    auto c = config();
    c.cache_entries = 0;
    c.max_lifetime = 3600s;
    auto v = verifier(c);
    auto with = [](std::int64_t iat, std::int64_t exp) {
        return payload_with(R"("mc_id":"sip:a@b.example","iat":)" + json_number(iat), exp);
    };
    EXPECT_TRUE(v->verify(sign(with(start_seconds - 600, start_seconds + 3000))));
    expect_refused(v->verify(sign(with(start_seconds - 600, start_seconds + 3001))),
                   "token lifetime (exp - iat) of 3601 s exceeds the limit of 3600 s");
    expect_refused(v->verify(sign(with(start_seconds + 20, start_seconds + 10))),
                   "token expires before it was issued (exp before iat)");
    auto r = request();
    r.lifetime = 3601s;
    expect_refused(v->verify(issue(r)), "token lifetime (exp - iat) of 3601 s exceeds the limit of 3600 s");
    r.lifetime = 3600s;
    EXPECT_TRUE(v->verify(issue(r)));
}

TEST_F(identity_access_token, when_a_token_without_iat_expires_beyond_the_lifetime_limit_from_now_then_refused) {
    auto c = config();
    c.cache_entries = 0;
    c.max_lifetime = 3600s;
    auto v = verifier(c);
    EXPECT_TRUE(v->verify(sign(payload_with(R"("mc_id":"sip:a@b.example")", start_seconds + 3600 + 30))));
    expect_refused(v->verify(sign(payload_with(R"("mc_id":"sip:a@b.example")", start_seconds + 3600 + 31))),
                   "token expires more than 3600 s from now, the limit on a token's lifetime");
}

TEST_F(identity_access_token, when_the_lifetime_limit_is_not_set_then_it_is_24_hours) {
    EXPECT_EQ(verifier_config{}.max_lifetime, 24h);
    auto r = request();
    r.lifetime = 24h;
    EXPECT_TRUE(uncached_verifier()->verify(issue(r)));
    r.lifetime = 24h + 1s;
    expect_refused(uncached_verifier()->verify(issue(r)),
                   "token lifetime (exp - iat) of 86401 s exceeds the limit of 86400 s");
}

TEST_F(identity_access_token, when_no_mc_id_and_no_mcptt_id_then_refused) {
    expect_refused(verifier()->verify(sign(payload_with(R"("sub":"alice","mcdata_id":"sip:a@b.example")"))),
                   "token carries no MC ID (mc_id or mcptt_id)");
}

TEST_F(identity_access_token, when_only_mcptt_id_then_it_fills_mc_id) {
    auto result = verifier()->verify(sign(payload_with(R"("mcptt_id":"sip:r13@mc.example.com")")));
    ASSERT_TRUE(result) << result.err().message;
    EXPECT_EQ(result->mc_id, "sip:r13@mc.example.com");
    EXPECT_EQ(result->mcptt_id, "sip:r13@mc.example.com");
    auto issued = request();
    issued.mc_id.clear();
    issued.mcptt_id = "sip:r13@mc.example.com";
    auto from_issuer = verifier()->verify(issue(issued));
    ASSERT_TRUE(from_issuer) << from_issuer.err().message;
    EXPECT_EQ(from_issuer->mc_id, "sip:r13@mc.example.com");
}

TEST_F(identity_access_token, when_required_claim_missing_then_refused) {
    auto v = verifier();
    expect_refused(v->verify(sign(R"({"aud":"mcprov-cms","exp":)" + json_number(start_seconds + 60) +
                                  R"(,"mc_id":"sip:a@b.example"})")),
                   "claim iss is missing");
    expect_refused(v->verify(sign(R"({"iss":"https://idms.example.com","exp":)" + json_number(start_seconds + 60) +
                                  R"(,"mc_id":"sip:a@b.example"})")),
                   "claim aud is missing");
    expect_refused(
        v->verify(sign(R"({"iss":"https://idms.example.com","aud":"mcprov-cms","mc_id":"sip:a@b.example"})")),
        "claim exp is missing");
}

TEST_F(identity_access_token, when_claim_has_wrong_type_then_refused) {
    auto v = verifier();
    const std::string exp = json_number(start_seconds + 60);
    expect_refused(v->verify(sign(R"({"iss":42,"aud":"mcprov-cms","exp":)" + exp + "}")), "claim iss is not a string");
    expect_refused(v->verify(sign(R"({"iss":"https://idms.example.com","aud":["mcprov-cms",7],"exp":)" + exp + "}")),
                   "claim aud is not a string or an array of strings");
    expect_refused(v->verify(sign(R"({"iss":"https://idms.example.com","aud":{"a":1},"exp":)" + exp + "}")),
                   "claim aud is not a string or an array of strings");
    expect_refused(v->verify(sign(R"({"iss":"https://idms.example.com","aud":"mcprov-cms","exp":"soon"})")),
                   "claim exp is not a number");
    expect_refused(v->verify(sign(R"({"iss":"https://idms.example.com","aud":"mcprov-cms","exp":true})")),
                   "claim exp is not a number");
    expect_refused(v->verify(sign(payload_with(R"("mc_id":"sip:a@b.example","nbf":null)"))),
                   "claim nbf is not a number");
    expect_refused(v->verify(sign(payload_with(R"("mc_id":12345)"))), "claim mc_id is not a string");
    expect_refused(v->verify(sign(payload_with(R"("mc_id":"sip:a@b.example","mcptt_id":["x"])"))),
                   "claim mcptt_id is not a string");
    expect_refused(v->verify(sign(payload_with(R"("mc_id":"sip:a@b.example","scope":["a","b"])"))),
                   "claim scope is not a string");
    expect_refused(v->verify(sign(payload_with(R"("mc_id":"sip:a@b.example","sub":{"x":1})"))),
                   "claim sub is not a string");
    expect_refused(v->verify(sign(payload_with(R"("mc_id":"sip:a@b.example","client_id":1.5)"))),
                   "claim client_id is not a string");
}

TEST_F(identity_access_token, when_payload_is_not_a_json_object_then_refused) {
    auto v = verifier();
    expect_refused(v->verify(sign(R"(["iss"])")), "token payload is not a JSON object");
    expect_refused(v->verify(sign(R"({"iss":)")), "token payload is not valid JSON");
    std::string deep = payload_with(R"("mc_id":"sip:a@b.example","x":)" + std::string(20, '[') + std::string(20, ']'));
    expect_refused(v->verify(sign(deep)), "token payload is not valid JSON");
}

TEST_F(identity_access_token, when_scope_has_extra_spaces_then_empty_items_are_dropped) {
    auto result = verifier()->verify(sign(payload_with(R"("mc_id":"sip:a@b.example","scope":" a  b ")")));
    ASSERT_TRUE(result) << result.err().message;
    EXPECT_EQ(result->scopes, (std::vector<std::string>{"a", "b"}));
}

TEST_F(identity_access_token, when_alg_is_not_es256_then_refused) {
    auto v = verifier();
    const std::string payload = support::base64url_encode(payload_with(R"("mc_id":"sip:a@b.example")"));
    const std::string signature = support::base64url_encode(std::string(64, 'x'));
    for (const char* header : {R"({"alg":"none"})", R"({"alg":"HS256","typ":"JWT"})", R"({"alg":"RS256"})",
                               R"({"alg":"es256"})", R"({"alg":"ES384"})"}) {
        std::string token = support::base64url_encode(header) + "." + payload + ".";
        expect_refused(v->verify(token), "token algorithm is not ES256");
        expect_refused(v->verify(token + signature), "token algorithm is not ES256");
    }
    expect_refused(v->verify(support::base64url_encode(R"({"typ":"JWT"})") + "." + payload + "." + signature),
                   "token header has no alg");
    expect_refused(v->verify(support::base64url_encode(R"({"alg":256})") + "." + payload + "." + signature),
                   "token header alg is not a string");
    expect_refused(v->verify(support::base64url_encode(R"(["ES256"])") + "." + payload + "." + signature),
                   "token header is not a JSON object");
}

TEST_F(identity_access_token, when_hs256_token_uses_public_key_as_secret_then_refused) {
    // Classic algorithm confusion: an HMAC "signed" with the public key PEM must not pass.
    const std::string signing_input = support::base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." +
                                      support::base64url_encode(payload_with(R"("mc_id":"sip:a@b.example")"));
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_length = 0;
    ASSERT_NE(HMAC(EVP_sha256(), public_pem_->data(), static_cast<int>(public_pem_->size()),
                   reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
                   &mac_length),
              nullptr);
    std::string token =
        signing_input + "." + support::base64url_encode(std::string(reinterpret_cast<char*>(mac), mac_length));
    expect_refused(verifier()->verify(token), "token algorithm is not ES256");
}

TEST_F(identity_access_token, when_typ_or_crit_header_unacceptable_then_refused) {
    auto v = uncached_verifier();
    const std::string payload = payload_with(R"("mc_id":"sip:a@b.example")");
    EXPECT_TRUE(v->verify(sign(payload, R"({"alg":"ES256","typ":"at+JWT"})")));
    EXPECT_TRUE(v->verify(sign(payload, R"({"alg":"ES256","typ":"jwt"})")));
    EXPECT_TRUE(v->verify(sign(payload, R"({"alg":"ES256"})")));
    expect_refused(v->verify(sign(payload, R"({"alg":"ES256","typ":"JOSE"})")), "token type is not JWT or at+jwt");
    expect_refused(v->verify(sign(payload, R"({"alg":"ES256","typ":1})")), "token header typ is not a string");
    expect_refused(v->verify(sign(payload, R"({"alg":"ES256","crit":["exp"],"exp":1})")),
                   "token header has crit extensions, none are supported");
}

TEST_F(identity_access_token, when_payload_modified_then_signature_refused) {
    auto token = issue(request());
    auto first = token.find('.');
    auto second = token.find('.', first + 1);
    auto payload = support::base64url_decode(std::string_view(token).substr(first + 1, second - first - 1));
    ASSERT_TRUE(payload);
    auto at = payload->find("sip:alice@");
    ASSERT_NE(at, std::string::npos);
    payload->replace(at, 10, "sip:mallo@");
    std::string forged = token.substr(0, first + 1) + support::base64url_encode(*payload) + token.substr(second);
    expect_refused(verifier()->verify(forged), "token signature does not verify");
}

TEST_F(identity_access_token, when_signed_by_another_key_then_refused) {
    expect_refused(verifier()->verify(issue(request(), *other_private_pem_)), "token signature does not verify");
}

TEST_F(identity_access_token, when_signature_not_64_bytes_then_refused) {
    auto token = issue(request());
    auto dot = token.rfind('.');
    auto signature = support::base64url_decode(std::string_view(token).substr(dot + 1));
    ASSERT_TRUE(signature);
    ASSERT_EQ(signature->size(), 64u);
    auto v = verifier();
    const std::string message = "token signature is not 64 bytes (ES256 R||S)";
    expect_refused(v->verify(token.substr(0, dot + 1) + support::base64url_encode(signature->substr(0, 63))), message);
    expect_refused(v->verify(token.substr(0, dot + 1) + support::base64url_encode(*signature + "\x01")), message);
    expect_refused(v->verify(token.substr(0, dot + 1)), message);
    // The DER form OpenSSL produces is not a JWS signature.
    std::string der = "\x30\x44\x02\x20" + signature->substr(0, 32) + "\x02\x20" + signature->substr(32);
    expect_refused(v->verify(token.substr(0, dot + 1) + support::base64url_encode(der)), message);
    // Zero R and S are refused by the ECDSA check, not crash anything.
    expect_refused(v->verify(token.substr(0, dot + 1) + support::base64url_encode(std::string(64, '\0'))),
                   "token signature does not verify");
}

TEST_F(identity_access_token, when_not_base64url_then_refused) {
    auto token = issue(request());
    auto v = verifier();
    auto first = token.find('.');
    std::string padded_header = token.substr(0, first) + "=" + token.substr(first);
    expect_refused(v->verify(padded_header), "token header is not base64url");
    std::string plus = token;
    plus[first + 3] = '+';
    expect_refused(v->verify(plus), "token payload is not base64url");
    std::string slash = token;
    slash[token.size() - 2] = '/';
    expect_refused(v->verify(slash), "token signature is not base64url");
    std::string space = token;
    space.insert(first + 1, " ");
    expect_refused(v->verify(space), "token payload is not base64url");
    expect_refused(v->verify(".."), "token header is not base64url");
    expect_refused(v->verify(""), "token is not a compact JWS: expected three segments");
}

TEST_F(identity_access_token, when_two_or_four_segments_then_refused) {
    auto token = issue(request());
    auto v = verifier();
    const std::string message = "token is not a compact JWS: expected three segments";
    expect_refused(v->verify(token.substr(0, token.rfind('.'))), message);
    expect_refused(v->verify(token + "." + support::base64url_encode("x")), message);
    expect_refused(v->verify(token + "."), message);
    expect_refused(v->verify("abc"), message);
}

TEST_F(identity_access_token, when_token_oversized_then_too_large) {
    auto c = config();
    c.max_token_bytes = 512;
    auto v = verifier(c);
    auto r = request();
    r.subject = std::string(600, 's');
    auto result = v->verify(issue(r));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.err().code, errc::too_large);
    auto huge = verifier()->verify(std::string(9000, 'a'));
    ASSERT_FALSE(huge);
    EXPECT_EQ(huge.err().code, errc::too_large);
}

TEST_F(identity_access_token, when_cached_token_passes_expiry_then_refused) {
    auto v = verifier();
    auto token = issue(request());
    ASSERT_TRUE(v->verify(token));
    clock_->advance(3600s + 29s);
    ASSERT_TRUE(v->verify(token)); // cache hit, still within leeway
    clock_->advance(1s);
    expect_refused(v->verify(token), "token has expired");
    expect_refused(v->verify(token), "token has expired");
}

TEST_F(identity_access_token, when_cache_is_full_then_tokens_still_verify) {
    auto c = config();
    c.cache_entries = 3;
    auto v = verifier(c);
    std::vector<std::string> tokens;
    for (int i = 0; i < 10; ++i) {
        auto r = request();
        r.subject = "user" + std::to_string(i);
        tokens.push_back(issue(r));
    }
    for (int round = 0; round < 3; ++round) {
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            auto result = v->verify(tokens[i]);
            ASSERT_TRUE(result) << result.err().message;
            EXPECT_EQ(result->subject, "user" + std::to_string(i));
        }
    }
}

TEST_F(identity_access_token, when_verified_from_four_threads_then_results_are_consistent) {
    auto c = config();
    c.cache_entries = 8; // small, so threads also race on eviction
    auto v = verifier(c);
    std::vector<std::string> tokens;
    for (int i = 0; i < 16; ++i) {
        auto r = request();
        r.subject = "user" + std::to_string(i);
        tokens.push_back(issue(r));
    }
    std::string forged = issue(request(), *other_private_pem_);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < 20; ++round) {
                for (std::size_t i = 0; i < tokens.size(); ++i) {
                    std::size_t k = (i + static_cast<std::size_t>(t) * 5) % tokens.size();
                    auto result = v->verify(tokens[k]);
                    if (!result || result->subject != "user" + std::to_string(k)) {
                        ++failures;
                    }
                }
                if (v->verify(forged)) {
                    ++failures;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(failures.load(), 0);
}

std::string pem_of_generated(const char* type, const char* curve_or_null, std::size_t bits) {
    EVP_PKEY* key = curve_or_null != nullptr ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, curve_or_null)
                                             : EVP_PKEY_Q_keygen(nullptr, nullptr, type, bits);
    EXPECT_NE(key, nullptr);
    std::string pem = public_pem_of(key);
    EVP_PKEY_free(key);
    return pem;
}

TEST_F(identity_access_token, when_key_is_not_p256_then_invalid_argument) {
    for (const auto& pem : {pem_of_generated("EC", "P-384", 0), pem_of_generated("RSA", nullptr, 2048),
                            std::string("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
                            std::string("not a key"), *private_pem_}) {
        auto c = config();
        c.public_key_pem = pem;
        auto v = create_access_token_verifier(c, clock_);
        ASSERT_FALSE(v);
        EXPECT_EQ(v.err().code, errc::invalid_argument) << v.err().message;
    }
    EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
    ASSERT_NE(p384, nullptr);
    BIO* bio = BIO_new(BIO_s_mem());
    ASSERT_EQ(PEM_write_bio_PrivateKey(bio, p384, nullptr, nullptr, 0, nullptr, nullptr), 1);
    char* data = nullptr;
    long length = BIO_get_mem_data(bio, &data);
    std::string p384_private(data, static_cast<std::size_t>(length));
    BIO_free(bio);
    EVP_PKEY_free(p384);
    auto issuer_result = create_token_issuer(p384_private, clock_);
    ASSERT_FALSE(issuer_result);
    EXPECT_EQ(issuer_result.err().code, errc::invalid_argument);
    auto public_result = public_key_pem_from_private(p384_private);
    ASSERT_FALSE(public_result);
    EXPECT_EQ(public_result.err().code, errc::invalid_argument);
}

TEST_F(identity_access_token, when_config_or_request_incomplete_then_invalid_argument) {
    auto c = config();
    c.issuer.clear();
    EXPECT_FALSE(create_access_token_verifier(c, clock_));
    c = config();
    c.max_lifetime = 0s;
    auto no_lifetime = create_access_token_verifier(c, clock_);
    ASSERT_FALSE(no_lifetime);
    EXPECT_EQ(no_lifetime.err().code, errc::invalid_argument);
    EXPECT_FALSE(create_access_token_verifier(config(), nullptr));
    auto iss = create_token_issuer(*private_pem_, clock_);
    ASSERT_TRUE(iss);
    auto r = request();
    r.mc_id.clear();
    auto no_id = (*iss)->issue(r);
    ASSERT_FALSE(no_id);
    EXPECT_EQ(no_id.err().code, errc::invalid_argument);
    r = request();
    r.audience.clear();
    EXPECT_FALSE((*iss)->issue(r));
    r = request();
    r.scopes = {"has space"};
    EXPECT_FALSE((*iss)->issue(r));
}

TEST_F(identity_access_token, when_keys_generated_then_pem_forms_are_pkcs8_and_spki) {
    EXPECT_NE(private_pem_->find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
    EXPECT_NE(public_pem_->find("-----BEGIN PUBLIC KEY-----"), std::string::npos);
}

TEST_F(identity_access_token, when_token_is_issued_then_unverified_issuer_reads_its_iss) {
    auto token = issue(request());
    EXPECT_EQ(unverified_issuer(token), issuer);
    // Nothing is verified: a token signed by another key, or with its signature cut, still names its issuer.
    EXPECT_EQ(unverified_issuer(issue(request(), *other_private_pem_)), issuer);
    EXPECT_EQ(unverified_issuer(token.substr(0, token.rfind('.') + 1)), issuer);
    auto r = request();
    r.issuer = "https://idms.mcx-b.example.org";
    EXPECT_EQ(unverified_issuer(issue(r)), "https://idms.mcx-b.example.org");
}

TEST_F(identity_access_token, when_token_is_unreadable_then_unverified_issuer_is_empty) {
    auto token = issue(request());
    auto first = token.find('.');
    auto second = token.find('.', first + 1);
    EXPECT_EQ(unverified_issuer(""), "");
    EXPECT_EQ(unverified_issuer("garbage"), "");
    EXPECT_EQ(unverified_issuer("..."), "");
    EXPECT_EQ(unverified_issuer(token.substr(0, second)), "") << "two segments";
    EXPECT_EQ(unverified_issuer(token.substr(0, first + 1) + "!!!" + token.substr(second)), "") << "not base64url";
    EXPECT_EQ(unverified_issuer(sign(R"(["iss"])")), "") << "payload not an object";
    EXPECT_EQ(unverified_issuer(sign(R"("https://idms.example.com")")), "") << "payload a string";
    EXPECT_EQ(unverified_issuer(sign(R"({"iss":)")), "") << "payload not JSON";
    EXPECT_EQ(unverified_issuer(sign(R"({"iss":1})")), "") << "iss a number";
    EXPECT_EQ(unverified_issuer(sign(R"({"iss":["https://idms.example.com"]})")), "") << "iss an array";
    EXPECT_EQ(unverified_issuer(sign(R"({"iss":null})")), "") << "iss null";
    EXPECT_EQ(unverified_issuer(sign(R"({"sub":"alice"})")), "") << "no iss";
    std::string deep = R"({"x":)" + std::string(20, '[') + std::string(20, ']') + R"(,"iss":"https://idms.example.com"})";
    EXPECT_EQ(unverified_issuer(sign(deep)), "") << "nested too deep";
}

TEST_F(identity_access_token, when_token_is_over_the_size_limit_then_unverified_issuer_is_empty) {
    auto token = issue(request());
    EXPECT_EQ(unverified_issuer(token, token.size()), issuer);
    EXPECT_EQ(unverified_issuer(token, token.size() - 1), "");
    std::string padded = sign(payload_with(R"("pad":")" + std::string(9000, 'x') + "\""));
    ASSERT_GT(padded.size(), 8192u);
    EXPECT_EQ(unverified_issuer(padded), "") << "default limit is 8192 bytes";
    EXPECT_EQ(unverified_issuer(padded, padded.size()), issuer);
}

} // namespace
} // namespace mcprov::identity
