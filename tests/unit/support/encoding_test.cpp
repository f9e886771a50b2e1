#include <gtest/gtest.h>

#include "mcprov/support/encoding.hpp"

namespace mcprov::support {
namespace {

TEST(encoding, when_hex_is_decoded_then_it_gives_back_what_was_encoded) {
    std::string all;
    for (int c = 0; c < 256; ++c) {
        all += static_cast<char>(c);
    }
    EXPECT_EQ(hex_decode(hex_encode(all)), all);
    EXPECT_EQ(hex_decode("00FFaB"), std::string("\x00\xff\xab", 3));
    EXPECT_EQ(hex_decode(""), std::string());
}

TEST(encoding, when_hex_has_an_odd_length_or_a_foreign_character_then_it_is_refused) {
    EXPECT_FALSE(hex_decode("abc"));
    EXPECT_FALSE(hex_decode("0g"));
    EXPECT_FALSE(hex_decode("0 "));
    EXPECT_FALSE(hex_decode("-1"));
}

TEST(encoding, when_base64_is_encoded_then_it_matches_rfc_4648_test_vectors) {
    // RFC 4648 section 10.
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
    EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
    EXPECT_EQ(base64_decode("Zm9vYmE="), "fooba");
    EXPECT_EQ(base64_decode("+/8="), "\xfb\xff");
}

TEST(encoding, when_base64_lacks_padding_or_has_foreign_characters_then_it_is_refused) {
    EXPECT_FALSE(base64_decode("Zm9vYmE"));
    EXPECT_FALSE(base64_decode("Zm9v YmE="));
    EXPECT_FALSE(base64_decode("-_8="));
    EXPECT_FALSE(base64_decode("Zh=="));
    EXPECT_FALSE(base64_decode("Z==="));
}

} // namespace
} // namespace mcprov::support
