#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mcprov/kms/security_domain_store.hpp"
#include "mcprov/kms_interface/kms_documents.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::kms {

// KMS CertCache (TS 33.180 D.2.1, D.3.1): for a member, the certificates of the permitted external domains (Role
// External, Revoked as the administrator set it) and the cache number. A client that names the current number gets
// the number and no certificates.
class certificate_cache {
public:
    certificate_cache(std::shared_ptr<const security_domain_store> store, std::string kms_uri)
        : store_(std::move(store)), kms_uri_(std::move(kms_uri)) {}

    // `known`: the cache number the client holds. Errors: forbidden (not a member), those of the store.
    support::result<kms_interface::kms_cert_cache> run(std::string_view user, std::optional<std::int64_t> known) const;

private:
    std::shared_ptr<const security_domain_store> store_;
    std::string kms_uri_;
};

} // namespace mcprov::kms
