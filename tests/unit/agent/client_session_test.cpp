#include <gtest/gtest.h>

#include "mcprov/agent/client_session.hpp"
#include "mcprov/dms/job.hpp"
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
        while (to_server && replies.size() < 100) {
            auto reply = server.run({over_the_wire(*to_server), {}, std::nullopt, dms::session_key_of(device.next_uri())});
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

    // Queues a job for the device, as an operator would; returns its id.
    std::string queue(std::vector<dms::job_command> commands, bool atomic = false) {
        dms::job j;
        j.id = dms::job_queue::new_id(std::chrono::system_clock::now());
        j.device = device_id;
        j.atomic = atomic;
        j.commands = std::move(commands);
        EXPECT_TRUE(jobs.queue(j));
        return j.id;
    }

    dms::job job(const std::string& id) { return jobs.find(device_id, id).value(); }

    bool wbxml = false;
    management_tree tree;
    std::shared_ptr<store::document_store> documents = store::create_memory_document_store();
    dms::device_registry registry{documents};
    dms::job_queue jobs{documents};
    dms::session_config server_config{server_id, "https://dms.mcx-a.example.org/dm"};
    dms::management_session server{server_config, documents, support::create_system_clock()};
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
    m.header.cred = syncml::credential{};
    m.header.cred->meta.type = "syncml:auth-md5";
    m.header.cred->data = syncml::md5_credential(server_id, "server-secret", "device-nonce");
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
    EXPECT_EQ(out[0].data, "212") << "the server's credentials verified";
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

TEST_F(client_session_test, when_jobs_are_queued_then_the_next_session_carries_them_out_and_records_their_results) {
    ASSERT_TRUE(tree.install_interior("./Vendor", {}, "Add=" + server_id + "&Get=" + server_id + "&Replace=" +
                                                          server_id, false));
    const auto add = queue({{.name = command_name::add, .target = "./Vendor/CMS", .data = "https://cms.example.org"}});
    const auto get = queue({{.name = command_name::get, .target = "./DevInfo/Man"},
                            {.name = command_name::get, .target = "./DevInfo/Nothing"}});
    client_session device(tree, server_id, device_id, "5A");
    converse(device);
    ASSERT_FALSE(last_error) << last_error->message;
    EXPECT_EQ(tree.value("./Vendor/CMS")->data, "https://cms.example.org");
    auto added = job(add);
    EXPECT_EQ(added.state, dms::job_state::done);
    EXPECT_EQ(added.outcomes.at(0).status, 200u);
    EXPECT_EQ(added.session_id, "5A");
    auto got = job(get);
    EXPECT_EQ(got.state, dms::job_state::failed) << "one of its Gets found nothing";
    EXPECT_EQ(got.outcomes.at(0).status, 200u);
    ASSERT_EQ(got.outcomes.at(0).results.size(), 1u);
    EXPECT_EQ(got.outcomes.at(0).results[0].data, "mcprov");
    EXPECT_EQ(got.outcomes.at(1).status, 404u);

    client_session again(tree, server_id, device_id, "5B");
    auto replies = converse(again);
    ASSERT_EQ(replies.size(), 1u) << "no job left: the server's package 2 ends the session";
}

TEST_F(client_session_test, when_a_command_of_an_atomic_job_fails_then_the_device_rolls_every_one_back) {
    ASSERT_TRUE(tree.install_interior("./Vendor", {}, "Add=" + server_id + "&Get=" + server_id + "&Replace=" +
                                                          server_id, false));
    const auto id = queue({{.name = command_name::add, .target = "./Vendor/A", .data = "1"},
                           {.name = command_name::replace, .target = "./DevInfo/Man", .data = "someone else"}},
                          true);
    client_session device(tree, server_id, device_id, "6A");
    converse(device);
    ASSERT_FALSE(last_error) << last_error->message;
    EXPECT_FALSE(tree.exists("./Vendor/A")) << "the Add was undone";
    EXPECT_EQ(tree.value("./DevInfo/Man")->data, "mcprov");
    auto j = job(id);
    EXPECT_EQ(j.state, dms::job_state::failed);
    EXPECT_EQ(j.atomic_status, 507u);
    EXPECT_EQ(j.outcomes.at(0).status, 216u) << "rolled back";
    EXPECT_EQ(j.outcomes.at(1).status, 425u) << "DevInfo is not the server's to replace";
}

TEST_F(client_session_test, when_the_user_says_no_then_the_rest_of_the_sequence_is_not_executed) {
    ASSERT_TRUE(tree.install_interior("./Vendor", {}, "Add=" + server_id, false));
    auto ui = create_unattended_interaction({.confirm = "no", .text = {}}).value();
    const auto id = queue({{.name = command_name::alert, .alert = 1101, .options = "MAXDT=30", .text = "Update now?"},
                           {.name = command_name::add, .target = "./Vendor/A", .data = "1"}});
    const auto asked = queue({{.name = command_name::alert, .alert = 1103, .options = "DR=2", .text = "Which one?",
                               .choices = {"police", "fire"}}});
    client_session device(tree, server_id, device_id, "7A", "1201", ui.get());
    converse(device);
    ASSERT_FALSE(last_error) << last_error->message;
    EXPECT_FALSE(tree.exists("./Vendor/A"));
    auto j = job(id);
    EXPECT_EQ(j.outcomes.at(0).status, 304u) << "the user said no";
    EXPECT_EQ(j.outcomes.at(1).status, 215u) << "not executed";
    EXPECT_EQ(j.state, dms::job_state::failed);
    auto chosen = job(asked);
    EXPECT_EQ(chosen.state, dms::job_state::done);
    ASSERT_EQ(chosen.outcomes.at(0).results.size(), 1u);
    EXPECT_EQ(chosen.outcomes.at(0).results[0].data, "2") << "the default response";
}

TEST_F(client_session_test, when_the_server_presents_a_wrong_credential_then_nothing_is_carried_out) {
    ASSERT_TRUE(tree.install_interior("./Vendor", {}, "Add=" + server_id, false));
    // The device expects another server password: the server's credential never verifies.
    auto account = read_account(tree, server_id).value();
    account.server.secret = "another-secret";
    ASSERT_TRUE(install_account(tree, account));
    const auto id = queue({{.name = command_name::add, .target = "./Vendor/A", .data = "1"}});
    client_session device(tree, server_id, device_id, "8A");
    converse(device);
    ASSERT_TRUE(last_error);
    EXPECT_EQ(last_error->code, support::errc::unauthenticated);
    EXPECT_FALSE(tree.exists("./Vendor/A"));
    EXPECT_NE(job(id).state, dms::job_state::done);
}

class large_object_test : public client_session_test {
protected:
    void SetUp() override {
        client_session_test::SetUp();
        ASSERT_TRUE(tree.install_interior("./Vendor", {}, "Add=" + server_id + "&Get=" + server_id + "&Replace=" +
                                                              server_id, false));
    }

    // A value of n bytes that is not the same all along (a chunk out of place would show).
    static std::string value(std::size_t n) {
        std::string v;
        for (std::size_t i = 0; v.size() < n; ++i) {
            v += std::to_string(i) + ",";
        }
        v.resize(n);
        return v;
    }

    // The messages of a session where both sides take at most 8 KiB.
    std::vector<syncml::message> small_messages(client_session& device) {
        auto small = server_config;
        small.max_msg_size = 8 * 1024;
        dms::management_session small_server(small, documents, support::create_system_clock());
        std::swap(server, small_server);
        device.set_limits(8 * 1024, 64 * 1024);
        auto replies = converse(device);
        std::swap(server, small_server);
        return replies;
    }
};

TEST_F(large_object_test, when_a_value_is_larger_than_a_message_then_it_goes_in_chunks_and_arrives_whole) {
    const auto big = value(40 * 1024);
    const auto id = queue({{.name = command_name::add, .target = "./Vendor/Config", .data = big}});
    client_session device(tree, server_id, device_id, "9A");
    auto replies = small_messages(device);
    ASSERT_FALSE(last_error) << last_error->message;
    EXPECT_GT(replies.size(), 5u) << "five chunks at least";
    ASSERT_TRUE(tree.value("./Vendor/Config"));
    EXPECT_EQ(tree.value("./Vendor/Config")->data, big);
    EXPECT_EQ(job(id).state, dms::job_state::done);
    for (const auto& r : replies) {
        EXPECT_LE(syncml::encode_xml(r).value().size(), 8u * 1024) << "within the device's MaxMsgSize";
    }
}

TEST_F(large_object_test, when_a_result_is_larger_than_a_message_then_the_device_sends_it_in_chunks) {
    const auto big = value(30 * 1024);
    ASSERT_TRUE(tree.install_leaf("./Vendor/Log", {"chr", "text/plain", big}, {}, false));
    const auto id = queue({{.name = command_name::get, .target = "./Vendor/Log"}});
    client_session device(tree, server_id, device_id, "9B");
    small_messages(device);
    ASSERT_FALSE(last_error) << last_error->message;
    auto j = job(id);
    EXPECT_EQ(j.state, dms::job_state::done);
    ASSERT_EQ(j.outcomes.at(0).results.size(), 1u);
    EXPECT_EQ(j.outcomes.at(0).results[0].data, big);
}

TEST_F(large_object_test, when_an_object_exceeds_the_devices_max_obj_size_then_the_job_fails_unsent) {
    const auto id = queue({{.name = command_name::add, .target = "./Vendor/Config", .data = value(100 * 1024)}});
    client_session device(tree, server_id, device_id, "9C");
    small_messages(device);
    ASSERT_FALSE(last_error) << last_error->message;
    auto j = job(id);
    EXPECT_EQ(j.state, dms::job_state::failed);
    EXPECT_EQ(j.outcomes.at(0).status, 413u);
    EXPECT_FALSE(tree.exists("./Vendor/Config"));
}

TEST_F(large_object_test, when_jobs_do_not_fit_one_message_then_they_go_in_several_packages) {
    std::vector<std::string> ids;
    for (int i = 0; i < 12; ++i) {
        ids.push_back(queue({{.name = command_name::add, .target = "./Vendor/N" + std::to_string(i),
                              .data = value(1500)}}));
    }
    client_session device(tree, server_id, device_id, "9D");
    auto replies = small_messages(device);
    ASSERT_FALSE(last_error) << last_error->message;
    EXPECT_GT(replies.size(), 3u);
    for (const auto& id : ids) {
        EXPECT_EQ(job(id).state, dms::job_state::done) << id;
    }
}

} // namespace
} // namespace mcprov::agent
