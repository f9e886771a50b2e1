#include <gtest/gtest.h>

#include "mcprov/agent/client_session.hpp"
#include "mcprov/dms/management_session.hpp"

namespace mcprov::agent {
namespace {

using syncml::command;
using syncml::command_name;

const std::string device_id = "IMEI:493005100592800";
const std::string server_id = "dms.mcx-a.example.org";

// A device (its tree, with DevInfo and an account with the DMS) and the DMS itself, talking through the wire form of
// their messages: every message is encoded and decoded on the way.
class client_session_test : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(tree.install_interior("./DevInfo", "urn:oma:mo:oma-dm-devinfo:1.0", "Get=*"));
        ASSERT_TRUE(tree.install_leaf("./DevInfo/DevId", {"chr", "text/plain", device_id}));
        ASSERT_TRUE(tree.install_leaf("./DevInfo/Man", {"chr", "text/plain", "mcprov"}));
        ASSERT_TRUE(tree.install_leaf("./DevInfo/DmV", {"chr", "text/plain", "1.2"}));
        dm_account a;
        a.node = "mcxa";
        a.server_id = server_id;
        a.address = "https://dms.mcx-a.example.org/dm";
        a.client = {"DIGEST", device_id, "device-secret", ""};
        a.server = {"DIGEST", server_id, "server-secret", "device-nonce"};
        ASSERT_TRUE(install_account(tree, a));
        ASSERT_TRUE(registry.enroll(device_id, {device_id, "device-secret", "", server_id, "server-secret",
                                                "device-nonce"}));
    }

    syncml::message over_the_wire(const syncml::message& m) {
        if (wbxml) {
            return syncml::decode_wbxml(syncml::encode_wbxml(m).value()).value();
        }
        return syncml::decode_xml(syncml::encode_xml(m).value()).value();
    }

    // Runs the session to its end; returns the server's replies.
    std::vector<syncml::message> converse(client_session& device) {
        std::vector<syncml::message> replies;
        auto next = device.start();
        EXPECT_TRUE(next) << next.err().message;
        std::optional<syncml::message> to_server = *next;
        while (to_server && replies.size() < 10) {
            auto reply = server.run({over_the_wire(*to_server), {}, std::nullopt});
            EXPECT_TRUE(reply) << reply.err().message;
            replies.push_back(reply->message);
            auto answer = device.answer(over_the_wire(reply->message));
            if (!answer) {
                last_error = answer.err();
                break;
            }
            to_server = *answer;
            if (reply->session_ended) {
                EXPECT_FALSE(to_server) << "the device answers nothing once the server ended the session";
                break;
            }
        }
        return replies;
    }

    bool wbxml = false;
    management_tree tree;
    std::shared_ptr<store::document_store> documents = store::create_memory_document_store();
    dms::device_registry registry{documents};
    dms::management_session server{dms::session_config{server_id, "https://dms.mcx-a.example.org/dm"}, documents,
                                   support::create_system_clock()};
    std::optional<support::error> last_error;
};

TEST_F(client_session_test, when_the_device_has_no_nonce_then_it_is_challenged_and_authenticates_with_md5) {
    client_session device(tree, server_id, device_id, "1A");
    auto replies = converse(device);
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[0].commands.at(0).data, "407");
    EXPECT_EQ(replies[1].commands.at(0).data, "212");
    EXPECT_TRUE(device.authenticated());
    EXPECT_FALSE(last_error);
    EXPECT_EQ(registry.inventory(device_id)->dev_info.at("./DevInfo/DmV"), "1.2");
    // The nonce for the next session is kept on both sides: the next session authenticates at once.
    client_session again(tree, server_id, device_id, "1B");
    auto second = converse(again);
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0].commands.at(0).data, "212");
}

TEST_F(client_session_test, when_messages_travel_as_wbxml_then_the_same_session_happens) {
    wbxml = true;
    client_session device(tree, server_id, device_id, "2A");
    auto replies = converse(device);
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[1].commands.at(0).data, "212");
}

TEST_F(client_session_test, when_the_device_password_is_wrong_then_the_session_ends_unauthenticated) {
    ASSERT_EQ(tree.replace("./DMAcc/mcxa/AppAuth/1/AAuthSecret", {"chr", "text/plain", "wrong"}, server_id),
              dm_status::ok);
    client_session device(tree, server_id, device_id, "3A");
    auto replies = converse(device);
    EXPECT_FALSE(device.authenticated());
    ASSERT_TRUE(last_error);
    EXPECT_EQ(last_error->code, support::errc::unauthenticated);
    EXPECT_LE(replies.size(), 3u) << "no endless retries";
    EXPECT_TRUE(registry.inventory(device_id)->dev_info.empty());
}

TEST_F(client_session_test, when_the_server_sends_commands_then_the_tree_carries_them_out_under_its_acls) {
    ASSERT_TRUE(tree.install_interior("./Vendor", {}, "Add=" + server_id + "&Get=" + server_id + "&Replace=" +
                                                          server_id + "&Delete=" + server_id,
                                      false));
    client_session device(tree, server_id, device_id, "4A");
    ASSERT_TRUE(device.start());
    syncml::message m;
    m.header.session_id = "4A";
    m.header.msg_id = "1";
    m.header.target = device_id;
    m.header.source = "https://dms.mcx-a.example.org/dm";
    command hdr{.name = command_name::status, .cmd_id = "1", .data = "212"};
    hdr.msg_ref = "1";
    hdr.cmd_ref = "0";
    hdr.cmd = "SyncHdr";
    command add{.name = command_name::add, .cmd_id = "2"};
    add.items = {{.target = "./Vendor/CMS", .data = "https://cms.mcx-a.example.org/xcap"}};
    command get{.name = command_name::get, .cmd_id = "3"};
    get.items = {{.target = "./Vendor/CMS"}, {.target = "./DMAcc/mcxa/AppAuth/1/AAuthSecret"}};
    command del{.name = command_name::delete_, .cmd_id = "4"};
    del.items = {{.target = "./DevInfo/Man"}};
    command exec{.name = command_name::exec, .cmd_id = "5"};
    exec.items = {{.target = "./Vendor/CMS"}};
    m.commands = {hdr, add, get, del, exec};
    m.final = true;
    auto answer = device.answer(over_the_wire(m));
    ASSERT_TRUE(answer && *answer) << (answer ? "" : answer.err().message);
    const auto& out = (*answer)->commands;
    // Status for the header, Add, Get of CMS with its Results, Get of the secret (405), Delete, Exec.
    ASSERT_EQ(out.size(), 7u);
    EXPECT_EQ(out[1].cmd, "Add");
    EXPECT_EQ(out[1].data, "200");
    EXPECT_EQ(out[2].data, "200");
    EXPECT_EQ(out[3].name, command_name::results);
    EXPECT_EQ(out[3].items.at(0).data, "https://cms.mcx-a.example.org/xcap");
    EXPECT_EQ(out[4].data, "405") << "secrets are never read";
    EXPECT_EQ(out[5].cmd, "Delete");
    EXPECT_EQ(out[5].data, "405") << "DevInfo is the device's own: permanent";
    EXPECT_EQ(out[6].cmd, "Exec");
    EXPECT_EQ(out[6].data, "406");
    EXPECT_EQ(tree.value("./Vendor/CMS")->data, "https://cms.mcx-a.example.org/xcap");
}

} // namespace
} // namespace mcprov::agent
