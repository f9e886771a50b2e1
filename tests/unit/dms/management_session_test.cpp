#include <gtest/gtest.h>

#include "../forwarding_store.hpp"

#include "mcprov/dms/job.hpp"
#include "mcprov/dms/management_session.hpp"
#include "mcprov/dms/operation_gate.hpp"
#include "mcprov/gba/dm_proof.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::dms {
namespace {

using namespace std::chrono_literals;
using syncml::command;
using syncml::command_name;

const std::string device_id = "IMEI:493005100592800";

// A store that knows whether one of its transactions is open.
class watched_store final : public testing::forwarding_store {
public:
    watched_store() : forwarding_store(store::create_memory_document_store()) {}
    support::result<void> transact(const store::unit_of_work& work) override {
        return inner_->transact([&](store::transaction& tx) {
            open = true;
            auto done = work(tx);
            open = false;
            return done;
        });
    }
    bool open = false;
};

// The BSF over Zn: one B-TID's key; it notes whether it was asked while the store's transaction was open.
class watching_zn final : public zn_client {
public:
    explicit watching_zn(std::shared_ptr<const watched_store> store) : store_(std::move(store)) {}
    support::result<gba::zn_answer> bootstrapping_info(const std::string& btid) override {
        ++calls;
        asked_inside_a_transaction = asked_inside_a_transaction || store_->open;
        if (btid != known_btid)
            return support::make_error(support::errc::not_found, "unknown B-TID");
        return gba::zn_answer{.impi = "001010000000017@ims.mnc001.mcc001.3gppnetwork.org",
                              .ks_naf = ks_naf,
                              .bootstrap_time = support::parse_utc("2026-12-06T20:00:00Z").value(),
                              .key_lifetime = support::parse_utc("2026-12-07T08:00:00Z").value(),
                              .authentication = "3GPP AKA"};
    }
    static inline const std::string known_btid = "AAECAwQFBgcICQoLDA0ODw==@bsf.example.org";
    static inline const std::string ks_naf = std::string(32, '\x42');
    int calls = 0;
    bool asked_inside_a_transaction = false;

private:
    std::shared_ptr<const watched_store> store_;
};

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

