#pragma once

namespace mcprov::app {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and every thread it starts afterwards); call first.
void block_termination_signals();
// Waits for SIGINT, SIGTERM or SIGHUP (blocked beforehand) and returns its number.
int wait_for_signal();

} // namespace mcprov::app
