#include "mcprov/identity/mc_service_id.hpp"

#include <cstddef>
#include <string_view>

namespace mcprov::identity {
namespace {

using support::errc;
using support::make_error;

constexpr std::size_t max_id_bytes = 255;
constexpr std::size_t max_host_bytes = 253;
constexpr std::size_t max_label_bytes = 63;
constexpr std::size_t max_e164_digits = 15;

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_alnum(char c) {
    return is_alpha(c) || is_digit(c);
}

int hex_value(char c) {
    if (is_digit(c)) {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// RFC 3261 user: unreserved (alphanum / mark) / escaped / user-unreserved, less '/' (a path separator here).
bool is_user_char(char c) {
    constexpr std::string_view mark = "-_.!~*'()";
    constexpr std::string_view user_unreserved = "&=+$,;?";
    return is_alnum(c) || mark.find(c) != std::string_view::npos || user_unreserved.find(c) != std::string_view::npos;
}

support::error invalid(const std::string& what) {
    return make_error(errc::invalid_argument, "MC service ID " + what);
}

support::result<void> check_user(std::string_view user) {
    if (user.empty()) {
        return invalid("has an empty user part");
    }
    if (user.find("..") != std::string_view::npos) {
        return invalid("user part contains '..'");
    }
    for (std::size_t i = 0; i < user.size(); ++i) {
        char c = user[i];
        if (c == '%') {
            const bool complete = i + 2 < user.size();
            int hi = complete ? hex_value(user[i + 1]) : -1;
            int lo = complete ? hex_value(user[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                return invalid("user part has a malformed %-escape");
            }
            int decoded = hi * 16 + lo;
            // Escapes of control characters, '.', '/' and '\' would hide what the checks here refuse.
            if (decoded < 0x20 || decoded == 0x7f || decoded == '.' || decoded == '/' || decoded == '\\') {
                return invalid("user part escapes a forbidden character");
            }
            i += 2;
            continue;
        }
        if (!is_user_char(c)) {
            return invalid("user part contains a character that is not allowed");
        }
    }
    return {};
}

bool is_ipv4(std::string_view host) {
    int octets = 0;
    while (true) {
        auto dot = host.find('.');
        auto part = host.substr(0, dot);
        if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) {
            return false;
        }
        int value = 0;
        for (char c : part) {
            if (!is_digit(c)) {
                return false;
            }
            value = value * 10 + (c - '0');
        }
        if (value > 255) {
            return false;
        }
        ++octets;
        if (dot == std::string_view::npos) {
            break;
        }
        host = host.substr(dot + 1);
    }
    return octets == 4;
}

support::result<void> check_host(std::string_view host) {
    if (host.empty()) {
        return invalid("has no host");
    }
    if (host.size() > max_host_bytes) {
        return invalid("host is too long");
    }
    for (char c : host) {
        if (c == ';') {
            return invalid("carries URI parameters, which are not allowed");
        }
        if (c == '?') {
            return invalid("carries URI headers, which are not allowed");
        }
        if (c == ':') {
            return invalid("carries a port, which is not allowed");
        }
        if (!is_alnum(c) && c != '-' && c != '.') {
            return invalid("host contains a character that is not allowed");
        }
    }
    // RFC 3261: a top label starts with a letter, so a host whose last label starts with a digit is an IPv4 address.
    auto last_dot = host.rfind('.');
    std::string_view top = last_dot == std::string_view::npos ? host : host.substr(last_dot + 1);
    if (!top.empty() && is_digit(top[0])) {
        if (!is_ipv4(host)) {
            return invalid("host is not a valid IPv4 address");
        }
        return {};
    }
    std::string_view rest = host;
    while (true) {
        auto dot = rest.find('.');
        auto label = rest.substr(0, dot);
        if (label.empty()) {
            return invalid("host has an empty label");
        }
        if (label.size() > max_label_bytes) {
            return invalid("host has a label longer than 63 characters");
        }
        if (label.front() == '-' || label.back() == '-') {
            return invalid("host has a label starting or ending with '-'");
        }
        if (dot == std::string_view::npos) {
            break;
        }
        rest = rest.substr(dot + 1);
    }
    return {};
}

support::result<void> check_tel(std::string_view number) {
    if (number.empty() || number[0] != '+') {
        return invalid("tel URI must be a global number starting with '+'");
    }
    auto digits = number.substr(1);
    if (digits.empty() || digits.size() > max_e164_digits) {
        return invalid("tel URI must have 1 to 15 digits");
    }
    for (char c : digits) {
        if (!is_digit(c)) {
            return invalid("tel URI may contain only digits after '+'");
        }
    }
    return {};
}

} // namespace

support::result<std::string> validate_mc_service_id(std::string_view text) {
    if (text.empty()) {
        return invalid("is empty");
    }
    if (text.size() > max_id_bytes) {
        return invalid("is longer than 255 bytes");
    }
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            return invalid("contains a control character");
        }
        if (u == ' ') {
            return invalid("contains a space");
        }
        if (u >= 0x80) {
            return invalid("contains a non-ASCII byte (escape it)");
        }
        if (c == '/' || c == '\\') {
            return invalid("contains a path separator");
        }
    }
    if (text.find("..") != std::string_view::npos) {
        return invalid("contains '..'");
    }

    std::string_view rest;
    if (text.starts_with("tel:")) {
        if (auto checked = check_tel(text.substr(4)); !checked) {
            return std::move(checked).err();
        }
        return std::string(text);
    }
    if (text.starts_with("sip:")) {
        rest = text.substr(4);
    } else if (text.starts_with("sips:")) {
        rest = text.substr(5);
    } else {
        return invalid("must be a sip:, sips: or tel: URI");
    }
    auto at = rest.find('@');
    if (at == std::string_view::npos) {
        return invalid("has no '@' between user and host");
    }
    if (auto checked = check_user(rest.substr(0, at)); !checked) {
        return std::move(checked).err();
    }
    auto host = rest.substr(at + 1);
    if (host.find('@') != std::string_view::npos) {
        return invalid("has more than one '@'");
    }
    if (auto checked = check_host(host); !checked) {
        return std::move(checked).err();
    }
    return std::string(text);
}

} // namespace mcprov::identity
