#include <mcprov/iso7816/apdu.hpp>

namespace mcprov::iso7816 {

using support::errc;
using support::make_error;

support::result<command_apdu> parse_command(std::string_view bytes) {
    if (bytes.size() < 4)
        return make_error(errc::invalid_argument, "a command APDU has at least four octets");
    const auto u = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); };
    command_apdu c{.cla = u(0), .ins = u(1), .p1 = u(2), .p2 = u(3)};
    const std::size_t body = bytes.size() - 4;
    if (body == 0)
        return c; // case 1
    const std::size_t first = u(4);
    if (body == 1) { // case 2: Le only
        c.le = first == 0 ? 256 : first;
        return c;
    }
    if (first == 0)
        return make_error(errc::invalid_argument, "extended length APDUs are not supported");
    if (body == 1 + first) { // case 3
        c.data = std::string(bytes.substr(5, first));
        return c;
    }
    if (body == 2 + first) { // case 4
        c.data = std::string(bytes.substr(5, first));
        const std::size_t le = u(bytes.size() - 1);
        c.le = le == 0 ? 256 : le;
        return c;
    }
    return make_error(errc::invalid_argument, "Lc does not match the length of the APDU");
}

std::string encode(const command_apdu& c) {
    std::string out{static_cast<char>(c.cla), static_cast<char>(c.ins), static_cast<char>(c.p1),
                    static_cast<char>(c.p2)};
    if (!c.data.empty()) {
        out += static_cast<char>(c.data.size() & 0xff);
        out += c.data;
    }
    if (c.le)
        out += static_cast<char>(*c.le & 0xff);
    return out;
}

support::result<response_apdu> parse_response(std::string_view bytes) {
    if (bytes.size() < 2)
        return make_error(errc::invalid_argument, "a response APDU has at least the two status octets");
    const std::size_t n = bytes.size();
    return response_apdu{.data = std::string(bytes.substr(0, n - 2)),
                         .sw = static_cast<std::uint16_t>((static_cast<std::uint8_t>(bytes[n - 2]) << 8) |
                                                          static_cast<std::uint8_t>(bytes[n - 1]))};
}

std::string encode(const response_apdu& r) {
    return r.data + static_cast<char>(r.sw >> 8) + static_cast<char>(r.sw & 0xff);
}

} // namespace mcprov::iso7816
