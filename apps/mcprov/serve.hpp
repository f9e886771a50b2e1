#pragma once

#include <memory>
#include <string>
#include <utility>

#include "mcprov/http/server.hpp"
#include "mcprov/support/metrics.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::app {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and every thread it starts afterwards); call first.
void block_termination_signals();
// Waits for SIGINT, SIGTERM or SIGHUP (blocked beforehand) and returns its number.
int wait_for_signal();

// GET /metrics (and /healthz) on a loopback address of its own, without credentials: for a server whose own listener
// has no administrators' tokens (the SIP AS, the BSF). `server` labels its HTTP series.
support::result<std::unique_ptr<http::server>> serve_metrics(const std::string& server,
                                                             std::shared_ptr<support::metrics_registry> metrics,
                                                             const std::pair<std::string, std::uint16_t>& listen);

} // namespace mcprov::app
