#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mcprov/kms/security_domain.hpp"
#include "mcprov/kms_interface/kms_documents.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::kms {

// KMS KeyProvision (TS 33.180 D.2.1, D.3.3): a member's key set for the current key period, or for the period that
// holds a given time (the current one or one of domain.future_key_periods after it). Keys are only issued for the
// caller's own URI: this KMS issues no group keys.
class key_provisioning {
public:
    explicit key_provisioning(std::shared_ptr<const security_domain> domain) : domain_(std::move(domain)) {}

    // `for_uri`: the URI the request names (nullopt: the caller's); `ntp_time`: an NTP-UTC timestamp in the period
    // wanted (nullopt: now). Errors: forbidden (another URI, not a member), invalid_argument (a period that has
    // expired or is too far ahead), those of the store and of the key primitives.
    support::result<kms_interface::kms_key_prov> run(std::string_view user, const std::optional<std::string>& for_uri,
                                                     std::optional<std::uint64_t> ntp_time) const;

private:
    std::shared_ptr<const security_domain> domain_;
};

} // namespace mcprov::kms
