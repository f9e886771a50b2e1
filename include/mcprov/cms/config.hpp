#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mcprov/cms/xcap_interface.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/migration/migration_config.hpp"
#include "mcprov/support/log.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::cms {

using migration::cscm_config;
using migration::migration_config;

// Everything `mcprov cms` reads from its TOML file (docs/configuration.md).
struct cms_config {
    http::server_config server;
    std::optional<cscm_config> cscm; // present when there is at least one [[partner]]
    migration_config migration;
    xcap_interface_config xcap;
    std::string store_url;          // [store] url or path (see store::open_store)
    identity::verifier_config auth; // public_key_pem holds the key itself, read from auth.public_key
    std::string log_level = "info";
    support::log_format log_format = support::log_format::text;
};

// Reads and checks a configuration file. Relative paths in it are taken from the file's own folder. Unknown keys,
// wrong types and values out of range are errors naming the file, line and key.
support::result<cms_config> load_cms_config(const std::filesystem::path& file);

// The same, from text (what load_cms_config reads); base_dir resolves relative paths.
support::result<cms_config> parse_cms_config(std::string_view text, const std::string& source_name,
                                             const std::filesystem::path& base_dir);

} // namespace mcprov::cms
