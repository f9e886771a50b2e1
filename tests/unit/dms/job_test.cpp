#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "mcprov/dms/charging.hpp"
#include "mcprov/dms/job.hpp"
#include "mcprov/dms/operation_gate.hpp"
#include "mcprov/store/document_store.hpp"

namespace mcprov::dms {
namespace {

support::result<job> request(std::string_view text) {
    return job_request_from_json(boost::json::parse(text));
}

TEST(job_request, when_every_command_kind_is_asked_then_each_is_read) {
    auto j = request(R"({"commands":[{"command":"get","target":"./DevInfo/Man"},
        {"command":"add","target":"./Vendor/A","data":"1","format":"int"},
        {"command":"replace","target":"./Vendor/A","data":"2","format":"int"},
        {"command":"delete","target":"./Vendor/A"},
        {"command":"exec","target":"./Vendor/Run"},
        {"command":"alert","alert":1103,"options":"DR=2","text":"Which?","choices":["a","b"]}]})");
    ASSERT_TRUE(j) << j.err().message;
    ASSERT_EQ(j->commands.size(), 6u);
    EXPECT_EQ(j->commands[5].choices, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(j->commands[1].format, "int");
}

TEST(job_request, when_an_application_is_asked_then_its_package_is_added_under_scomo_and_installed) {
    auto j = request(R"({"application":{"id":"com.example.diag","name":"Diagnostics","version":"2.0",
        "url":"https://apps.example/diag.pkg","sha256":"ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789"}})");
    ASSERT_TRUE(j) << j.err().message;
    ASSERT_EQ(j->commands.size(), 8u);
    EXPECT_EQ(j->commands[0].target, "./SCOMO/Download/com.example.diag");
    EXPECT_EQ(j->commands[0].format, "node");
    EXPECT_EQ(j->commands[5].target, "./SCOMO/Download/com.example.diag/Ext/PkgDigest");
    EXPECT_EQ(j->commands[5].data, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
    EXPECT_EQ(j->commands[7].name, syncml::command_name::exec);
    EXPECT_EQ(j->commands[7].target, "./SCOMO/Download/com.example.diag/Operations/DownloadInstall");
    auto inactive = request(R"({"application":{"id":"a","version":"1","inactive":true,
        "url":"https://apps.example/a","sha256":"0000000000000000000000000000000000000000000000000000000000000000"}})");
    ASSERT_TRUE(inactive) << inactive.err().message;
    EXPECT_EQ(inactive->commands.back().target, "./SCOMO/Download/a/Operations/DownloadInstallInactive");

    for (const auto* bad : {R"({"application":{"id":"../x","version":"1","url":"https://a/b","sha256":"00"}})",
                            R"({"application":{"id":"a/b","version":"1","url":"https://a/b",
                                "sha256":"0000000000000000000000000000000000000000000000000000000000000000"}})",
                            R"({"application":{"id":"a","version":"1","url":"ftp://a/b",
                                "sha256":"0000000000000000000000000000000000000000000000000000000000000000"}})",
                            R"({"application":{"id":"a","version":"1","url":"https://a/b","run":true,
                                "sha256":"0000000000000000000000000000000000000000000000000000000000000000"}})",
                            R"({"application":{"id":"a","version":"1","url":"https://a/b",
                                "sha256":"0000000000000000000000000000000000000000000000000000000000000000"},
                                "commands":[{"command":"get","target":"./DevInfo/Mod"}]})"}) {
        auto refused = request(bad);
        ASSERT_FALSE(refused) << bad;
        EXPECT_EQ(refused.err().code, support::errc::invalid_argument);
        EXPECT_NE(refused.err().message.find("application"), std::string::npos) << refused.err().message;
    }
}

