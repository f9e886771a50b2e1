#include "mcprov/migration/migration_profile_selection.hpp"

#include <algorithm>
#include <optional>

#include "mcprov/xcap/application_usage.hpp"

namespace mcprov::migration {

support::result<stored_migration_profile>
select_migration_profile(const std::vector<stored_migration_profile>& profiles, std::string_view partner_system) {
    const auto& usage = *xcap::find_application_usage(xcap::migration_profile_auid);
    struct candidate {
        unsigned index;
        const stored_migration_profile* profile;
    };
    std::optional<candidate> named, fallback;
    auto better = [](const std::optional<candidate>& current, unsigned index) {
        return !current || index < current->index;
    };
    for (const auto& p : profiles) {
        auto index = xcap::profile_index(usage, p.name);
        auto doc = xml::parse(p.content);
        if (!index || !doc) {
            continue;
        }
        auto targets = xcap::migration_targets_of(*doc);
        if (!targets) {
            continue;
        }
        if (std::find(targets->partners.begin(), targets->partners.end(), partner_system) != targets->partners.end()) {
            if (better(named, *index)) {
                named = candidate{*index, &p};
            }
        } else if (targets->is_default && better(fallback, *index)) {
            fallback = candidate{*index, &p};
        }
    }
    if (named) {
        return *named->profile;
    }
    if (fallback) {
        return *fallback->profile;
    }
    return support::make_error(support::errc::not_found, "no migration profile names " + std::string(partner_system) +
                                                             " and none is the default");
}

} // namespace mcprov::migration
