#include <gtest/gtest.h>

#include "mcprov/gba/key_derivation.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::gba {
namespace {

TEST(key_derivation, when_an_imsi_has_a_two_digit_mnc_then_the_impi_pads_it_to_three) {
    EXPECT_EQ(impi_of_imsi("234150999999999", 2).value(), "234150999999999@ims.mnc015.mcc234.3gppnetwork.org");
    EXPECT_EQ(impi_of_imsi("310150123456789", 3).value(), "310150123456789@ims.mnc150.mcc310.3gppnetwork.org");
    EXPECT_FALSE(impi_of_imsi("23415", 2).has_value());
    EXPECT_FALSE(impi_of_imsi("234150999999999", 4).has_value());
}

TEST(key_derivation, when_an_impi_is_read_then_its_imsi_must_match_its_realm) {
    EXPECT_EQ(imsi_of_impi("234150999999999@ims.mnc015.mcc234.3gppnetwork.org").value(), "234150999999999");
    EXPECT_EQ(imsi_of_impi("310150123456789@ims.mnc150.mcc310.3gppnetwork.org").value(), "310150123456789");
    EXPECT_FALSE(imsi_of_impi("234150999999999@ims.mnc016.mcc234.3gppnetwork.org").has_value());
    EXPECT_FALSE(imsi_of_impi("alice@example.org").has_value());
    EXPECT_FALSE(imsi_of_impi("234150999999999").has_value());
}

TEST(key_derivation, when_the_kdf_input_changes_anywhere_then_the_key_changes) {
    const std::string ks(32, '\x01'), rand(16, '\x02');
    const auto naf = naf_id("dms.example.org", ua_protocol::http_digest);
    EXPECT_EQ(naf.size(), std::string("dms.example.org").size() + 5);
    const auto base = ks_naf(ks, rand, "impi", naf);
    EXPECT_EQ(base.size(), 32u);
    EXPECT_NE(ks_naf(ks, rand, "impj", naf), base);
    EXPECT_NE(ks_naf(ks, std::string(16, '\x03'), "impi", naf), base);
    EXPECT_NE(ks_naf(ks, rand, "impi", naf_id("dms.example.net", ua_protocol::http_digest)), base);
    // The lengths keep parameters apart: moving an octet from one to the next is another input.
    EXPECT_NE(kdf(ks, 1, {"ab", "c"}), kdf(ks, 1, {"a", "bc"}));
}

TEST(key_derivation, when_a_btid_is_made_then_it_is_base64_rand_at_the_bsf) {
    EXPECT_EQ(btid(std::string(16, '\0'), "bsf.example.org"), "AAAAAAAAAAAAAAAAAAAAAA==@bsf.example.org");
}

} // namespace
} // namespace mcprov::gba
