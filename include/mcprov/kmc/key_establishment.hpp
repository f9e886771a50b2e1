#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "mcprov/kmc/key_material.hpp"
#include "mcprov/kmc/kms_client.hpp"
#include "mcprov/mikey/i_message_exchange.hpp"
#include "mcprov/support/result.hpp"

// The key establishment of a MIKEY-SAKKE endpoint (TS 33.180 5.2.2 and Annex E.3) with the key material its KMS
// client holds: an I_MESSAGE sent, received, or verified for another implementation, and the report of an external
// security domain's use (seed 002, 7.2.X.3.4).
namespace mcprov::kmc {

// How far a message's time may be from the receiver's clock.
inline constexpr std::chrono::seconds allowed_clock_skew{60};

// An I_MESSAGE from the user of `sender` to `responder_uri`, whose keys come from the KMS `responder_kms_uri` (empty:
// the sender's own), at `time`, naming both parties as `identities` says: by URI (TS 33.180 E.2 to E.4, what every
// receiver reads) or by UID only (E.7 identity hiding). The responder's KMS certificate must be usable by the sender
// (usable_certificate: its own, or a permitted external one not revoked and valid at `time`). Errors:
// usable_certificate's (forbidden), mikey::build_i_message's.
support::result<mikey::built_i_message> send_i_message(const key_material& sender, std::string_view responder_uri,
                                                       std::string_view responder_kms_uri,
                                                       std::chrono::system_clock::time_point time,
                                                       mikey::identity_form identities = mikey::identity_form::uri);

// An I_MESSAGE processed by the user of `responder` at `now`: mikey::process_i_message with the responder's keys,
// trusting the KMSs usable_certificate allows, within allowed_clock_skew. Errors: process_i_message's (the initiator's
// identities in the messages come from the message and are not verified when it is refused: print them with
// support::printable).
support::result<mikey::received_i_message> receive_i_message(const key_material& responder, std::string_view bytes,
                                                             std::chrono::system_clock::time_point now);

// For checking another implementation's message without a KMS: the responder's key set and KMS certificates as
// documents. The first certificate of the key set's KMS is the responder's own, the others are trusted external ones;
// the key set is validated against its KMS's certificate before the message is received as receive_i_message does.
// Errors: invalid_argument (no certificate of the key set's KMS), validate_key_set's, receive_i_message's.
support::result<mikey::received_i_message> verify_i_message(kms_interface::kms_key_set keys,
                                                            std::vector<kms_interface::kms_certificate> certificates,
                                                            std::string_view bytes,
                                                            std::chrono::system_clock::time_point now);

// Whether a received message's initiator is of another security domain than the responder's own: a use of an
// external domain, which the responder reports to its KMS.
bool uses_external_domain(const key_material& responder, const mikey::received_i_message& received);

// Reports to the responder's KMS that it used the initiator's security domain, when that is not its own
// (uses_external_domain), with the initiator's URI as the peer, or, when the message hid it and nothing confirmed it
// (mikey::confirm_initiator), its UID in lower-case hex. Returns whether it reported. Errors: kms_client::report_use's.
support::result<bool> report_external_domain_use(kms_client& kms, const key_material& responder,
                                                 const mikey::received_i_message& received,
                                                 std::chrono::system_clock::time_point used_at);

} // namespace mcprov::kmc
