#pragma once

#include <memory>

#include "mcprov/cms/config.hpp"
#include "mcprov/cms/xcap_handler.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::app {

// A configuration management server built from its configuration: store, token check, XCAP interface, listener.
struct running_cms {
    std::shared_ptr<cms::mc_service_user_database> database;
    std::shared_ptr<cms::xcap_handler> handler;
    std::unique_ptr<http::server> server;
};

support::result<running_cms> start_cms(const cms::cms_config& config);

// Blocks SIGINT and SIGTERM in the calling thread (and every thread it starts afterwards); call first in main flow.
void block_termination_signals();
// Waits for SIGINT or SIGTERM (blocked beforehand) and returns its number.
int wait_for_termination_signal();

} // namespace mcprov::app
