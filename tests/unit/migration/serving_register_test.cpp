#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "mcprov/migration/serving_register.hpp"

namespace mcprov::migration {
namespace {

using namespace std::chrono_literals;
using support::errc;

const std::string alice = "sip:alice@police.mcx-a.example.org";
const std::string bob = "sip:bob@fire.mcx-a.example.org";
const std::string carol = "sip:carol@ambulance.mcx-a.example.org";
const std::string mcx_b = "mcx-b.example.org";
const std::string mcx_c = "mcx-c.example.org";
const std::string mcx_d = "mcx-d.example.org";

class serving_register_test : public ::testing::Test {
protected:
    void SetUp() override {
        auto opened = store::create_sqlite_document_store(dir.path() / "cms.db");
        ASSERT_TRUE(opened) << opened.err().message;
        documents = std::move(opened).value();
        serving = std::make_shared<serving_register>(documents, clock);
    }

    std::vector<std::string> served(const std::string& user, const std::string& partner,
                                    const std::string& etag = "\"e1\"", const std::string& cid = "cid") {
        auto released = serving->record_served(user, partner, "mcptt", "migration-profile-1.xml", etag, cid);
        EXPECT_TRUE(released) << released.err().message;
        return released ? *released : std::vector<std::string>{};
    }

    std::vector<serving_record> records_of(const std::string& user) {
        auto all = serving->records(user);
        EXPECT_TRUE(all) << all.err().message;
        return all ? *all : std::vector<serving_record>{};
    }

    const serving_record* find(const std::vector<serving_record>& records, const std::string& partner) {
        for (const auto& r : records) {
            if (r.partner == partner) {
                return &r;
            }
        }
        return nullptr;
    }

    delivery_report report(const std::string& etag = "\"e1\"") {
        return {etag, "sha-256:" + std::string(64, 'b'), "mcx-a-police", clock->now() - 5s, "cid-report"};
    }