    session_reply run(const syncml::message& m, std::string_view key = {}) {
        auto reply = session->run({m, {}, std::nullopt, key});
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
    std::shared_ptr<watched_store> watched = std::make_shared<watched_store>();
    std::shared_ptr<store::document_store> documents = watched;
    std::shared_ptr<support::manual_clock> clock =
        std::make_shared<support::manual_clock>(support::parse_utc("2026-12-06T20:00:00Z").value());
    device_registry registry{documents};
    job_queue jobs{documents};
    std::unique_ptr<management_session> session;

    // Queues a Get of ./DevInfo/Man; returns the job's id.
    std::string queue_get() {
        job j;
        j.id = job_queue::new_id(clock->now());
        j.device = device_id;
        j.commands = {{.name = command_name::get, .target = "./DevInfo/Man"}};
        EXPECT_TRUE(jobs.queue(j));
        return j.id;
    }

    // Authenticates package 1 (after the challenge) and returns the reply to it, which carries the queued jobs.
    session_reply authenticated_package2() {
        run(message(1, std::nullopt));
        return run(message(2, "nonce-1"));
    }

    // The device's Status for the server's command `c` of `reply`.
    command status_for_command(const session_reply& reply, const command& c, const std::string& code) {
        command s{.name = command_name::status, .data = code};
        s.msg_ref = reply.message.header.msg_id;
        s.cmd_ref = c.cmd_id;
        s.cmd = std::string(syncml::to_string(c.name));
        return s;
    }
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

TEST_F(management_session_test, when_a_job_is_queued_then_package2_carries_it_under_a_resp_uri_with_the_session_key) {
    const auto id = queue_get();
    auto r = authenticated_package2();
    EXPECT_FALSE(r.session_ended);
    ASSERT_TRUE(r.message.header.resp_uri);
    const auto key = std::string(session_key_of(*r.message.header.resp_uri));
    EXPECT_FALSE(key.empty());
    ASSERT_EQ(r.message.commands.size(), 4u);
    const auto& get = r.message.commands[3];
    EXPECT_EQ(get.name, command_name::get);
    EXPECT_EQ(get.items.at(0).target, "./DevInfo/Man");
    EXPECT_EQ(jobs.find(device_id, id)->state, job_state::sent);

    command results{.name = command_name::results};
    results.msg_ref = "2";
    results.cmd_ref = get.cmd_id;
    results.items = {{.source = "./DevInfo/Man", .data = "mcprov"}};
    auto end = run(message(3, std::nullopt, {status_for_command(r, get, "200"), results}), key);
    EXPECT_EQ(status_of(end, 0), "200") << "the session key stands for the credentials";
    EXPECT_TRUE(end.session_ended);
    auto done = jobs.find(device_id, id).value();
    EXPECT_EQ(done.state, job_state::done);
    EXPECT_EQ(done.outcomes.at(0).results.at(0).data, "mcprov");
    EXPECT_TRUE(done.finished);
}

TEST_F(management_session_test, when_a_later_message_lacks_the_session_key_then_it_must_authenticate_again) {
    queue_get();
    auto r = authenticated_package2();
    auto refused = run(message(3, std::nullopt, {status_for_command(r, r.message.commands[3], "200")}));
    EXPECT_EQ(status_of(refused, 0), "401") << "its challenges are spent: MsgID 3";
}

TEST_F(management_session_test, when_a_client_ignores_the_resp_uri_but_presents_its_credentials_then_the_session_goes_on) {
    const auto id = queue_get();
    auto r = authenticated_package2();
    auto next = message(3, "nonce-2", {status_for_command(r, r.message.commands[3], "200")});
    auto taken = run(next);
    EXPECT_EQ(status_of(taken, 0), "212");
    EXPECT_TRUE(taken.session_ended);
    EXPECT_EQ(jobs.find(device_id, id)->state, job_state::done) << "its answer completes the job";
}

TEST_F(management_session_test, when_a_msg_id_is_out_of_order_then_400_and_nothing_is_taken) {
    const auto id = queue_get();
    auto r = authenticated_package2();
    const auto key = std::string(session_key_of(*r.message.header.resp_uri));
    auto refused = run(message(5, std::nullopt, {status_for_command(r, r.message.commands[3], "200")}), key);
    EXPECT_EQ(status_of(refused, 0), "400");
    EXPECT_EQ(jobs.find(device_id, id)->state, job_state::sent);
    auto taken = run(message(3, std::nullopt, {status_for_command(r, r.message.commands[3], "200")}), key);
    EXPECT_EQ(status_of(taken, 0), "200") << "the session goes on from where it was";
    EXPECT_EQ(jobs.find(device_id, id)->state, job_state::done);
}

TEST_F(management_session_test, when_a_session_outlives_its_bound_then_the_server_aborts_it_and_the_job_waits_again) {
    const auto id = queue_get();
    auto r = authenticated_package2();
    const auto key = std::string(session_key_of(*r.message.header.resp_uri));
    clock->advance(std::chrono::seconds(301));
    auto aborted = run(message(3, std::nullopt, {command{.name = command_name::alert, .cmd_id = "1", .data = "1226"}}),
                       key);
    EXPECT_TRUE(aborted.session_ended);
    EXPECT_EQ(aborted.message.commands.back().name, command_name::alert);
    EXPECT_EQ(aborted.message.commands.back().data, "1223");
    EXPECT_EQ(jobs.find(device_id, id)->state, job_state::queued) << "carried out at the next session";
}

TEST_F(management_session_test, when_the_device_refuses_the_servers_credentials_then_the_commands_go_again_with_its_nonce) {
    queue_get();
    auto r = authenticated_package2();
    const auto key = std::string(session_key_of(*r.message.header.resp_uri));
    command hdr{.name = command_name::status, .data = "401"};
    hdr.msg_ref = "2";
    hdr.cmd_ref = "0";
    hdr.cmd = "SyncHdr";
    hdr.chal = syncml::meta{};
    hdr.chal->type = "syncml:auth-md5";
    hdr.chal->next_nonce = support::base64_encode("fresh-device-nonce");
    auto again = run(message(3, std::nullopt, {hdr, status_for_command(r, r.message.commands[3], "401")}), key);
    ASSERT_TRUE(again.message.header.cred);
    EXPECT_EQ(again.message.header.cred->data,
              syncml::md5_credential("dms.mcx-a.example.org", "server-secret", "fresh-device-nonce"));
    EXPECT_EQ(again.message.commands.back().name, command_name::get) << "sent again";
    EXPECT_FALSE(again.session_ended);
}

TEST_F(management_session_test, when_the_device_sends_part_of_its_package_then_the_server_asks_for_the_rest) {
    auto first = message(1, std::nullopt);
    run(first);
    auto part = message(2, "nonce-1");
    part.final = false;
    auto r = run(part);
    EXPECT_FALSE(r.message.final);
    EXPECT_EQ(r.message.commands.back().data, "1222");
    EXPECT_FALSE(r.session_ended);
}

TEST_F(management_session_test, when_a_gates_proof_comes_then_the_bsf_is_asked_outside_the_transaction_and_the_job_goes_on) {
    auto zn = std::make_shared<watching_zn>(watched);
    session = std::make_unique<management_session>(
        session_config{"dms.mcx-a.example.org", "https://dms.mcx-a.example.org/dm"}, documents, clock,
        [n = std::make_shared<int>(0)] { return "nonce-" + std::to_string(++*n); },
        std::make_shared<operation_gate>(zn, subscriber_policy{}, "dms.mcx-a.example.org"));
    job request;
    request.commands = {{.name = command_name::get, .target = "./DevInfo/Man"}};
    request.gate = job_gate{.level = "subscriber", .entitlement = "any"};
    auto both = gated_jobs(request, device_id, "operator", clock->now(), [] { return std::string(16, 'n'); });
    ASSERT_TRUE(documents->write_all([&] {
        std::vector<store::document_write> w;
        for (const auto& j : both)
            for (auto& one : job_queue::writes(j))
                w.push_back(std::move(one));
        return w;
    }()));

    auto r = authenticated_package2();
    const auto key = std::string(session_key_of(*r.message.header.resp_uri));
    ASSERT_EQ(r.message.commands.size(), 4u);
    const auto& sequence = r.message.commands[3];
    ASSERT_EQ(sequence.commands.size(), 2u) << "the gate's Exec and Get";
    const auto& exec = sequence.commands[0];
    const auto& get = sequence.commands[1];
    gba::dm_proof proof{.btid = watching_zn::known_btid,
                        .level = gba::authentication_level::subscriber,
                        .nonce = both[0].gate->nonce,
                        .confirmation_sha256 = "",
                        .answer = gba::user_answer::none,
                        .mac = {}};
    proof.mac = gba::dm_proof_mac(watching_zn::ks_naf, device_id, "dms.mcx-a.example.org", proof);
    command results{.name = command_name::results};
    results.msg_ref = "2";
    results.cmd_ref = get.cmd_id;
    results.items = {{.source = std::string(gba::dm_proof_node), .data = gba::format_dm_proof(proof)}};
    auto next =
        run(message(3, std::nullopt,
                    {status_for_command(r, sequence, "200"), status_for_command(r, exec, "200"),
                     status_for_command(r, get, "200"), results}),
            key);

    EXPECT_EQ(zn->calls, 1);
    EXPECT_FALSE(zn->asked_inside_a_transaction) << "no network call holds the store's write lock";
    auto gate = jobs.find(device_id, both[0].id).value();
    EXPECT_EQ(gate.gate->decision, "passed");
    EXPECT_EQ(gate.gate->subscription, "001010000000017");
    ASSERT_EQ(next.message.commands.back().name, command_name::get) << "the held job is sent at once";
    EXPECT_EQ(next.message.commands.back().items.at(0).target, "./DevInfo/Man");
}

} // namespace
} // namespace mcprov::dms
