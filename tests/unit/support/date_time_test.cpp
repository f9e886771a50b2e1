#include <gtest/gtest.h>

#include "mcprov/support/date_time.hpp"

namespace mcprov::support {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

date_time at(sys_days day, seconds since_midnight = 0s, nanoseconds fraction = 0ns) {
    return date_time{day + since_midnight, fraction};
}

date_time parsed(std::string_view text, const date_time_syntax& syntax = rfc3339) {
    auto r = parse_date_time(text, syntax);
    EXPECT_TRUE(r) << text << ": " << (r ? "" : r.err().message);
    return r ? *r : date_time{};
}

void expect_refused(std::string_view text, const date_time_syntax& syntax = rfc3339) {
    auto r = parse_date_time(text, syntax);
    ASSERT_FALSE(r) << '"' << text << "\" was accepted as " << format_date_time(*r, 9);
    EXPECT_EQ(r.err().code, errc::invalid_argument);
    EXPECT_EQ(r.err().message.rfind("date-time: ", 0), 0u) << r.err().message;
}

TEST(support_date_time, when_utc_text_is_parsed_then_fields_are_read) {
    EXPECT_EQ(parsed("2024-02-29T12:34:56Z"), at(2024y / February / 29, 12h + 34min + 56s));
    EXPECT_EQ(parsed("0001-01-01T00:00:00Z"), at(1y / January / 1));
    EXPECT_EQ(parsed("9999-12-31T23:59:59Z"), at(9999y / December / 31, 23h + 59min + 59s));
    EXPECT_EQ(parsed("2024-02-29t12:34:56z"), at(2024y / February / 29, 12h + 34min + 56s));
}

TEST(support_date_time, when_offset_is_given_then_the_instant_is_converted_to_utc) {
    EXPECT_EQ(parsed("2024-01-01T01:00:00+01:00"), at(2024y / January / 1));
    EXPECT_EQ(parsed("2023-12-31T19:00:00-05:00"), at(2024y / January / 1));
    EXPECT_EQ(parsed("2024-01-01T05:30:00+05:30"), at(2024y / January / 1));
    EXPECT_EQ(parsed("2024-01-01T00:00:00+00:00"), at(2024y / January / 1));
    EXPECT_EQ(parsed("2024-01-01T00:00:00-00:00"), at(2024y / January / 1)) << "RFC 3339 4.3: unknown local offset";
    EXPECT_EQ(parsed("2024-03-01T00:30:00+23:59"), at(2024y / February / 29, 31min));
}

TEST(support_date_time, when_fraction_is_given_then_nanoseconds_are_kept_and_the_rest_truncated) {
    EXPECT_EQ(parsed("2024-01-01T00:00:00.5Z").subsecond, 500ms);
    EXPECT_EQ(parsed("2024-01-01T00:00:00.123Z").subsecond, 123ms);
    EXPECT_EQ(parsed("2024-01-01T00:00:00.000001Z").subsecond, 1us);
    EXPECT_EQ(parsed("2024-01-01T00:00:00.123456789Z").subsecond, 123456789ns);
    EXPECT_EQ(parsed("2024-01-01T00:00:00.1234567899999Z").subsecond, 123456789ns);
    EXPECT_EQ(parsed("2024-01-01T00:00:00.999999999999Z"), at(2024y / January / 1, 0s, 999999999ns));
    EXPECT_EQ(parsed("2024-01-01T01:00:00.25+01:00"), at(2024y / January / 1, 0s, 250ms));
}

TEST(support_date_time, when_leap_second_is_at_the_end_of_a_utc_day_then_it_reads_as_the_next_second) {
    EXPECT_EQ(parsed("2016-12-31T23:59:60Z"), at(2017y / January / 1));
    EXPECT_EQ(parsed("2016-12-31T15:59:60-08:00"), at(2017y / January / 1));
    EXPECT_EQ(parsed("2017-01-01T00:59:60+01:00"), at(2017y / January / 1));
    EXPECT_EQ(parsed("2016-12-31T23:59:60.5Z"), at(2017y / January / 1));
}

TEST(support_date_time, when_second_is_60_anywhere_else_then_refused) {
    expect_refused("2016-12-31T23:58:60Z");
    expect_refused("2016-12-31T12:00:60Z");
    expect_refused("2016-12-31T23:59:60+01:00");
    expect_refused("2016-12-31T23:59:61Z");
    expect_refused("2016-12-31T23:59:60Z", xsd_date_time);
    expect_refused("9999-12-31T23:59:60Z"); // the next second is in year 10000
}

TEST(support_date_time, when_any_field_is_out_of_range_then_refused) {
    for (const char* bad : {
             "0000-01-01T00:00:00Z",
             "2024-00-01T00:00:00Z",
             "2024-13-01T00:00:00Z",
             "2024-01-00T00:00:00Z",
             "2024-01-32T00:00:00Z",
             "2023-02-29T00:00:00Z",
             "2024-02-30T00:00:00Z",
             "2024-04-31T00:00:00Z",
             "1900-02-29T00:00:00Z",
             "2024-01-01T24:00:00Z",
             "2024-01-01T25:00:00Z",
             "2024-01-01T00:60:00Z",
             "2024-01-01T00:00:00+24:00",
             "2024-01-01T00:00:00+01:60",
             "2024-01-01T00:00:00-99:00",
             // converted to UTC, the instant leaves 0001..9999
             "0001-01-01T00:00:00+00:01",
             "9999-12-31T23:59:59-00:01",
         }) {
        expect_refused(bad);
    }
}

TEST(support_date_time, when_syntax_is_broken_then_refused) {
    for (const char* bad : {
             "",
             "2024",
             "2024-01-01",
             "2024-01-01T00:00Z",
             "2024-01-01T00:00:00",
             "2024-01-01 00:00:00Z",
             "2024-01-01X00:00:00Z",
             "2024/01/01T00:00:00Z",
             "2024-1-01T00:00:00Z",
             "24-01-01T00:00:00Z",
             "+2024-01-01T00:00:00Z",
             "-2024-01-01T00:00:00Z",
             "12024-01-01T00:00:00Z",
             "2024-01-01T0:00:00Z",
             "2024-01-01T00:00:00.Z",
             "2024-01-01T00:00:00.5",
             "2024-01-01T00:00:00ZZ",
             "2024-01-01T00:00:00Z ",
             " 2024-01-01T00:00:00Z",
             "2024-01-01T00:00:00+0100",
             "2024-01-01T00:00:00+01",
             "2024-01-01T00:00:00+1:00",
             "2024-01-01T00:00:00UTC",
             "abcd-01-01T00:00:00Z",
             "2024-0a-01T00:00:00Z",
             "2024-01-01T00:00:00.5x",
             "2024-01-01T00:00:00Z\n",
         }) {
        expect_refused(bad);
    }
    expect_refused(std::string_view("2024-01-01T00:00:00Z\0", 21));
    expect_refused("2024-01-01T00:00:00." + std::string(100, '0') + "Z"); // length limit
}

TEST(support_date_time, when_xsd_syntax_then_zone_is_optional_and_24_00_is_the_next_day) {
    EXPECT_EQ(parsed("2024-01-01T00:00:00", xsd_date_time), at(2024y / January / 1));
    EXPECT_EQ(parsed("2024-12-31T24:00:00", xsd_date_time), at(2025y / January / 1));
    EXPECT_EQ(parsed("2024-12-31T24:00:00.000Z", xsd_date_time), at(2025y / January / 1));
    EXPECT_EQ(parsed("2024-01-01T14:00:00+14:00", xsd_date_time), at(2024y / January / 1));
    expect_refused("2024-12-31T24:00:00.001", xsd_date_time);
    expect_refused("2024-12-31T24:01:00", xsd_date_time);
    expect_refused("2024-01-01T00:00:00+14:01", xsd_date_time);
    expect_refused("2024-01-01t00:00:00Z", xsd_date_time);
    expect_refused("2024-01-01T00:00:00z", xsd_date_time);
    expect_refused("-0001-01-01T00:00:00Z", xsd_date_time);
}

TEST(support_date_time, when_24_00_00_has_a_fraction_that_is_not_zero_beyond_nanoseconds_then_refused) {
    expect_refused("2024-12-31T24:00:00.0000000001", xsd_date_time);
    expect_refused("2024-12-31T24:00:00.0000000000000000000000000000009Z", xsd_date_time);
    EXPECT_EQ(parsed("2024-12-31T24:00:00.0000000000000000000000000000000Z", xsd_date_time), at(2025y / January / 1));
}

TEST(support_date_time, when_the_length_limit_is_raised_then_a_long_fraction_is_read) {
    const std::string text = "2024-01-01T00:00:00.25" + std::string(100, '0') + "1Z";
    expect_refused(text);
    date_time_syntax long_fractions = rfc3339;
    long_fractions.max_length = 1024;
    EXPECT_EQ(parsed(text, long_fractions), at(2024y / January / 1, 0s, 250ms));
    long_fractions.max_length = 20;
    EXPECT_EQ(parsed("2024-01-01T00:00:00Z", long_fractions), at(2024y / January / 1)); // 20 characters: the limit
    expect_refused("2024-01-01T00:00:00.5Z", long_fractions);
}

TEST(support_date_time, when_only_z_is_allowed_then_offsets_are_refused) {
    constexpr date_time_syntax utc_only{.numeric_offsets = false};
    EXPECT_EQ(parsed("2024-01-01T00:00:00Z", utc_only), at(2024y / January / 1));
    expect_refused("2024-01-01T00:00:00+00:00", utc_only);
}

TEST(support_date_time, when_formatted_then_utc_with_the_asked_fraction_truncated) {
    const auto t = at(2024y / February / 29, 12h + 34min + 56s, 987654321ns);
    EXPECT_EQ(format_date_time(t), "2024-02-29T12:34:56Z");
    EXPECT_EQ(format_date_time(t, 3), "2024-02-29T12:34:56.987Z");
    EXPECT_EQ(format_date_time(t, 6), "2024-02-29T12:34:56.987654Z");
    EXPECT_EQ(format_date_time(t, 9), "2024-02-29T12:34:56.987654321Z");
    EXPECT_EQ(format_date_time(t, 12), "2024-02-29T12:34:56.987654321Z");
    EXPECT_EQ(format_date_time(at(2024y / January / 1, 0s, 5ms), 3), "2024-01-01T00:00:00.005Z");
    EXPECT_EQ(format_date_time(at(1y / January / 1)), "0001-01-01T00:00:00Z");
    EXPECT_EQ(format_date_time(at(9999y / December / 31, 86399s)), "9999-12-31T23:59:59Z");
}

TEST(support_date_time, when_formatted_text_is_parsed_then_it_round_trips) {
    for (auto t : {at(1y / January / 1), at(1970y / January / 1), at(2000y / February / 29, 3723s, 1ns),
                   at(9999y / December / 31, 86399s, 999999999ns), at(1677y / September / 20, 1s, 42us)}) {
        EXPECT_EQ(parsed(format_date_time(t, 9)), t) << format_date_time(t, 9);
    }
}

TEST(support_date_time, when_converted_to_a_time_point_then_values_beyond_the_clock_are_nullopt) {
    EXPECT_EQ(to_time_point(at(1970y / January / 1, 1s, 5ms)), system_clock::time_point(1005ms));
    EXPECT_EQ(to_time_point(at(1y / January / 1)), std::nullopt);
    EXPECT_EQ(to_time_point(at(9999y / January / 1)), std::nullopt);
    EXPECT_EQ(to_time_point(at(1678y / January / 1)).has_value(), true);
    EXPECT_EQ(to_time_point(at(2261y / December / 31)).has_value(), true);
    const auto now = system_clock::time_point(1'709'210'096'123'456'789ns);
    EXPECT_EQ(from_time_point(now), at(2024y / February / 29, 12h + 34min + 56s, 123456789ns));
    EXPECT_EQ(to_time_point(from_time_point(now)), now);
    const auto before_epoch = system_clock::time_point(-1ms);
    EXPECT_EQ(from_time_point(before_epoch), at(1969y / December / 31, 86399s, 999ms));
}

} // namespace
} // namespace mcprov::support