    const std::chrono::system_clock::time_point start = support::parse_utc("2026-11-23T19:13:24Z").value();
    testing::temp_dir dir;
    std::shared_ptr<support::manual_clock> clock = std::make_shared<support::manual_clock>(start);
    std::shared_ptr<store::document_store> documents;
    std::shared_ptr<serving_register> serving;
};

TEST_F(serving_register_test, when_a_partner_is_first_served_then_a_serving_record_is_created) {
    auto released = serving->record_served(alice, mcx_b, "mcptt", "migration-profile-3.xml", "\"e1\"", "cid-1");
    ASSERT_TRUE(released) << released.err().message;
    EXPECT_TRUE(released->empty());
    auto records = records_of(alice);
    ASSERT_EQ(records.size(), 1u);
    const auto& r = records[0];
    EXPECT_EQ(r.user, alice);
    EXPECT_EQ(r.partner, mcx_b);
    EXPECT_EQ(r.state, serving_state::serving);
    ASSERT_EQ(r.profiles.size(), 1u);
    EXPECT_EQ(r.profiles[0].service, "mcptt");
    EXPECT_EQ(r.profiles[0].profile_name, "migration-profile-3.xml");
    EXPECT_EQ(r.profiles[0].profile_etag, "\"e1\"");
    EXPECT_EQ(r.first_served_at, start);
    EXPECT_EQ(r.last_served_at, start);
    EXPECT_EQ(r.correlation_id, "cid-1");
    EXPECT_FALSE(r.profiles[0].delivery);
    EXPECT_TRUE(serving->pending_releases()->empty());
}

TEST_F(serving_register_test, when_the_register_is_opened_again_on_the_same_database_then_records_are_still_there) {
    served(alice, mcx_b);
    serving_register reopened(store::create_sqlite_document_store(dir.path() / "cms.db").value(), clock);
    auto records = reopened.records(alice);
    ASSERT_TRUE(records);
    ASSERT_EQ(records->size(), 1u);
    EXPECT_EQ((*records)[0].partner, mcx_b);
    EXPECT_EQ((*records)[0].first_served_at, start);
}

TEST_F(serving_register_test, when_another_partner_serves_the_user_then_the_first_must_release) {
    served(alice, mcx_b);
    clock->advance(10s);
    EXPECT_EQ(served(alice, mcx_c), std::vector<std::string>{mcx_b});
    auto records = records_of(alice);
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(find(records, mcx_b)->state, serving_state::release_pending);
    EXPECT_EQ(find(records, mcx_c)->state, serving_state::serving);
    EXPECT_EQ(find(records, mcx_c)->first_served_at, start + 10s);

    auto pending = serving->pending_releases();
    ASSERT_TRUE(pending);
    ASSERT_EQ(pending->size(), 1u);
    EXPECT_EQ((*pending)[0].user, alice);
    EXPECT_EQ((*pending)[0].partner, mcx_b);
}

TEST_F(serving_register_test, when_the_release_is_not_confirmed_yet_then_the_partner_is_still_returned) {
    served(alice, mcx_b);
    served(alice, mcx_c);
    EXPECT_EQ(served(alice, mcx_c), std::vector<std::string>{mcx_b});
}

TEST_F(serving_register_test, when_the_partner_confirms_the_release_then_the_record_is_released) {
    served(alice, mcx_b);
    served(alice, mcx_c);
    ASSERT_TRUE(serving->record_released(alice, mcx_b));
    auto records = records_of(alice);
    EXPECT_EQ(find(records, mcx_b)->state, serving_state::released);
    EXPECT_EQ(find(records, mcx_c)->state, serving_state::serving);
    EXPECT_TRUE(serving->pending_releases()->empty());
    EXPECT_TRUE(served(alice, mcx_c).empty()) << "a released partner is not told again";
}

TEST_F(serving_register_test, when_a_release_confirmation_races_with_a_new_provision_then_the_record_stays_serving) {
    served(alice, mcx_b);
    served(alice, mcx_c); // mcx-b must release
    clock->advance(2min);
    EXPECT_EQ(served(alice, mcx_b), std::vector<std::string>{mcx_c}); // the user is back at mcx-b
    ASSERT_TRUE(serving->record_released(alice, mcx_b));              // mcx-b's confirmation of the old release
    auto records = records_of(alice);
    const auto* b = find(records, mcx_b);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->state, serving_state::serving);
    EXPECT_EQ(b->first_served_at, start + 2min) << "a new stay starts when a partner serves the user again";
    EXPECT_EQ(find(records, mcx_c)->state, serving_state::release_pending);
}

TEST_F(serving_register_test, when_an_unknown_partner_confirms_a_release_then_nothing_changes) {
    served(alice, mcx_b);
    EXPECT_TRUE(serving->record_released(alice, mcx_c));
    EXPECT_TRUE(serving->record_released(bob, mcx_b));
    auto records = serving->records();
    ASSERT_TRUE(records);
    ASSERT_EQ(records->size(), 1u);
    EXPECT_EQ((*records)[0].state, serving_state::serving);
}

TEST_F(serving_register_test, when_the_user_comes_home_then_every_partner_not_yet_released_is_returned) {
    served(alice, mcx_b);
    served(alice, mcx_c);
    served(alice, mcx_d);
    ASSERT_TRUE(serving->record_released(alice, mcx_b));
    auto home = serving->record_home(alice);
    ASSERT_TRUE(home) << home.err().message;
    EXPECT_EQ(*home, (std::vector<std::string>{mcx_c, mcx_d}));
    for (const auto& r : records_of(alice)) {
        EXPECT_NE(r.state, serving_state::serving) << r.partner;
    }
    EXPECT_EQ(find(records_of(alice), mcx_b)->state, serving_state::released);
    EXPECT_EQ(find(records_of(alice), mcx_d)->state, serving_state::release_pending);
}

TEST_F(serving_register_test, when_a_user_never_served_elsewhere_comes_home_then_nobody_is_told) {
    auto home = serving->record_home(alice);
    ASSERT_TRUE(home);
    EXPECT_TRUE(home->empty());
    EXPECT_TRUE(records_of(alice).empty());
}

TEST_F(serving_register_test, when_a_delivery_is_reported_then_it_is_stored_with_the_record) {
    served(alice, mcx_b);
    auto r = report();
    ASSERT_TRUE(serving->record_delivery(alice, mcx_b, r));
    auto records = records_of(alice);
    ASSERT_EQ(records.size(), 1u);
    const auto& delivery = records[0].profile("mcptt")->delivery;
    ASSERT_TRUE(delivery);
    EXPECT_EQ(delivery->profile_etag, r.profile_etag);
    EXPECT_EQ(delivery->digest, r.digest);
    EXPECT_EQ(delivery->template_name, r.template_name);
    EXPECT_EQ(delivery->delivered_at, r.delivered_at);
    EXPECT_EQ(delivery->correlation_id, r.correlation_id);
    EXPECT_EQ(records[0].state, serving_state::serving);
}

TEST_F(serving_register_test, when_a_partner_reports_a_user_it_was_never_given_then_not_found) {
    served(alice, mcx_b);
    auto other_partner = serving->record_delivery(alice, mcx_c, report());
    ASSERT_FALSE(other_partner);
    EXPECT_EQ(other_partner.err().code, errc::not_found);
    auto other_user = serving->record_delivery(bob, mcx_b, report());
    ASSERT_FALSE(other_user);
    EXPECT_EQ(other_user.err().code, errc::not_found);
    EXPECT_EQ(records_of(bob).size(), 0u) << "a refused report creates no record";
}

TEST_F(serving_register_test, when_a_partner_is_served_in_several_services_then_each_has_its_profile_and_delivery) {
    ASSERT_TRUE(serving->record_served(alice, mcx_b, "mcvideo", "migration-profile-2.xml", "\"v1\"", "cid-1"));
    ASSERT_TRUE(serving->record_served(alice, mcx_b, "mcptt", "migration-profile-1.xml", "\"p1\"", "cid-2"));
    ASSERT_TRUE(serving->record_served(alice, mcx_b, "mcdata", "migration-profile-1.xml", "\"d1\"", "cid-3"));
    auto mcdata_report = report("\"d1\"");
    mcdata_report.service = "mcdata";
    ASSERT_TRUE(serving->record_delivery(alice, mcx_b, mcdata_report));
    auto records = records_of(alice);
    ASSERT_EQ(records.size(), 1u) << "one record per user and partner";
    const auto& r = records[0];
    ASSERT_EQ(r.profiles.size(), 3u);
    EXPECT_EQ(r.profiles[0].service, "mcptt") << "in the order of the services";
    EXPECT_EQ(r.profiles[1].service, "mcdata");
    EXPECT_EQ(r.profiles[2].service, "mcvideo");
    EXPECT_EQ(r.profile("mcvideo")->profile_etag, "\"v1\"");
    EXPECT_EQ(r.profile("mcvideo")->profile_name, "migration-profile-2.xml");
    ASSERT_TRUE(r.profile("mcdata")->delivery);
    EXPECT_EQ(r.profile("mcdata")->delivery->service, "mcdata");
    EXPECT_FALSE(r.profile("mcptt")->delivery) << "a report is of its own service only";
}

TEST_F(serving_register_test, when_a_partner_reports_a_service_it_was_not_given_then_not_found) {
    served(alice, mcx_b);
    auto r = report();
    r.service = "mcvideo";
    auto refused = serving->record_delivery(alice, mcx_b, r);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.err().code, errc::not_found);
    EXPECT_FALSE(records_of(alice).at(0).profile("mcvideo"));
}

