#pragma once

#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"

namespace mcprov::identity {

// An MC service ID (MCPTT ID, MCData ID, MCVideo ID): a SIP or tel URI per TS 23.280 clause 8.1; here the
// "sip:user@domain" form (and "sips:"), checked for shape and length so it can key storage safely.
// Errors: invalid_argument saying what is wrong.
support::result<std::string> validate_mc_service_id(std::string_view text);

} // namespace mcprov::identity
