#pragma once

#include <memory>

#include "mcprov/cms/config.hpp"
#include "mcprov/cms/xcap_handler.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/migration/cscm_handler.hpp"
#include "mcprov/migration/migration_services.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::app {

// A configuration management server built from its configuration: store, token check, XCAP interface and
// listener; with migration agreements also the CSCM-x listener and the migration procedures.
struct running_cms {
    std::shared_ptr<cms::mc_service_user_database> database;
    std::shared_ptr<cms::xcap_handler> handler;
    std::unique_ptr<http::server> server;
    std::shared_ptr<migration::migration_services> migration; // null without agreements
    std::unique_ptr<http::server> cscm_server;

    // Stops both listeners, letting requests in flight finish, and waits.
    void stop();
};

support::result<running_cms> start_cms(const cms::cms_config& config);

// Reads the template folder again and regenerates the visitors' profiles whose template changed. Returns how many
// changed.
support::result<std::size_t> reload_templates(const cms::cms_config& config, running_cms& cms);

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and every thread it starts afterwards); call first.
void block_termination_signals();
// Waits for SIGINT, SIGTERM or SIGHUP (blocked beforehand) and returns its number.
int wait_for_signal();

} // namespace mcprov::app
