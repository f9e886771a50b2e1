#include <gtest/gtest.h>

#include <limits>

#include "mcprov/mikey/user_identifier.hpp"

namespace mcprov::mikey {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

system_clock::time_point unix_time(std::int64_t seconds) {
    return system_clock::time_point(std::chrono::seconds(seconds));
}

constexpr std::int64_t ntp_offset = static_cast<std::int64_t>(ntp_unix_epoch_offset_seconds);
constexpr key_period_parameters thirty_days{2'592'000, 0};

TEST(mikey_key_periods, when_instant_is_the_ntp_epoch_then_it_is_the_start_of_period_zero) {
    auto number = key_period_number(unix_time(-ntp_offset), thirty_days);
    ASSERT_TRUE(number) << number.err().message;
    EXPECT_EQ(*number, 0u);
    EXPECT_EQ(*key_period_start(0, thirty_days), unix_time(-ntp_offset));
    EXPECT_EQ(*key_period_end(0, thirty_days), unix_time(-ntp_offset + 2'592'000));
}

TEST(mikey_key_periods, when_periods_are_counted_then_they_start_at_1900_not_1970) {
    // 2024-01-01T00:00:00Z is 1704067200 s after 1970 and 3912710400 s after 1900.
    const auto t = unix_time(1'704'067'200);
    EXPECT_EQ(*key_period_number(t, thirty_days), 3'913'056'000u / 2'592'000u); // 1509
    EXPECT_EQ(*key_period_number(t, key_period_parameters{86'400, 0}), 3'913'056'000u / 86'400u);
}

TEST(mikey_key_periods, when_instant_is_on_a_boundary_then_it_belongs_to_the_period_it_starts) {
    const key_period_parameters daily{86'400, 3'600}; // days that start at 01:00 UTC
    auto start = key_period_start(45'287, daily);
    ASSERT_TRUE(start);
    EXPECT_EQ(*start, unix_time(std::int64_t{45'287} * 86'400 + 3'600 - ntp_offset));
    EXPECT_EQ(*key_period_number(*start, daily), 45'287u);
    EXPECT_EQ(*key_period_number(*start - 1ns, daily), 45'286u);
    EXPECT_EQ(*key_period_number(*key_period_end(45'287, daily) - 1ns, daily), 45'287u);
    EXPECT_EQ(*key_period_number(*key_period_end(45'287, daily), daily), 45'288u);
}

TEST(mikey_key_periods, when_offset_shifts_the_periods_then_the_number_follows_the_offset) {
    const auto t = unix_time(1'704'067'200); // 00:00 UTC
    EXPECT_EQ(*key_period_number(t, key_period_parameters{86'400, 0}), 45'290u);
    EXPECT_EQ(*key_period_number(t, key_period_parameters{86'400, 1}), 45'289u);
    EXPECT_EQ(*key_period_number(t + 1s, key_period_parameters{86'400, 1}), 45'290u);
}

TEST(mikey_key_periods, when_period_length_is_zero_then_every_function_refuses_it) {
    const key_period_parameters none{0, 0};
    auto number = key_period_number(unix_time(0), none);
    ASSERT_FALSE(number);
    EXPECT_EQ(number.err().code, support::errc::invalid_argument);
    EXPECT_EQ(number.err().message, "the key period length is 0 seconds");
    EXPECT_FALSE(key_period_start(1, none));
    EXPECT_FALSE(key_period_end(1, none));
    EXPECT_FALSE(mikey_sakke_uid_at("tel:+447700900123", "kms.example.org", none, unix_time(0)));
}

TEST(mikey_key_periods, when_instant_precedes_period_zero_then_it_has_no_number) {
    auto before_1900 = key_period_number(unix_time(-ntp_offset) - 1s, thirty_days);
    ASSERT_FALSE(before_1900);
    EXPECT_NE(before_1900.err().message.find("before key period 0"), std::string::npos);
    EXPECT_FALSE(key_period_number(unix_time(-ntp_offset + 99), key_period_parameters{60, 100}));
    EXPECT_TRUE(key_period_number(unix_time(-ntp_offset + 100), key_period_parameters{60, 100}));
}

TEST(mikey_key_periods, when_a_period_starts_beyond_the_clock_then_its_start_is_refused) {
    EXPECT_FALSE(key_period_start(std::numeric_limits<std::uint64_t>::max(), thirty_days));
    EXPECT_FALSE(key_period_end(std::numeric_limits<std::uint64_t>::max(), key_period_parameters{1, 0}));
    EXPECT_FALSE(key_period_start(5'000'000, thirty_days)) << "~410000 years after 1900";
    EXPECT_TRUE(key_period_start(2'000, thirty_days));
}

TEST(mikey_key_periods, when_uid_is_derived_for_an_instant_then_it_is_the_uid_of_that_period) {
    const auto t = unix_time(1'704'067'200);
    auto uid = mikey_sakke_uid_at("tel:+447700900123", "kms.example.org", thirty_days, t);
    ASSERT_TRUE(uid);
    EXPECT_EQ(*uid, mikey_sakke_uid("tel:+447700900123", "kms.example.org", 2'592'000, 0, 1509));
    EXPECT_NE(*uid, *mikey_sakke_uid_at("tel:+447700900123", "kms.example.org", thirty_days, t + 2'592'000s));
}

TEST(mikey_ntp_timestamps, when_instant_is_converted_then_seconds_and_fraction_follow_rfc_5905) {
    auto ntp = to_ntp_timestamp(unix_time(1'704'067'200) + 500ms);
    ASSERT_TRUE(ntp);
    EXPECT_EQ(*ntp >> 32, 3'913'056'000u);
    EXPECT_EQ(*ntp & 0xFFFFFFFF, 0x80000000u);
    EXPECT_EQ(from_ntp_timestamp(*ntp), unix_time(1'704'067'200) + 500ms);
}

TEST(mikey_ntp_timestamps, when_seconds_wrap_in_2036_then_era_one_is_read_back) {
    // 2036-02-07T06:28:16Z is NTP second 2^32: it wraps to 0 and is read as era 1.
    const auto wrap = unix_time((std::int64_t{1} << 32) - ntp_offset);
    auto ntp = to_ntp_timestamp(wrap + 1s);
    ASSERT_TRUE(ntp);
    EXPECT_EQ(*ntp, std::uint64_t{1} << 32);
    EXPECT_EQ(from_ntp_timestamp(*ntp), wrap + 1s);
    EXPECT_EQ(from_ntp_timestamp(*to_ntp_timestamp(wrap - 1s)), wrap - 1s);
}

TEST(mikey_ntp_timestamps, when_instant_is_outside_1968_to_2104_then_it_cannot_be_carried) {
    EXPECT_FALSE(to_ntp_timestamp(unix_time(0) - std::chrono::hours(24 * 365 * 3)));
    EXPECT_FALSE(to_ntp_timestamp(unix_time(4'300'000'000)));
    EXPECT_TRUE(to_ntp_timestamp(unix_time(4'000'000'000)));
}

TEST(mikey_ntp_timestamps, when_fraction_has_nanoseconds_then_round_trip_is_within_a_nanosecond) {
    const auto t = unix_time(1'704'067'200) + 123'456'789ns;
    const auto back = from_ntp_timestamp(*to_ntp_timestamp(t));
    EXPECT_LE(std::chrono::abs(back - t), 1ns);
}

} // namespace
} // namespace mcprov::mikey