TEST_F(serving_register_test, when_services_alternate_then_revalidations_write_nothing) {
    ASSERT_TRUE(serving->record_served(alice, mcx_b, "mcptt", "migration-profile-1.xml", "\"p1\"", "cid-1"));
    ASSERT_TRUE(serving->record_served(alice, mcx_b, "mcdata", "migration-profile-1.xml", "\"d1\"", "cid-2"));
    clock->advance(10s);
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(serving->record_served(alice, mcx_b, "mcptt", "migration-profile-1.xml", "\"p1\"", "cid-x"));
        ASSERT_TRUE(serving->record_served(alice, mcx_b, "mcdata", "migration-profile-1.xml", "\"d1\"", "cid-y"));
    }
    auto r = records_of(alice).at(0);
    EXPECT_EQ(r.correlation_id, "cid-2") << "no provision since the second changed the record";
    EXPECT_EQ(r.last_served_at, start);
}

TEST_F(serving_register_test, when_a_record_from_before_the_services_is_read_then_it_is_the_mcptt_profile) {
    ASSERT_TRUE(documents->put({"org.mcprov.serving-record", alice, mcx_b},
                               R"({"user":")" + alice + R"(","partner":")" + mcx_b +
                                   R"(","state":"serving","profile_name":"migration-profile-1.xml",)"
                                   R"("profile_etag":"\"e1\"","first_served_at":"2026-11-23T19:13:24Z",)"
                                   R"("last_served_at":"2026-11-23T19:13:24Z","correlation_id":"c"})",
                               {}));
    auto r = records_of(alice).at(0);
    ASSERT_EQ(r.profiles.size(), 1u);
    EXPECT_EQ(r.profiles[0].service, "mcptt");
    EXPECT_EQ(r.profiles[0].profile_etag, "\"e1\"");
}

