#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"

// HTTP Digest (RFC 2617) as GBA's Ub uses it: with the AKAv1-MD5 algorithm of RFC 3310 (the nonce carries RAND and
// AUTN, the password is RES) and qop "auth-int" (TS 24.109 clause 5.2).
namespace mcprov::gba {

// The largest Authorization or WWW-Authenticate value read; a longer one is refused unread.
inline constexpr std::size_t max_digest_header_bytes = 4096;

// A WWW-Authenticate: Digest challenge.
struct digest_challenge {
    std::string realm{};
    std::string nonce{};
    std::string algorithm{}; // "AKAv1-MD5" on Ub
    std::string qop{};       // the qop-options, e.g. "auth-int"
    std::string opaque{};
    bool stale = false;
};

// An Authorization: Digest answer.
struct digest_credentials {
    std::string username{};
    std::string realm{};
    std::string nonce{};
    std::string uri{};
    std::string response{}; // 32 lower-case hex digits; empty in Ub's first request
    std::string algorithm{};
    std::string cnonce{};
    std::string nc{}; // 8 hex digits
    std::string qop{};
    std::string opaque{};
    std::optional<std::string> auts{}; // RFC 3310 section 3.4: base64 AUTS after a synchronisation failure
};

// Parse the value of WWW-Authenticate / Authorization: the scheme "Digest" (any case), then comma-separated
// parameters, names in any case, values as tokens or quoted strings (with \-escapes), each at most once; unknown
// parameters are skipped. Errors: invalid_argument with what is wrong (over max_digest_header_bytes, another scheme,
// malformed, a parameter repeated, one required missing: realm and nonce for a challenge; username, realm, nonce,
// uri and response for credentials).
support::result<digest_challenge> parse_digest_challenge(std::string_view value);
support::result<digest_credentials> parse_digest_credentials(std::string_view value);

std::string format_digest_challenge(const digest_challenge& c);
std::string format_digest_credentials(const digest_credentials& c);

// RFC 2617 section 3.2.2.1: request-digest, as 32 lower-case hex digits, for `c` (its username, realm, nonce, uri,
// qop, nc and cnonce), the password and the request's method and entity body (used with qop auth-int). Without qop
// the RFC 2069 form.
std::string digest_response(const digest_credentials& c, std::string_view password, std::string_view method,
                            std::string_view body);
// RFC 2617 section 3.2.3: the rspauth of Authentication-Info, the same digest with an empty method and, with
// auth-int, the response's entity body.
std::string digest_rspauth(const digest_credentials& c, std::string_view password, std::string_view response_body);

// The Authentication-Info header of a successful answer (qop, rspauth, cnonce, nc) and its parse (for the client's
// check of rspauth). Errors: invalid_argument.
std::string format_authentication_info(const digest_credentials& c, std::string_view rspauth);
support::result<std::string> parse_rspauth(std::string_view authentication_info);

// RFC 3310 section 3.2: the nonce, base64(RAND || AUTN || server data).
std::string aka_nonce(std::string_view rand, std::string_view autn, std::string_view server_data = {});
struct aka_nonce_parts {
    std::string rand;
    std::string autn;
    std::string server_data;
};
// Errors: invalid_argument (not base64, or shorter than RAND and AUTN).
support::result<aka_nonce_parts> split_aka_nonce(std::string_view nonce);

inline constexpr std::string_view aka_v1_md5 = "AKAv1-MD5";

} // namespace mcprov::gba
