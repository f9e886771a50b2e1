#pragma once

#include <memory>

#include "mcprov/cms/config.hpp"
#include "mcprov/cms/mc_service_user_database.hpp"
#include "mcprov/cms/xcap_interface.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/migration/migration_services.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::cms {

// A configuration management server: the MC service user database on a store, the token check, the XCAP
// interface and its listener; with migration agreements also the CSCM-x listener and the migration procedures.
struct cms_server {
    std::shared_ptr<mc_service_user_database> database;
    std::shared_ptr<http::pipeline> xcap;
    std::unique_ptr<http::server> server;
    std::shared_ptr<migration::migration_services> migration; // null without agreements
    std::unique_ptr<http::server> cscm_server;

    // Stops both listeners, letting requests in flight finish, and waits.
    void stop();
    // Reads the template folder again and regenerates the visitors' profiles whose template changed. Returns how
    // many changed (0 without agreements).
    support::result<std::size_t> reload_templates(const cms_config& config);
};

// Assembles and starts a CMS from its configuration, on a store the caller opened. Errors: invalid_argument (a file
// of the configuration cannot be used), io (cannot bind).
support::result<std::unique_ptr<cms_server>> create_cms(const cms_config& config,
                                                        std::shared_ptr<store::document_store> documents,
                                                        std::shared_ptr<support::clock> clock);

} // namespace mcprov::cms
