#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/result.hpp"

namespace mcprov::migration {

// One of a user's migration profiles as the primary MC system stores it.
struct stored_migration_profile {
    std::string name; // migration-profile-{index}.xml
    std::string content;
    std::string etag;
};

// TS 23.280 clause 10.1.4.x.2 step 6: of a user's migration profiles, the one that applies to the asking partner
// MC system: one that names it, else the default; the lowest index where several qualify. A profile that no longer
// parses is skipped. Errors: not_found when none applies.
support::result<stored_migration_profile>
select_migration_profile(const std::vector<stored_migration_profile>& profiles, std::string_view partner_system);

} // namespace mcprov::migration