TEST(job_request, when_a_request_is_malformed_then_invalid_argument_says_what) {
    for (const auto* text : {
             R"({"atomc":true,"commands":[{"command":"get","target":"./A"}]})",           // a misspelt member
             R"({"commands":[{"command":"get","target":"./A","dta":"x"}]})",              // in a command too
             R"({"commands":[]})",                                                      // nothing to do
             R"({"commands":[{"command":"get","target":"Vendor"}]})",                  // not a node URI
             R"({"commands":[{"command":"add","target":"./A","data":"a\u0001b"}]})",  // XML cannot carry it
             R"({"commands":[{"command":"alert","alert":1200,"text":"x"}]})",          // not a user alert
             R"({"commands":[{"command":"alert","alert":1103,"text":"x"}]})",          // a choice without choices
             R"({"atomic":true,"commands":[{"command":"get","target":"./A"}]})",       // Get cannot be undone
             R"({"firmware":{"url":"ftp://x","version":"2","sha256":"00"}})",
             R"({"firmware":{"url":"https://x/p","version":"2","sha256":")"
             "0000000000000000000000000000000000000000000000000000000000000000" R"(","node":"./Vendor/x"}})",
         }) {
        auto j = request(text);
        ASSERT_FALSE(j) << text;
        EXPECT_EQ(j.err().code, support::errc::invalid_argument) << text;
    }
}

TEST(job_request, when_a_firmware_update_is_asked_then_it_becomes_the_fumo_replaces_and_the_exec) {
    auto j = request(R"({"firmware":{"url":"https://fw.example.org/p.bin","version":"2.0","sha256":")"
                     "ABCDEF0000000000000000000000000000000000000000000000000000000000" R"("}})");
    ASSERT_TRUE(j) << j.err().message;
    ASSERT_EQ(j->commands.size(), 4u);
    EXPECT_EQ(j->commands[2].target, "./FUMO/fw/Ext/PkgDigest");
    EXPECT_EQ(j->commands[2].data, "abcdef0000000000000000000000000000000000000000000000000000000000");
    EXPECT_EQ(j->commands[3].name, syncml::command_name::exec);
    EXPECT_EQ(j->commands[3].target, "./FUMO/fw/DownloadAndUpdate");
}

TEST(job_queue, when_a_device_is_not_enrolled_then_nothing_of_the_batch_is_queued) {
    std::shared_ptr<store::document_store> documents = store::create_memory_document_store();
    ASSERT_TRUE(documents->put({"org.mcprov.dm-device", "IMEI:1", "credentials.json"}, "{}", {}));
    job_queue jobs(documents);
    job a{.id = job_queue::new_id({}), .device = "IMEI:1"};
    a.commands = {{.name = syncml::command_name::get, .target = "./DevInfo/Man"}};
    auto b = a;
    b.id = job_queue::new_id({});
    b.device = "IMEI:2";
    auto queued = jobs.queue_all({a, b});
    ASSERT_FALSE(queued);
    EXPECT_EQ(queued.err().code, support::errc::not_found);
    EXPECT_TRUE(jobs.list("IMEI:1")->empty()) << "all or nothing";
}

} // namespace
} // namespace mcprov::dms

namespace mcprov::dms {
namespace {

TEST(job_gate_request, when_a_gate_is_malformed_then_the_error_names_what) {
    const std::string commands = R"("commands":[{"command":"get","target":"./DevInfo/Mod"}])";
    for (const auto& [gate, what] :
         {std::pair{R"({"level":"device"})", "gate.level"},
          {R"({"level":"user","entitlement":"all"})", "gate.entitlement"},
          {R"({"level":"user","charge":{"amount":0,"currency":"EUR","means":"bill"}})", "gate.charge.amount"},
          {R"({"level":"user","charge":{"amount":5,"currency":"euro","means":"bill"}})", "gate.charge.currency"},
          {R"({"level":"user","charge":{"amount":5,"currency":"EUR","means":"cash"}})", "gate.charge.means"},
          {R"({"level":"user","charge":{"amount":5,"currency":"EUR","means":"bill","waived_for":["12x"]}})",
           "waived_for"},
          {R"({"level":"user","nonce":"AAAA"})", "unknown member 'nonce'"}}) {
        auto j = job_request_from_json(boost::json::parse("{" + commands + R"(,"gate":)" + gate + "}"));
        ASSERT_FALSE(j.has_value()) << gate;
        EXPECT_NE(j.err().message.find(what), std::string::npos) << j.err().message;
    }
}

TEST(job_gate_request, when_a_gated_request_is_queued_then_the_gate_and_the_held_job_round_trip_through_json) {
    auto request = job_request_from_json(boost::json::parse(
        R"({"commands":[{"command":"get","target":"./DevInfo/Mod"}],"gate":{"level":"user","confirmation":"OK?",)"
        R"("entitlement":"home","charge":{"amount":5,"currency":"EUR","means":"prepaid","waived_for":["001*"]}}})"));
    ASSERT_TRUE(request.has_value()) << request.err().message;
    auto jobs = gated_jobs(*request, "IMEI:1", "op", std::chrono::system_clock::time_point(std::chrono::hours(1)),
                           [] { return std::string(16, 'n'); });
    ASSERT_EQ(jobs.size(), 2u);
    EXPECT_EQ(jobs[1].state, job_state::held);
    EXPECT_EQ(jobs[1].held_by, jobs[0].id);
    EXPECT_EQ(jobs[0].gate->for_job, jobs[1].id);
    EXPECT_EQ(jobs[0].commands.size(), 3u); // the confirmation, the Exec, the Get
    for (const auto& j : jobs) {
        auto back = job_from_json(to_json(j));
        ASSERT_TRUE(back.has_value()) << back.err().message;
        EXPECT_EQ(back->gate, j.gate);
        EXPECT_EQ(back->held_by, j.held_by);
        EXPECT_EQ(back->state, j.state);
    }
}

} // namespace
} // namespace mcprov::dms

