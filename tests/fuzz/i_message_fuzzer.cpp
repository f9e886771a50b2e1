#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/mikey/i_message.hpp"

// The MIKEY-SAKKE I_MESSAGE decoder, as a responder runs it on whatever arrived in SIP. A message that reads must
// encode again and read back equal, and the part its signature covers must be the message less the Signature field.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto decoded = mcprov::mikey::decode_i_message(bytes);
    if (!decoded) {
        return 0;
    }
    if (mcprov::mikey::signed_portion(bytes, *decoded).size() + decoded->sign.signature.size() != bytes.size()) {
        __builtin_trap();
    }
    auto encoded = mcprov::mikey::encode_i_message(*decoded);
    if (!encoded) {
        __builtin_trap();
    }
    auto again = mcprov::mikey::decode_i_message(*encoded);
    if (!again || !(*again == *decoded)) {
        __builtin_trap();
    }
    return 0;
}
