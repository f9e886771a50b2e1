#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "mcprov/dms/job.hpp"
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
