#include "mcprov/migration/agreement.hpp"

#include <algorithm>

#include "mcprov/migration/migration_template.hpp"

namespace mcprov::migration {

using support::errc;
using support::make_error;
using support::result;

std::string_view host_of(std::string_view id) {
    auto at = id.rfind('@');
    if (at == std::string_view::npos) {
        return {};
    }
    auto host = id.substr(at + 1);
    return host.substr(0, host.find_first_of(";:>?"));
}

bool is_user_of(const partner_agreement& agreement, std::string_view mc_service_id) {
    auto host = host_of(mc_service_id);
    return !host.empty() && std::any_of(agreement.user_domains.begin(), agreement.user_domains.end(),
                                        [&](const std::string& pattern) { return pattern_matches(pattern, host); });
}

result<agreement_set> agreement_set::create(std::vector<partner_agreement> agreements) {
    for (std::size_t i = 0; i < agreements.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (agreements[i].system == agreements[j].system) {
                return make_error(errc::invalid_argument, "two agreements with " + agreements[i].system);
            }
            if (agreements[i].idms_issuer == agreements[j].idms_issuer) {
                return make_error(errc::invalid_argument, "the agreements with " + agreements[j].system + " and " +
                                                              agreements[i].system +
                                                              " trust the same identity management server " +
                                                              agreements[i].idms_issuer);
            }
        }
    }
    agreement_set set;
    set.agreements_ = std::move(agreements);
    return set;
}

const partner_agreement* agreement_set::find_system(std::string_view system) const {
    auto it = std::find_if(agreements_.begin(), agreements_.end(), [&](const auto& a) { return a.system == system; });
    return it == agreements_.end() ? nullptr : &*it;
}

const partner_agreement* agreement_set::find_idms(std::string_view issuer) const {
    auto it =
        std::find_if(agreements_.begin(), agreements_.end(), [&](const auto& a) { return a.idms_issuer == issuer; });
    return it == agreements_.end() ? nullptr : &*it;
}

} // namespace mcprov::migration
