#include "mcprov/lookup/security_domain_lookup.hpp"

#include <algorithm>
#include <mutex>

namespace mcprov::lookup {

namespace {

bool contains(const std::vector<std::string>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

} // namespace

void security_domain_lookup::update(domain_policy policy) {
    std::sort(policy.members.begin(), policy.members.end());
    std::sort(policy.permitted_external.begin(), policy.permitted_external.end());
    std::unique_lock lock(mutex_);
    auto key = policy.kms_uri;
    policies_.insert_or_assign(std::move(key), std::move(policy));
}

void security_domain_lookup::remove(std::string_view kms_uri) {
    std::unique_lock lock(mutex_);
    if (auto it = policies_.find(kms_uri); it != policies_.end()) {
        policies_.erase(it);
    }
}

std::vector<supported_domain> security_domain_lookup::lookup(std::string_view user_uri) const {
    std::shared_lock lock(mutex_);
    std::vector<supported_domain> out;
    for (const auto& [uri, policy] : policies_) {
        if (std::binary_search(policy.members.begin(), policy.members.end(), user_uri)) {
            out.push_back({uri, policy.permitted_external});
        }
    }
    return out;
}

domain_decision security_domain_lookup::decide(std::string_view initiator_domain, std::string_view target_user,
                                               const std::optional<std::vector<std::string>>& initiator_domains) const {
    auto supported = lookup(target_user);
    domain_decision d;
    if (supported.empty()) {
        d.reason = "no security domain supports " + std::string(target_user);
        return d;
    }
    for (const auto& s : supported) {
        if (s.kms_uri == initiator_domain || contains(s.permitted_external, initiator_domain)) {
            d.forward = true;
            d.reason = s.kms_uri == initiator_domain ? "the target belongs to " + s.kms_uri
                                                     : s.kms_uri + " permits " + std::string(initiator_domain);
            return d;
        }
    }
    for (const auto& s : supported) {
        if (!initiator_domains || contains(*initiator_domains, s.kms_uri)) {
            d.acceptable_domains.push_back(s.kms_uri);
        }
    }
    d.reason = "no domain of " + std::string(target_user) + " accepts " + std::string(initiator_domain);
    return d;
}

} // namespace mcprov::lookup
