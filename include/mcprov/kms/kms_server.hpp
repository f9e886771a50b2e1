#pragma once

#include <memory>

#include "mcprov/http/server.hpp"
#include "mcprov/kms/config.hpp"
#include "mcprov/kms/kms_handler.hpp"
#include "mcprov/kms/security_domain.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"

namespace mcprov::kms {

// A KMS: the security domain opened with its master key, the token check, the Annex D interface and its listener.
struct kms_server {
    std::shared_ptr<security_domain> domain;
    std::shared_ptr<kms_handler> handler;
    std::unique_ptr<http::server> server;
};

// The domain of a configuration on a store the caller opened: its master secrets opened (or created and sealed at
// the first start) with the master key file. Errors: those of security_domain::open, invalid_argument for the key
// file.
support::result<std::shared_ptr<security_domain>> open_security_domain(const kms_config& config,
                                                                       std::shared_ptr<store::document_store> documents,
                                                                       std::shared_ptr<support::clock> clock);

// Assembles and starts a KMS. The response signing certificate and key are checked by signing a probe, so that a key
// that cannot sign stops the start rather than answering 500 to every client. Errors: invalid_argument (a file of
// the configuration cannot be used), unauthenticated (the master key does not open the stored secrets), io.
support::result<std::unique_ptr<kms_server>> create_kms(const kms_config& config,
                                                        std::shared_ptr<store::document_store> documents,
                                                        std::shared_ptr<support::clock> clock);

// Permits the external domain whose KmsCertificate is `certificate_xml` (what its administrator printed with
// `mcprov kms certificate`). Returns its KMS URI. Errors: invalid_argument (not a KmsCertificate, or this domain's
// own), those of the store.
support::result<std::string> permit_external_domain(const kms_config& config, security_domain_store& domain,
                                                    std::string_view certificate_xml);

} // namespace mcprov::kms
