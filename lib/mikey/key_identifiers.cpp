#include "mcprov/mikey/key_identifiers.hpp"

#include <string>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace mcprov::mikey {

using support::errc;

namespace {

constexpr std::uint8_t fc_user_salt = 0x50; // TS 33.180 F.1.3
constexpr std::size_t max_parameter_size = 0xFFFF;

} // namespace

support::result<std::uint32_t> guk_id_salt(std::string_view gmk, std::string_view receiver_uri) {
    if (gmk.empty()) {
        return support::make_error(errc::invalid_argument, "the GMK is empty");
    }
    if (receiver_uri.empty() || receiver_uri.size() > max_parameter_size) {
        return support::make_error(errc::invalid_argument,
                                   "the receiving user's MC service ID must be 1 to 65535 octets");
    }
    // S = FC || P0 || L0, L0 in two octets, big-endian (TS 33.220 B.2).
    std::string s(1, static_cast<char>(fc_user_salt));
    s += receiver_uri;
    s.push_back(static_cast<char>((receiver_uri.size() >> 8) & 0xFF));
    s.push_back(static_cast<char>(receiver_uri.size() & 0xFF));
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (HMAC(EVP_sha256(), gmk.data(), static_cast<int>(gmk.size()), reinterpret_cast<const unsigned char*>(s.data()),
             s.size(), out, &size) == nullptr ||
        size != 32) {
        return support::make_error(errc::internal, "HMAC-SHA-256 failed");
    }
    const std::uint32_t last = (std::uint32_t{out[28]} << 24) | (std::uint32_t{out[29]} << 16) |
                               (std::uint32_t{out[30]} << 8) | std::uint32_t{out[31]};
    return last & 0x0FFFFFFF;
}

support::result<std::uint32_t> guk_id_of(std::uint32_t gmk_id, std::string_view gmk, std::string_view receiver_uri) {
    auto salt = guk_id_salt(gmk, receiver_uri);
    if (!salt) {
        return std::move(salt).err();
    }
    return gmk_id ^ *salt;
}

support::result<std::uint32_t> gmk_id_of(std::uint32_t guk_id, std::string_view gmk, std::string_view receiver_uri) {
    return guk_id_of(guk_id, gmk, receiver_uri);
}

} // namespace mcprov::mikey
