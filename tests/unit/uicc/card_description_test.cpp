#include <gtest/gtest.h>

#include <mcprov/iso7816/tlv.hpp>
#include <mcprov/iso7816/usim_codings.hpp>
#include <mcprov/uicc/card_description.hpp>

#include "../temp_dir.hpp"

#include <fstream>

namespace mcprov::uicc {
namespace {

const card_file* file(const card_image& image, std::string_view path) {
    for (const auto& f : image.files)
        if (f.path == path)
            return &f;
    return nullptr;
}

constexpr std::string_view base = R"(
[card]
iccid = "8949000000000000017"
imsi = "001010000000017"
k = "000102030405060708090a0b0c0d0e0f"
pin = "1234"
puk = "12345678"
)";

TEST(build_card, when_op_given_then_opc_is_derived) {
    const auto image = build_card(std::string(base) + "op = \"cdc202d5123e20f62b6d676ac72cb318\"\n", "c.toml", ".");
    ASSERT_TRUE(image.has_value()) << image.err().message;
    EXPECT_EQ(image->opc.size(), 16u);
}

TEST(build_card, when_neither_or_both_of_op_and_opc_then_refused) {
    EXPECT_FALSE(build_card(base, "c.toml", ".").has_value());
    const auto both = build_card(std::string(base) + "op = \"cdc202d5123e20f62b6d676ac72cb318\"\nopc = "
                                                     "\"cdc202d5123e20f62b6d676ac72cb318\"\n",
                                 "c.toml", ".");
    ASSERT_FALSE(both.has_value());
    EXPECT_NE(both.err().message.find("exactly one"), std::string::npos);
}

TEST(build_card, when_key_misspelt_or_imsi_not_digits_then_the_error_names_it) {
    const auto misspelt = build_card(std::string(base) + "opc = \"cdc202d5123e20f62b6d676ac72cb318\"\nimis = \"1\"\n",
                                     "c.toml", ".");
    ASSERT_FALSE(misspelt.has_value());
    EXPECT_NE(misspelt.err().message.find("imis"), std::string::npos);
    const auto letters = build_card(R"(
[card]
iccid = "8949000000000000017"
imsi = "00101abc"
k = "000102030405060708090a0b0c0d0e0f"
opc = "000102030405060708090a0b0c0d0e0f"
pin = "1234"
puk = "12345678"
)",
                                    "c.toml", ".");
    ASSERT_FALSE(letters.has_value());
    EXPECT_NE(letters.err().message.find("imsi"), std::string::npos);
}

TEST(build_card, when_mcs_documents_and_bootstrap_given_then_df_mcs_and_pkcs15_hold_them) {
    testing::temp_dir dir;
    std::ofstream(dir.path() / "ue.xml") << "<mcptt-UE-configuration/>";
    std::ofstream(dir.path() / "bootstrap.xml")
        << R"(<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>)"
           R"(<SessionID>0</SessionID><MsgID>1</MsgID><Target><LocURI>IMEI:1</LocURI></Target>)"
           R"(<Source><LocURI>operator</LocURI></Source></SyncHdr><SyncBody><Add><CmdID>1</CmdID><Item>)"
           R"(<Target><LocURI>./DMAcc/op/ServerID</LocURI></Target><Data>operator</Data></Item></Add>)"
           R"(<Final/></SyncBody></SyncML>)";
    const auto image = build_card(std::string(base) + R"(opc = "0f0e0d0c0b0a09080706050403020100"
[mcs]
mcptt_ue_configuration = "ue.xml"
[dm_bootstrap]
message = "bootstrap.xml"
)",
                                  "c.toml", dir.path());
    ASSERT_TRUE(image.has_value()) << image.err().message;
    const auto* mst = file(*image, "3f00/7f10/5f3d/4f01");
    ASSERT_NE(mst, nullptr);
    EXPECT_EQ(mst->data, std::string("\x00\x01\x00", 3)); // XML coding, service 1 only
    const auto* config = file(*image, "3f00/7f10/5f3d/4f02");
    ASSERT_NE(config, nullptr);
    const auto objects = iso7816::parse_tlvs(config->data);
    ASSERT_TRUE(objects.has_value());
    EXPECT_EQ(iso7816::find(*objects, 0x80), "<mcptt-UE-configuration/>");

    const auto* bootstrap = file(*image, "3f00/7ff1/" + std::string(dm_bootstrap_fid));
    ASSERT_NE(bootstrap, nullptr);
    EXPECT_EQ(bootstrap->data.substr(0, 2), std::string("\x02\xa4", 2)); // WBXML 1.2, SyncML 1.2
    const auto* dodf = file(*image, "3f00/7ff1/" + std::string(dodf_fid));
    ASSERT_NE(dodf, nullptr);
    EXPECT_NE(dodf->data.find(iso7816::dm_bootstrap_oid), std::string::npos);
}

TEST(build_card, when_bootstrap_message_is_not_syncml_then_refused_with_its_key) {
    testing::temp_dir dir;
    std::ofstream(dir.path() / "bootstrap.xml") << "<html/>";
    const auto image = build_card(std::string(base) + "opc = \"0f0e0d0c0b0a09080706050403020100\"\n"
                                                      "[dm_bootstrap]\nmessage = \"bootstrap.xml\"\n",
                                  "c.toml", dir.path());
    ASSERT_FALSE(image.has_value());
    EXPECT_NE(image.err().message.find("dm_bootstrap.message"), std::string::npos);
}

} // namespace
} // namespace mcprov::uicc
