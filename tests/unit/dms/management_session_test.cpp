#include <gtest/gtest.h>

#include "mcprov/dms/management_session.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::dms {
namespace {

using namespace std::chrono_literals;
using syncml::command;
using syncml::command_name;

const std::string device_id = "IMEI:493005100592800";

class management_session_test : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(registry.enroll(device_id, enrolled));
        session = std::make_unique<management_session>(
            session_config{"dms.mcx-a.example.org", "https://dms.mcx-a.example.org/dm"}, documents, clock,
            [n = std::make_shared<int>(0)] { return "nonce-" + std::to_string(++*n); });
    }

    // A device's message: package 1 (Alert 1201 and its DevInfo) unless other commands are given.
    syncml::message message(unsigned msg_id, std::optional<std::string> nonce_for_cred,
                            std::vector<command> commands = {}, const std::string& from = device_id) {
        syncml::message m;
        m.header.session_id = "1A";
        m.header.msg_id = std::to_string(msg_id);
        m.header.target = "https://dms.mcx-a.example.org/dm";
        m.header.source = from;
        m.header.source_name = enrolled.client_name;
        if (nonce_for_cred) {
            m.header.cred = syncml::credential{};
            m.header.cred->meta.type = "syncml:auth-md5";
            m.header.cred->meta.format = "b64";
            m.header.cred->data = syncml::md5_credential(enrolled.client_name, secret, *nonce_for_cred);
        }
        if (commands.empty()) {
            command alert{.name = command_name::alert, .cmd_id = "1", .data = "1201"};
            command devinfo{.name = command_name::replace, .cmd_id = "2"};
            devinfo.items = {{.source = "./DevInfo/DevId", .data = device_id}, {.source = "./DevInfo/Man", .data = "mcprov"}};
            commands = {alert, devinfo};
        }
        m.commands = std::move(commands);
        m.final = true;
        return m;
    }

    session_reply run(const syncml::message& m) {
        auto reply = session->run({m, {}, std::nullopt});
        EXPECT_TRUE(reply) << reply.err().message;
        EXPECT_TRUE(syncml::encode_xml(reply->message)) << "every reply can be sent";
        return reply ? std::move(reply).value() : session_reply{};
    }

    static std::string status_of(const session_reply& r, std::size_t i) {
        return r.message.commands.at(i).data.value_or("");
    }

    std::string secret = "device-secret";
    device_credentials enrolled{device_id, "device-secret", "nonce-0", "dms.mcx-a.example.org", "server-secret",
                                "device-nonce"};
    std::shared_ptr<store::document_store> documents = store::create_memory_document_store();
    std::shared_ptr<support::manual_clock> clock =
        std::make_shared<support::manual_clock>(support::parse_utc("2026-12-06T20:00:00Z").value());
    device_registry registry{documents};
    std::unique_ptr<management_session> session;
};

TEST_F(management_session_test, when_package1_comes_without_credentials_then_407_and_a_challenge_for_every_command) {
    auto r = run(message(1, std::nullopt));
    ASSERT_EQ(r.message.commands.size(), 3u);
    const auto& hdr = r.message.commands[0];
    EXPECT_EQ(hdr.cmd, "SyncHdr");
    EXPECT_EQ(hdr.cmd_ref, "0");
    EXPECT_EQ(hdr.data, "407");
    ASSERT_TRUE(hdr.chal);
    EXPECT_EQ(hdr.chal->next_nonce, support::base64_encode("nonce-1"));
    EXPECT_EQ(status_of(r, 1), "407");
    EXPECT_EQ(r.message.commands[1].cmd, "Alert");
    EXPECT_EQ(status_of(r, 2), "407");
    EXPECT_FALSE(r.message.header.cred) << "the server presents itself to an authenticated device only";
    EXPECT_FALSE(r.session_ended);
    EXPECT_EQ(registry.credentials(device_id)->value().client_nonce, "nonce-1") << "the nonce is kept";
    EXPECT_TRUE(registry.inventory(device_id)->dev_info.empty()) << "nothing of the message is taken";
}

