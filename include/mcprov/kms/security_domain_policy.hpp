#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mcprov/kms/security_domain_store.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::kms {

// What the security-domain lookup (seed 002, 7.2.X.3.2) needs of this domain: who belongs to it and which external
// domains it permits.
struct domain_policy {
    std::string kms_uri;
    std::int64_t cache_number = 0;
    std::vector<std::string> members;
    std::vector<std::string> permitted_external;
    std::vector<std::string> revoked_external; // permitted once, revoked since: no longer permitted
};

// The domain's policy as its store holds it now.
class security_domain_policy {
public:
    security_domain_policy(std::shared_ptr<const security_domain_store> store, std::string kms_uri)
        : store_(std::move(store)), kms_uri_(std::move(kms_uri)) {}

    // Errors: unavailable (the store failed; the cause is logged, not returned).
    support::result<domain_policy> run() const;

private:
    std::shared_ptr<const security_domain_store> store_;
    std::string kms_uri_;
};

} // namespace mcprov::kms
