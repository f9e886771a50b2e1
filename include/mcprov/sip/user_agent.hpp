#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "mcprov/support/result.hpp"

// A small SIP user agent on sofia-sip's NTA layer, over UDP, for MC clients' private calls: the initiating side places
// one INVITE with a body and takes its final response; the terminating side answers INVITEs with what its caller
// decides. Enough to set a call up and end it, not a phone.
namespace mcprov::sip {

struct call_request {
    std::string from;         // sip:alice@example.org
    std::string to;           // the Request-URI and To
    std::string proxy;        // sip:host:port the INVITE goes to (the application server)
    std::string content_type; // of the body (multipart/mixed;boundary=..., application/sdp)
    std::string body;
    std::chrono::milliseconds timeout{10'000};
};

struct call_outcome {
    int status = 0; // the final response's
    std::string content_type;
    std::string body;
    std::string warning; // the Warning header's text, when there is one
};

// Sends the INVITE and waits for its final response: a non-2xx is ACKed by the transaction layer; a 2xx is ACKed and
// the call ended at once with a BYE. Errors: unavailable (no final response in time, or the proxy cannot be reached),
// invalid_argument (a URI that does not parse).
support::result<call_outcome> place_call(const call_request& request);

struct incoming_call {
    std::string from;
    std::string to;
    std::string content_type;
    std::string body;
};
struct call_answer {
    int status = 200;
    std::string content_type; // with a body
    std::string body;
};

// Listens on `address`:`port` (UDP), calls `listening` once it does, and answers `calls` INVITEs with what `answer`
// returns (a 2xx call is then taken to its BYE); returns how many it answered. Errors: unavailable (the port cannot be
// bound, or no INVITE came within `timeout` of the last).
support::result<unsigned> answer_calls(const std::string& address, std::uint16_t port, unsigned calls,
                                       const std::function<call_answer(const incoming_call&)>& answer,
                                       std::chrono::milliseconds timeout,
                                       const std::function<void()>& listening = {});

} // namespace mcprov::sip
