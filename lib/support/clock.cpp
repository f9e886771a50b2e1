#include "mcprov/support/clock.hpp"

#include <cstdio>

namespace mcprov::support {
namespace {

class system_clock_impl final : public clock {
public:
    std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
};

} // namespace

std::shared_ptr<clock> create_system_clock() {
    return std::make_shared<system_clock_impl>();
}

std::string format_utc(std::chrono::system_clock::time_point t) {
    auto seconds = std::chrono::floor<std::chrono::seconds>(t);
    auto days = std::chrono::floor<std::chrono::days>(seconds);
    std::chrono::year_month_day date{days};
    std::chrono::hh_mm_ss time{seconds - days};
    char out[32];
    std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    return out;
}

std::optional<std::chrono::system_clock::time_point> parse_utc(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS[.fraction]Z
    auto digits = [&](std::size_t at, std::size_t n) -> std::optional<int> {
        if (at + n > text.size()) {
            return std::nullopt;
        }
        int v = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (text[i] < '0' || text[i] > '9') {
                return std::nullopt;
            }
            v = v * 10 + (text[i] - '0');
        }
        return v;
    };
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
        text[13] != ':' || text[16] != ':') {
        return std::nullopt;
    }
    auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2), mi = digits(14, 2),
         s = digits(17, 2);
    // Only years system_clock can hold (64-bit nanoseconds: 1677-09-21 to 2262-04-11); others overflow below.
    if (!y || !mo || !d || !h || !mi || !s || *h > 23 || *mi > 59 || *s > 60 || *y < 1678 || *y > 2261) {
        return std::nullopt;
    }
    std::size_t end = 19;
    if (end < text.size() && text[end] == '.') {
        ++end;
        std::size_t start = end;
        while (end < text.size() && text[end] >= '0' && text[end] <= '9') {
            ++end;
        }
        if (end == start) {
            return std::nullopt;
        }
    }
    if (end + 1 != text.size() || (text[end] != 'Z' && text[end] != 'z')) {
        return std::nullopt;
    }
    std::chrono::year_month_day date{std::chrono::year{*y}, std::chrono::month{static_cast<unsigned>(*mo)},
                                     std::chrono::day{static_cast<unsigned>(*d)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    return std::chrono::sys_days{date} + std::chrono::hours{*h} + std::chrono::minutes{*mi} +
           std::chrono::seconds{*s};
}

} // namespace mcprov::support
