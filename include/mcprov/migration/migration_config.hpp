#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mcprov/http/server.hpp"
#include "mcprov/migration/agreement.hpp"

namespace mcprov::migration {

// The CSCM-x listener: partner systems' CMSs only, mutual TLS (docs/cscm-x.md).
struct cscm_config {
    http::server_config server;      // its tls.client_cas are the partners' CAs
    std::chrono::seconds timeout{5}; // of each call to a partner's CSCM-x interface, as a client
};

// Migration (docs/migration.md): this system's identity, its agreements and how it serves visitors.
struct migration_config {
    std::string system; // [system] id
    std::vector<partner_agreement> partners;
    std::optional<std::filesystem::path> templates; // folder of template documents (*.xml)
    std::chrono::seconds max_stale{86400};
    std::chrono::seconds profile_validity{86400};
    std::chrono::seconds release_retry{30};
    // What signs visitors' profiles: a certificate naming `system` and its key (default: the [tls] ones).
    std::optional<std::filesystem::path> signing_certificate;
    std::optional<std::filesystem::path> signing_private_key;
};

} // namespace mcprov::migration
