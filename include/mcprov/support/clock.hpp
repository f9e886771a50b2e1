#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mcprov::support {

// Wall-clock time, injectable so tests can move it.
class clock {
public:
    virtual ~clock() = default;
    virtual std::chrono::system_clock::time_point now() const = 0;
};

std::shared_ptr<clock> create_system_clock();

// "2026-11-23T19:13:24Z": RFC 3339 in UTC, whole seconds (sub-second parts dropped, rounding down).
// format_date_time (date_time.hpp) writes fractions too.
std::string format_utc(std::chrono::system_clock::time_point t);
// Reads what format_utc writes: RFC 3339 with "Z" (or "z"), no numeric offset, years 1678 to 2261; an optional
// fraction is read and dropped; a leap second (23:59:60 only) reads as the next second. nullopt otherwise.
// parse_date_time (date_time.hpp) reads offsets and keeps fractions.
std::optional<std::chrono::system_clock::time_point> parse_utc(std::string_view text);

// A clock that only moves when told to.
class manual_clock final : public clock {
public:
    explicit manual_clock(std::chrono::system_clock::time_point start) : now_(start) {}
    std::chrono::system_clock::time_point now() const override { return now_; }
    void advance(std::chrono::seconds by) { now_ += by; }
    void set(std::chrono::system_clock::time_point t) { now_ = t; }

private:
    std::chrono::system_clock::time_point now_;
};

} // namespace mcprov::support
