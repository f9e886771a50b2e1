#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json.hpp>

#include "mcprov/agent/local_link.hpp"
#include "mcprov/dms/purchase_messages.hpp"

// What reaches the DM server, the device and the DM server again during a purchase through a PC agent: the PC
// agent's purchase and completion bodies, the payment gateway's answer (after two bytes of HTTP status), and the
// local link's proof and session requests. The first byte picks the decoder. What is taken is within its limits.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mcprov;
    if (size == 0)
        return 0;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    const auto json_input = [&]() -> boost::json::value {
        boost::system::error_code ec;
        boost::json::parse_options options;
        options.max_depth = 32;
        auto v = boost::json::parse(input, ec, {}, options);
        return ec ? boost::json::value() : v;
    };
    switch (data[0] % 5) {
    case 0:
        if (auto r = dms::purchase_request_from_json(json_input())) {
            if (r->device.empty() || r->device.size() > 128 || r->offers.empty() || r->offers.size() > 16 ||
                (r->means != "bill" && r->means != "prepaid" && r->means != "card"))
                __builtin_trap();
        }
        break;
    case 1:
        if (auto c = dms::purchase_completion_from_json(json_input())) {
            if (c->proof.empty() || c->proof.size() > 4096 || c->card_token.size() > 256)
                __builtin_trap();
        }
        break;
    case 2: {
        if (input.size() < 2)
            return 0;
        const unsigned status = 100u + (static_cast<unsigned char>(input[0]) << 8 | static_cast<unsigned char>(input[1])) % 500u;
        auto paid = dms::captured_payment_from(status, input.substr(2));
        if (paid ? paid->id.empty() || (status != 200 && status != 201) : paid.err().message.size() > 400)
            __builtin_trap();
        break;
    }
    case 3:
        if (auto r = agent::local_proof_request_from_json(json_input())) {
            if (r->server_id.empty() || r->server_id.size() > 256 || r->confirmation.size() > 1024 ||
                r->pin.size() > 8)
                __builtin_trap();
        }
        break;
    default:
        (void)agent::local_session_request_from_json(json_input());
    }
    return 0;
}
