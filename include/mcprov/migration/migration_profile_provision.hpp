#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/migration/migration_profile_selection.hpp"
#include "mcprov/migration/serving_register.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/xcap/application_usage.hpp"

namespace mcprov::migration {

struct provision_request {
    std::string user;
    xcap::mc_service service = xcap::mc_service::mcptt;
    std::string partner_system; // from the partner's certificate, never from the request
    std::optional<std::string> if_none_match;
    std::string correlation_id;
};

struct provision_outcome {
    stored_migration_profile profile; // content without <migration-for> (unless not_modified: then as stored)
    bool not_modified = false; // the partner's copy is current: no body to send
    std::vector<std::string> partners_to_release; // now serving elsewhere; tell them to delete their copy
};

// A migration profile as a partner receives it: without its <migration-for> element (and the blank text after it),
// which names every partner system the profile is written for. Returned unchanged when it has none. Errors: those
// of xml::parse.
support::result<std::string> without_migration_for(std::string_view profile);

// TS 23.280 clause 10.1.4.x.2 steps 5 to 8, at the primary MC system: the MC service user database retrieves the
// user's migration profile of the asked service that applies to the asking partner system (never a home profile),
// and the provision is recorded in the serving register.
class migration_profile_provision {
public:
    migration_profile_provision(std::shared_ptr<store::document_store> documents,
                                std::shared_ptr<serving_register> serving);

    // Errors: not_found (no migration profile of the service for this user and partner; the same answer whether or
    // not the user exists), io, internal (a stored migration profile that does not parse).
    support::result<provision_outcome> run(const provision_request& request) const;

private:
    std::shared_ptr<store::document_store> documents_;
    std::shared_ptr<serving_register> register_;
};

} // namespace mcprov::migration
