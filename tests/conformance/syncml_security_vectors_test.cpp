#include <gtest/gtest.h>

#include "mcprov/support/encoding.hpp"
#include "mcprov/syncml/credentials.hpp"
#include "mcprov/syncml/notification.hpp"

// OMA DM 1.2 credentials against published values and values computed independently (openssl dgst -md5 -binary |
// base64, step by step as OMA-TS-DM_Security-V1_2 clause 5.1 writes the formulas).
namespace mcprov::syncml {
namespace {

TEST(syncml_security_vectors, when_the_spec_example_is_computed_then_it_gives_the_published_credential) {
    // OMA-TS-DM_RepPro-V1_2, Cred: the MD5 credential of "Bruce2", "OhBehave" and the nonce "Nonce".
    EXPECT_EQ(md5_credential("Bruce2", "OhBehave", "Nonce"), "Zz6EivR3yeaaENcRN6lpAQ==");
}

TEST(syncml_security_vectors, when_the_nonce_comes_base64_encoded_then_its_raw_bytes_are_used) {
    // NextNonce ZG9iZWhhdmUNCg== is "dobehave\r\n"; the credential uses those 10 bytes.
    const auto nonce = support::base64_decode("ZG9iZWhhdmUNCg==").value();
    EXPECT_EQ(md5_credential("Bruce2", "OhBehave", nonce), "kHLLLSPq49co1xndU6F2HQ==");
    EXPECT_NE(md5_credential("Bruce2", "OhBehave", "ZG9iZWhhdmUNCg=="), "kHLLLSPq49co1xndU6F2HQ==");
}

TEST(syncml_security_vectors, when_a_mac_is_computed_then_it_matches_the_independent_value) {
    // B64(MD5(body)) of this 42-byte body is V2pUFyVNkvBtkcuf1/uj0A==.
    EXPECT_EQ(mac_credential("Bruce2", "OhBehave", "Nonce", R"(<SyncML xmlns="SYNCML:SYNCML1.2"></SyncML>)"),
              "aSBvnDHzBa7JhdjeEEUR2g==");
}

TEST(syncml_security_vectors, when_basic_is_computed_then_it_is_base64_of_name_and_password) {
    EXPECT_EQ(basic_credential("Bruce2", "OhBehave"), "QnJ1Y2UyOk9oQmVoYXZl");
}

TEST(syncml_security_vectors, when_a_notification_is_encoded_then_its_bytes_match_the_independent_ones) {
    notification n;
    n.ui = ui_mode::not_specified;
    n.initiated_by = initiator::server;
    n.session_id = 0x1234;
    n.server_id = "com.example.dm";
    auto bytes = encode_notification(n, "srvpwd", "");
    ASSERT_TRUE(bytes) << bytes.err().message;
    EXPECT_EQ(support::hex_encode(*bytes),
              "9909a923933fb89ed24b440604a7bda5" // the digest
              "02c800000012340e"                 // version 11, ui 0, server, session 1234, id length 14
              "636f6d2e6578616d706c652e646d");   // com.example.dm
}

} // namespace
} // namespace mcprov::syncml