TEST_F(serving_register_test, when_a_partner_reports_after_it_was_told_to_release_then_conflict) {
    served(alice, mcx_b);
    served(alice, mcx_c);
    auto pending = serving->record_delivery(alice, mcx_b, report());
    ASSERT_FALSE(pending);
    EXPECT_EQ(pending.err().code, errc::conflict);
    ASSERT_TRUE(serving->record_released(alice, mcx_b));
    auto released = serving->record_delivery(alice, mcx_b, report());
    ASSERT_FALSE(released);
    EXPECT_EQ(released.err().code, errc::conflict);
    EXPECT_FALSE(find(records_of(alice), mcx_b)->profile("mcptt")->delivery);
}

TEST_F(serving_register_test, when_a_partner_serves_again_after_a_release_then_the_old_delivery_is_forgotten) {
    served(alice, mcx_b);
    ASSERT_TRUE(serving->record_delivery(alice, mcx_b, report()));
    served(alice, mcx_c);
    served(alice, mcx_b);
    EXPECT_FALSE(find(records_of(alice), mcx_b)->profile("mcptt")->delivery);
}

TEST_F(serving_register_test, when_the_same_provision_repeats_then_the_delivery_is_kept) {
    served(alice, mcx_b);
    ASSERT_TRUE(serving->record_delivery(alice, mcx_b, report()));
    clock->advance(5min);
    served(alice, mcx_b);
    EXPECT_TRUE(find(records_of(alice), mcx_b)->profile("mcptt")->delivery);
}

TEST_F(serving_register_test, when_every_record_is_listed_then_they_are_ordered_by_user_then_partner) {
    served(carol, mcx_c);
    served(alice, mcx_d);
    served(bob, mcx_b);
    served(alice, mcx_b);
    auto all = serving->records();
    ASSERT_TRUE(all) << all.err().message;
    std::vector<std::pair<std::string, std::string>> order;
    for (const auto& r : *all) {
        order.emplace_back(r.user, r.partner);
    }
    EXPECT_EQ(order, (std::vector<std::pair<std::string, std::string>>{
                         {alice, mcx_b}, {alice, mcx_d}, {bob, mcx_b}, {carol, mcx_c}}));
    EXPECT_EQ(records_of(alice).size(), 2u);
    EXPECT_TRUE(records_of("sip:nobody@mcx-a.example.org").empty());
}

TEST_F(serving_register_test, when_pending_releases_are_listed_then_only_release_pending_records_come) {
    served(alice, mcx_b);
    served(alice, mcx_c); // alice at mcx-b pending
    served(bob, mcx_b);
    served(bob, mcx_d); // bob at mcx-b pending
    served(carol, mcx_b);
    served(carol, mcx_c);
    ASSERT_TRUE(serving->record_released(carol, mcx_b)); // carol at mcx-b released
    auto pending = serving->pending_releases();
    ASSERT_TRUE(pending);
    std::vector<std::pair<std::string, std::string>> got;
    for (const auto& r : *pending) {
        EXPECT_EQ(r.state, serving_state::release_pending);
        got.emplace_back(r.user, r.partner);
    }
    EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{{alice, mcx_b}, {bob, mcx_b}}));
}

