#include <gtest/gtest.h>

#include "mcprov/migration/served_profile.hpp"
#include "mcprov/support/clock.hpp"

namespace mcprov::migration {
namespace {

using support::errc;

const std::string migration_profile =
    R"(<?xml version="1.0" encoding="UTF-8"?>)"
    R"(<mcptt-user-profile xmlns="urn:3gpp:mcptt:user-profile:1.0" XUI-URI="sip:alice@police.mcx-a.example.org" )"
    R"(user-profile-index="5"><Name>Alice</Name>)"
    R"(<migration-for xmlns="urn:mcprov:migration:1" partners="mcx-b.example.org"/></mcptt-user-profile>)";

serving_stamp sample() {
    auto from = support::parse_utc("2026-11-23T19:13:24Z").value();
    return {"mcx-b.example.org",          "mcx-a.example.org", "mcx-a-police", "migration-profile-1.xml", from,
            from + std::chrono::hours(24)};
}

std::size_t count(const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
        ++n;
    }
    return n;
}

void expect_same(const serving_stamp& got, const serving_stamp& want) {
    EXPECT_EQ(got.serving_system, want.serving_system);
    EXPECT_EQ(got.primary_system, want.primary_system);
    EXPECT_EQ(got.template_name, want.template_name);
    EXPECT_EQ(got.source_profile, want.source_profile);
    EXPECT_EQ(got.valid_from, want.valid_from);
    EXPECT_EQ(got.valid_until, want.valid_until);
}

TEST(served_profile, when_stamped_then_the_stamp_reads_back_whole) {
    auto stamped = stamp_for_serving(migration_profile, sample());
    ASSERT_TRUE(stamped) << stamped.err().message;
    auto stamp = read_serving_stamp(*stamped);
    ASSERT_TRUE(stamp) << stamp.err().message;
    expect_same(*stamp, sample());
    EXPECT_NE(stamped->find(R"(valid-until="2026-11-24T19:13:24Z")"), std::string::npos) << *stamped;
}

TEST(served_profile, when_stamped_then_migration_for_is_dropped_and_the_index_is_zero) {
    auto stamped = stamp_for_serving(migration_profile, sample()).value();
    EXPECT_EQ(stamped.find("migration-for"), std::string::npos) << stamped;
    EXPECT_NE(stamped.find(R"(user-profile-index="0")"), std::string::npos) << stamped;
    EXPECT_EQ(stamped.find(R"(user-profile-index="5")"), std::string::npos);
    EXPECT_NE(stamped.find("<Name>Alice</Name>"), std::string::npos) << "the rest of the profile stays";
}

TEST(served_profile, when_profile_has_no_index_then_none_is_added) {
    auto stamped =
        stamp_for_serving(R"(<mcptt-user-profile xmlns="urn:3gpp:mcptt:user-profile:1.0"/>)", sample()).value();
    EXPECT_EQ(stamped.find("user-profile-index"), std::string::npos) << stamped;
    EXPECT_TRUE(read_serving_stamp(stamped));
}

TEST(served_profile, when_stamped_twice_then_only_the_new_stamp_remains) {
    auto first = stamp_for_serving(migration_profile, sample()).value();
    auto later = sample();
    later.template_name = "mcx-a-all";
    later.valid_from += std::chrono::hours(12);
    later.valid_until += std::chrono::hours(12);
    auto second = stamp_for_serving(first, later);
    ASSERT_TRUE(second) << second.err().message;
    EXPECT_EQ(count(*second, "served-by"), 1u) << *second;
    expect_same(read_serving_stamp(*second).value(), later);
}

TEST(served_profile, when_stamp_values_need_escaping_then_they_survive_the_round_trip) {
    auto odd = sample();
    odd.template_name = R"(a "quoted" <name> & more)";
    odd.source_profile = "line\nbreak\ttab";
    auto stamped = stamp_for_serving(migration_profile, odd);
    ASSERT_TRUE(stamped);
    expect_same(read_serving_stamp(*stamped).value(), odd);
}

TEST(served_profile, when_profile_is_not_xml_then_neither_stamping_nor_reading_works) {
    auto stamped = stamp_for_serving("<mcptt-user-profile", sample());
    ASSERT_FALSE(stamped);
    EXPECT_EQ(stamped.err().code, errc::not_well_formed);
    auto read = read_serving_stamp("not xml at all");
    ASSERT_FALSE(read);
    EXPECT_EQ(read.err().code, errc::not_well_formed);
}

TEST(served_profile, when_profile_has_no_stamp_then_not_found) {
    auto read = read_serving_stamp(migration_profile);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.err().code, errc::not_found);
}

TEST(served_profile, when_served_by_is_in_another_namespace_or_not_at_the_root_then_not_found) {
    const std::string attrs =
        R"(system="mcx-b.example.org" valid-from="2026-11-23T19:13:24Z" valid-until="2026-11-24T19:13:24Z")";
    for (const std::string& doc : {"<p xmlns=\"urn:x\"><served-by " + attrs + "/></p>",
                                   "<p><served-by xmlns=\"urn:mcprov:migration:2\" " + attrs + "/></p>",
                                   "<p><q><served-by xmlns=\"urn:mcprov:migration:1\" " + attrs + "/></q></p>"}) {
        auto read = read_serving_stamp(doc);
        ASSERT_FALSE(read) << doc;
        EXPECT_EQ(read.err().code, errc::not_found) << doc;
    }
    EXPECT_TRUE(read_serving_stamp("<p><m:served-by xmlns:m=\"urn:mcprov:migration:1\" " + attrs + "/></p>"))
        << "the prefix does not matter, the namespace does";
}

TEST(served_profile, when_stamp_lacks_system_or_a_valid_time_then_invalid_argument) {
    const std::string system = R"(system="mcx-b.example.org")";
    const std::string from = R"(valid-from="2026-11-23T19:13:24Z")";
    const std::string until = R"(valid-until="2026-11-24T19:13:24Z")";
    for (const std::string& attrs :
         {from + " " + until, system + " " + until, system + " " + from, R"(system="" )" + from + " " + until,
          system + R"( valid-from="tomorrow" )" + until,
          system + " " + from + R"( valid-until="2026-11-24T19:13:24+00:00")"}) {
        auto doc = "<p><served-by xmlns=\"urn:mcprov:migration:1\" " + attrs + "/></p>";
        auto read = read_serving_stamp(doc);
        ASSERT_FALSE(read) << doc;
        EXPECT_EQ(read.err().code, errc::invalid_argument) << doc;
    }
}

// Found by serving_stamp_fuzzer: a year the clock cannot hold overflowed the conversion to system_clock.
TEST(served_profile, when_stamp_times_are_outside_what_the_clock_can_hold_then_invalid_argument) {
    for (const char* until : {"1013-02-28T00:00:00Z", "9999-12-31T23:59:59Z"}) {
        auto doc = std::string(R"(<p><served-by xmlns="urn:mcprov:migration:1" system="mcx-b.example.org" )"
                   R"(valid-from="2026-11-23T19:13:24Z" valid-until=")") +
                   until + R"("/></p>)";
        auto read = read_serving_stamp(doc);
        ASSERT_FALSE(read) << doc;
        EXPECT_EQ(read.err().code, errc::invalid_argument);
    }
}

} // namespace
} // namespace mcprov::migration
