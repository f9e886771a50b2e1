#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "mcprov/kms/kms_server.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::app {

// The security domains of the local deployment's first MC system: police and fire, each with its own KMS. alice is
// in police, bob in fire, carol in both; police permits fire, fire permits nobody.
struct dev_security_domains {
    std::filesystem::path system_dir; // the MC system's folder: its CA, TLS certificate and IdMS key
    std::string system_id;            // e.g. mcx-a.example.org
    int first_port = 0;               // police's KMS, then fire's

    std::string kms_uri(const std::string& domain) const { return "kms." + domain + "." + system_id; }
    std::string url(const std::string& domain) const;
    std::filesystem::path dir(const std::string& domain) const { return system_dir / ("kms-" + domain); }

    // Writes each domain's master key, kms.toml and database with its members and permitted domains.
    support::result<void> prepare() const;
    support::result<std::vector<std::unique_ptr<kms::kms_server>>> start() const;
    // Runs the two key establishments (carol of fire to alice of police: agreed; bob of fire to alice: refused by
    // policy) against the running KMSs, and describes them.
    support::result<std::string> demonstrate() const;
};

} // namespace mcprov::app
