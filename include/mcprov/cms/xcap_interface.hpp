#pragma once

#include <memory>
#include <string>

#include "mcprov/cms/mc_service_user_database.hpp"
#include "mcprov/http/pipeline.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/migration/migration_services.hpp"

namespace mcprov::cms {

struct xcap_interface_config {
    std::string xcap_root_path = "/xcap";
    // Scope a client's access token needs to read its own profiles (TS 33.180 Annex B).
    std::string user_scope = "3gpp:mc:config_management_service";
    // Scope that lets an administrator read and write every user's profiles.
    std::string admin_scope = "mcprov:cms:admin";
    // Scope of this system's MC service servers: read any user's profiles, visitors' included, at service
    // authorization.
    std::string service_scope = "mcprov:cms:service-server";
};

// The CMS's HTTP interface, as routes of one pipeline (docs/cms.md):
//   healthz             GET /healthz
//   stats               GET /stats                                  administrators
//   migration-serving   GET /migration/serving                      administrators
//   migration-visitors  GET /migration/visitors                     administrators
//   visitor-profile     GET <root>/<MCPTT AUID>/users/{user}/<visitor profile>: may wait on the visitor's primary
//   xcap-read           GET <root>/*: TS 24.484 user profile documents, for their user, this system's MC service
//                       servers, administrators and (their own visitor profile) visiting users of partner systems
//   xcap-write          PUT, DELETE <root>/*                        administrators
// Errors are problem+json, except an XCAP document error (RFC 4825 section 11: 409 with application/xcap-error+xml).
std::shared_ptr<http::pipeline> create_xcap_interface(xcap_interface_config config,
                                                      std::shared_ptr<mc_service_user_database> database,
                                                      std::shared_ptr<const identity::access_token_verifier> verifier,
                                                      std::shared_ptr<migration::migration_services> migration,
                                                      std::shared_ptr<support::metrics_registry> metrics = nullptr);

} // namespace mcprov::cms