TEST_F(management_session_test, when_the_device_answers_the_challenge_then_212_its_devinfo_is_kept_and_the_session_ends) {
    run(message(1, std::nullopt));
    auto r = run(message(2, "nonce-1"));
    EXPECT_EQ(r.message.header.msg_id, "2");
    EXPECT_EQ(r.message.header.target, device_id);
    EXPECT_EQ(r.message.header.source_name, "dms.mcx-a.example.org");
    EXPECT_EQ(status_of(r, 0), "212");
    EXPECT_EQ(status_of(r, 1), "200");
    EXPECT_EQ(status_of(r, 2), "200");
    EXPECT_EQ(r.message.commands[2].source_refs, (std::vector<std::string>{"./DevInfo/DevId", "./DevInfo/Man"}));
    ASSERT_TRUE(r.message.header.cred);
    EXPECT_EQ(r.message.header.cred->data,
              syncml::md5_credential("dms.mcx-a.example.org", "server-secret", "device-nonce"));
    EXPECT_TRUE(r.session_ended) << "the server has nothing to ask";
    auto inventory = registry.inventory(device_id).value();
    EXPECT_EQ(inventory.dev_info.at("./DevInfo/Man"), "mcprov");
    EXPECT_EQ(inventory.last_session_id, "1A");
    EXPECT_EQ(registry.credentials(device_id)->value().client_nonce, "nonce-2") << "a new one for the next session";
}

TEST_F(management_session_test, when_the_password_is_wrong_then_one_more_challenge_and_then_the_end) {
    secret = "guess";
    auto first = run(message(1, "nonce-0"));
    EXPECT_EQ(status_of(first, 0), "401");
    EXPECT_TRUE(first.message.commands[0].chal);
    auto second = run(message(2, "nonce-1"));
    EXPECT_EQ(status_of(second, 0), "401");
    EXPECT_TRUE(second.message.commands[0].chal);
    auto third = run(message(3, "nonce-2"));
    EXPECT_EQ(status_of(third, 0), "401");
    EXPECT_FALSE(third.message.commands[0].chal);
    EXPECT_TRUE(third.session_ended);
    EXPECT_TRUE(registry.inventory(device_id)->dev_info.empty());
}

TEST_F(management_session_test, when_a_device_is_unknown_then_it_is_answered_as_a_wrong_password_and_nothing_is_stored) {
    auto r = run(message(1, "nonce-0", {}, "IMEI:000000000000000"));
    EXPECT_EQ(status_of(r, 0), "401");
    EXPECT_TRUE(r.message.commands[0].chal);
    EXPECT_FALSE(registry.credentials("IMEI:000000000000000")->has_value());
    EXPECT_TRUE(documents->list_all("org.mcprov.dm-device")->size() == 1u) << "only the enrolled device's credentials";
    auto second = run(message(2, "nonce-0", {}, "IMEI:000000000000000"));
    EXPECT_EQ(status_of(second, 0), "401");
    EXPECT_TRUE(second.message.commands[0].chal) << "a second challenge, as for a wrong password";
    auto third = run(message(3, "nonce-0", {}, "IMEI:000000000000000"));
    EXPECT_TRUE(third.session_ended) << "no endless challenges";
    EXPECT_FALSE(third.message.commands[0].chal);
}

TEST_F(management_session_test, when_an_authenticated_message_is_replayed_then_its_nonce_is_stale_and_401) {
    const auto first = message(1, "nonce-0");
    EXPECT_EQ(status_of(run(first), 0), "212");
    auto replayed = run(first);
    EXPECT_EQ(status_of(replayed, 0), "401");
    EXPECT_EQ(registry.inventory(device_id)->last_session_id, "1A");
}

TEST_F(management_session_test, when_a_msg_id_is_not_a_number_then_400) {
    auto m = message(1, "nonce-0");
    m.header.msg_id = "one";
    EXPECT_EQ(status_of(run(m), 0), "400");
    m.header.msg_id = "0";
    EXPECT_EQ(status_of(run(m), 0), "400");
}

TEST_F(management_session_test, when_the_versions_are_not_dm_12_then_505_or_513) {
    auto m = message(1, "nonce-0");
    m.header.ver_dtd = "1.1";
    EXPECT_EQ(status_of(run(m), 0), "505");
    m.header.ver_dtd = "1.2";
    m.header.ver_proto = "DM/1.1";
    EXPECT_EQ(status_of(run(m), 0), "513");
}

TEST_F(management_session_test, when_a_client_sends_a_server_command_then_405_and_the_rest_is_answered) {
    command get{.name = command_name::get, .cmd_id = "3"};
    get.items = {{.target = "./DevInfo/Man"}};
    command other_replace{.name = command_name::replace, .cmd_id = "4"};
    other_replace.items = {{.source = "./Vendor/X", .data = "1"}};
    command alert{.name = command_name::alert, .cmd_id = "1", .data = "1201"};
    auto r = run(message(1, "nonce-0", {alert, get, other_replace}));
    EXPECT_EQ(status_of(r, 0), "212");
    EXPECT_EQ(status_of(r, 1), "200");
    EXPECT_EQ(status_of(r, 2), "405");
    EXPECT_EQ(status_of(r, 3), "405");
}

} // namespace
} // namespace mcprov::dms
