#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mcprov/iso7816/apdu.hpp"
#include "mcprov/uicc/card_description.hpp"
#include "mcprov/uicc/uicc.hpp"

// The virtual card answering whatever a device sends: a sequence of APDUs, each one length octet then its bytes. The
// card never fails, and its PIN counter never goes up without a right PIN.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mcprov;
    static const uicc::card_image image = *uicc::build_card(R"(
[card]
iccid = "8949000000000000017"
imsi = "001010000000017"
k = "000102030405060708090a0b0c0d0e0f"
opc = "0f0e0d0c0b0a09080706050403020100"
pin = "1234"
puk = "12345678"
)",
                                                             "card.toml", ".");
    uicc::uicc card(image);
    std::size_t at = 0;
    while (at < size) {
        const std::size_t n = data[at++];
        if (at + n > size)
            break;
        const auto command = iso7816::parse_command(std::string_view(reinterpret_cast<const char*>(data + at), n));
        at += n;
        if (!command)
            continue;
        const unsigned before = card.image().pin.tries_left;
        const auto answer = card.process(*command);
        if (card.image().pin.tries_left > before && answer.sw != 0x9000)
            __builtin_trap();
    }
    return 0;
}
