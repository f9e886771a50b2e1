#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/uicc/card_image.hpp"
#include "mcprov/uicc/uicc.hpp"

// A card image file as `mcprov card insert` reads it. One that is taken reads back as itself, and the card it makes
// answers a SELECT of the MF without failing.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mcprov::uicc;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    auto image = card_image_from_json(input);
    if (!image) {
        return 0;
    }
    auto again = card_image_from_json(to_json(*image));
    if (!again || to_json(*again) != to_json(*image)) {
        __builtin_trap();
    }
    uicc card(std::move(*image));
    (void)card.process({.cla = 0, .ins = 0xa4, .p1 = 0, .p2 = 0x04, .data = std::string("\x3f\x00", 2), .le = {}});
    return 0;
}
