#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "mcprov/kms_interface/kms_documents.hpp"
#include "mcprov/mikey/i_message_exchange.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::kmc {

// What an MC client holds after init, keyprov and certcache: its KMS's certificate, its key set, and the
// certificates of the external domains its domain permits.
struct key_material {
    kms_interface::kms_certificate own;
    kms_interface::kms_key_set keys;
    std::vector<kms_interface::kms_certificate> external;
};

mikey::kms_identity identity_of(const kms_interface::kms_certificate& certificate);

// The certificate of `kms_uri` as this client may use it: its own KMS's, or a permitted external one that is not
// revoked and is valid at `now`. Errors: forbidden ("not permitted": not in the certcache; "revoked"; "expired").
support::result<kms_interface::kms_certificate>
usable_certificate(const key_material& material, std::string_view kms_uri, std::chrono::system_clock::time_point now);

// The trust function of mikey::process_i_message for this client: usable_certificate's answer. It refers to
// `material`, which must outlive it.
mikey::kms_trust trust_of(const key_material& material, std::chrono::system_clock::time_point now);

// The client's own credentials as a responder.
support::result<mikey::responder_credentials> responder_of(const key_material& material);

// Checks a key set against its KMS's certificate (RFC 6508 6.1.2 for the RSK, RFC 6507 5.1.2 for the SSK and PVT).
// unauthenticated when they do not validate.
support::result<void> validate_key_set(const kms_interface::kms_certificate& kms,
                                       const kms_interface::kms_key_set& keys);

} // namespace mcprov::kmc
