#pragma once

#include <toml++/toml.h>

#include "mcprov/support/config_reader.hpp"

namespace mcprov::store {

// The [store] table every mcprov server reads the same way (docs/configuration.md): `url` names the store (see
// open_store), or `path` a SQLite file (the same as url = "sqlite:<path>"); one of them is required. A relative
// SQLite path is taken from the configuration file's folder, so the URL returned is absolute for SQLite.
std::string read_store_url(support::config_reader& r, const toml::table& root);

} // namespace mcprov::store
