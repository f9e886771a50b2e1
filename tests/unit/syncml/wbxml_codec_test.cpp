#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mcprov/support/encoding.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/syncml/message.hpp"

namespace mcprov::syncml {
namespace {

using support::errc;

message package1() {
    return decode_xml(support::read_file(MCPROV_TEST_DATA "/syncml/package1_md5.xml").value()).value();
}

// WBXML bytes from hex, spaces allowed.
std::string bytes(std::string_view hex) {
    std::string compact;
    for (char c : hex) {
        if (c != ' ') {
            compact += c;
        }
    }
    return support::hex_decode(compact).value();
}

TEST(syncml_wbxml, when_a_message_is_encoded_then_it_decodes_to_the_same) {
    const auto m = package1();
    auto encoded = encode_wbxml(m);
    ASSERT_TRUE(encoded) << encoded.err().message;
    auto back = decode_wbxml(*encoded);
    ASSERT_TRUE(back) << back.err().message;
    EXPECT_EQ(*back, m);
    EXPECT_LT(encoded->size(), encode_xml(m)->size() / 2) << "WBXML is the compact one";
}

TEST(syncml_wbxml, when_encoded_then_the_header_and_tokens_are_syncml_12s) {
    message m;
    m.header.session_id = "1";
    m.header.msg_id = "1";
    m.header.target = "t";
    m.header.source = "s";
    m.header.meta.max_msg_size = 5;
    m.final = true;
    EXPECT_EQ(support::hex_encode(encode_wbxml(m).value()),
              "02a4016a00"                       // WBXML 1.2, public id 0x1201, UTF-8, no string table
              "6d6c"                             // <SyncML><SyncHdr>
              "7103312e320001"                   // <VerDTD>1.2</VerDTD>
              "7203444d2f312e320001"             // <VerProto>DM/1.2</VerProto>
              "65033100015b03310001"             // <SessionID>1</SessionID><MsgID>1</MsgID>
              "6e5703740001016757037300010"      // <Target><LocURI>t</LocURI></Target><Source><LocURI>s</LocURI>
              "1"                                // </Source>
              "5a00014c0335000101"               // <Meta> page 1 <MaxMsgSize>5</MaxMsgSize></Meta>
              "01"                               // </SyncHdr>
              "00006b120101");                   // page 0 <SyncBody><Final/></SyncBody></SyncML>
}

TEST(syncml_wbxml, when_data_is_binary_then_it_goes_as_opaque_bytes_and_comes_back_exactly) {
    auto m = package1();
    const std::string blob("\x00\xff]]><&\r\n\x01", 10);
    m.commands[1].items[0].meta.format = "bin";
    m.commands[1].items[0].data = blob;
    m.commands[1].items[1].data = "line one\nline two\r\n";
    auto encoded = encode_wbxml(m).value();
    EXPECT_NE(encoded.find(std::string("\xc3\x0a", 2) + blob), std::string::npos) << "OPAQUE, length 10, the bytes";
    auto back = decode_wbxml(encoded);
    ASSERT_TRUE(back) << back.err().message;
    EXPECT_EQ(back->commands[1].items[0].data, blob);
    EXPECT_EQ(back->commands[1].items[1].data, "line one\nline two\r\n") << "no line ending is rewritten";
    EXPECT_FALSE(encode_xml(*back)) << "XML cannot carry NUL: refused, not changed";
}

TEST(syncml_wbxml, when_strings_come_from_the_string_table_or_as_entities_then_they_are_read) {
    // <SyncML><SyncHdr>... with VerDTD from the string table, VerProto split into an inline string and an entity.
    auto m = decode_wbxml(bytes("02 a401 6a 06 312e3200 7800"          // table: "1.2\0x\0"
                                "6d6c 71 8300 01"                       // <VerDTD> STR_T 0 </VerDTD>
                                "72 03444d2f3100 0232 01"              // <VerProto>"DM/1", entity U+0032
                                "65 033100 01 5b 033100 01"
                                "6e 57 8304 01 01 67 57 037300 01 01"  // Target LocURI "x" from the table
                                "01 6b 12 01 01"));
    ASSERT_TRUE(m) << m.err().message;
    EXPECT_EQ(m->header.ver_dtd, "1.2");
    EXPECT_EQ(m->header.ver_proto, "DM/12");
    EXPECT_EQ(m->header.target, "x");
    EXPECT_TRUE(m->final);
}

TEST(syncml_wbxml, when_the_bytes_are_not_syncml_12_wbxml_then_they_are_refused_naming_why) {
    const auto good = encode_wbxml(package1()).value();
    struct bad_case {
        std::string wbxml;
        std::string words;
    };
    std::vector<bad_case> cases = {
        {"", "ends early"},
        {bytes("02 9f53 6a 00 6d01"), "not SyncML 1.2's"},         // SyncML 1.1's public id
        {bytes("02 a401 04 00 6d01"), "not UTF-8"},                 // charset ISO-8859-1
        {bytes("09 a401 6a 00 6d01"), "not 1.1 to 1.3"},
        {bytes("02 a401 6a 00 0002 6d01"), "code page 2"},
        {bytes("02 a401 6a 00 ed 01 01"), "no attributes"},          // SyncML with the attribute bit
        {bytes("02 a401 6a 00 7f 01"), "unknown tag token"},
        {bytes("02 a401 6a 00 6d 8310 01"), "outside the table"},
        {bytes("02 a401 6a 00 6d 03 41"), "terminating NUL"},
        {bytes("02 a401 6a 00 6d c3 90 80 80 80 00"), "over 32 bits"},
        {bytes("02 a401 6a 00 6d c3 20 41"), "longer than the message"},
        {bytes("02 a401 6a 00 6d 02 00 01"), "no Unicode character"},
        {bytes("02 a401 6a 00 6d 44 01"), "not used by SyncML"},    // LITERAL with content
        {bytes("02 a401 6a 00 6d 01 00"), "after the SyncML element"},
        {good.substr(0, good.size() - 3), "ends early"},
    };
    for (const auto& c : cases) {
        auto m = decode_wbxml(c.wbxml);
        ASSERT_FALSE(m) << support::hex_encode(c.wbxml);
        EXPECT_EQ(m.err().code, errc::invalid_argument) << m.err().message;
        EXPECT_NE(m.err().message.find(c.words), std::string::npos) << m.err().message;
    }
}

TEST(syncml_wbxml, when_the_elements_nest_too_deep_or_the_message_is_too_big_then_too_large) {
    std::string deep = bytes("02 a401 6a 00 6d 6b");
    for (int i = 0; i < 40; ++i) {
        deep += '\x48'; // <Atomic> with content
    }
    auto nested = decode_wbxml(deep);
    ASSERT_FALSE(nested);
    EXPECT_EQ(nested.err().code, errc::too_large) << nested.err().message;
    const auto good = encode_wbxml(package1()).value();
    auto big = decode_wbxml(good, {.max_bytes = good.size() - 1});
    ASSERT_FALSE(big);
    EXPECT_EQ(big.err().code, errc::too_large);
}

} // namespace
} // namespace mcprov::syncml
