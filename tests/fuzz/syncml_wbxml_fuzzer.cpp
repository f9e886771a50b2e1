#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/syncml/message.hpp"

// SyncML DM messages in WBXML as the DM server and the device agent receive them. A message that decodes encodes to
// WBXML that decodes to the same message.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mcprov::syncml;
    auto decoded = decode_wbxml(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!decoded) {
        return 0;
    }
    auto encoded = encode_wbxml(*decoded);
    if (!encoded) {
        return 0; // a command without a token is refused
    }
    auto again = decode_wbxml(*encoded, {.max_bytes = 4 * 1024 * 1024});
    if (!again || !(*again == *decoded)) {
        __builtin_trap();
    }
    return 0;
}
