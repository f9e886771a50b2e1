#pragma once

#include <filesystem>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "mcprov/cms/xcap_handler.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/migration/agreement.hpp"
#include "mcprov/support/log.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::cms {

// The CSCM-x listener: partner systems' CMSs only, mutual TLS (docs/cscm-x.md).
struct cscm_config {
    http::server_config server; // its tls.client_cas are the partners' CAs
    std::chrono::seconds timeout{5}; // of each call to a partner's CSCM-x interface, as a client
};

// Migration (docs/migration.md): this system's identity, its agreements and how it serves visitors.
struct migration_config {
    std::string system;                              // [system] id
    std::vector<migration::partner_agreement> partners;
    std::optional<std::filesystem::path> templates;  // folder of template documents (*.xml)
    std::chrono::seconds max_stale{86400};
    std::chrono::seconds profile_validity{86400};
    std::chrono::seconds release_retry{30};
};

// Everything `mcprov cms` reads from its TOML file (docs/configuration.md).
struct cms_config {
    http::server_config server;
    std::optional<cscm_config> cscm; // present when there is at least one [[partner]]
    migration_config migration;
    xcap_handler_config xcap;
    std::filesystem::path database;
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
