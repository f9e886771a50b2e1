#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "mcprov/kms/config.hpp"
#include "mcprov/kms/master_secret_vault.hpp"
#include "mcprov/kms/security_domain_store.hpp"
#include "mcprov/kms_interface/kms_documents.hpp"
#include "mcprov/mikey/keys.hpp"
#include "mcprov/mikey/user_identifier.hpp"
#include "mcprov/support/clock.hpp"

namespace mcprov::kms {

// One security domain's KMS: its master secrets (opened from the store with the operator's key, or created and
// sealed at the first start), its KmsCertificate, and the keys it issues to its members. Thread-safe.
class security_domain {
public:
    // Errors: those of the store; unauthenticated when the key does not open the stored secrets (another key,
    // another domain's database, or altered), with nothing changed.
    static support::result<std::shared_ptr<security_domain>> open(domain_config config,
                                                                  std::shared_ptr<security_domain_store> store,
                                                                  master_secret_vault vault,
                                                                  std::shared_ptr<support::clock> clock);
    ~security_domain();
    security_domain(const security_domain&) = delete;
    security_domain& operator=(const security_domain&) = delete;

    const domain_config& config() const { return config_; }
    const mikey::public_keys& public_keys() const { return public_keys_; }
    mikey::key_period_parameters periods() const;
    security_domain_store& store() const { return *store_; }
    support::clock& clock() const { return *clock_; }

    // The domain's own certificate (Role Root), valid from the domain's creation for config.certificate_validity.
    const kms_interface::kms_certificate& certificate() const { return certificate_; }

    // The key period that holds now, and whether `number` is one keyprov may serve (the current one and up to
    // config.future_key_periods after it).
    support::result<std::uint64_t> current_key_period() const;

    // KMS KeyProvision for a member: the key set of `user_uri` for key period `number` (TS 33.180 D.3.3).
    // Errors: forbidden (not a member), invalid_argument (a period keyprov does not serve: expired, or too far
    // ahead), those of the store and the primitives.
    support::result<kms_interface::kms_key_set> issue_key_set(std::string_view user_uri, std::uint64_t number) const;

private:
    security_domain(domain_config config, std::shared_ptr<security_domain_store> store,
                    std::shared_ptr<support::clock> clock)
        : config_(std::move(config)), store_(std::move(store)), clock_(std::move(clock)) {}

    domain_config config_;
    std::shared_ptr<security_domain_store> store_;
    std::shared_ptr<support::clock> clock_;
    mikey::master_secrets secrets_;
    mikey::public_keys public_keys_;
    kms_interface::kms_certificate certificate_;
};

} // namespace mcprov::kms
