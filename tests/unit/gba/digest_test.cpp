#include <gtest/gtest.h>

#include "mcprov/gba/digest.hpp"

namespace mcprov::gba {
namespace {

TEST(digest, when_the_rfc_2617_example_is_computed_then_its_response_comes_out) {
    // RFC 2617 section 3.5.
    digest_credentials c{.username = "Mufasa",
                         .realm = "testrealm@host.com",
                         .nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                         .uri = "/dir/index.html",
                         .response = {},
                         .algorithm = {},
                         .cnonce = "0a4f113b",
                         .nc = "00000001",
                         .qop = "auth",
                         .opaque = "5ccc069c403ebaf9f0171e9517f40e41",
                         .auts = std::nullopt};
    EXPECT_EQ(digest_response(c, "Circle Of Life", "GET", {}), "6629fae49393a05397450978507c4ef1");
}

TEST(digest, when_credentials_are_formatted_then_they_parse_back_the_same) {
    digest_credentials c{.username = "001010000000017@ims.mnc001.mcc001.3gppnetwork.org",
                         .realm = "bsf.example.org",
                         .nonce = "CjPk/xx+==",
                         .uri = "/",
                         .response = "0123456789abcdef0123456789abcdef",
                         .algorithm = "AKAv1-MD5",
                         .cnonce = "a \"quoted\" \\ cnonce",
                         .nc = "00000001",
                         .qop = "auth-int",
                         .opaque = {},
                         .auts = "AAECAwQFBgcICQoLDA0="};
    auto parsed = parse_digest_credentials(format_digest_credentials(c));
    ASSERT_TRUE(parsed.has_value()) << parsed.err().message;
    EXPECT_EQ(parsed->username, c.username);
    EXPECT_EQ(parsed->cnonce, c.cnonce);
    EXPECT_EQ(parsed->qop, "auth-int");
    EXPECT_EQ(parsed->auts, c.auts);
    EXPECT_EQ(parsed->response, c.response);
}

TEST(digest, when_a_challenge_is_formatted_then_it_parses_back_and_names_are_case_blind) {
    auto parsed = parse_digest_challenge(format_digest_challenge(
        {.realm = "bsf.example.org", .nonce = "bm9uY2U=", .algorithm = "AKAv1-MD5", .qop = "auth-int", .opaque = "x",
         .stale = true}));
    ASSERT_TRUE(parsed.has_value()) << parsed.err().message;
    EXPECT_EQ(parsed->algorithm, "AKAv1-MD5");
    EXPECT_TRUE(parsed->stale);
    auto odd = parse_digest_challenge("DIGEST REALM = \"r\" ,Nonce=abc , unknown=\"skipped\"");
    ASSERT_TRUE(odd.has_value()) << odd.err().message;
    EXPECT_EQ(odd->realm, "r");
    EXPECT_EQ(odd->nonce, "abc");
}

TEST(digest, when_a_header_is_malformed_then_it_is_refused_with_what_is_wrong) {
    const std::string ok_rest = ", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"\"";
    EXPECT_TRUE(parse_digest_credentials("Digest username=\"u\"" + ok_rest).has_value());
    for (const std::string& bad : std::vector<std::string>{"Basic dXNlcjpwYXNz", "Digest username=\"u\", username=\"v\"" + ok_rest,
                                  "Digest username=\"u" + ok_rest, "Digest username" + ok_rest,
                                  "Digest username=\"u\"; realm=\"r\"", "Digest username=\"u\", realm=\"r\"",
                                  "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"xyz\"",
                                  "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"\", qop=auth",
                                  "Digest username=\"u\x01\"" + ok_rest, std::string(5000, 'a')}) {
        auto parsed = parse_digest_credentials(bad);
        EXPECT_FALSE(parsed.has_value()) << bad;
        if (!parsed) {
            EXPECT_EQ(parsed.err().code, support::errc::invalid_argument);
        }
    }
    EXPECT_FALSE(parse_digest_challenge("Digest realm=\"r\"").has_value());
}

TEST(digest, when_an_aka_nonce_is_split_then_rand_autn_and_server_data_come_back) {
    const std::string rand(16, '\x11'), autn(16, '\x22');
    auto parts = split_aka_nonce(aka_nonce(rand, autn, "sd"));
    ASSERT_TRUE(parts.has_value());
    EXPECT_EQ(parts->rand, rand);
    EXPECT_EQ(parts->autn, autn);
    EXPECT_EQ(parts->server_data, "sd");
    EXPECT_FALSE(split_aka_nonce("not base64!").has_value());
    EXPECT_FALSE(split_aka_nonce(aka_nonce(rand, "short")).has_value());
}

TEST(digest, when_auth_int_then_the_body_is_in_the_response_and_rspauth_differs_from_it) {
    digest_credentials c{.username = "u", .realm = "r", .nonce = "n", .uri = "/", .response = {}, .algorithm = {},
                         .cnonce = "c", .nc = "00000001", .qop = "auth-int", .opaque = {}, .auts = std::nullopt};
    EXPECT_NE(digest_response(c, "p", "GET", ""), digest_response(c, "p", "GET", "body"));
    EXPECT_NE(digest_response(c, "p", "GET", ""), digest_rspauth(c, "p", ""));
    auto rspauth = parse_rspauth(format_authentication_info(c, digest_rspauth(c, "p", "x")));
    ASSERT_TRUE(rspauth.has_value());
    EXPECT_EQ(*rspauth, digest_rspauth(c, "p", "x"));
}

} // namespace
} // namespace mcprov::gba
