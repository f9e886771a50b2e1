#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "mcprov/kmc/key_material.hpp"
#include "mcprov/kms_interface/kms_redirect_response.hpp"

// What an initiating MC client does with a KMS Redirect Response (seed 002 step 7, TS 33.180 5.2.8): by its own policy,
// accept an offered security domain it holds keys for and set the communication up again with a new I_MESSAGE, or
// refuse the offer and tell the user why. Several rounds may be needed; a combination already tried is not tried
// again, so that servers that keep redirecting cannot keep the client going round.
namespace mcprov::kmc {

// Which keys an I_MESSAGE uses: the key material it is signed with (its own KMS is IDRkmsi; a user of several domains
// holds one per domain) and the responder's KMS (IDRkmsr).
struct call_keys {
    std::size_t material = 0; // index into the client's key materials
    std::string responder_kms;

    friend bool operator==(const call_keys&, const call_keys&) = default;
};

struct redirect_decision {
    std::optional<call_keys> retry; // the keys of the next attempt; none: refused
    std::string why;                // for the user: what was chosen, or why nothing was
};

// The client's policy: the first offered KMS, in the KRR's order, that it can use and has not tried. A KRR about the
// responder's KMS changes IDRkmsr to an offered KMS whose certificate the signing material may use (its own, or a
// permitted external one valid now). A KRR about the initiator's KMS changes the signing material to one whose own
// KMS is offered, keeping the responder's KMS when that material may use it. An empty offer, or none usable, refuses.
redirect_decision follow_redirect(const std::vector<key_material>& held, const call_keys& current,
                                  const kms_interface::kms_redirect_response& krr, const std::vector<call_keys>& tried,
                                  std::chrono::system_clock::time_point now);

} // namespace mcprov::kmc
