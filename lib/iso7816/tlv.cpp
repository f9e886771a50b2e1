#include <mcprov/iso7816/tlv.hpp>

namespace mcprov::iso7816 {

using support::errc;
using support::make_error;

bool tlv::constructed() const {
    std::uint32_t first = tag;
    while (first > 0xff)
        first >>= 8;
    return (first & 0x20) != 0;
}

support::result<std::vector<tlv>> parse_tlvs(std::string_view bytes) {
    std::vector<tlv> out;
    std::size_t i = 0;
    const auto u = [&](std::size_t at) { return static_cast<std::uint8_t>(bytes[at]); };
    while (i < bytes.size()) {
        if (u(i) == 0x00 || u(i) == 0xff) {
            ++i;
            continue;
        }
        std::uint32_t tag = u(i++);
        if ((tag & 0x1f) == 0x1f) {
            for (int more = 0;; ++more) {
                if (i >= bytes.size() || more == 2)
                    return make_error(errc::invalid_argument, "data object tag truncated or longer than three octets");
                const std::uint8_t next = u(i++);
                tag = (tag << 8) | next;
                if ((next & 0x80) == 0)
                    break;
            }
        }
        if (i >= bytes.size())
            return make_error(errc::invalid_argument, "data object without a length");
        std::size_t length = u(i++);
        if (length == 0x80)
            return make_error(errc::invalid_argument, "indefinite lengths are not allowed");
        if (length > 0x80) {
            const std::size_t octets = length & 0x7f;
            if (octets > 4 || i + octets > bytes.size())
                return make_error(errc::invalid_argument, "data object length truncated or too long");
            length = 0;
            for (std::size_t k = 0; k < octets; ++k)
                length = (length << 8) | u(i++);
        }
        if (length > bytes.size() - i)
            return make_error(errc::invalid_argument, "data object value runs past the end");
        out.push_back({tag, std::string(bytes.substr(i, length))});
        i += length;
    }
    return out;
}

std::optional<std::string> find(const std::vector<tlv>& objects, std::uint32_t tag) {
    for (const auto& o : objects)
        if (o.tag == tag)
            return o.value;
    return std::nullopt;
}

std::string encode_tlv(std::uint32_t tag, std::string_view value) {
    std::string out;
    for (int shift = 16; shift > 0; shift -= 8)
        if (tag >> shift)
            out += static_cast<char>((tag >> shift) & 0xff);
    out += static_cast<char>(tag & 0xff);
    const std::size_t n = value.size();
    if (n < 0x80) {
        out += static_cast<char>(n);
    } else if (n <= 0xff) {
        out += '\x81';
        out += static_cast<char>(n);
    } else if (n <= 0xffff) {
        out += '\x82';
        out += static_cast<char>(n >> 8);
        out += static_cast<char>(n & 0xff);
    } else {
        out += '\x83';
        out += static_cast<char>((n >> 16) & 0xff);
        out += static_cast<char>((n >> 8) & 0xff);
        out += static_cast<char>(n & 0xff);
    }
    out += value;
    return out;
}

} // namespace mcprov::iso7816
