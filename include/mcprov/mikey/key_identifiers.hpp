#pragma once

#include <cstdint>
#include <string_view>

#include "mcprov/support/result.hpp"

// The 32-bit identifiers of the keys MIKEY-SAKKE carries (TS 33.180 5.2.2, 5.7, F.1.3), as the CSB ID of an I_MESSAGE
// holds them: the PCK-ID of a private call (E.3), the CSK-ID of signalling protection (E.4), and for a group the
// GUK-ID, the GMK-ID masked with a salt only members of the group can compute (E.2).
namespace mcprov::mikey {

// The purpose tag, the four most significant bits of a key identifier (TS 33.180 5.2.2).
namespace key_purpose {
inline constexpr std::uint8_t gmk = 0;   // group master key
inline constexpr std::uint8_t pck = 1;   // private call key
inline constexpr std::uint8_t csk = 2;   // client-server key
inline constexpr std::uint8_t spk = 3;   // signalling protection key
inline constexpr std::uint8_t mkfc = 4;  // MBMS subchannel control key
inline constexpr std::uint8_t mscck = 5; // MBMS subchannel control client key
inline constexpr std::uint8_t musik = 6; // multicast signalling key
} // namespace key_purpose

constexpr std::uint8_t purpose_tag(std::uint32_t key_id) noexcept {
    return static_cast<std::uint8_t>(key_id >> 28);
}

// TS 33.180 F.1.3: the User Salt, the 28 least significant bits of KDF(GMK, FC 0x50, P0 = the receiving user's MC
// service ID), the KDF of TS 33.220 Annex B (HMAC-SHA-256). invalid_argument for an empty GMK or a URI that is empty
// or longer than 65535 octets; internal when HMAC fails.
support::result<std::uint32_t> guk_id_salt(std::string_view gmk, std::string_view receiver_uri);

// GUK-ID = GMK-ID XOR User Salt (TS 33.180 5.7): the salt leaves the purpose tag as it is. The same XOR takes a
// receiver from the GUK-ID of the CSB ID back to the GMK-ID, once it has the GMK. Errors: guk_id_salt's.
support::result<std::uint32_t> guk_id_of(std::uint32_t gmk_id, std::string_view gmk, std::string_view receiver_uri);
support::result<std::uint32_t> gmk_id_of(std::uint32_t guk_id, std::string_view gmk, std::string_view receiver_uri);

} // namespace mcprov::mikey
