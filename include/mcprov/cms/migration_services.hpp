#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mcprov/cms/release_worker.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/migration/agreement.hpp"
#include "mcprov/migration/migration_profile_provision.hpp"
#include "mcprov/migration/partner_profile_retrieval.hpp"
#include "mcprov/migration/serving_register.hpp"

namespace mcprov::cms {

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
};

} // namespace mcprov::cms
