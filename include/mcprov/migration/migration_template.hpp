#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/result.hpp"
#include "mcprov/xcap/application_usage.hpp"

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

// Numeric elements whose name matches the pattern are brought down to at most `value` (MCData's data limits, say).
struct limit_cap {
    std::string pattern;
    std::uint64_t value = 0;
};

// What a template does to one service's profile. A template's top-level parts apply to every service; a section
// for one service (<mcptt>, <mcdata>, <mcvideo>) adds its own.
struct service_rules {
    std::vector<std::string> allowed_groups; // patterns; empty: every group not denied
    std::vector<std::string> denied_groups;  // patterns
    std::vector<added_group> added_groups;

    priority_mode priority = priority_mode::keep;
    unsigned priority_value = 0;

    std::vector<std::string> withdrawn_authorisations; // patterns over allow-* element names
    std::vector<limit_cap> limits;
};

// How a partner MC system adapts the migration profiles of a visiting user (TS 23.280 clause 10.1.4.x step 10),
// as the partner's operator wrote it (schemas/mcprov/migration-template.xsd, docs/migration.md).
struct migration_template {
    std::string name;
    std::string digest; // hex SHA-256 of the document it was read from: a changed template has a new one
    std::string primary_system;
    std::optional<std::string> organisation; // nullopt: every visitor from the primary system

    service_rules common;                  // the top-level parts
    std::array<service_rules, 3> services; // the sections, by xcap::mc_service

    std::vector<area> operating_area; // empty: no limit
};

// Reads a template document: checked against the template schema, then for meaning (an unusable pattern, say).
// Errors: not_well_formed, too_large, schema_invalid ("line N: ..."), invalid_argument.
support::result<migration_template> parse_migration_template(std::string_view xml);

// '*' matches any run of characters, '?' any one; everything else itself.
bool pattern_matches(std::string_view pattern, std::string_view text);

// Combines a migration profile (a user profile of MCPTT, MCData or MCVideo from the primary system, told apart by its
// root element) with a template, by the template's common rules and its section for that service: groups outside
// the allow/deny lists are removed (with any emergency or imminent-peril call set up on them), the added groups
// appended, group-call priorities replaced or capped (MCPTT and MCVideo), matching authorisations set to false,
// matching numeric limits capped, and the operating area recorded in the profile (an element of namespace
// urn:mcprov:migration-template:1 at the root, replacing any there). The result is checked against the service's
// schema before it is returned.
// Errors: those of parsing and validating the profile; schema_invalid if it is no user profile or the combination
// does not validate.
support::result<std::string> apply_template(const migration_template& t, std::string_view profile);
// The same for a profile that must be of `service`: another service's profile is schema_invalid.
support::result<std::string> apply_template(const migration_template& t, xcap::mc_service service,
                                            std::string_view profile);

} // namespace mcprov::migration
