#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/mikey/i_message.hpp"
#include "mcprov/sip/mikey_in_body.hpp"

// A SIP request's body as an application server receives it: its Content-Type (the input up to the first line feed)
// and the body (the rest), searched for MIKEY I_MESSAGEs in SDP key-mgmt lines, multipart parts and application/mikey
// parts. What is found is within the limits, and goes on to the I_MESSAGE decoder as the server would send it.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mcprov;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto newline = input.find('\n');
    if (newline == std::string_view::npos)
        return 0;
    auto found = sip::find_i_messages(input.substr(0, newline), input.substr(newline + 1));
    if (!found)
        return 0;
    if (found->size() > sip::max_key_mgmt_lines + sip::max_body_parts)
        __builtin_trap();
    for (const auto& m : *found) {
        if (m.octets.size() > mikey::max_i_message_size)
            __builtin_trap();
        (void)mikey::decode_i_message(m.octets);
    }
    return 0;
}
