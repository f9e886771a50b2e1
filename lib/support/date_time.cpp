#include "mcprov/support/date_time.hpp"

#include <cstdint>

namespace mcprov::support {
namespace {

using namespace std::chrono;

constexpr sys_days first_day{year{1} / January / 1};
constexpr sys_days after_last_day{year{10000} / January / 1};

class reader {
public:
    explicit reader(std::string_view text) : text_(text) {}

    bool at_end() const { return at_ == text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[at_]; }
    void skip() { ++at_; }

    // Exactly n digits.
    std::optional<int> digits(std::size_t n) {
        if (text_.size() - at_ < n) {
            return std::nullopt;
        }
        int v = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const char c = text_[at_ + i];
            if (c < '0' || c > '9') {
                return std::nullopt;
            }
            v = v * 10 + (c - '0');
        }
        at_ += n;
        return v;
    }

    bool expect(char c) {
        if (peek() == c && !at_end()) {
            ++at_;
            return true;
        }
        return false;
    }

    bool expect_either(char upper, bool lower_too) {
        return expect(upper) || (lower_too && expect(static_cast<char>(upper - 'A' + 'a')));
    }

private:
    std::string_view text_;
    std::size_t at_ = 0;
};

error bad(std::string_view what) {
    return make_error(errc::invalid_argument, "date-time: " + std::string(what));
}

} // namespace

result<date_time> parse_date_time(std::string_view text, const date_time_syntax& syntax) {
    reader r(text);
    if (text.size() > syntax.max_length) {
        return bad("too long");
    }
    const auto y = r.digits(4);
    if (!y || !r.expect('-')) {
        return bad("year must be four digits followed by '-'");
    }
    const auto mo = r.digits(2);
    if (!mo || !r.expect('-')) {
        return bad("month must be two digits followed by '-'");
    }
    const auto d = r.digits(2);
    if (!d) {
        return bad("day must be two digits");
    }
    if (!r.expect_either('T', syntax.lower_case_separators)) {
        return bad("'T' expected between date and time");
    }
    const auto h = r.digits(2);
    if (!h || !r.expect(':')) {
        return bad("hour must be two digits followed by ':'");
    }
    const auto mi = r.digits(2);
    if (!mi || !r.expect(':')) {
        return bad("minute must be two digits followed by ':'");
    }
    const auto s = r.digits(2);
    if (!s) {
        return bad("second must be two digits");
    }
    std::int64_t nanos = 0;
    bool fraction_zero = true;
    if (r.expect('.')) {
        std::size_t count = 0;
        while (r.peek() >= '0' && r.peek() <= '9' && !r.at_end()) {
            if (count < 9) {
                nanos = nanos * 10 + (r.peek() - '0');
            }
            fraction_zero = fraction_zero && r.peek() == '0';
            ++count;
            r.skip();
        }
        if (count == 0) {
            return bad("'.' must be followed by digits");
        }
        for (std::size_t i = count; i < 9; ++i) {
            nanos *= 10;
        }
    }
    int offset_minutes = 0;
    if (r.at_end()) {
        if (!syntax.zone_optional) {
            return bad("zone designator ('Z' or an offset) missing");
        }
    } else if (r.expect_either('Z', syntax.lower_case_separators)) {
        // UTC
    } else if (r.peek() == '+' || r.peek() == '-') {
        if (!syntax.numeric_offsets) {
            return bad("only 'Z' is accepted as zone designator");
        }
        const bool minus = r.peek() == '-';
        r.skip();
        const auto oh = r.digits(2);
        if (!oh || !r.expect(':')) {
            return bad("offset hour must be two digits followed by ':'");
        }
        const auto om = r.digits(2);
        if (!om) {
            return bad("offset minute must be two digits");
        }
        if (*oh > 23 || *om > 59 || static_cast<unsigned>(*oh * 60 + *om) > syntax.max_offset_minutes) {
            return bad("offset out of range");
        }
        offset_minutes = (*oh * 60 + *om) * (minus ? -1 : 1);
    } else {
        return bad("zone designator expected after the time");
    }
    if (!r.at_end()) {
        return bad("unexpected text after the zone designator");
    }

    if (*y < 1) {
        return bad("year 0000 does not exist");
    }
    if (*mo < 1 || *mo > 12) {
        return bad("month out of range");
    }
    const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
    if (*d < 1 || !date.ok()) {
        return bad("day out of range for its month");
    }
    const bool end_of_day = syntax.end_of_day && *h == 24 && *mi == 0 && *s == 0 && fraction_zero;
    if (*h > 23 && !end_of_day) {
        return bad("hour out of range");
    }
    if (*mi > 59) {
        return bad("minute out of range");
    }
    bool leap = false;
    if (*s == 60 && syntax.leap_second) {
        // RFC 3339 5.7: a leap second is 23:59:60 in UTC, whatever the local offset.
        const int utc_minute_of_day = ((*h * 60 + *mi - offset_minutes) % 1440 + 1440) % 1440;
        if (utc_minute_of_day != 23 * 60 + 59) {
            return bad("second 60 is only a leap second at 23:59:60 UTC");
        }
        leap = true;
    } else if (*s > 59) {
        return bad("second out of range");
    }
    const sys_seconds local = sys_days{date} + hours{*h} + minutes{*mi} + seconds{leap ? 59 : *s};
    sys_seconds utc = local - minutes{offset_minutes};
    if (leap) {
        utc += seconds{1};
        nanos = 0; // the first instant of the next second: the leap second's fraction has no place to go
    }
    if (utc < first_day || utc >= after_last_day) {
        return bad("outside the years 0001 to 9999 in UTC");
    }
    return date_time{utc, nanoseconds{nanos}};
}

