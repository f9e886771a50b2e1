#pragma once

#include <chrono>
#include <string>

#include "mcprov/http/tls.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::devkit {

// The keys and certificates of one MC system as the local deployment makes them: its identity management server's
// token key pair, a CA, and the CMS's HTTPS certificate from that CA. The certificate's subject is the system's
// identity (the CMS signs its visitors' profiles with it, and their clients check that name); it also names
// localhost, 127.0.0.1 and ::1, where the local deployment listens.
struct system_credentials {
    std::string idms_private_key_pem;
    std::string idms_public_key_pem;
    http::certificate_and_key ca;
    http::certificate_and_key tls;
};

// Errors: internal ("key generation failed", "certificate issuing failed").
support::result<system_credentials> make_system_credentials(const std::string& ca_name, const std::string& system_id,
                                                            std::chrono::hours validity);

} // namespace mcprov::devkit
