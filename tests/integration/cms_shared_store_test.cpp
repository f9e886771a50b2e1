#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "cms_deployment.hpp"

// Several `mcprov cms` processes of one MC system on one store (docs/storage.md): each test runs on SQLite and, under
// the prefix postgresql., on a PostgreSQL database.
namespace mcprov::testing {
namespace {

using boost::beast::http::status;
using boost::beast::http::verb;

const std::string mcdata = "org.3gpp.mcdata.user-profile";
const std::string mcdata_type = "application/vnd.3gpp.mcdata-user-profile+xml";
const std::string counter_user = "sip:counter@police.example.org";

std::string counter_profile(int count) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<mcdata-user-profile xmlns=\"urn:3gpp:ns:mcdata:user-profile:1.0\" XUI-URI=\"" +
           counter_user + "\" user-profile-index=\"1\"><Name>" + std::to_string(count) +
           "</Name></mcdata-user-profile>\n";
}

int count_of(const std::string& profile) {
    auto from = profile.find("<Name>");
    auto to = profile.find("</Name>");
    return from == std::string::npos || to == std::string::npos ? -1
                                                                : std::stoi(profile.substr(from + 6, to - from - 6));
}

std::string document_path(const std::string& xui) {
    return "/xcap/" + mcdata + "/users/" + xui + "/mcdata-user-profile-1.xml";
}

TEST(cms_shared_store, when_two_processes_share_a_store_then_a_write_through_one_is_read_through_the_other_at_once) {
    cms_deployment cms;
    ASSERT_TRUE(cms.start());
    auto other = cms.start_another();
    ASSERT_FALSE(other.empty());
    const auto admin = cms.admin_token();
    for (int round = 1; round <= 3; ++round) {
        // Written through one process, read through the other, alternately.
        const auto& writer = round % 2 ? cms.base() : other;
        const auto& reader = round % 2 ? other : cms.base();
        // The reader has read the document (or its absence) before: what it keeps in memory of it must not outlive
        // the other process's write (docs/storage.md).
        auto before = cms.request(verb::get, reader + document_path(counter_user), admin);
        ASSERT_TRUE(before);
        ASSERT_EQ(before->result(), round == 1 ? status::not_found : status::ok);
        auto put = cms.request(verb::put, writer + document_path(counter_user), admin, {{"Content-Type", mcdata_type}},
                               counter_profile(round));
        ASSERT_TRUE(put);
        ASSERT_TRUE(put->result() == status::ok || put->result() == status::created) << put->body();
        auto got = cms.request(verb::get, reader + document_path(counter_user), admin);
        ASSERT_TRUE(got);
        ASSERT_EQ(got->result(), status::ok);
        EXPECT_EQ(count_of(got->body()), round);
        EXPECT_EQ((*got)[boost::beast::http::field::etag], (*put)[boost::beast::http::field::etag]);
    }
    ASSERT_EQ(cms.request(verb::get, cms.base() + document_path(counter_user), admin)->result(), status::ok);
    auto removed = cms.request(verb::delete_, other + document_path(counter_user), admin);
    ASSERT_TRUE(removed);
    EXPECT_EQ(removed->result(), status::ok);
    auto gone = cms.request(verb::get, cms.base() + document_path(counter_user), admin);
    ASSERT_TRUE(gone);
    EXPECT_EQ(gone->result(), status::not_found);
}

TEST(cms_shared_store, when_clients_of_two_processes_increment_one_document_with_if_match_then_no_update_is_lost) {
    cms_deployment cms;
    ASSERT_TRUE(cms.start());
    auto other = cms.start_another();
    ASSERT_FALSE(other.empty());
    const auto admin = cms.admin_token();
    auto created = cms.request(verb::put, cms.base() + document_path(counter_user), admin,
                               {{"Content-Type", mcdata_type}, {"If-None-Match", "*"}}, counter_profile(0));
    ASSERT_TRUE(created);
    ASSERT_EQ(created->result(), status::created) << created->body();

    constexpr int clients_per_process = 3;
    constexpr int increments_per_client = 8;
    std::atomic<int> refused_as_stale{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < 2 * clients_per_process; ++c) {
        const std::string base = c % 2 ? other : cms.base();
        clients.emplace_back([&, base] {
            for (int done = 0; done < increments_per_client;) {
                auto got = cms.request(verb::get, base + document_path(counter_user), admin);
                if (!got || got->result() != status::ok) {
                    ++failures;
                    return;
                }
                auto etag = std::string((*got)[boost::beast::http::field::etag]);
                auto put = cms.request(verb::put, base + document_path(counter_user), admin,
                                       {{"Content-Type", mcdata_type}, {"If-Match", etag}},
                                       counter_profile(count_of(got->body()) + 1));
                if (!put) {
                    ++failures;
                    return;
                }
                if (put->result() == status::precondition_failed) {
                    ++refused_as_stale; // another client wrote first: read again
                    continue;
                }
                if (put->result() != status::ok) {
                    ++failures;
                    return;
                }
                ++done;
            }
        });
    }
    for (auto& t : clients) {
        t.join();
    }
    ASSERT_EQ(failures.load(), 0);
    auto final_state = cms.request(verb::get, cms.base() + document_path(counter_user), admin);
    ASSERT_TRUE(final_state);
    EXPECT_EQ(count_of(final_state->body()), 2 * clients_per_process * increments_per_client)
        << refused_as_stale.load() << " writes were refused as stale";
}

} // namespace
} // namespace mcprov::testing
