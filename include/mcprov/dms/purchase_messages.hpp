#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "mcprov/dms/payment_gateway.hpp"
#include "mcprov/support/result.hpp"

// The messages of a purchase through a PC agent (docs/subscriber-authentication.md, 5.1.5) as the DM server reads
// them: the PC agent's bodies and the payment gateway's answers. Each decoder takes what came from outside and gives
// the values within their limits, or invalid_argument naming the member.
namespace mcprov::dms {

// POST /dms/v1/purchases: {"device", "offers": [ids], "means"}.
struct purchase_request {
    std::string device;              // its DevId: 1 to 128 bytes
    std::vector<std::string> offers; // 1 to 16 ids of 1 to 64 bytes
    std::string means;               // bill, prepaid or card
};
support::result<purchase_request> purchase_request_from_json(const boost::json::value& v);

// POST /dms/v1/purchases/{id}: {"proof", "card_token"}.
struct purchase_completion {
    std::string proof;      // the device's DM proof: 1 to 4096 bytes
    std::string card_token; // the gateway's token for the card: at most 256 bytes; empty when not paying by card
};
support::result<purchase_completion> purchase_completion_from_json(const boost::json::value& v);

// The gateway's answer to a capture (docs/payment-gateway.md): 200/201 {"id", "status": "captured"}; 402 declined
// (forbidden, with its "reason"); 5xx unavailable (whether it captured is not known); another status invalid_argument
// with its "detail". What the gateway says is cut to 200 bytes of printable text.
support::result<captured_payment> captured_payment_from(unsigned status, std::string_view body);

} // namespace mcprov::dms
