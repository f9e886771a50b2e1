#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mcprov::support {

std::string base64url_encode(std::string_view bytes);
// Unpadded base64url (RFC 4648 section 5); nullopt on any character outside the alphabet or a bad length.
std::optional<std::string> base64url_decode(std::string_view text);

// Base64 with padding (RFC 4648 section 4), as MIKEY messages travel in SDP and text; decoding refuses white space,
// missing padding and non-zero leftover bits.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

std::string hex_encode(std::string_view bytes);
// Lower- or upper-case hex digits, two per octet; nullopt on any other character or an odd length.
std::optional<std::string> hex_decode(std::string_view text);

// RFC 3986 percent-decoding; nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);
std::string percent_encode(std::string_view text);

std::string sha256(std::string_view bytes);

} // namespace mcprov::support
