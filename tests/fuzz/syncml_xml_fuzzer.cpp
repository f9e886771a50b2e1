#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/syncml/message.hpp"

// SyncML DM messages in XML as the DM server and the device agent receive them. A message that decodes encodes to XML
// that decodes to the same message: what is answered is what was asked.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mcprov::syncml;
    auto decoded = decode_xml(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!decoded) {
        return 0;
    }
    auto encoded = encode_xml(*decoded);
    if (!encoded) {
        return 0; // text that XML cannot carry is refused, never changed
    }
    auto again = decode_xml(*encoded, {.max_bytes = 4 * 1024 * 1024});
    if (!again || !(*again == *decoded)) {
        __builtin_trap();
    }
    return 0;
}
