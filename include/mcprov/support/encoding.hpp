#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mcprov::support {

std::string base64url_encode(std::string_view bytes);
// Unpadded base64url (RFC 4648 section 5); nullopt on any character outside the alphabet or a bad length.
std::optional<std::string> base64url_decode(std::string_view text);

std::string hex_encode(std::string_view bytes);

// RFC 3986 percent-decoding; nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);
std::string percent_encode(std::string_view text);

std::string sha256(std::string_view bytes);

} // namespace mcprov::support
