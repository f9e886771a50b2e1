#pragma once

#include <chrono>
#include <compare>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"

namespace mcprov::support {

// An instant in UTC between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z: whole seconds since the epoch
// plus the nanoseconds into that second. Wider than system_clock::time_point (1678 to 2261 with libstdc++'s
// 64-bit nanoseconds), so every valid RFC 3339 / xs:dateTime text has a value.
struct date_time {
    std::chrono::sys_seconds seconds{};
    std::chrono::nanoseconds subsecond{0}; // 0 <= subsecond < 1s

    friend auto operator<=>(const date_time&, const date_time&) = default;
};

// Which lexical forms the parser accepts. Every form has exactly four year digits (0001 to 9999), two digits for
// every other field, "-" and ":" separators, an optional fraction of one or more digits after ".", and is checked
// field by field (month 01-12, day within its month, hour 00-23, minute 00-59, second 00-59, offset hours 00-23 and
// minutes 00-59). Nothing around the text is trimmed; a value is refused when, converted to UTC, it leaves the
// years 0001 to 9999.
struct date_time_syntax {
    bool lower_case_separators = true; // "t" and "z" as well as "T" and "Z" (RFC 3339 5.6)
    bool numeric_offsets = true;       // "+hh:mm" / "-hh:mm", converted to UTC; false: only "Z"
    bool zone_optional = false;        // a text without zone designator is taken as UTC (xs:dateTime)
    bool end_of_day = false;           // "24:00:00" (fraction zero) is 00:00:00 of the next day (xs:dateTime)
    bool leap_second = true;           // second 60, accepted only where the UTC time is 23:59:60, reads as the
                                       // first second after it (the time scale has no leap seconds)
    unsigned max_offset_minutes = 23 * 60 + 59;
    // Longer texts are refused unread. Only the fraction can make a valid text longer than 35 characters: neither
    // RFC 3339 nor xs:dateTime bounds its digits, so a reader of input that is bounded already may raise this.
    std::size_t max_length = 64;
};

// RFC 3339 section 5.6 date-time (Z or offsets, lower-case separators, leap second).
inline constexpr date_time_syntax rfc3339{};
// XML Schema xs:dateTime restricted to years 0001-9999: upper-case "T" and "Z", optional zone (absent = UTC),
// offsets up to 14:00, 24:00:00, no leap second. (The "whiteSpace collapse" facet is the caller's: trim first.)
inline constexpr date_time_syntax xsd_date_time{.lower_case_separators = false,
                                                .numeric_offsets = true,
                                                .zone_optional = true,
                                                .end_of_day = true,
                                                .leap_second = false,
                                                .max_offset_minutes = 14 * 60};

// Fraction digits beyond nine (nanoseconds) are read and dropped (truncated, never rounded up); they still count when
// end_of_day asks whether the fraction is zero.
// Errors: invalid_argument naming the first field that is wrong ("date-time: month out of range").
result<date_time> parse_date_time(std::string_view text, const date_time_syntax& syntax = rfc3339);

// "2026-11-23T19:13:24Z", or with fraction_digits (1 to 9) "2026-11-23T19:13:24.123Z" (truncated, never rounded).
// Digits beyond 9 are written as 9. The value must lie in 0001..9999 (what parse_date_time returns does).
std::string format_date_time(const date_time& t, unsigned fraction_digits = 0);

// The time_point of an instant, nullopt when system_clock cannot hold it; sub-clock precision is truncated.
std::optional<std::chrono::system_clock::time_point> to_time_point(const date_time& t);
// Every time_point has a date_time (system_clock's range lies inside 0001..9999).
date_time from_time_point(std::chrono::system_clock::time_point t);

} // namespace mcprov::support
