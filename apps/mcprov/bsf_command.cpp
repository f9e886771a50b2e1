#include <csignal>
#include <iostream>

#include "commands.hpp"
#include "mcprov/bsf/bsf_config.hpp"
#include "mcprov/bsf/bsf_service.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/log.hpp"
#include "serve.hpp"

namespace mcprov::app {
namespace {

int run_bsf(const std::string& config_file) {
    auto config = bsf::load_bsf_config(config_file);
    if (!config) {
        std::cerr << "mcprov bsf: " << config.err().message << "\n";
        return 2;
    }
    support::configure_logging(config->log_level, config->log_format);
    auto log = support::logger("bsf");
    block_termination_signals();
    auto clock = support::create_system_clock();
    auto documents = store::open_store(config->store_url, clock);
    if (!documents) {
        std::cerr << "mcprov bsf: " << documents.err().message << "\n";
        return 1;
    }
    // What the metrics listener serves: the store's calls, the HLR's health and the routes'.
    auto registry = std::make_shared<support::metrics_registry>();
    auto hlr = gsup::create_gsup_hlr_client(config->hlr,
                                            std::make_shared<support::peer_health>(registry, "mcprov_bsf_peer", "hlr"));
    if (!hlr) {
        std::cerr << "mcprov bsf: " << hlr.err().message << "\n";
        return 1;
    }
    auto store = store::measured(std::move(documents).value(), registry);
    auto ub = std::make_shared<bsf::bootstrapping_procedure>(
        bsf::bootstrapping_settings{.name = config->name,
                                    .key_lifetime = config->key_lifetime,
                                    .challenge_lifetime = config->challenge_lifetime,
                                    .max_vectors = config->max_vectors,
                                    .vector_window = config->vector_window},
        store, std::move(hlr).value(), clock);
    auto zn = std::make_shared<bsf::bootstrapping_info_request>(config->nafs, store, clock);
    auto pipeline = bsf::create_bsf_pipeline(ub, zn, store, registry);
    auto server = http::create_server(config->server, pipeline);
    if (!server) {
        std::cerr << "mcprov bsf: " << server.err().message << "\n";
        return 1;
    }
    std::unique_ptr<http::server> metrics;
    if (config->metrics_listen) {
        auto made = serve_metrics("bsf", registry, *config->metrics_listen);
        if (!made) {
            std::cerr << "mcprov bsf: metrics: " << made.err().message << "\n";
            return 1;
        }
        metrics = std::move(made).value();
        log->info("metrics on http://{}:{}/metrics", config->metrics_listen->first, metrics->port());
    }
    log->info("{}: BSF on {}://{}:{}/ (Ub), {} NAF(s) on Zn, vectors from the HLR at {}:{}, store {}", config->name,
              config->server.tls ? "https" : "http", config->server.address, (*server)->port(), config->nafs.size(),
              config->hlr.host, config->hlr.port, store::redact_url(config->store_url));
    int signal = 0;
    while ((signal = wait_for_signal()) == SIGHUP)
        log->info("SIGHUP: nothing to reload");
    log->info("signal {}: finishing requests in flight, then stopping", signal);
    (*server)->stop();
    (*server)->wait();
    if (metrics) {
        metrics->stop();
        metrics->wait();
    }
    return 0;
}

} // namespace

command add_bsf_command(CLI::App& parent) {
    auto config = std::make_shared<std::string>();
    auto* cmd = parent.add_subcommand(
        "bsf", "Run a GBA bootstrapping server function (TS 33.220): devices bootstrap with HTTP Digest AKA\n"
               "(RFC 3310) over Ub, authenticated by their USIM with vectors from the HLR (GSUP), and get a B-TID;\n"
               "NAFs such as the DM server fetch the key of a B-TID over Zn. See docs/bsf.md.");
    cmd->add_option("-c,--config", *config, "TOML configuration file (see docs/bsf.md)")
        ->required()
        ->check(CLI::ExistingFile);
    return [config] { return run_bsf(*config); };
}

} // namespace mcprov::app
