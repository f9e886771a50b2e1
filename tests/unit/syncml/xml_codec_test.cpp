#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mcprov/support/file.hpp"
#include "mcprov/syncml/credentials.hpp"
#include "mcprov/syncml/message.hpp"

namespace mcprov::syncml {
namespace {

using support::errc;

std::string read(const std::string& name) {
    return support::read_file(MCPROV_TEST_DATA "/syncml/" + name).value();
}

// A server's package 2: every command DM uses, nested ones and a challenge included.
message package2() {
    message m;
    m.header.session_id = "1A";
    m.header.msg_id = "1";
    m.header.target = "IMEI:493005100592800";
    m.header.source = "https://dms.mcx-a.example.org/dm";
    m.header.source_name = "dms.mcx-a.example.org";
    m.header.resp_uri = "https://dms.mcx-a.example.org/dm?s=1A";
    m.header.cred = credential{{.format = "b64", .type = std::string(auth_md5)}, "kHLLLSPq49co1xndU6F2HQ=="};
    m.header.meta.max_msg_size = 16384;

    command status{.name = command_name::status, .cmd_id = "1"};
    status.msg_ref = "1";
    status.cmd_ref = "0";
    status.cmd = "SyncHdr";
    status.target_refs = {"https://dms.mcx-a.example.org/dm"};
    status.source_refs = {"IMEI:493005100592800"};
    status.chal = meta{.format = "b64", .type = std::string(auth_md5), .next_nonce = "ZG9iZWhhdmUNCg=="};
    status.data = "212";
    m.commands.push_back(status);

    command replace{.name = command_name::replace, .cmd_id = "3"};
    replace.meta.format = "int";
    replace.items.push_back({.target = "./Vendor/Timeout", .data = "30"});
    command add{.name = command_name::add, .cmd_id = "5"};
    add.items.push_back({.target = "./Vendor/Blob",
                         .meta = {.format = "b64", .type = "application/octet-stream", .size = 4096},
                         .data = "QUJD",
                         .more_data = true});
    command sequence{.name = command_name::sequence, .cmd_id = "4", .commands = {add}};
    command atomic{.name = command_name::atomic, .cmd_id = "2", .commands = {replace, sequence}};
    m.commands.push_back(atomic);

    command exec{.name = command_name::exec, .cmd_id = "6", .correlator = "job-7"};
    exec.items.push_back({.target = "./FwUpdate/Pkg1/DownloadAndUpdate"});
    m.commands.push_back(exec);
    command alert{.name = command_name::alert, .cmd_id = "7", .data = "1101"};
    alert.items = {{.data = "MINDT=10&MAXDT=30"}, {.data = "Install the update now?"}};
    m.commands.push_back(alert);
    command get{.name = command_name::get, .cmd_id = "8", .no_resp = false};
    get.items.push_back({.target = "./DevDetail/FwV"});
    m.commands.push_back(get);
    command results{.name = command_name::results, .cmd_id = "9", .meta = {.format = "chr", .type = "text/plain"}};
    results.msg_ref = "2";
    results.cmd_ref = "4";
    results.items.push_back({.source = "./DevInfo/Lang", .data = "en-GB"});
    m.commands.push_back(results);
    m.final = true;
    return m;
}

TEST(syncml_xml, when_a_client_package1_is_decoded_then_every_field_is_read) {
    auto m = decode_xml(read("package1_md5.xml"));
    ASSERT_TRUE(m) << m.err().message;
    EXPECT_EQ(m->header.ver_dtd, "1.2");
    EXPECT_EQ(m->header.ver_proto, "DM/1.2");
    EXPECT_EQ(m->header.session_id, "1A");
    EXPECT_EQ(m->header.msg_id, "1");
    EXPECT_EQ(m->header.target, "https://dms.mcx-a.example.org/dm");
    EXPECT_EQ(m->header.source, "IMEI:493005100592800");
    EXPECT_EQ(m->header.source_name, "Bruce2");
    ASSERT_TRUE(m->header.cred);
    EXPECT_EQ(m->header.cred->meta.type, "syncml:auth-md5");
    EXPECT_EQ(m->header.cred->meta.format, "b64");
    EXPECT_EQ(m->header.cred->data, "Zz6EivR3yeaaENcRN6lpAQ==");
    EXPECT_EQ(m->header.meta.max_msg_size, 16384u);
    EXPECT_EQ(m->header.meta.max_obj_size, 65536u);
    ASSERT_EQ(m->commands.size(), 2u);
    EXPECT_EQ(m->commands[0].name, command_name::alert);
    EXPECT_EQ(m->commands[0].data, "1201");
    EXPECT_EQ(m->commands[1].name, command_name::replace);
    ASSERT_EQ(m->commands[1].items.size(), 5u);
    EXPECT_EQ(m->commands[1].items[2].source, "./DevInfo/Mod");
    EXPECT_EQ(m->commands[1].items[2].data, "MC handset");
    EXPECT_TRUE(m->final);
}

TEST(syncml_xml, when_a_message_is_encoded_then_it_decodes_to_the_same) {
    const auto m = package2();
    auto xml = encode_xml(m);
    ASSERT_TRUE(xml) << xml.err().message;
    auto back = decode_xml(*xml);
    ASSERT_TRUE(back) << back.err().message << "\n" << *xml;
    EXPECT_EQ(*back, m) << *xml;
}

TEST(syncml_xml, when_a_message_is_encoded_then_elements_come_in_the_dtds_order_with_metinf_namespaces) {
    auto xml = encode_xml(package2()).value();
    EXPECT_NE(xml.find("<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>"
                       "<SessionID>1A</SessionID><MsgID>1</MsgID>"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><TargetRef>"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("</SourceRef><Chal><Meta><Format xmlns=\"syncml:metinf\">b64</Format><Type "
                       "xmlns=\"syncml:metinf\">syncml:auth-md5</Type><NextNonce xmlns=\"syncml:metinf\">"
                       "ZG9iZWhhdmUNCg==</NextNonce></Meta></Chal><Data>212</Data></Status>"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("<Exec><CmdID>6</CmdID><Correlator>job-7</Correlator><Item>"), std::string::npos) << xml;
    EXPECT_NE(xml.find("<Data>MINDT=10&amp;MAXDT=30</Data>"), std::string::npos) << xml;
    EXPECT_NE(xml.find("<Data>QUJD</Data><MoreData/></Item>"), std::string::npos) << xml;
    EXPECT_NE(xml.find("<Final/></SyncBody></SyncML>"), std::string::npos) << xml;
}

TEST(syncml_xml, when_data_holds_markup_characters_and_white_space_then_they_come_back_exactly) {
    auto m = package2();
    const std::string value = "  <a href=\"x\">&amp; ]]> \r\n\ttab  ";
    m.commands[2].items[0].data = value;
    auto back = decode_xml(encode_xml(m).value());
    ASSERT_TRUE(back) << back.err().message;
    EXPECT_EQ(back->commands[2].items[0].data, value);
}

TEST(syncml_xml, when_the_root_has_no_namespace_or_data_is_cdata_then_it_is_read) {
    auto m = decode_xml(R"(<SyncML><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID>
      <MsgID>2</MsgID><Target><LocURI>t</LocURI></Target><Source><LocURI>s</LocURI></Source></SyncHdr>
      <SyncBody><Results><CmdID>1</CmdID><CmdRef>3</CmdRef><Item><Source><LocURI>./x</LocURI></Source>
      <Data><![CDATA[<ddf/>]]></Data></Item></Results></SyncBody></SyncML>)");
    ASSERT_TRUE(m) << m.err().message;
    EXPECT_FALSE(m->final);
    EXPECT_EQ(m->commands.at(0).items.at(0).data, "<ddf/>");
}

TEST(syncml_xml, when_a_command_is_unknown_then_it_is_kept_by_name_for_an_answer) {
    auto m = decode_xml(R"(<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>
      <SessionID>1</SessionID><MsgID>2</MsgID><Target><LocURI>t</LocURI></Target><Source><LocURI>s</LocURI></Source>
      </SyncHdr><SyncBody><Sync><CmdID>4</CmdID></Sync><Final/></SyncBody></SyncML>)");
    ASSERT_TRUE(m) << m.err().message;
    ASSERT_EQ(m->commands.size(), 1u);
    EXPECT_EQ(m->commands[0].name, command_name::other);
    EXPECT_EQ(m->commands[0].other_name, "Sync");
    EXPECT_EQ(m->commands[0].cmd_id, "4");
}

TEST(syncml_xml, when_a_message_is_not_a_usable_syncml_message_then_it_is_refused_naming_why) {
    const std::string head = R"(<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>)"
                             R"(<SessionID>1</SessionID><MsgID>2</MsgID><Target><LocURI>t</LocURI></Target>)"
                             R"(<Source><LocURI>s</LocURI></Source></SyncHdr><SyncBody>)";
    const std::string tail = "</SyncBody></SyncML>";
    struct bad_case {
        std::string xml;
        errc code;
        std::string words;
    };
    const std::vector<bad_case> cases = {
        {"<SyncML xmlns=\"urn:other\"/>", errc::invalid_argument, "root element"},
        {"<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncBody/></SyncML>", errc::invalid_argument, "SyncHdr is missing"},
        {head + "<Get><Item><Target><LocURI>./a</LocURI></Target></Item></Get>" + tail, errc::invalid_argument,
         "Get needs CmdID"},
        {head + "<Get><CmdID>1</CmdID><Item><Target><LocURI></LocURI></Target></Item></Get>" + tail,
         errc::invalid_argument, "LocURI is empty"},
        {head + "<Replace><CmdID>1</CmdID><Item><Data><b>x</b></Data></Item></Replace>" + tail, errc::invalid_argument,
         "Data holds markup"},
        {head + "<Add><CmdID>1</CmdID><Item><Meta><Size xmlns=\"syncml:metinf\">-4</Size></Meta></Item></Add>" + tail,
         errc::invalid_argument, "Size must be a whole number"},
        {head + "<Status><CmdID>1</CmdID><CmdRef>0</CmdRef><Data>200</Data></Status>" + tail, errc::invalid_argument,
         "Status needs Cmd"},
        {"<!DOCTYPE SyncML [<!ENTITY a \"b\">]>" + head + tail, errc::not_well_formed, "DOCTYPE"},
        {"<!DOCTYPE html>" + head + tail, errc::not_well_formed, "DOCTYPE"},
        {head + "<Alert><CmdID>1</CmdID><Data>1201</Data>" + tail, errc::not_well_formed, ""},
    };
    for (const auto& c : cases) {
        auto m = decode_xml(c.xml);
        ASSERT_FALSE(m) << c.xml;
        EXPECT_EQ(m.err().code, c.code) << c.xml << ": " << m.err().message;
        EXPECT_NE(m.err().message.find(c.words), std::string::npos) << m.err().message;
    }
}

TEST(syncml_xml, when_a_message_exceeds_a_limit_then_too_large) {
    auto m = package2();
    for (int i = 0; i < 30; ++i) {
        m.commands.push_back(m.commands[4]);
    }
    auto xml = encode_xml(m).value();
    auto many = decode_xml(xml, {.max_commands = 20});
    ASSERT_FALSE(many);
    EXPECT_EQ(many.err().code, errc::too_large);
    auto big = decode_xml(xml, {.max_bytes = xml.size() - 1});
    ASSERT_FALSE(big);
    EXPECT_EQ(big.err().code, errc::too_large);
    std::string deep = "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr/><SyncBody>";
    for (int i = 0; i < 40; ++i) {
        deep += "<Atomic><CmdID>1</CmdID>";
    }
    auto nested = decode_xml(deep);
    ASSERT_FALSE(nested);
    EXPECT_EQ(nested.err().code, errc::too_large) << nested.err().message;
}

} // namespace
} // namespace mcprov::syncml
