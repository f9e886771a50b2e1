#include "mcprov/syncml/credentials.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "digest.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::syncml {
namespace {

using support::errc;
using support::make_error;
using support::result;
using detail::b64_md5;
using detail::md5;

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

bool is_base64(std::string_view s) {
    return !s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") ==
                             std::string_view::npos;
}

} // namespace

std::string basic_credential(std::string_view name, std::string_view password) {
    return support::base64_encode(std::string(name) + ":" + std::string(password));
}

std::string random_nonce() {
    std::string nonce(16, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), static_cast<int>(nonce.size())) != 1) {
        throw std::runtime_error("the random source failed");
    }
    return nonce;
}

std::string md5_credential(std::string_view name, std::string_view password, std::string_view nonce) {
    const auto secret = b64_md5(std::string(name) + ":" + std::string(password));
    return b64_md5(secret + ":" + std::string(nonce));
}

std::string mac_credential(std::string_view name, std::string_view password, std::string_view nonce,
                           std::string_view body) {
    const auto secret = b64_md5(std::string(name) + ":" + std::string(password));
    return b64_md5(secret + ":" + std::string(nonce) + ":" + b64_md5(body));
}

bool credentials_equal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string format_hmac_header(const hmac_header& header) {
    return "algorithm=MD5, username=\"" + header.username + "\", mac=" + header.mac;
}

result<hmac_header> parse_hmac_header(std::string_view value) {
    if (value.size() > 1024) {
        return make_error(errc::invalid_argument, "x-syncml-hmac is at most 1024 bytes");
    }
    std::optional<std::string> algorithm, username, mac;
    while (!trimmed(value).empty()) {
        value = trimmed(value);
        const auto equals = value.find('=');
        if (equals == std::string_view::npos) {
            return make_error(errc::invalid_argument, "x-syncml-hmac: a parameter without '='");
        }
        std::string name(trimmed(value.substr(0, equals)));
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        value = trimmed(value.substr(equals + 1));
        std::string parameter;
        if (!value.empty() && value.front() == '"') {
            const auto close = value.find('"', 1);
            if (close == std::string_view::npos) {
                return make_error(errc::invalid_argument, "x-syncml-hmac: an unterminated quoted string");
            }
            parameter = value.substr(1, close - 1);
            value = trimmed(value.substr(close + 1));
        } else {
            const auto end = value.find(',');
            parameter = trimmed(value.substr(0, end));
            value = end == std::string_view::npos ? std::string_view() : value.substr(end);
        }
        if (!value.empty()) {
            if (value.front() != ',') {
                return make_error(errc::invalid_argument, "x-syncml-hmac: parameters are separated by ','");
            }
            value.remove_prefix(1);
        }
        auto* slot = name == "algorithm" ? &algorithm : name == "username" ? &username : name == "mac" ? &mac : nullptr;
        if (!slot) {
            continue; // RFC 2616 #rule: an unknown parameter is skipped
        }
        if (*slot) {
            return make_error(errc::invalid_argument, "x-syncml-hmac: " + name + " is given twice");
        }
        *slot = std::move(parameter);
    }
    if (algorithm && *algorithm != "MD5" && *algorithm != "md5") {
        return make_error(errc::invalid_argument, "x-syncml-hmac: the algorithm must be MD5");
    }
    if (!username || username->empty() || !mac) {
        return make_error(errc::invalid_argument, "x-syncml-hmac needs username and mac");
    }
    if (!is_base64(*mac)) {
        return make_error(errc::invalid_argument, "x-syncml-hmac: mac must be base64");
    }
    return hmac_header{std::move(*username), std::move(*mac)};
}

} // namespace mcprov::syncml
