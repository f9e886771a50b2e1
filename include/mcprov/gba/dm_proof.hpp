#pragma once

#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"

// How a DM 1.2 session carries GBA (docs/subscriber-authentication.md): the device's ./Vendor/mcprov/GBA object. The
// server asks with an Exec of ./Vendor/mcprov/GBA/Authenticate (the level it needs and a nonce of its own); the device
// authenticates (a user level: the card's PIN entered by the user, then a fresh bootstrap), and writes the proof that
// the server reads with a Get of ./Vendor/mcprov/GBA/Proof: the B-TID, what was asked, the user's answer to the
// session's last confirmation (Alert 1101), and a MAC over all of it with Ks_NAF, which the server obtains from the
// BSF over Zn for the same B-TID.
namespace mcprov::gba {

// The Ua security protocol identifier of this use of Ks_NAF (TS 33.220 Annex H, the private range 0xFF: no
// organisation has assigned one to OMA DM). NAF_Id is the DM server's ServerID followed by it.
inline constexpr std::string_view ua_dm_proof{"\xff\x00\x00\x00\x01", 5};

inline constexpr std::string_view dm_gba_node = "./Vendor/mcprov/GBA";
inline constexpr std::string_view dm_authenticate_node = "./Vendor/mcprov/GBA/Authenticate";
inline constexpr std::string_view dm_proof_node = "./Vendor/mcprov/GBA/Proof";

enum class authentication_level {
    subscriber, // the card and the network (GBA)
    user        // and the card's PIN, entered by the user for this request, before a fresh bootstrap
};
std::string_view to_string(authentication_level level);

// The Exec's data: "level=<subscriber|user>&nonce=<base64>".
struct dm_authentication_request {
    authentication_level level = authentication_level::subscriber;
    std::string nonce; // raw, 16 octets
};
std::string format_dm_authentication_request(const dm_authentication_request& r);
// Errors: invalid_argument.
support::result<dm_authentication_request> parse_dm_authentication_request(std::string_view text);

// What the user answered to the session's last confirmation (Alert 1101) before the Exec.
enum class user_answer { none, yes, no };
std::string_view to_string(user_answer answer);

struct dm_proof {
    std::string btid;
    authentication_level level = authentication_level::subscriber;
    std::string nonce;              // raw: the server's
    std::string confirmation_sha256; // raw: SHA-256 of the confirmation's text (empty: none)
    user_answer answer = user_answer::none;
    std::string mac; // raw, 32 octets
};

// The Proof leaf: "btid=...&level=...&nonce=<b64>&confirmation=<b64>&answer=yes|no|none&mac=<b64>".
std::string format_dm_proof(const dm_proof& p);
// Errors: invalid_argument (at most 2 KiB, every field once, the MAC 32 octets).
support::result<dm_proof> parse_dm_proof(std::string_view text);

// HMAC-SHA-256 with Ks_NAF over what the proof vouches for, each field on its line: "mcprov-dm-proof-1", the device's
// DevId, the server's ServerID, the B-TID, the level, base64 nonce, base64 confirmation hash, the answer.
std::string dm_proof_mac(std::string_view ks_naf, std::string_view device_id, std::string_view server_id,
                         const dm_proof& p);

} // namespace mcprov::gba
