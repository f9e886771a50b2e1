// Single values of the Annex D documents: text, octet strings in hex, integers, booleans and times.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <limits>

#include "annex_d.hpp"
#include "mcprov/support/date_time.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::kms_interface::detail {
namespace {

constexpr std::string_view xml_space = " \t\r\n";

support::error wrong_length(const std::string& path, std::size_t size, octet_field field) {
    return make_error(errc::invalid_argument,
                      path + ": " + std::to_string(size) + " octets, expected " + std::to_string(field.size));
}

} // namespace

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(xml_space);
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(xml_space);
    return text.substr(first, last - first + 1);
}

std::string child_path(const std::string& path, std::string_view name) {
    return path + "/" + std::string(name);
}

std::string nth_path(const std::string& path, std::string_view name, std::size_t n) {
    return child_path(path, name) + "[" + std::to_string(n) + "]";
}

result<void> check_text(const std::string& path, std::string_view value) {
    if (!xml::is_xml_text(value)) {
        return make_error(errc::invalid_argument, path + ": not UTF-8 text that XML can carry");
    }
    return {};
}

result<void> check_required(const std::string& path, std::string_view value) {
    if (trim(value).empty()) {
        return make_error(errc::invalid_argument, path + " is empty");
    }
    return check_text(path, value);
}

result<void> check_validity(const std::string& path, const std::optional<time_point>& from,
                            const std::optional<time_point>& to) {
    if (from && to && *from > *to) {
        return make_error(errc::invalid_argument, path + ": ValidFrom is after ValidTo");
    }
    return {};
}

result<void> check_octets(const std::string& path, std::string_view octets, octet_field field) {
    if (octets.size() != field.size) {
        return wrong_length(path, octets.size(), field);
    }
    if (field.point && static_cast<unsigned char>(octets.front()) != 0x04) {
        return make_error(errc::invalid_argument, path + ": not an uncompressed point (the first octet is not 04)");
    }
    return {};
}

std::string upper_hex(std::string_view octets) {
    std::string out = support::hex_encode(octets);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

result<std::string> decode_hex(const std::string& path, std::string_view text, octet_field field) {
    text = trim(text);
    if (text.size() % 2 != 0) {
        return make_error(errc::invalid_argument, path + ": an odd number of hex digits");
    }
    if (text.size() / 2 != field.size) {
        return wrong_length(path, text.size() / 2, field);
    }
    auto out = support::hex_decode(text);
    if (!out) {
        return make_error(errc::invalid_argument, path + ": not hex digits");
    }
    MCPROV_TRY(check_octets(path, *out, field));
    return std::move(*out);
}

result<std::int64_t> parse_integer(const std::string& path, std::string_view text) {
    text = trim(text);
    bool negative = false;
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    if (text.empty()) {
        return make_error(errc::invalid_argument, path + ": not an integer");
    }
    // Accumulated as a negative number, whose range includes the int64 minimum.
    std::int64_t value = 0;
    constexpr std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
    for (char c : text) {
        if (c < '0' || c > '9') {
            return make_error(errc::invalid_argument, path + ": not an integer");
        }
        const int digit = c - '0';
        if (value < (lowest + digit) / 10) {
            return make_error(errc::invalid_argument, path + ": out of range");
        }
        value = value * 10 - digit;
    }
    if (negative) {
        return value;
    }
    if (value == lowest) {
        return make_error(errc::invalid_argument, path + ": out of range");
    }
    return -value;
}

result<bool> parse_boolean(const std::string& path, std::string_view text) {
    text = trim(text);
    if (text == "true" || text == "1") {
        return true;
    }
    if (text == "false" || text == "0") {
        return false;
    }
    return make_error(errc::invalid_argument, path + ": not a boolean");
}

const char* boolean_text(bool value) {
    return value ? "true" : "false";
}

// ---------------------------------------------------------------------------------------------------------------
// Times

namespace {

using namespace std::chrono;

// support's xs:dateTime, with as many fraction digits as a document can hold (xs:dateTime sets no bound; the schema
// has accepted the text before it gets here).
constexpr support::date_time_syntax annex_d_date_time = [] {
    support::date_time_syntax syntax = support::xsd_date_time;
    syntax.max_length = max_document_bytes;
    return syntax;
}();

// 64-bit nanoseconds hold 1677-09-21 to 2262-04-11: the instant, in UTC, must fall in whole years inside that range,
// so that what is read can be written (and read) again.
constexpr sys_days earliest{year{1678} / January / 1};
constexpr sys_days after_latest{year{2262} / January / 1};

result<time_point> out_of_range(const std::string& path) {
    return make_error(errc::invalid_argument, path + ": year out of the supported range (1678 to 2261)");
}

// Whether the year as written can be one of the supported years once the offset (at most 14 hours) is applied: not
// with a sign or more than four digits (xs:dateTime allows both), nor a year before 1677 or after 2262.
bool year_within_reach(std::string_view text) {
    if (!text.empty() && text.front() == '-') {
        return false;
    }
    const auto digits = std::min(text.find_first_not_of("0123456789"), text.size());
    if (digits != 4) {
        return digits < 4; // fewer than four: not a time, which the parser says
    }
    const int y = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
    return y >= 1677 && y <= 2262;
}

} // namespace

result<time_point> parse_time(const std::string& path, std::string_view text) {
    text = trim(text);
    if (!year_within_reach(text)) {
        return out_of_range(path);
    }
    auto parsed = support::parse_date_time(text, annex_d_date_time);
    if (!parsed) {
        return make_error(errc::invalid_argument, path + ": not an xsd:dateTime");
    }
    if (parsed->seconds < earliest || parsed->seconds >= after_latest) {
        return out_of_range(path);
    }
    return time_point_cast<time_point::duration>(parsed->seconds);
}

std::string format_time(time_point t) {
    return support::format_date_time(support::from_time_point(t));
}

} // namespace mcprov::kms_interface::detail
