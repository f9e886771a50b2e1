#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "mcprov/mikey/keys.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::kms {

// A security domain's master secrets (KSAK, z) at rest: AES-256-GCM under a key the operator supplies, bound to the
// domain's KMS URI so that a sealed blob cannot be moved to another domain. The key never leaves the process.
class master_secret_vault {
public:
    static constexpr std::size_t key_size = 32;

    // The key as 64 hex digits in a file (surrounding white space allowed, nothing else). The file must not be
    // readable by group or others. Errors: io, invalid_argument.
    static support::result<master_secret_vault> from_key_file(const std::filesystem::path& file);

    // Errors: invalid_argument (not key_size octets).
    static support::result<master_secret_vault> from_key(std::string key);

    master_secret_vault(master_secret_vault&&) noexcept = default;
    master_secret_vault& operator=(master_secret_vault&&) noexcept = default;
    ~master_secret_vault();

    // A JSON document: {"version":1,"algorithm":"AES-256-GCM","nonce":hex,"ciphertext":hex,"tag":hex}.
    support::result<std::string> seal(const mikey::master_secrets& secrets, std::string_view kms_uri) const;

    // Errors: invalid_argument (not a sealed document), unauthenticated (another key, another domain, or altered).
    support::result<mikey::master_secrets> open(std::string_view sealed, std::string_view kms_uri) const;

    // 64 fresh random hex digits and a newline: what `mcprov kms keygen` writes.
    static std::string generate_key_file_text();

private:
    explicit master_secret_vault(std::string key) : key_(std::move(key)) {}
    std::string key_;
};

} // namespace mcprov::kms
