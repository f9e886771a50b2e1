#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/syncml/credentials.hpp"

// The x-syncml-hmac header of a request or answer. A header that parses formats to one that parses to the same.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mcprov::syncml;
    auto parsed = parse_hmac_header(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!parsed || parsed->username.find('"') != std::string::npos) {
        return 0;
    }
    auto again = parse_hmac_header(format_hmac_header(*parsed));
    if (!again || again->username != parsed->username || again->mac != parsed->mac) {
        __builtin_trap();
    }
    return 0;
}
