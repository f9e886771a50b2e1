#include "mcprov/mikey/user_identifier.hpp"

#include <limits>

#include <openssl/sha.h>

namespace mcprov::mikey {
namespace {

using std::chrono::system_clock;

constexpr std::string_view uid_fixed_string = "MIKEY-SAKKE-UID"; // P0, 15 characters
constexpr std::size_t max_parameter_length = 0xFFFF;

// Pi || Li (TS 33.220 B.2: each parameter followed by its length in two octets, big-endian).
void append_parameter(std::string& s, std::string_view value) {
    s.append(value);
    s.push_back(static_cast<char>((value.size() >> 8) & 0xFF));
    s.push_back(static_cast<char>(value.size() & 0xFF));
}

// A non-negative integer as the fewest big-endian octets that hold it; zero is one octet 0x00.
std::string integer_octets(std::uint64_t value) {
    std::string out;
    do {
        out.insert(out.begin(), static_cast<char>(value & 0xFF));
        value >>= 8;
    } while (value != 0);
    return out;
}

support::error bad(std::string message) {
    return support::make_error(support::errc::invalid_argument, std::move(message));
}

// Whole seconds since the Unix epoch, rounded down (also before 1970).
std::int64_t floor_seconds(system_clock::time_point t) {
    return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Seconds since the Unix epoch that system_clock can still represent, both ways.
std::int64_t max_clock_seconds() {
    return std::chrono::floor<std::chrono::seconds>(system_clock::time_point::max().time_since_epoch()).count();
}
std::int64_t min_clock_seconds() {
    return std::chrono::ceil<std::chrono::seconds>(system_clock::time_point::min().time_since_epoch()).count();
}

// NTP seconds (since 1900) to a time point, when system_clock can hold it.
support::result<system_clock::time_point> from_ntp_seconds(std::uint64_t ntp_seconds) {
    constexpr auto int64_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (ntp_seconds > int64_max) {
        return bad("instant of " + std::to_string(ntp_seconds) + " s after 1900 is beyond the clock's range");
    }
    const auto unix_seconds =
        static_cast<std::int64_t>(ntp_seconds) - static_cast<std::int64_t>(ntp_unix_epoch_offset_seconds);
    if (unix_seconds > max_clock_seconds() || unix_seconds < min_clock_seconds()) {
        return bad("instant of " + std::to_string(ntp_seconds) + " s after 1900 is beyond the clock's range");
    }
    return system_clock::time_point(std::chrono::seconds(unix_seconds));
}

// offset + number * period, in NTP seconds, without overflow.
support::result<std::uint64_t> period_start_ntp(std::uint64_t number, const key_period_parameters& periods) {
    if (periods.period_seconds == 0) {
        return bad("the key period length is 0 seconds");
    }
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    if (number > (max - periods.offset_seconds) / periods.period_seconds) {
        return bad("key period " + std::to_string(number) + " starts beyond any representable instant");
    }
    return periods.offset_seconds + number * periods.period_seconds;
}

} // namespace

std::string mikey_sakke_uid_input(std::string_view user_uri, std::string_view kms_uri, std::uint64_t key_period_seconds,
                                  std::uint64_t key_period_offset_seconds, std::uint64_t key_period_number) {
    if (user_uri.size() > max_parameter_length || kms_uri.size() > max_parameter_length) {
        return {};
    }
    std::string s;
    s.reserve(1 + 6 * 2 + uid_fixed_string.size() + user_uri.size() + kms_uri.size() + 3 * 8);
    s.push_back('\x00'); // FC: a dummy, the TS 33.220 KDF is not run (TS 33.180 F.2.1 NOTE)
    append_parameter(s, uid_fixed_string);
    append_parameter(s, user_uri);
    append_parameter(s, kms_uri);
    append_parameter(s, integer_octets(key_period_seconds));
    append_parameter(s, integer_octets(key_period_offset_seconds));
    append_parameter(s, integer_octets(key_period_number));
    return s;
}

std::string mikey_sakke_uid(std::string_view user_uri, std::string_view kms_uri, std::uint64_t key_period_seconds,
                            std::uint64_t key_period_offset_seconds, std::uint64_t key_period_number) {
    const auto s =
        mikey_sakke_uid_input(user_uri, kms_uri, key_period_seconds, key_period_offset_seconds, key_period_number);
    if (s.empty()) {
        return {};
    }
    std::string uid(SHA256_DIGEST_LENGTH, '\0');
    SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), reinterpret_cast<unsigned char*>(uid.data()));
    return uid;
}

