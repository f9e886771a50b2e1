#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcprov::xml::detail {

// The next code point of UTF-8 text at `at` (advanced past it), nullopt for a malformed, overlong or surrogate
// sequence, or one beyond U+10FFFF.
std::optional<std::uint32_t> next_code_point(std::string_view text, std::size_t& at) noexcept;

// XML 1.0 (fifth edition) Char: tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF.
constexpr bool is_xml_char(std::uint32_t c) noexcept {
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0x10FFFF);
}

// Why `text` cannot be XML character data ("byte 3: ..."), nullopt when it can: UTF-8 of XML Chars only.
std::optional<std::string> text_problem(std::string_view text);

// Why `name` is not an NCName (XML Namespaces 1.0: a Name without ':'), nullopt when it is.
std::optional<std::string> ncname_problem(std::string_view name);

} // namespace mcprov::xml::detail
