#include "mcprov/kmc/redirect_policy.hpp"

#include <algorithm>

namespace mcprov::kmc {

redirect_decision follow_redirect(const std::vector<key_material>& held, const call_keys& current,
                                  const kms_interface::kms_redirect_response& krr, const std::vector<call_keys>& tried,
                                  std::chrono::system_clock::time_point now) {
    auto untried = [&](const call_keys& k) { return std::find(tried.begin(), tried.end(), k) == tried.end(); };
    auto usable = [&](std::size_t material, const std::string& kms) {
        return material < held.size() && usable_certificate(held[material], kms, now).has_value();
    };
    std::string offered;
    for (const auto& uri : krr.acceptable) {
        offered += (offered.empty() ? "" : ", ") + uri;
    }
    if (krr.acceptable.empty()) {
        return {std::nullopt, "the redirect from " + krr.redirector + " offers no security domain: " +
                                  (krr.reason.empty() ? "the communication cannot be set up" : krr.reason)};
    }
    for (const auto& uri : krr.acceptable) {
        if (krr.role == kms_interface::krr_role::responder) {
            // The same signing keys first, then any other held material that may use the offered KMS.
            std::vector<std::size_t> order{current.material};
            for (std::size_t m = 0; m < held.size(); ++m)
                if (m != current.material)
                    order.push_back(m);
            for (auto m : order) {
                const call_keys next{m, uri};
                if (usable(m, uri) && untried(next))
                    return {next, "retrying with " + uri + " as " + krr.responder + "'s security domain"};
            }
        } else {
            for (std::size_t m = 0; m < held.size(); ++m) {
                if (held[m].own.kms_uri != uri)
                    continue;
                const std::string responder_kms = usable(m, current.responder_kms) ? current.responder_kms : uri;
                const call_keys next{m, responder_kms};
                if (untried(next))
                    return {next, "retrying signed in " + uri + ", " + responder_kms + " for " + krr.responder};
            }
        }
    }
    return {std::nullopt, "refused: " + krr.redirector + " offers " + offered + " for the " +
                              std::string(kms_interface::to_string(krr.role)) +
                              ", and this client holds no keys for any of them that it has not tried"};
}

} // namespace mcprov::kmc