std::string format_date_time(const date_time& t, unsigned fraction_digits) {
    const auto days = floor<std::chrono::days>(t.seconds);
    const year_month_day date{days};
    const hh_mm_ss time{t.seconds - days};
    std::string out;
    out.reserve(32);
    auto put = [&out](long long v, int width) {
        char buffer[9];
        for (int i = width - 1; i >= 0; --i) {
            buffer[i] = static_cast<char>('0' + v % 10);
            v /= 10;
        }
        out.append(buffer, static_cast<std::size_t>(width));
    };
    put(static_cast<int>(date.year()), 4);
    out.push_back('-');
    put(static_cast<unsigned>(date.month()), 2);
    out.push_back('-');
    put(static_cast<unsigned>(date.day()), 2);
    out.push_back('T');
    put(time.hours().count(), 2);
    out.push_back(':');
    put(time.minutes().count(), 2);
    out.push_back(':');
    put(time.seconds().count(), 2);
    if (fraction_digits > 0) {
        fraction_digits = fraction_digits > 9 ? 9 : fraction_digits;
        long long fraction = t.subsecond.count();
        for (unsigned i = fraction_digits; i < 9; ++i) {
            fraction /= 10;
        }
        out.push_back('.');
        put(fraction, static_cast<int>(fraction_digits));
    }
    out.push_back('Z');
    return out;
}

std::optional<system_clock::time_point> to_time_point(const date_time& t) {
    using duration = system_clock::duration;
    constexpr auto lowest = time_point_cast<seconds>(system_clock::time_point::min()) + seconds{1};
    constexpr auto highest = time_point_cast<seconds>(system_clock::time_point::max()) - seconds{1};
    if (t.seconds < lowest || t.seconds > highest) {
        return std::nullopt;
    }
    return time_point_cast<duration>(t.seconds) + duration_cast<duration>(t.subsecond);
}

date_time from_time_point(system_clock::time_point t) {
    const auto whole = floor<seconds>(t);
    return date_time{whole, duration_cast<nanoseconds>(t - whole)};
}

} // namespace mcprov::support