support::result<std::uint64_t> key_period_number(system_clock::time_point t, const key_period_parameters& periods) {
    if (periods.period_seconds == 0) {
        return bad("the key period length is 0 seconds");
    }
    // floor_seconds(t) >= -9.3e9 for a nanosecond clock, so this cannot overflow.
    const std::int64_t ntp_seconds = floor_seconds(t) + static_cast<std::int64_t>(ntp_unix_epoch_offset_seconds);
    if (ntp_seconds < 0 || static_cast<std::uint64_t>(ntp_seconds) < periods.offset_seconds) {
        return bad("instant lies before key period 0, which starts " + std::to_string(periods.offset_seconds) +
                   " s after 1900-01-01T00:00:00Z");
    }
    return (static_cast<std::uint64_t>(ntp_seconds) - periods.offset_seconds) / periods.period_seconds;
}

support::result<system_clock::time_point> key_period_start(std::uint64_t number, const key_period_parameters& periods) {
    auto start = period_start_ntp(number, periods);
    if (!start) {
        return std::move(start).err();
    }
    return from_ntp_seconds(*start);
}

support::result<system_clock::time_point> key_period_end(std::uint64_t number, const key_period_parameters& periods) {
    if (number == std::numeric_limits<std::uint64_t>::max()) {
        return bad("key period " + std::to_string(number) + " has no end that can be represented");
    }
    return key_period_start(number + 1, periods);
}

support::result<std::string> mikey_sakke_uid_at(std::string_view user_uri, std::string_view kms_uri,
                                                const key_period_parameters& periods, system_clock::time_point t) {
    if (user_uri.size() > max_parameter_length || kms_uri.size() > max_parameter_length) {
        return bad("a URI longer than 65535 octets has no MIKEY-SAKKE UID");
    }
    auto number = key_period_number(t, periods);
    if (!number) {
        return std::move(number).err();
    }
    return mikey_sakke_uid(user_uri, kms_uri, periods.period_seconds, periods.offset_seconds, *number);
}

support::result<std::uint64_t> to_ntp_timestamp(system_clock::time_point t) {
    const auto since_epoch = t.time_since_epoch();
    const auto whole = std::chrono::floor<std::chrono::seconds>(since_epoch);
    const std::int64_t ntp_seconds = whole.count() + static_cast<std::int64_t>(ntp_unix_epoch_offset_seconds);
    // Era 0 covers [2^31, 2^32) (1968-01-20 to 2036-02-07), era 1 [2^32, 2^32 + 2^31) (to 2104-02-26).
    constexpr std::int64_t lowest = std::int64_t{1} << 31;
    constexpr std::int64_t beyond = (std::int64_t{1} << 32) + (std::int64_t{1} << 31);
    if (ntp_seconds < lowest || ntp_seconds >= beyond) {
        return bad("instant is outside 1968-01-20 to 2104-02-26, which a 64-bit NTP timestamp cannot carry");
    }
    const auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - whole).count();
    const auto fraction = (static_cast<std::uint64_t>(nanoseconds) << 32) / 1'000'000'000u;
    return (static_cast<std::uint64_t>(ntp_seconds & 0xFFFFFFFF) << 32) | fraction;
}

system_clock::time_point from_ntp_timestamp(std::uint64_t ntp) {
    std::int64_t seconds = static_cast<std::int64_t>(ntp >> 32);
    if ((seconds & 0x80000000) == 0) {
        seconds += std::int64_t{1} << 32; // era 1, after 2036-02-07 (RFC 4330 section 3)
    }
    const auto fraction = ntp & 0xFFFFFFFF;
    const auto nanoseconds = static_cast<std::int64_t>((fraction * 1'000'000'000u) >> 32);
    return system_clock::time_point(
        std::chrono::duration_cast<system_clock::duration>(
            std::chrono::seconds(seconds - static_cast<std::int64_t>(ntp_unix_epoch_offset_seconds))) +
        std::chrono::duration_cast<system_clock::duration>(std::chrono::nanoseconds(nanoseconds)));
}

} // namespace mcprov::mikey
