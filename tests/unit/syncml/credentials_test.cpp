#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mcprov/syncml/credentials.hpp"

namespace mcprov::syncml {
namespace {

using support::errc;

TEST(syncml_credentials, when_any_input_changes_then_the_md5_credential_changes) {
    const auto base = md5_credential("dev-1", "secret", "nonce");
    EXPECT_NE(md5_credential("dev-2", "secret", "nonce"), base);
    EXPECT_NE(md5_credential("dev-1", "Secret", "nonce"), base);
    EXPECT_NE(md5_credential("dev-1", "secret", "nonce2"), base);
    EXPECT_EQ(md5_credential("dev-1", "secret", "nonce"), base);
    EXPECT_EQ(base.size(), 24u) << "base64 of 16 bytes";
}

TEST(syncml_credentials, when_the_body_changes_by_one_byte_then_the_mac_changes) {
    const std::string body = "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr/></SyncML>";
    auto changed = body;
    changed[10] ^= 1;
    EXPECT_NE(mac_credential("u", "p", "n", body), mac_credential("u", "p", "n", changed));
    EXPECT_NE(mac_credential("u", "p", "n", body), md5_credential("u", "p", "n"));
}

TEST(syncml_credentials, when_compared_then_only_equal_credentials_are_equal) {
    EXPECT_TRUE(credentials_equal("abc=", "abc="));
    EXPECT_FALSE(credentials_equal("abc=", "abd="));
    EXPECT_FALSE(credentials_equal("abc=", "abc"));
    EXPECT_FALSE(credentials_equal("", "a"));
}

TEST(syncml_hmac_header, when_formatted_then_it_parses_back) {
    hmac_header h{"IMEI:493005100592800", "aSBvnDHzBa7JhdjeEEUR2g=="};
    EXPECT_EQ(format_hmac_header(h), "algorithm=MD5, username=\"IMEI:493005100592800\", mac=aSBvnDHzBa7JhdjeEEUR2g==");
    auto parsed = parse_hmac_header(format_hmac_header(h));
    ASSERT_TRUE(parsed) << parsed.err().message;
    EXPECT_EQ(parsed->username, h.username);
    EXPECT_EQ(parsed->mac, h.mac);
}

TEST(syncml_hmac_header, when_parameters_come_in_another_order_case_or_spacing_then_they_are_read) {
    for (const char* value : {"mac=bWFj, username=\"dev\"", "USERNAME=dev,MAC=bWFj", "  username = \"dev\" , mac= bWFj ",
                              "algorithm=md5,username=dev,mac=bWFj", "username=dev, realm=\"x\", mac=bWFj"}) {
        auto parsed = parse_hmac_header(value);
        ASSERT_TRUE(parsed) << value << ": " << parsed.err().message;
        EXPECT_EQ(parsed->username, "dev") << value;
        EXPECT_EQ(parsed->mac, "bWFj") << value;
    }
}

TEST(syncml_hmac_header, when_the_header_is_malformed_then_invalid_argument) {
    for (const std::string& value : std::vector<std::string>{
             "", "username=dev", "mac=bWFj", "username=\"\", mac=bWFj", "username=\"dev, mac=bWFj", "username dev, mac=bWFj",
          "username=dev, mac=not base64!", "username=dev, mac=bWFj, mac=bWFj", "algorithm=SHA-256, username=dev, mac=bWFj",
          "username=\"dev\" mac=bWFj", "username=dev, mac=" + std::string(1100, 'A')}) {
        auto parsed = parse_hmac_header(value);
        ASSERT_FALSE(parsed) << value;
        EXPECT_EQ(parsed.err().code, errc::invalid_argument) << value;
    }
}

} // namespace
} // namespace mcprov::syncml
