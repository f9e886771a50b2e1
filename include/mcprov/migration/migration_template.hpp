#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/result.hpp"

namespace mcprov::migration {

struct added_group {
    std::string uri;
    std::string display_name;
    bool implicit_affiliation = false;
};

struct point {
    double latitude = 0;
    double longitude = 0;
};

// One area a visitor may operate in: a circle (centre and radius) or a polygon (three or more points).
struct area {
    std::vector<point> polygon;
    std::optional<point> centre;
    double radius_metres = 0;
};

enum class priority_mode { keep, replace, cap };

// How a partner MC system adapts the migration profile of a visiting user (TS 23.280 clause 10.1.4.x step 10),
// as the partner's operator wrote it (schemas/mcprov/migration-template.xsd, docs/migration.md).
struct migration_template {
    std::string name;
    std::string digest; // hex SHA-256 of the document it was read from: a changed template has a new one
    std::string primary_system;
    std::optional<std::string> organisation; // nullopt: every visitor from the primary system

    std::vector<std::string> allowed_groups; // patterns; empty: every group not denied
    std::vector<std::string> denied_groups;  // patterns
    std::vector<added_group> added_groups;

    priority_mode priority = priority_mode::keep;
    unsigned priority_value = 0;

    std::vector<std::string> withdrawn_authorisations; // patterns over allow-* element names

    std::vector<area> operating_area; // empty: no limit
};

// Reads a template document: checked against the template schema, then for meaning (an unusable pattern, say).
// Errors: not_well_formed, too_large, schema_invalid ("line N: ..."), invalid_argument.
support::result<migration_template> parse_migration_template(std::string_view xml);

// '*' matches any run of characters, '?' any one; everything else itself.
bool pattern_matches(std::string_view pattern, std::string_view text);

// Combines a migration profile (a TS 24.484 MCPTT user profile from the primary system) with a template: groups
// outside the allow/deny lists are removed (with any emergency or imminent-peril call set up on them), the added
// groups appended, group-call priorities replaced or capped, matching authorisations set to false, and the
// operating area recorded in the profile (an element of namespace urn:mcprov:migration-template:1 at the root,
// replacing any there). The result is checked against the Release 13 schema before it is returned.
// Errors: those of parsing and validating the profile; schema_invalid if the combination does not validate.
support::result<std::string> apply_template(const migration_template& t, std::string_view mcptt_profile);

} // namespace mcprov::migration
