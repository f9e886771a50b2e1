#include <csignal>
#include <iostream>

#include "commands.hpp"
#include "mcprov/lookup/lookup_service.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/log.hpp"
#include "serve.hpp"

namespace mcprov::app {
namespace {

int run_lookup(const std::string& config_file) {
    auto config = lookup::load_lookup_config(config_file);
    if (!config) {
        std::cerr << "mcprov lookup: " << config.err().message << "\n";
        return 2;
    }
    support::configure_logging(config->log_level, config->log_format);
    auto log = support::logger("lookup");
    block_termination_signals();
    auto clock = support::create_system_clock();
    auto verifier = identity::create_access_token_verifier(config->verifier, clock);
    if (!verifier) {
        std::cerr << "mcprov lookup: auth.public_key: " << verifier.err().message << "\n";
        return 2;
    }
    auto lookup = std::make_shared<lookup::security_domain_lookup>();
    auto follower = std::make_shared<lookup::policy_follower>(config->domains, config->token_file, config->refresh,
                                                              lookup, clock);
    auto handler =
        std::make_shared<lookup::lookup_handler>(lookup, follower, std::move(verifier).value(), config->scope,
                                                 config->admin_scope);
    auto server = http::create_server(config->server, handler);
    if (!server) {
        std::cerr << "mcprov lookup: " << server.err().message << "\n";
        return 1;
    }
    log->info("security-domain lookup of {} domain(s) on {}://{}:{}", config->domains.size(),
              config->server.tls ? "https" : "http", config->server.address, (*server)->port());
    int signal = 0;
    while ((signal = wait_for_signal()) == SIGHUP) {
        log->info("SIGHUP: {} of {} domain(s) refreshed", follower->refresh_now(), config->domains.size());
    }
    log->info("signal {}: stopping", signal);
    (*server)->stop();
    (*server)->wait();
    return 0;
}

} // namespace

command add_lookup_command(CLI::App& parent) {
    auto config = std::make_shared<std::string>();
    auto* cmd = parent.add_subcommand(
        "lookup", "Run the security-domain lookup of an MC system: follows every domain's KMS (GET /kms/v1/policy)\n"
                  "and answers which domains support a user, and whether a request using a domain may reach\n"
                  "a user (seed 002, 7.2.X.3.2). SIGHUP refreshes every domain at once. See docs/lookup.md.");
    cmd->add_option("-c,--config", *config, "TOML configuration file (see docs/lookup.md)")
        ->required()
        ->check(CLI::ExistingFile);
    return [config] { return run_lookup(*config); };
}

} // namespace mcprov::app