namespace mcprov::dms {
namespace {

TEST(job_gate_request, when_a_held_operation_is_cancelled_then_its_gate_goes_with_it) {
    std::shared_ptr<store::document_store> documents = store::create_memory_document_store();
    ASSERT_TRUE(documents->write_all({{{"org.mcprov.dm-device", "IMEI:1", "credentials.json"}, "{}"}}).has_value());
    job_queue jobs(documents);
    auto request = job_request_from_json(boost::json::parse(
        R"({"commands":[{"command":"get","target":"./DevInfo/Mod"}],"gate":{"level":"subscriber"}})"));
    ASSERT_TRUE(request.has_value());
    const auto now = std::chrono::system_clock::time_point(std::chrono::hours(1));
    auto both = gated_jobs(*request, "IMEI:1", "op", now, [] { return std::string(16, 'n'); });
    ASSERT_TRUE(jobs.queue_all(both).has_value());
    auto cancelled = jobs.cancel("IMEI:1", both[1].id, now, "op");
    ASSERT_TRUE(cancelled.has_value()) << cancelled.err().message;
    auto listed = jobs.list("IMEI:1");
    ASSERT_TRUE(listed.has_value());
    ASSERT_EQ(listed->size(), 2u);
    for (const auto& j : *listed)
        EXPECT_EQ(j.state, job_state::cancelled) << j.id;
}

TEST(job_gate_request, when_an_operation_its_gate_charged_is_cancelled_then_the_charge_is_given_back) {
    std::shared_ptr<store::document_store> documents = store::create_memory_document_store();
    ASSERT_TRUE(documents->write_all({{{"org.mcprov.dm-device", "IMEI:1", "credentials.json"}, "{}"}}).has_value());
    ASSERT_TRUE(credit_prepaid(*documents, "001010000000017", 500, "EUR").has_value());
    job_queue jobs(documents);
    const auto now = std::chrono::system_clock::time_point(std::chrono::hours(1));
    job let_through{.id = job_queue::new_id(now),
                    .device = "IMEI:1",
                    .requested_by = "op",
                    .commands = {{.name = syncml::command_name::get, .target = "./DevInfo/Mod"}},
                    .created = now,
                    .subscription = "001010000000017"};
    ASSERT_TRUE(documents
                    ->transact([&](store::transaction& tx) -> support::result<void> {
                        auto charged = charge_in(tx, "001010000000017", let_through.id,
                                                 {.amount = 200, .currency = "EUR", .description = "d",
                                                  .means = "prepaid", .waived_for = {}},
                                                 now);
                        if (!charged)
                            return std::move(charged).err();
                        for (const auto& w : charged->second)
                            (void)tx.put(w.key, *w.content);
                        return {};
                    })
                    .has_value());
    ASSERT_TRUE(jobs.queue(let_through).has_value());
    ASSERT_EQ(read_prepaid(*documents, "001010000000017").value().balance, 300u);

    ASSERT_TRUE(jobs.cancel("IMEI:1", let_through.id, now, "op").has_value());
    EXPECT_EQ(read_prepaid(*documents, "001010000000017").value().balance, 500u);
    EXPECT_EQ(charges_of(*documents, "001010000000017").value().at(0).refund_reason, "cancelled by op");
    EXPECT_EQ(jobs.find("IMEI:1", let_through.id).value().subscription, "001010000000017");
}

} // namespace
} // namespace mcprov::dms
