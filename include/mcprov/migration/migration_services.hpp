#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mcprov/identity/access_token.hpp"
#include "mcprov/migration/agreement.hpp"
#include "mcprov/migration/migration_config.hpp"
#include "mcprov/migration/migration_profile_provision.hpp"
#include "mcprov/migration/partner_profile_retrieval.hpp"
#include "mcprov/migration/release_worker.hpp"
#include "mcprov/migration/serving_register.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/metrics.hpp"

namespace mcprov::migration {

// Counters of what the CSCM-x interface did (cscm_handler), served at GET /stats with the XCAP interface's.
struct cscm_stats {
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> refused_peers{0};     // certificate of no partner with an agreement
    std::atomic<std::uint64_t> profiles_provided{0}; // steps 7-8 with a body
    std::atomic<std::uint64_t> not_modified{0};
    std::atomic<std::uint64_t> delivery_reports{0};
    std::atomic<std::uint64_t> releases_received{0};
};

// What template reloads (SIGHUP) did.
struct template_stats {
    std::atomic<std::uint64_t> reloads{0};          // template folders read and taken
    std::atomic<std::uint64_t> reloads_refused{0};  // template folders refused (the previous templates stay)
    std::atomic<std::uint64_t> profiles_changed{0}; // visitors' profiles regenerated or withdrawn by reloads
};

// What a CMS with migration agreements runs, in both roles: primary for its own users (provision, serving
// register, releases) and partner for visitors (retrieval, visitor tokens).
class cscm_client;

struct migration_services {
    std::string system;
    migration::agreement_set agreements;
    // One per agreement, in the same order: verifies the tokens of that partner's identity management server.
    std::vector<std::shared_ptr<const identity::access_token_verifier>> visitor_verifiers;
    std::shared_ptr<migration::serving_register> serving;
    std::shared_ptr<migration::migration_profile_provision> provision;
    std::shared_ptr<migration::partner_profile_retrieval> retrieval;
    std::shared_ptr<release_worker> releases;
    std::shared_ptr<cscm_client> partners; // this CMS's calls to its partners
    cscm_stats cscm; // kept by the CSCM-x handler, read by /stats
    template_stats templates; // kept by reload_templates, read by /stats
};

// What create_migration_services needs besides the store and the clock.
struct migration_setup {
    migration_config migration;
    cscm_config cscm;
    // How visitors' tokens are checked: each partner's IdMS issuer and public key replace issuer and key.
    identity::verifier_config visitor_tokens;
    // Profiles served to visitors are signed with this certificate and key ([migration] signing_certificate, or
    // the CMS's own TLS ones: the certificate its clients trust). The certificate must name migration.system.
    std::filesystem::path signing_certificate_chain;
    std::filesystem::path signing_private_key;
    std::shared_ptr<support::metrics_registry> metrics; // where the partners' health goes
};

// Both roles of a CMS with migration agreements, assembled: agreements, visitor token checks, templates, the
// signing key, the CSCM-x client, the serving register, both procedures and the release thread. Errors:
// invalid_argument naming what cannot be used.
support::result<std::shared_ptr<migration_services>>
create_migration_services(const migration_setup& setup, std::shared_ptr<store::document_store> documents,
                          std::shared_ptr<support::clock> clock);

// Reads the template folder again and regenerates the visitors' profiles whose template changed. Returns how many
// changed.
support::result<std::size_t> reload_templates(const migration_config& config, migration_services& services);

} // namespace mcprov::migration
