#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/migration/migration_template.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::migration {

// How a partner MC system reads the organisation out of a visitor's MC service ID, e.g.
// "sip:{user}@{org}.mcx-a.example.org". {user} and {org} each match a non-empty run of characters up to the text
// that follows them in the pattern; everything else must match exactly. An organisation is made of letters, digits,
// '-', '_' and '.'.
class organisation_rule {
public:
    // invalid_argument unless the pattern has exactly one {org}, at most one {user}, and no two placeholders side by
    // side.
    static support::result<organisation_rule> parse(std::string_view pattern);

    // The organisation, or nullopt when the MC service ID does not have the rule's shape.
    std::optional<std::string> organisation_of(std::string_view mc_service_id) const;

    const std::string& pattern() const { return pattern_; }

private:
    std::string pattern_;
};

// The templates of one partner MC system, chosen per primary system and, more finely, per organisation.
class template_catalogue {
public:
    // invalid_argument when two templates apply to the same primary system and organisation.
    static support::result<template_catalogue> create(std::vector<migration_template> templates);

    // The template for a visitor: the one for its primary system and organisation if there is one, else the one
    // for its primary system alone; nullptr when neither exists.
    const migration_template* select(std::string_view primary_system,
                                     const std::optional<std::string>& organisation) const;

    const std::vector<migration_template>& templates() const { return templates_; }

private:
    std::vector<migration_template> templates_;
};

// Reads every *.xml file of a folder as a template (sorted by name) and builds the catalogue. Errors name the file:
// "templates/police.xml: line 4: ..." (invalid_argument), or the folder (io).
support::result<template_catalogue> load_template_directory(const std::filesystem::path& folder);

} // namespace mcprov::migration
