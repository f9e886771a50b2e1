#include <cstdlib>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <wbxml/wbxml.h>

#include "mcprov/support/file.hpp"
#include "mcprov/syncml/message.hpp"

// The WBXML codec against an independent implementation: libwbxml2 (Debian's libwbxml2-dev) encodes what mcprov
// decodes, and decodes what mcprov encodes. Data without line breaks: libwbxml2 rewrites LF as CR LF in Add and
// Replace data, which is why mcprov does not use it.
namespace mcprov::syncml {
namespace {

std::string read(const std::string& name) {
    return support::read_file(MCPROV_TEST_DATA "/syncml/" + name).value();
}

std::string libwbxml_encode(const std::string& xml) {
    WBXMLConvXML2WBXML* conv = nullptr;
    EXPECT_EQ(wbxml_conv_xml2wbxml_create(&conv), WBXML_OK);
    wbxml_conv_xml2wbxml_set_version(conv, WBXML_VERSION_12);
    WB_UTINY* out = nullptr;
    WB_ULONG length = 0;
    auto ran = wbxml_conv_xml2wbxml_run(conv, reinterpret_cast<WB_UTINY*>(const_cast<char*>(xml.data())),
                                        static_cast<WB_ULONG>(xml.size()), &out, &length);
    wbxml_conv_xml2wbxml_destroy(conv);
    EXPECT_EQ(ran, WBXML_OK) << wbxml_errors_string(ran);
    std::string bytes(reinterpret_cast<const char*>(out), length);
    std::free(out);
    return bytes;
}

std::string libwbxml_decode(const std::string& wbxml) {
    WBXMLConvWBXML2XML* conv = nullptr;
    EXPECT_EQ(wbxml_conv_wbxml2xml_create(&conv), WBXML_OK);
    wbxml_conv_wbxml2xml_set_gen_type(conv, WBXML_GEN_XML_COMPACT);
    WB_UTINY* out = nullptr;
    WB_ULONG length = 0;
    auto ran = wbxml_conv_wbxml2xml_run(conv, reinterpret_cast<WB_UTINY*>(const_cast<char*>(wbxml.data())),
                                        static_cast<WB_ULONG>(wbxml.size()), &out, &length);
    wbxml_conv_wbxml2xml_destroy(conv);
    EXPECT_EQ(ran, WBXML_OK) << wbxml_errors_string(ran);
    std::string xml(reinterpret_cast<const char*>(out), length);
    std::free(out);
    return xml;
}

TEST(syncml_wbxml_interop, when_libwbxml_encodes_a_client_package_then_mcprov_decodes_the_same_message) {
    const auto xml = read("package1_md5.xml");
    const auto wbxml = libwbxml_encode(xml); // with a string table: STR_T references
    ASSERT_FALSE(wbxml.empty());
    auto from_wbxml = decode_wbxml(wbxml);
    ASSERT_TRUE(from_wbxml) << from_wbxml.err().message;
    EXPECT_EQ(*from_wbxml, decode_xml(xml).value());
}

TEST(syncml_wbxml_interop, when_mcprov_encodes_a_server_package_then_libwbxml_decodes_the_same_message) {
    message m;
    m.header.session_id = "1A";
    m.header.msg_id = "2";
    m.header.target = "IMEI:493005100592800";
    m.header.source = "https://dms.mcx-a.example.org/dm";
    m.header.meta.max_msg_size = 16384;
    command status{.name = command_name::status, .cmd_id = "1"};
    status.msg_ref = "1";
    status.cmd_ref = "0";
    status.cmd = "SyncHdr";
    status.chal = meta{};
    status.chal->type = "syncml:auth-md5";
    status.chal->format = "b64";
    status.chal->next_nonce = "ZG9iZWhhdmUNCg==";
    status.data = "212";
    m.commands.push_back(status);
    command replace{.name = command_name::replace, .cmd_id = "2"};
    replace.meta.format = "chr";
    replace.items.push_back({.target = "./Vendor/MCS/CMS", .data = "https://cms.mcx-a.example.org/xcap"});
    command atomic{.name = command_name::atomic, .cmd_id = "3", .commands = {replace}};
    m.commands.push_back(atomic);
    command alert{.name = command_name::alert, .cmd_id = "4", .data = "1101"};
    alert.items = {{.data = "MAXDT=30"}, {.data = "Install now?"}};
    m.commands.push_back(alert);
    m.final = true;

    const auto xml = libwbxml_decode(encode_wbxml(m).value());
    auto from_xml = decode_xml(xml); // with libwbxml's SyncML 1.2 DOCTYPE
    ASSERT_TRUE(from_xml) << from_xml.err().message << "\n" << xml;
    EXPECT_EQ(*from_xml, m) << xml;
}

} // namespace
} // namespace mcprov::syncml
