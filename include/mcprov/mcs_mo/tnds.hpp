#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mcprov/mcs_mo/ue_initial_configuration.hpp"

namespace mcprov::mcs_mo {

// An MO serialised as a TNDS object (OMA-TS-DM_TNDS 1.2, XML): a MgmtTree with one Node `root_name` of DDF type
// `type`, its leaves below it as nested Nodes with their formats and values: what a smart card's DF_MCS holds
// (docs/card.md) and what a DM bootstrap carries.
std::string to_tnds(std::string_view root_name, std::string_view type, const std::vector<mo_leaf>& leaves);

} // namespace mcprov::mcs_mo
