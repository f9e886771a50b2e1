#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/result.hpp"

// Where a MIKEY I_MESSAGE travels in a SIP request's body, as MC clients send it (TS 24.379, TS 24.282; RFC 4567):
// an SDP body's `a=key-mgmt:mikey <base64>` line, at session or media level; the SDP part of a multipart/mixed body
// (beside application/vnd.3gpp.mcptt-info+xml and others); or a part of its own of type application/mikey (RFC 3830,
// the MIKEY message in binary) in a MESSAGE. Only what finding them needs is parsed (the multipart structure, the
// SDP's lines), by hand: sofia-sip's MIME parser asserts on a malformed part and its SDP parser can be made to
// allocate without bound, so neither sees a body from outside.
namespace mcprov::sip {

inline constexpr std::string_view sdp_media_type = "application/sdp";
inline constexpr std::string_view mikey_media_type = "application/mikey";

// A decoder refuses a larger body, more parts (a multipart in a multipart counts its parts too, two levels at most),
// or more key-mgmt lines.
inline constexpr std::size_t max_body_bytes = 64 * 1024;
inline constexpr std::size_t max_body_parts = 16;
inline constexpr std::size_t max_key_mgmt_lines = 8;

struct found_i_message {
    std::string octets; // the MIKEY message, as received (base64-decoded from SDP)
    std::string where;  // for logs and errors: "sdp", "sdp media 2", "part 1 sdp", "part 2"
};

// The MIKEY messages of a body with Content-Type `content_type` (the header's value, parameters included), in the
// order they appear; none when the body carries none (a request without a body, a type that holds none). Errors:
// too_large (over the limits), invalid_argument saying what does not parse: a multipart without its boundary or
// with a part that does not parse, an SDP that does not parse, a key-mgmt line that is not "mikey <base64>" or whose
// base64 does not decode, a MIKEY message over mikey::max_i_message_size.
support::result<std::vector<found_i_message>> find_i_messages(std::string_view content_type, std::string_view body);

} // namespace mcprov::sip
