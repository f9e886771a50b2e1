#include <gtest/gtest.h>

#include <mcprov/iso7816/tlv.hpp>
#include <mcprov/iso7816/usim_codings.hpp>
#include <mcprov/support/encoding.hpp>
#include <mcprov/uicc/card_description.hpp>
#include <mcprov/uicc/uicc.hpp>

namespace mcprov::uicc {
namespace {

using iso7816::command_apdu;
namespace sw = iso7816::sw;

std::string unhex(std::string_view h) {
    return *support::hex_decode(h);
}

const std::string k = unhex("000102030405060708090a0b0c0d0e0f");
const std::string opc = unhex("0f0e0d0c0b0a09080706050403020100");

card_image test_card() {
    auto image = build_card(R"(
[card]
iccid = "8949000000000000017"
imsi = "001010000000017"
k = "000102030405060708090a0b0c0d0e0f"
opc = "0f0e0d0c0b0a09080706050403020100"
pin = "1234"
puk = "12345678"
)",
                            "card.toml", ".");
    EXPECT_TRUE(image.has_value()) << image.err().message;
    return *image;
}

command_apdu select_aid(std::string_view aid) {
    return {.cla = 0, .ins = 0xa4, .p1 = 0x04, .p2 = 0x04, .data = std::string(aid), .le = std::nullopt};
}
command_apdu select_fid(std::string_view fid_hex, std::uint8_t p2 = 0x04) {
    return {.cla = 0, .ins = 0xa4, .p1 = 0x00, .p2 = p2, .data = unhex(fid_hex), .le = std::nullopt};
}
command_apdu read_binary(std::uint16_t le) {
    return {.cla = 0, .ins = 0xb0, .p1 = 0, .p2 = 0, .data = {}, .le = le};
}
command_apdu verify(std::string_view digits) {
    return {.cla = 0, .ins = 0x20, .p1 = 0, .p2 = 0x01, .data = iso7816::pin_block(digits), .le = std::nullopt};
}

TEST(uicc, when_ef_selected_without_le_then_61xx_and_get_response_returns_the_fcp) {
    uicc card(test_card());
    const auto selected = card.process(select_fid("2fe2"));
    ASSERT_EQ(selected.sw1(), 0x61);
    const auto fcp = card.process({.cla = 0, .ins = 0xc0, .p1 = 0, .p2 = 0, .data = {}, .le = selected.sw2()});
    ASSERT_EQ(fcp.sw, sw::ok);
    const auto outer = iso7816::parse_tlvs(fcp.data);
    ASSERT_TRUE(outer.has_value());
    const auto body = iso7816::parse_tlvs(*iso7816::find(*outer, 0x62));
    EXPECT_EQ(iso7816::find(*body, 0x83), unhex("2fe2"));
    EXPECT_EQ(iso7816::find(*body, 0x80), unhex("000a"));
}

TEST(uicc, when_iccid_read_then_no_pin_is_needed_and_it_decodes) {
    uicc card(test_card());
    ASSERT_EQ(card.process(select_fid("2fe2", 0x0c)).sw, sw::ok);
    const auto r = card.process(read_binary(10));
    ASSERT_EQ(r.sw, sw::ok);
    EXPECT_EQ(*iso7816::decode_iccid(r.data), "8949000000000000017");
}

TEST(uicc, when_imsi_read_before_pin_then_security_status_not_satisfied_and_after_pin_it_decodes) {
    uicc card(test_card());
    ASSERT_EQ(card.process(select_aid(iso7816::usim_aid_prefix)).sw1(), 0x61);
    ASSERT_EQ(card.process(select_fid("6f07", 0x0c)).sw, sw::ok);
    EXPECT_EQ(card.process(read_binary(9)).sw, sw::security_not_satisfied);
    ASSERT_EQ(card.process(verify("1234")).sw, sw::ok);
    const auto r = card.process(read_binary(9));
    ASSERT_EQ(r.sw, sw::ok);
    EXPECT_EQ(*iso7816::decode_imsi(r.data), "001010000000017");
}

TEST(uicc, when_pin_wrong_three_times_then_blocked_until_unblocked_with_puk) {
    uicc card(test_card());
    EXPECT_EQ(card.process(verify("0000")).sw, 0x63c2);
    EXPECT_EQ(card.process(verify("0000")).sw, 0x63c1);
    EXPECT_EQ(card.process(verify("0000")).sw, 0x63c0);
    EXPECT_EQ(card.process(verify("1234")).sw, sw::pin_blocked);
    EXPECT_EQ(card.image().pin.tries_left, 0u);
    EXPECT_TRUE(card.changed());

    command_apdu unblock{.cla = 0, .ins = 0x2c, .p1 = 0, .p2 = 0x01,
                         .data = iso7816::pin_block("12345678") + iso7816::pin_block("4321"), .le = std::nullopt};
    EXPECT_EQ(card.process(unblock).sw, sw::ok);
    card.reset();
    EXPECT_EQ(card.process(verify("4321")).sw, sw::ok);
}

TEST(uicc, when_card_reset_then_pin_must_be_verified_again) {
    uicc card(test_card());
    ASSERT_EQ(card.process(verify("1234")).sw, sw::ok);
    card.reset();
    EXPECT_EQ(card.process({.cla = 0, .ins = 0x20, .p1 = 0, .p2 = 0x01, .data = {}, .le = std::nullopt}).sw, 0x63c3);
}

TEST(uicc, when_authenticate_with_network_vector_then_db_with_res_ck_ik_and_kc) {
    uicc card(test_card());
    const auto f = *aka::milenage::create(k, opc);
    const auto av = aka::make_authentication_vector(f, unhex("00112233445566778899aabbccddeeff"), 33, unhex("8000"));
    ASSERT_EQ(card.process(select_aid(iso7816::usim_aid_prefix)).sw1(), 0x61);
    auto command = iso7816::authenticate_command(av.rand, av.autn);
    EXPECT_EQ(card.process(command).sw, sw::security_not_satisfied);
    ASSERT_EQ(card.process(verify("1234")).sw, sw::ok);
    const auto r = card.process(command);
    ASSERT_EQ(r.sw, sw::ok);
    const auto answer = iso7816::decode_authenticate_answer(r.data);
    ASSERT_TRUE(answer.has_value()) << answer.err().message;
    EXPECT_EQ(answer->res, av.xres);
    EXPECT_EQ(answer->ck, av.ck);
    EXPECT_EQ(answer->ik, av.ik);
    EXPECT_EQ(card.image().sqn.highest_sqn, 33u);

    // The same vector again is a replay: synchronisation failure with AUTS.
    const auto again = card.process(command);
    ASSERT_EQ(again.sw, sw::ok);
    const auto resync = iso7816::decode_authenticate_answer(again.data);
    ASSERT_TRUE(resync.has_value());
    EXPECT_EQ(resync->result, iso7816::authenticate_answer::outcome::synchronisation_failure);
    EXPECT_EQ(*aka::sqn_from_auts(f, av.rand, resync->auts), 33u);
}

TEST(uicc, when_autn_from_another_key_then_9862) {
    uicc card(test_card());
    const auto other = *aka::milenage::create(unhex("ffffffffffffffffffffffffffffffff"), opc);
    const auto av = aka::make_authentication_vector(other, unhex("00112233445566778899aabbccddeeff"), 33, unhex("8000"));
    ASSERT_EQ(card.process(select_aid(iso7816::usim_aid_prefix)).sw1(), 0x61);
    ASSERT_EQ(card.process(verify("1234")).sw, sw::ok);
    EXPECT_EQ(card.process(iso7816::authenticate_command(av.rand, av.autn)).sw, sw::authentication_error);
}

TEST(uicc, when_authenticate_outside_the_usim_then_conditions_not_satisfied) {
    uicc card(test_card());
    EXPECT_EQ(card.process(iso7816::authenticate_command(std::string(16, '\0'), std::string(16, '\0'))).sw,
              sw::conditions_not_satisfied);
}

TEST(uicc, when_ef_dir_read_by_sfi_then_usim_and_pkcs15_applications_are_listed) {
    uicc card(test_card());
    const auto first = card.process({.cla = 0, .ins = 0xb2, .p1 = 1, .p2 = (0x1e << 3) | 0x04, .data = {}, .le = 256});
    ASSERT_EQ(first.sw, sw::ok);
    EXPECT_TRUE(iso7816::decode_dir_record(first.data)->aid.starts_with(iso7816::usim_aid_prefix));
    const auto second = card.process({.cla = 0, .ins = 0xb2, .p1 = 2, .p2 = 0x04, .data = {}, .le = 256});
    ASSERT_EQ(second.sw, sw::ok);
    EXPECT_EQ(iso7816::decode_dir_record(second.data)->aid, iso7816::pkcs15_aid);
    EXPECT_EQ(card.process({.cla = 0, .ins = 0xb2, .p1 = 3, .p2 = 0x04, .data = {}, .le = 256}).sw,
              sw::record_not_found);
}

TEST(uicc, when_selected_by_path_then_the_ef_under_df_telecom_is_found) {
    uicc card(test_card());
    EXPECT_EQ(card.process({.cla = 0, .ins = 0xa4, .p1 = 0x08, .p2 = 0x0c, .data = unhex("7f105f3d4f01"),
                            .le = std::nullopt})
                  .sw,
              sw::ok);
    EXPECT_EQ(card.process({.cla = 0, .ins = 0xa4, .p1 = 0x08, .p2 = 0x0c, .data = unhex("7f105f3d4f09"),
                            .le = std::nullopt})
                  .sw,
              sw::file_not_found);
}

TEST(uicc, when_update_binary_on_updatable_file_then_changed_and_read_back) {
    auto image = test_card();
    image.files.push_back({.path = "3f00/6f99", .kind = file_kind::transparent, .aid = {}, .sfi = std::nullopt,
                           .read = access::always, .update = access::pin, .data = std::string(4, '\0'),
                           .record_size = 0, .records = {}});
    uicc card(image);
    ASSERT_EQ(card.process(select_fid("6f99", 0x0c)).sw, sw::ok);
    const command_apdu update{.cla = 0, .ins = 0xd6, .p1 = 0, .p2 = 1, .data = "ab", .le = std::nullopt};
    EXPECT_EQ(card.process(update).sw, sw::security_not_satisfied);
    ASSERT_EQ(card.process(verify("1234")).sw, sw::ok);
    EXPECT_EQ(card.process(update).sw, sw::ok);
    EXPECT_TRUE(card.changed());
    EXPECT_EQ(card.process(read_binary(4)).data, std::string("\0ab\0", 4));
    EXPECT_EQ(card.process({.cla = 0, .ins = 0xd6, .p1 = 0, .p2 = 3, .data = "ab", .le = std::nullopt}).sw,
              sw::wrong_length);
}

TEST(uicc, when_unknown_instruction_or_class_then_refused_without_state_change) {
    uicc card(test_card());
    EXPECT_EQ(card.process({.cla = 0, .ins = 0x12, .p1 = 0, .p2 = 0, .data = {}, .le = std::nullopt}).sw,
              sw::ins_not_supported);
    EXPECT_EQ(card.process({.cla = 0xa0, .ins = 0xa4, .p1 = 0, .p2 = 0, .data = {}, .le = std::nullopt}).sw,
              sw::cla_not_supported);
    EXPECT_FALSE(card.changed());
}

TEST(card_image, when_saved_as_json_then_read_back_identical) {
    const auto image = test_card();
    const auto back = card_image_from_json(to_json(image));
    ASSERT_TRUE(back.has_value()) << back.err().message;
    EXPECT_EQ(to_json(*back), to_json(image));
}

TEST(card_image, when_file_path_or_key_is_wrong_then_the_error_names_it) {
    auto json = to_json(test_card());
    const auto bad_path = card_image_from_json(std::string(json).replace(json.find("3f00/2fe2"), 9, "3f00/2FE2"));
    ASSERT_FALSE(bad_path.has_value());
    EXPECT_NE(bad_path.err().message.find("3f00/2FE2"), std::string::npos);
    EXPECT_FALSE(card_image_from_json("[]").has_value());
    EXPECT_FALSE(card_image_from_json("{\"format\":\"mcprov-card/1\"}").has_value());
}

} // namespace
} // namespace mcprov::uicc
