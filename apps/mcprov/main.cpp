#include <iostream>
#include <utility>
#include <vector>

#include "commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"mcprov: provisioning of mission-critical (MCPTT, MCData, MCVideo) users and devices.\n"
                 "Run a subcommand with --help for its options; docs/ has the operator's guide."};
    app.set_version_flag("--version", "mcprov 0.1.0");
    app.require_subcommand(1);

    std::vector<std::pair<CLI::App*, mcprov::app::command>> commands;
    for (auto adder : {mcprov::app::add_cms_command, mcprov::app::add_dev_command, mcprov::app::add_token_command,
                       mcprov::app::add_keygen_command, mcprov::app::add_cmc_command,
                       mcprov::app::add_kms_command, mcprov::app::add_kmc_command,
                       mcprov::app::add_lookup_command, mcprov::app::add_sip_as_command, mcprov::app::add_dms_command,
                       mcprov::app::add_agent_command, mcprov::app::add_card_command,
                       mcprov::app::add_bsf_command, mcprov::app::add_pc_agent_command,
                       mcprov::app::add_payment_gateway_command}) {
        auto run = adder(app);
        commands.emplace_back(app.get_subcommands({}).back(), std::move(run));
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version exit 0; every usage error (a missing, unknown or malformed option: CLI11's own
        // codes, 105 to 115) exits 2, as the subcommands document.
        return app.exit(e) == 0 ? 0 : 2;
    }
    for (auto& [sub, run] : commands) {
        if (sub->parsed()) {
            return run();
        }
    }
    return 2;
}
