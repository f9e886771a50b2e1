#pragma once

#include <string>
#include <string_view>

namespace mcprov::aka {

// a xor b, octet by octet, as long as a (b may be shorter).
inline std::string xor_of(std::string_view a, std::string_view b) {
    std::string out(a);
    for (std::size_t i = 0; i < out.size() && i < b.size(); ++i)
        out[i] = static_cast<char>(out[i] ^ b[i]);
    return out;
}

} // namespace mcprov::aka
