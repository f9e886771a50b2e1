#pragma once

#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/result.hpp"

namespace mcprov::lookup {

// What a lookup knows of one security domain: who belongs to it and which external domains it permits (revoked
// ones are not permitted).
struct domain_policy {
    std::string kms_uri;
    std::vector<std::string> members;
    std::vector<std::string> permitted_external;
};

// One domain that supports a user, with the external domains it permits (seed 002, 7.2.X.3.2 security domain lookup).
struct supported_domain {
    std::string kms_uri;
    std::vector<std::string> permitted_external;

    friend bool operator==(const supported_domain&, const supported_domain&) = default;
};

// An application server's decision for a request from a user of `initiator_domain` to a target user.
struct domain_decision {
    bool forward = false;
    // When not forwarded: the domains the initiator may use instead (the content of a security domain redirect
    // response), possibly empty.
    std::vector<std::string> acceptable_domains;
    std::string reason;
};

// Which security domains support a user, with what each permits: what an application server asks, of the lookup in its
// own process or of the central lookup service.
class user_domains {
public:
    virtual ~user_domains() = default;
    // Sorted by KMS URI; empty for an unknown user. Errors: unavailable (the source cannot answer now).
    virtual support::result<std::vector<supported_domain>> domains_of(std::string_view user_uri) const = 0;
};

// The security-domain lookup of a whole MC system, as a library: fed one policy per domain (from each KMS), it says
// which domains support a target user, and decides for an application server whether a request that uses a given
// domain may go on. Thread-safe: updates replace a domain's policy atomically.
class security_domain_lookup final : public user_domains {
public:
    void update(domain_policy policy);
    void remove(std::string_view kms_uri);

    // The domains the user belongs to, sorted by KMS URI; empty for an unknown user.
    std::vector<supported_domain> lookup(std::string_view user_uri) const;
    support::result<std::vector<supported_domain>> domains_of(std::string_view user_uri) const override {
        return lookup(user_uri);
    }

    // Whether a request that protects its media with `initiator_domain` may reach `target_user`: yes when the target
    // belongs to that domain or to a domain that permits it. Otherwise the redirect lists the domains that would
    // be accepted: the target's own domains, narrowed to `initiator_domains` (the ones the initiator holds keys for)
    // when that list is given.
    domain_decision decide(std::string_view initiator_domain, std::string_view target_user,
                           const std::optional<std::vector<std::string>>& initiator_domains = std::nullopt) const;

private:
    mutable std::shared_mutex mutex_;
    std::map<std::string, domain_policy, std::less<>> policies_;
};

} // namespace mcprov::lookup
