#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mcprov/kmc/key_material.hpp"
#include "mcprov/kmc/kms_client.hpp"
#include "mcprov/kmc/redirect_policy.hpp"
#include "mcprov/support/result.hpp"

// A private call's key establishment in the signalling path (seed 002, 7.2.X.3.2): the initiating client sends its
// I_MESSAGE in the INVITE's SDP (multipart/mixed beside application/vnd.3gpp.mcptt-info+xml) and follows KMS Redirect
// Responses by its policy (step 7); the terminating client accepts the call, or refuses a security domain it may not
// use with its own KRR (step 4).
namespace mcprov::kmc {

struct private_call_request {
    std::vector<key_material> held; // the caller's key materials, one per security domain; the first signs at first
    std::string to;                 // the called user's URI
    std::string responder_kms;      // the first attempt's IDRkmsr; empty: the signing material's own KMS
    std::string proxy;              // sip:host:port of the application server
    unsigned max_rounds = 4;        // INVITEs at most (redirects followed: one less)
    std::string trusted_ca_pem;     // KRRs must verify against it; empty: their signatures are not checked
};

struct private_call_outcome {
    bool established = false;
    int status = 0;                   // the last final response's
    call_keys keys;                   // the keys of the last attempt
    std::vector<std::string> rounds;  // what happened, one line per INVITE
    std::string why;                  // when not established: why, for the user
};

// Places the call and follows redirects until it is established, refused, or out of rounds. Errors: those of building
// an I_MESSAGE (the first attempt's keys unusable: forbidden) and of the SIP exchange (unavailable).
support::result<private_call_outcome> place_private_call(const private_call_request& request);

struct answered_call {
    std::string from;
    int status = 0;
    std::string initiator_kms; // when the I_MESSAGE was read
    std::string why;           // refused: why
    bool external = false;     // the initiator's domain is not the callee's own
    bool reported = false;     // that use was reported to the callee's KMS
};

// Answers `calls` INVITEs on 127.0.0.1:`port` for the user of `material` (its own domain's keys): an I_MESSAGE it
// can process is accepted (200); one under another responder KMS than its own, or signed in a domain its domain does
// not permit, is refused with 488 and its own KRR; anything else is refused with 488 without one. The use of an
// external domain is reported to the callee's KMS through `kms` when given (seed 002, 7.2.X.3.4). `answered` is told of
// each call as it is answered. Errors: unavailable.
support::result<unsigned> answer_private_calls(const key_material& material, std::uint16_t port, unsigned calls,
                                               std::chrono::milliseconds timeout,
                                               const std::function<void(const answered_call&)>& answered,
                                               const std::function<void()>& listening = {},
                                               kms_client* kms = nullptr);

} // namespace mcprov::kmc
