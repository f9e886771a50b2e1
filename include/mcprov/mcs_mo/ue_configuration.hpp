#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mcprov/mcs_mo/ue_initial_configuration.hpp"
#include "mcprov/support/result.hpp"

// The MCPTT UE configuration (3GPP TS 24.483 clause 4, urn:oma:mo:ext-3gpp-MCPTT-UE-configuration:1.0; TS 24.484
// clause 7.3, the document mcptt-UE-configuration it mirrors): the limits of simultaneous calls and transmissions,
// the groups whose calls take priority, and the on-network settings. Node names as for the UE initial configuration;
// the document's domain travels in Ext/Domain.
namespace mcprov::mcs_mo {

inline constexpr std::string_view ue_configuration_mo = "urn:oma:mo:ext-3gpp-MCPTT-UE-configuration:1.0";
inline constexpr std::string_view ue_configuration_namespace = "urn:3gpp:mcptt:mcpttUEConfig:1.0";
inline constexpr std::string_view ue_configuration_schema = "ts24484-rel13/ue-config.xsd";

struct ue_configuration {
    std::string domain;
    std::string name;
    unsigned max_private_calls = 1;       // Max-Simul-Call-N10
    unsigned max_group_calls = 1;         // Max-Simul-Call-N4
    unsigned max_group_transmissions = 1; // Max-Simul-Trans-N5
    // Prioritized-MCPTT-Group: each group with its group-priority-hierarchy (the document needs at least one).
    std::vector<std::pair<std::string, unsigned>> prioritized_groups;
    bool ipv6_preferred = false;
    bool relay_service = false;

    friend bool operator==(const ue_configuration&, const ue_configuration&) = default;
};

std::vector<mo_leaf> to_mo_leaves(const ue_configuration& c);
// Errors: invalid_argument naming a missing or malformed leaf.
support::result<ue_configuration> ue_configuration_from_mo_leaves(const std::map<std::string, std::string>& leaves);
// The TS 24.484 document, checked against ue-config.xsd. Errors: schema_invalid, invalid_argument.
support::result<std::string> to_document(const ue_configuration& c);

} // namespace mcprov::mcs_mo
