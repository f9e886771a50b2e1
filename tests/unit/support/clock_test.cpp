#include <gtest/gtest.h>

#include "mcprov/support/clock.hpp"

namespace mcprov::support {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

system_clock::time_point at(std::int64_t seconds_since_epoch) {
    return system_clock::time_point(std::chrono::seconds(seconds_since_epoch));
}

TEST(support_clock, when_formatted_then_rfc3339_utc_in_whole_seconds) {
    EXPECT_EQ(format_utc(at(0)), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_utc(at(1'704'067'200)), "2024-01-01T00:00:00Z");
    EXPECT_EQ(format_utc(at(1'709'210'096)), "2024-02-29T12:34:56Z");
    // Sub-second parts are dropped (rounded down, also before 1970), never rounded up into the next second.
    EXPECT_EQ(format_utc(at(1'704'067'199) + 999ms), "2023-12-31T23:59:59Z");
    EXPECT_EQ(format_utc(at(0) - 1ms), "1969-12-31T23:59:59Z");
}

TEST(support_clock, when_formatted_time_is_parsed_then_it_round_trips) {
    for (std::int64_t seconds : {std::int64_t{0}, std::int64_t{951'782'400} /* 2000-02-29 */,
                                 std::int64_t{1'709'210'096}, std::int64_t{4'102'444'799} /* 2099-12-31T23:59:59 */}) {
        auto text = format_utc(at(seconds));
        auto parsed = parse_utc(text);
        ASSERT_TRUE(parsed) << text;
        EXPECT_EQ(*parsed, at(seconds)) << text;
        EXPECT_EQ(format_utc(*parsed), text);
    }
}

TEST(support_clock, when_text_has_fractional_seconds_then_they_are_accepted_and_dropped) {
    EXPECT_EQ(parse_utc("2024-02-29T12:34:56.5Z"), at(1'709'210'096));
    EXPECT_EQ(parse_utc("2024-02-29T12:34:56.999999999Z"), at(1'709'210'096));
    EXPECT_EQ(parse_utc("2024-02-29T12:34:56.000Z"), at(1'709'210'096));
    EXPECT_EQ(parse_utc("2024-02-29T12:34:56.Z"), std::nullopt) << "a '.' needs digits";
    EXPECT_EQ(parse_utc("2024-02-29T12:34:56.5x"), std::nullopt);
}

TEST(support_clock, when_separators_are_lower_case_then_accepted) {
    // RFC 3339 5.6: "T" and "Z" may be written in lower case.
    EXPECT_EQ(parse_utc("2024-02-29t12:34:56z"), at(1'709'210'096));
}

TEST(support_clock, when_leap_second_is_written_then_it_reads_as_the_next_second) {
    EXPECT_EQ(parse_utc("2016-12-31T23:59:60Z"), parse_utc("2017-01-01T00:00:00Z"));
    EXPECT_EQ(parse_utc("2016-12-31T23:59:61Z"), std::nullopt);
}

TEST(support_clock, when_second_is_60_outside_the_end_of_a_utc_day_then_refused) {
    EXPECT_EQ(parse_utc("2016-12-31T12:00:60Z"), std::nullopt);
    EXPECT_EQ(parse_utc("2016-12-31T23:58:60Z"), std::nullopt);
}

TEST(support_clock, when_text_is_not_utc_rfc3339_then_refused) {
    for (const char* bad : {
             "",
             "2024-01-01T00:00:00",       // no Z
             "2024-01-01T00:00:00+01:00", // an offset
             "2024-01-01T00:00:00+00:00", // UTC, but not written Z
             "2024-01-01T00:00:00-05:00",
             "2024-01-01T00:00:00.5+01:00",
             "2023-02-30T00:00:00Z", // no such day
             "2023-02-29T00:00:00Z", // not a leap year
             "2024-04-31T00:00:00Z",
             "2024-01-00T00:00:00Z",
             "2024-00-01T00:00:00Z",
             "2024-13-01T00:00:00Z",
             "2024-01-01T24:00:00Z", // hour 24
             "2024-01-01T00:60:00Z",
             "abcd-01-01T00:00:00Z", // letters
             "2024-0a-01T00:00:00Z",
             "2024-01-01T0x:00:00Z",
             "2024-01-01T00:00:00Zjunk", // trailing garbage
             "2024-01-01T00:00:00ZZ",
             "2024-01-01T00:00:00Z ",
             " 2024-01-01T00:00:00Z",
             "2024-01-01 00:00:00Z",
             "2024-01-01X00:00:00Z",
             "2024/01/01T00:00:00Z",
             "2024-1-01T00:00:00Z",
             "+024-01-01T00:00:00Z",
             "2024-01-01T00:00Z",
             "2024-01-01",
         }) {
        EXPECT_EQ(parse_utc(bad), std::nullopt) << '"' << bad << '"';
    }
}

TEST(support_clock, when_manual_clock_is_moved_then_now_follows) {
    manual_clock clock(at(100));
    EXPECT_EQ(clock.now(), at(100));
    clock.advance(30s);
    EXPECT_EQ(clock.now(), at(130));
    clock.set(at(5));
    EXPECT_EQ(clock.now(), at(5));
}

} // namespace
} // namespace mcprov::support
