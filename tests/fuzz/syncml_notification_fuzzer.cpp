#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/syncml/notification.hpp"

// Package 0 as a device receives it from the network. A notification that decodes encodes again to a message that
// decodes to the same content, and its digest checks with the password it was made with.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mcprov::syncml;
    auto received = decode_notification(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!received) {
        return 0;
    }
    auto again = encode_notification(received->content, "password", "nonce");
    if (!again) {
        __builtin_trap();
    }
    auto decoded = decode_notification(*again);
    if (!decoded || decoded->trigger != received->trigger || !digest_matches(*decoded, "password", "nonce") ||
        digest_matches(*decoded, "other", "nonce")) {
        __builtin_trap();
    }
    return 0;
}
