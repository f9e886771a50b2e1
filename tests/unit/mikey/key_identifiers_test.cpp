#include <gtest/gtest.h>

#include <string>

#include "mcprov/mikey/key_identifiers.hpp"

namespace mcprov::mikey {
namespace {

using support::errc;

const std::string gmk(16, '\x5a');

TEST(mikey_key_identifiers, when_a_key_id_is_read_then_its_top_four_bits_are_the_purpose) {
    EXPECT_EQ(purpose_tag(0x0df9bc39), key_purpose::gmk);
    EXPECT_EQ(purpose_tag(0x16992638), key_purpose::pck);
    EXPECT_EQ(purpose_tag(0x2ddd5bf0), key_purpose::csk);
    EXPECT_EQ(purpose_tag(0xFFFFFFFF), 15);
}

TEST(mikey_key_identifiers, when_a_guk_id_is_made_then_the_gmk_id_comes_back_with_its_purpose_kept) {
    for (std::uint32_t gmk_id : {0x00000000u, 0x0df9bc39u, 0x0FFFFFFFu}) {
        auto guk = guk_id_of(gmk_id, gmk, "sip:alice@example.org");
        ASSERT_TRUE(guk) << guk.err().message;
        EXPECT_EQ(purpose_tag(*guk), key_purpose::gmk);
        auto back = gmk_id_of(*guk, gmk, "sip:alice@example.org");
        ASSERT_TRUE(back) << back.err().message;
        EXPECT_EQ(*back, gmk_id);
    }
    auto salt = guk_id_salt(gmk, "sip:alice@example.org");
    ASSERT_TRUE(salt);
    EXPECT_EQ(*salt >> 28, 0u) << "28 bits";
}

TEST(mikey_key_identifiers, when_the_receiver_or_the_gmk_differs_then_so_does_the_salt) {
    const auto alice = *guk_id_salt(gmk, "sip:alice@example.org");
    EXPECT_NE(alice, *guk_id_salt(gmk, "sip:bob@example.org"));
    EXPECT_NE(alice, *guk_id_salt(std::string(16, '\x5b'), "sip:alice@example.org"));
}

TEST(mikey_key_identifiers, when_the_gmk_or_the_uri_is_empty_or_the_uri_too_long_then_invalid_argument) {
    EXPECT_EQ(guk_id_salt("", "sip:alice@example.org").err().code, errc::invalid_argument);
    EXPECT_EQ(guk_id_salt(gmk, "").err().code, errc::invalid_argument);
    EXPECT_EQ(guk_id_of(1, gmk, std::string(0x10000, 'u')).err().code, errc::invalid_argument);
    EXPECT_TRUE(guk_id_of(1, gmk, std::string(0xFFFF, 'u')));
}

} // namespace
} // namespace mcprov::mikey
