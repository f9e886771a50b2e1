#pragma once

#include <CLI/CLI.hpp>

namespace mcprov::app {

// Each subcommand registers its options on the parent and returns the callback that runs it; the callback
// returns the process exit code.
using command = std::function<int()>;

command add_cms_command(CLI::App& parent);
command add_token_command(CLI::App& parent);
command add_keygen_command(CLI::App& parent);
command add_dev_command(CLI::App& parent);
command add_cmc_command(CLI::App& parent);
command add_kms_command(CLI::App& parent);
command add_kmc_command(CLI::App& parent);
command add_lookup_command(CLI::App& parent);
command add_sip_as_command(CLI::App& parent);
command add_dms_command(CLI::App& parent);
command add_agent_command(CLI::App& parent);
command add_card_command(CLI::App& parent);
command add_bsf_command(CLI::App& parent);
command add_pc_agent_command(CLI::App& parent);
command add_payment_gateway_command(CLI::App& parent);

} // namespace mcprov::app
