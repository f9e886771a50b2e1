#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "mcprov/devkit/example_data.hpp"
#include "mcprov/kmc/key_material.hpp"
#include "mcprov/kms/kms_server.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::devkit {

// The security domains of the local deployment's first MC system: police and fire, each with its own KMS. alice is
// in police, bob in fire, carol in both; police permits fire, fire permits nobody.
struct security_domains {
    std::filesystem::path system_dir; // the MC system's folder: its CA, TLS certificate and IdMS key
    mc_system system;                 // mcx-a
    int first_port = 0;               // police's KMS, then fire's

    static const std::vector<std::string>& names(); // police, fire

    std::string kms_uri(const std::string& domain) const { return "kms." + domain + "." + system.id; }
    int port(const std::string& domain) const { return first_port + (domain == "police" ? 0 : 1); }
    std::string url(const std::string& domain) const { return "https://127.0.0.1:" + std::to_string(port(domain)); }
    std::filesystem::path dir(const std::string& domain) const { return system_dir / ("kms-" + domain); }

    // Writes each domain's master key, kms.toml, certificate.xml and database with its members and permitted domains.
    support::result<void> prepare() const;
    support::result<std::vector<std::unique_ptr<kms::kms_server>>> start() const;
    // A member's key material from the domain's running KMS (a token of the system's IdMS, then the KMS's answers).
    support::result<kmc::key_material> key_material(const std::string& user, const std::string& domain) const;
    // Runs the two key establishments (carol of fire to alice of police: agreed; bob of fire to alice: refused by
    // policy) against the running KMSs, and describes them, a line each.
    support::result<std::string> demonstrate() const;
};

} // namespace mcprov::devkit
