#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "mcprov/http/server.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/support/log.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::kms {

// The security domain one `mcprov kms` serves ([domain] in docs/kms.md).
struct domain_config {
    std::string kms_uri;              // KmsUri: the domain's name, e.g. kms.police.example.org
    std::string issuer;               // KmsCertificate Issuer; kms_uri when unset
    std::filesystem::path master_key; // file with the key that seals the master secrets (64 hex digits)
    std::chrono::seconds user_key_period{30 * 86400};
    std::chrono::seconds user_key_offset{0};
    std::chrono::days certificate_validity{3 * 365};
    unsigned future_key_periods = 1; // how many key periods after the current one keyprov serves
};

struct access_config {
    identity::verifier_config verifier; // public_key_pem holds the key itself, read from auth.public_key
    std::string user_scope = "3gpp:mc:key_management_service";
    std::string admin_scope = "mcprov:kms:admin";
    std::string lookup_scope = "mcprov:kms:lookup"; // application servers asking the security-domain lookup
};

// Everything `mcprov kms` reads from its TOML file (docs/kms.md).
struct kms_config {
    http::server_config server;
    domain_config domain;
    access_config access;
    std::string store_url; // [store] url or path (see store::open_store)
    // The key and certificate chain that sign KMS responses (SignedKmsResponse); [tls]'s when [signing] is absent.
    std::filesystem::path signing_certificate;
    std::filesystem::path signing_key;
    std::string log_level = "info";
    support::log_format log_format = support::log_format::text;
};

// Reads and checks a configuration file; relative paths are taken from the file's folder. Unknown keys, wrong types
// and values out of range are errors naming the file, line and key.
support::result<kms_config> load_kms_config(const std::filesystem::path& file);

support::result<kms_config> parse_kms_config(std::string_view text, const std::string& source_name,
                                             const std::filesystem::path& base_dir);

} // namespace mcprov::kms
