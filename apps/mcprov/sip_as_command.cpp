#include <csignal>
#include <iostream>
#include <thread>

#include "commands.hpp"
#include "mcprov/http/pipeline.hpp"
#include "mcprov/sip_as/sip_as_service.hpp"
#include "mcprov/support/log.hpp"
#include "serve.hpp"

namespace mcprov::app {
namespace {

int run_sip_as(const std::string& config_file) {
    auto config = sip_as::load_sip_as_config(config_file);
    if (!config) {
        std::cerr << "mcprov sip-as: " << config.err().message << "\n";
        return 2;
    }
    support::configure_logging(config->log_level, config->log_format);
    auto log = support::logger("sip-as");
    block_termination_signals();
    auto server = sip_as::create_sip_application_server(*config);
    if (!server) {
        std::cerr << "mcprov sip-as: " << server.err().message << "\n";
        return 1;
    }
    std::unique_ptr<http::server> metrics;
    if (config->metrics_listen) {
        auto made = serve_metrics("sip-as", (*server)->metrics(), *config->metrics_listen);
        if (!made) {
            std::cerr << "mcprov sip-as: metrics: " << made.err().message << "\n";
            return 1;
        }
        metrics = std::move(made).value();
        log->info("metrics on http://{}:{}/metrics", config->metrics_listen->first, metrics->port());
    }
    // The SIP stack runs on this thread; signals are taken on another, which asks it to stop.
    std::thread signals([&] {
        int signal = 0;
        while ((signal = wait_for_signal()) == SIGHUP) {
        }
        log->info("signal {}: stopping", signal);
        (*server)->stop();
    });
    (*server)->run();
    signals.join();
    const auto& c = (*server)->counters();
    if (metrics)
        metrics->stop();
    log->info("stopped: {} forwarded, {} redirected, {} narrowed, {} refused", c.forwarded.value(),
              c.redirected.value(), c.narrowed.value(), c.refused.value());
    return 0;
}

} // namespace

command add_sip_as_command(CLI::App& parent) {
    auto config = std::make_shared<std::string>();
    auto* cmd = parent.add_subcommand(
        "sip-as", "Run a SIP application server (a transaction-stateful proxy, UDP, TCP and TLS) that enforces security\n"
                  "domains on private calls: an INVITE or MESSAGE whose MIKEY I_MESSAGE uses a KMS the target or\n"
                  "this server's policy does not accept is answered 488 with a KMS Redirect Response (TS 33.180\n"
                  "5.2.8, D.4); KRRs from downstream are narrowed by the same policy. See docs/sip-as.md.");
    cmd->add_option("-c,--config", *config, "TOML configuration file (see docs/sip-as.md)")
        ->required()
        ->check(CLI::ExistingFile);
    return [config] { return run_sip_as(*config); };
}

} // namespace mcprov::app