TEST_F(serving_register_test, when_the_same_provision_repeats_within_a_minute_then_the_record_is_not_rewritten) {
    served(alice, mcx_b, "\"e1\"", "cid-1");
    clock->advance(30s);
    served(alice, mcx_b, "\"e1\"", "cid-2");
    auto r = records_of(alice).at(0);
    EXPECT_EQ(r.last_served_at, start);
    EXPECT_EQ(r.correlation_id, "cid-1");
    clock->advance(29s);
    served(alice, mcx_b, "\"e1\"", "cid-3");
    EXPECT_EQ(records_of(alice).at(0).last_served_at, start);
}

TEST_F(serving_register_test, when_a_minute_has_passed_then_last_served_at_is_refreshed) {
    served(alice, mcx_b, "\"e1\"", "cid-1");
    clock->advance(30s);
    served(alice, mcx_b, "\"e1\"", "cid-2");
    clock->advance(31s);
    served(alice, mcx_b, "\"e1\"", "cid-3");
    auto r = records_of(alice).at(0);
    EXPECT_EQ(r.last_served_at, start + 61s);
    EXPECT_EQ(r.first_served_at, start);
    EXPECT_EQ(r.correlation_id, "cid-3");
    EXPECT_EQ(r.state, serving_state::serving);
}

TEST_F(serving_register_test, when_the_profile_changes_within_a_minute_then_the_record_is_updated_at_once) {
    served(alice, mcx_b, "\"e1\"", "cid-1");
    clock->advance(5s);
    serving->record_served(alice, mcx_b, "mcptt", "migration-profile-2.xml", "\"e2\"", "cid-2").value();
    auto r = records_of(alice).at(0);
    EXPECT_EQ(r.profile("mcptt")->profile_name, "migration-profile-2.xml");
    EXPECT_EQ(r.profile("mcptt")->profile_etag, "\"e2\"");
    EXPECT_EQ(r.last_served_at, start + 5s);
    EXPECT_EQ(r.first_served_at, start);
    EXPECT_EQ(r.correlation_id, "cid-2");
}

// Two registers on two store objects of one database stand for two processes: however their changes interleave, a
// user is served by at most one partner, and every other partner that served it is to be released.
TEST_F(serving_register_test, when_two_processes_record_provisions_at_once_then_only_one_partner_stays_serving) {
    auto other_documents = store::create_sqlite_document_store(dir.path() / "cms.db", clock);
    ASSERT_TRUE(other_documents) << other_documents.err().message;
    serving_register other(std::move(other_documents).value(), clock);
    const std::vector<std::string> partners = {mcx_b, mcx_c, mcx_d};
    std::atomic<int> failures{0};
    auto provide = [&](serving_register& r, int first) {
        for (int i = 0; i < 30; ++i) {
            const auto& partner = partners[static_cast<std::size_t>(first + i) % partners.size()];
            if (!r.record_served(alice, partner, "mcptt", "migration-profile-1.xml", "\"e" + std::to_string(i) + "\"", "cid")) {
                ++failures;
            }
        }
    };
    std::thread a([&] { provide(*serving, 0); });
    std::thread b([&] { provide(other, 1); });
    a.join();
    b.join();
    EXPECT_EQ(failures.load(), 0);
    auto records = records_of(alice);
    ASSERT_EQ(records.size(), partners.size());
    int serving_count = 0;
    for (const auto& r : records) {
        serving_count += r.state == serving_state::serving;
        EXPECT_NE(r.state, serving_state::released);
    }
    EXPECT_EQ(serving_count, 1);
}

TEST(serving_state, when_written_then_it_reads_as_the_register_stores_it) {
    EXPECT_EQ(to_string(serving_state::serving), "serving");
    EXPECT_EQ(to_string(serving_state::release_pending), "release-pending");
    EXPECT_EQ(to_string(serving_state::released), "released");
}

} // namespace
} // namespace mcprov::migration
