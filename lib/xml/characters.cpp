#include "characters.hpp"

namespace mcprov::xml::detail {
namespace {

// XML 1.0 fifth edition, production [4] NameStartChar, without ':'.
bool is_name_start(std::uint32_t c) noexcept {
    return (c >= 'A' && c <= 'Z') || c == '_' || (c >= 'a' && c <= 'z') || (c >= 0xC0 && c <= 0xD6) ||
           (c >= 0xD8 && c <= 0xF6) || (c >= 0xF8 && c <= 0x2FF) || (c >= 0x370 && c <= 0x37D) ||
           (c >= 0x37F && c <= 0x1FFF) || (c >= 0x200C && c <= 0x200D) || (c >= 0x2070 && c <= 0x218F) ||
           (c >= 0x2C00 && c <= 0x2FEF) || (c >= 0x3001 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFDCF) ||
           (c >= 0xFDF0 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0xEFFFF);
}

// Production [4a] NameChar, without ':'.
bool is_name_char(std::uint32_t c) noexcept {
    return is_name_start(c) || c == '-' || c == '.' || (c >= '0' && c <= '9') || c == 0xB7 ||
           (c >= 0x300 && c <= 0x36F) || (c >= 0x203F && c <= 0x2040);
}

} // namespace

std::optional<std::uint32_t> next_code_point(std::string_view text, std::size_t& at) noexcept {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(at);
    std::uint32_t c = 0;
    std::size_t length = 0;
    std::uint32_t min = 0;
    if (lead < 0x80) {
        ++at;
        return lead;
    } else if ((lead & 0xE0) == 0xC0) {
        c = lead & 0x1F;
        length = 2;
        min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        c = lead & 0x0F;
        length = 3;
        min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        c = lead & 0x07;
        length = 4;
        min = 0x10000;
    } else {
        return std::nullopt;
    }
    if (text.size() - at < length) {
        return std::nullopt;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(at + i) & 0xC0) != 0x80) {
            return std::nullopt;
        }
        c = (c << 6) | (byte(at + i) & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        return std::nullopt;
    }
    at += length;
    return c;
}

std::optional<std::string> text_problem(std::string_view text) {
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t start = at;
        const auto c = next_code_point(text, at);
        if (!c) {
            return "byte " + std::to_string(start) + ": not UTF-8";
        }
        if (!is_xml_char(*c)) {
            return "byte " + std::to_string(start) + ": character U+" + [](std::uint32_t v) {
                static constexpr char hex[] = "0123456789ABCDEF";
                std::string out(4, '0');
                for (int i = 3; i >= 0; --i, v >>= 4) {
                    out[static_cast<std::size_t>(i)] = hex[v & 0xF];
                }
                return out;
            }(*c) + " is not allowed in XML";
        }
    }
    return std::nullopt;
}

std::optional<std::string> ncname_problem(std::string_view name) {
    if (name.empty()) {
        return "empty name";
    }
    for (std::size_t at = 0; at < name.size();) {
        const std::size_t start = at;
        const auto c = next_code_point(name, at);
        if (!c || !(start == 0 ? is_name_start(*c) : is_name_char(*c))) {
            return "byte " + std::to_string(start) + " of a name: not allowed in an XML name without colon (NCName)";
        }
    }
    return std::nullopt;
}

} // namespace mcprov::xml::detail
