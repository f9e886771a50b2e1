#include "mcprov/kms/security_domain_policy.hpp"

#include "mcprov/support/log.hpp"

namespace mcprov::kms {

using support::errc;
using support::make_error;
using support::result;

result<domain_policy> security_domain_policy::run() const {
    auto members = store_->members();
    auto cache = store_->external_domains();
    if (!members || !cache) {
        const auto& e = members ? cache.err() : members.err();
        support::logger("kms")->error("{}: the policy cannot be read: {}: {}", kms_uri_, support::to_string(e.code),
                                      support::printable(e.message));
        return make_error(errc::unavailable, "the KMS store is unavailable");
    }
    domain_policy policy;
    policy.kms_uri = kms_uri_;
    policy.cache_number = cache->cache_number;
    policy.members = std::move(members).value();
    for (auto& e : cache->domains) {
        (e.revoked ? policy.revoked_external : policy.permitted_external).push_back(std::move(e.kms_uri));
    }
    return policy;
}

} // namespace mcprov::kms
