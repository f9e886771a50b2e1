#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mcprov/identity/access_token.hpp"
#include "mcprov/migration/agreement.hpp"
#include "mcprov/migration/migration_profile_provision.hpp"
#include "mcprov/migration/partner_profile_retrieval.hpp"
#include "mcprov/migration/release_worker.hpp"
#include "mcprov/migration/serving_register.hpp"

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

// What a CMS with migration agreements runs, in both roles: primary for its own users (provision, serving
// register, releases) and partner for visitors (retrieval, visitor tokens).
struct migration_services {
    std::string system;
    migration::agreement_set agreements;
    // One per agreement, in the same order: verifies the tokens of that partner's identity management server.
    std::vector<std::shared_ptr<const identity::access_token_verifier>> visitor_verifiers;
    std::shared_ptr<migration::serving_register> serving;
    std::shared_ptr<migration::migration_profile_provision> provision;
    std::shared_ptr<migration::partner_profile_retrieval> retrieval;
    std::shared_ptr<release_worker> releases;
    cscm_stats cscm; // kept by the CSCM-x handler, read by /stats
};

} // namespace mcprov::migration
