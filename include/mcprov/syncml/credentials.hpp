#pragma once

#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"

// The credentials of SyncML DM 1.2 (OMA-TS-DM_Security-V1_2 clause 5.1), both directions. H is MD5, B64 base64 with
// padding; a nonce is used as its raw bytes (it travels base64-encoded in NextNonce).
namespace mcprov::syncml {

inline constexpr std::string_view auth_basic = "syncml:auth-basic";
inline constexpr std::string_view auth_md5 = "syncml:auth-md5";
inline constexpr std::string_view auth_mac = "syncml:auth-MAC";
// The HTTP header that carries a syncml:auth-MAC credential (never <Cred>).
inline constexpr std::string_view hmac_header_name = "x-syncml-hmac";

// syncml:auth-basic, the <Cred> Data: B64(name ":" password).
std::string basic_credential(std::string_view name, std::string_view password);

// syncml:auth-md5, the <Cred> Data: B64(H(B64(H(name ":" password)) ":" nonce)).
std::string md5_credential(std::string_view name, std::string_view password, std::string_view nonce);

// syncml:auth-MAC, the mac of x-syncml-hmac over a message's body exactly as sent (XML text or WBXML bytes):
// B64(H(B64(H(name ":" password)) ":" nonce ":" B64(H(body)))). Not RFC 2104 HMAC, whatever its name.
std::string mac_credential(std::string_view name, std::string_view password, std::string_view nonce,
                           std::string_view body);

// A fresh nonce: 16 bytes from the system's cryptographic random source. Throws std::runtime_error if that fails (the
// request's guard answers 500: nothing can be authenticated without it).
std::string random_nonce();

// Whether two credentials are equal, in time that does not depend on where they differ.
bool credentials_equal(std::string_view a, std::string_view b);

// x-syncml-hmac: algorithm=MD5, username="<name>", mac=<mac>.
struct hmac_header {
    std::string username;
    std::string mac;
};

std::string format_hmac_header(const hmac_header& header);

// Parses the header's value: comma-separated parameters, names in any case, values as tokens or quoted strings, in any
// order; `algorithm` may be left out (MD5). Errors: invalid_argument (over 1 KiB, malformed, a parameter repeated,
// username or mac missing or empty, a mac that is not base64) (also for an algorithm other than MD5).
support::result<hmac_header> parse_hmac_header(std::string_view value);

} // namespace mcprov::syncml
