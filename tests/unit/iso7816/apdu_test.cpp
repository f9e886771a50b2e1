#include <gtest/gtest.h>

#include <mcprov/iso7816/apdu.hpp>
#include <mcprov/iso7816/tlv.hpp>
#include <mcprov/iso7816/usim_codings.hpp>
#include <mcprov/support/encoding.hpp>

namespace mcprov::iso7816 {
namespace {

std::string unhex(std::string_view h) {
    return *support::hex_decode(h);
}

TEST(parse_command, when_each_case_then_lc_and_le_are_read) {
    EXPECT_EQ(parse_command(unhex("00a40000"))->data, "");
    EXPECT_EQ(parse_command(unhex("00b0000000"))->le, 256);
    const auto case3 = parse_command(unhex("00a4000c023f00"));
    EXPECT_EQ(case3->data, unhex("3f00"));
    EXPECT_FALSE(case3->le.has_value());
    const auto case4 = parse_command(unhex("00a40004023f0010"));
    EXPECT_EQ(case4->le, 16);
    EXPECT_EQ(encode(*case4), unhex("00a40004023f0010"));
}

TEST(parse_command, when_lc_disagrees_or_extended_or_short_then_invalid) {
    EXPECT_FALSE(parse_command(unhex("00a400")).has_value());
    EXPECT_FALSE(parse_command(unhex("00a40000053f00")).has_value());
    EXPECT_FALSE(parse_command(unhex("00b00000000100")).has_value());
}

TEST(parse_tlvs, when_nested_and_padded_then_objects_are_read_and_truncation_is_refused) {
    const auto objects = parse_tlvs(unhex("6203830101ffff8a0105"));
    ASSERT_TRUE(objects.has_value());
    ASSERT_EQ(objects->size(), 2u);
    EXPECT_TRUE((*objects)[0].constructed());
    EXPECT_EQ(find(*objects, 0x8a), unhex("05"));
    EXPECT_FALSE(parse_tlvs(unhex("6205830101")).has_value());
    EXPECT_FALSE(parse_tlvs(unhex("628400000001")).has_value());
    EXPECT_FALSE(parse_tlvs(unhex("6280")).has_value());
    EXPECT_FALSE(parse_tlvs(unhex("9f")).has_value());
    const auto long_form = parse_tlvs(encode_tlv(0x9f70, std::string(300, 'x')));
    ASSERT_TRUE(long_form.has_value());
    EXPECT_EQ((*long_form)[0].tag, 0x9f70u);
    EXPECT_EQ((*long_form)[0].value.size(), 300u);
}

TEST(usim_codings, when_imsi_and_iccid_encoded_then_ts_31_102_bytes_and_back) {
    EXPECT_EQ(support::hex_encode(encode_imsi("001010000000017")), "080910100000000071");
    EXPECT_EQ(*decode_imsi(encode_imsi("001010000000017")), "001010000000017");
    EXPECT_EQ(*decode_imsi(encode_imsi("26201123456789")), "26201123456789");
    EXPECT_EQ(support::hex_encode(encode_iccid("8949000000000000017")), "989400000000000010f7");
    EXPECT_EQ(*decode_iccid(encode_iccid("8949000000000000017")), "8949000000000000017");
}

TEST(usim_codings, when_imsi_or_iccid_malformed_then_invalid) {
    EXPECT_FALSE(decode_imsi(unhex("0909101000000000")).has_value());
    EXPECT_FALSE(decode_imsi(unhex("08a910100000000071")).has_value());
    EXPECT_FALSE(decode_imsi(unhex("ffffffffffffffffff")).has_value());
    EXPECT_FALSE(decode_iccid(unhex("98a4000000000000")).has_value());
}

TEST(usim_codings, when_authenticate_answer_truncated_or_unknown_tag_then_invalid) {
    EXPECT_FALSE(decode_authenticate_answer(unhex("db08aabb")).has_value());
    EXPECT_FALSE(decode_authenticate_answer(unhex("dd00")).has_value());
    EXPECT_FALSE(decode_authenticate_answer(unhex("dc0300")).has_value());
    EXPECT_FALSE(decode_authenticate_answer("").has_value());
}

} // namespace
} // namespace mcprov::iso7816
