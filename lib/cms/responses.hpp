#pragma once

// Internal to the cms module: the response shapes its handlers share.

#include "mcprov/http/responses.hpp"

namespace mcprov::cms {

using http::json_response;
using http::make_response;
using http::problem;

} // namespace mcprov::cms
