#include <csignal>
#include <iostream>

#include <unistd.h>

#include "commands.hpp"
#include "mcprov/cms/cms_server.hpp"
#include "mcprov/cms/profile_import.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/log.hpp"
#include "serve.hpp"

namespace mcprov::app {
namespace {

struct cms_options {
    std::string config;
    std::string import_dir;
};

int run_server(const cms_options& options) {
    auto config = cms::load_cms_config(options.config);
    if (!config) {
        std::cerr << "mcprov cms: " << config.err().message << "\n";
        return 2;
    }
    support::configure_logging(config->log_level, config->log_format);
    auto log = support::logger("cms");
    block_termination_signals();
    auto clock = support::create_system_clock();
    auto documents = store::open_store(config->store_url, clock);
    if (!documents) {
        std::cerr << "mcprov cms: " << documents.err().message << "\n";
        return 1;
    }
    auto created = cms::create_cms(*config, std::move(documents).value(), clock);
    if (!created) {
        std::cerr << "mcprov cms: " << created.err().message << "\n";
        return 1;
    }
    auto& cms = *created;
    log->info("serving {} on {}://{}:{}{}", store::redact_url(config->store_url), config->server.tls ? "https" : "http",
              config->server.address, cms->server->port(), config->xcap.xcap_root_path);
    if (cms->cscm_server) {
        log->info("{}: CSCM-x for {} partner system(s) on https://{}:{}", config->migration.system,
                  config->migration.partners.size(), config->cscm->server.address, cms->cscm_server->port());
    }
    int signal = 0;
    while ((signal = wait_for_signal()) == SIGHUP) {
        auto changed = cms->reload_templates(*config);
        if (!changed) {
            log->error("SIGHUP: templates not reloaded, the previous ones stay: {}", changed.err().message);
        } else {
            log->info("SIGHUP: templates reloaded; {} visitor profile(s) regenerated or withdrawn", *changed);
        }
    }
    log->info("signal {}: finishing requests in flight, then stopping", signal);
    cms->stop();
    log->info("stopped");
    return 0;
}

void draw_progress(std::size_t done, std::size_t total) {
    constexpr int width = 40;
    int filled = total ? static_cast<int>(width * done / total) : width;
    std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] " << done << "/" << total
              << std::flush;
    if (done == total) {
        std::cerr << "\n";
    }
}

int run_import(const cms_options& options) {
    auto config = cms::load_cms_config(options.config);
    if (!config) {
        std::cerr << "mcprov cms import: " << config.err().message << "\n";
        return 2;
    }
    support::configure_logging("warn", config->log_format);
    auto store = store::open_store(config->store_url, support::create_system_clock());
    if (!store) {
        std::cerr << "mcprov cms import: " << store.err().message << "\n";
        return 1;
    }
    cms::mc_service_user_database database(std::move(store).value());
    cms::import_progress progress;
    if (::isatty(STDERR_FILENO)) {
        progress = draw_progress;
    }
    auto report = cms::import_profiles(database, options.import_dir, progress);
    if (!report) {
        std::cerr << "mcprov cms import: " << report.err().message << "\n";
        return 1;
    }
    std::cout << "imported " << report->created + report->replaced << " documents (" << report->created << " new, "
              << report->replaced << " replaced), rejected " << report->rejected.size() << "\n";
    for (const auto& r : report->rejected) {
        std::cout << "rejected " << r.path.string() << ": " << r.reason << "\n";
    }
    return report->rejected.empty() ? 0 : 3;
}

} // namespace

command add_cms_command(CLI::App& parent) {
    auto options = std::make_shared<cms_options>();
    auto* cms = parent.add_subcommand("cms", "Run a configuration management server (TS 24.484 XCAP user profiles).\n"
                                             "Stops gracefully on SIGTERM or SIGINT: requests in flight finish first.\n"
                                             "SIGHUP reloads the migration templates (migration.templates) and\n"
                                             "regenerates the visitors' profiles whose template changed; the\n"
                                             "configuration file itself is not read again.");
    cms->add_option("-c,--config", options->config, "TOML configuration file (see docs/configuration.md)")
        ->required()
        ->check(CLI::ExistingFile);
    auto* import = cms->add_subcommand(
        "import", "mcprov cms import --config FILE DIR\n"
                  "Check and store every profile under DIR, laid out as <auid>/users/<MC service ID>/<document>,\n"
                  "in the database of the CMS configured in FILE (the server may be running).\n"
                  "Each document is written on its own; rejected files are listed with the reason.\n"
                  "Exit status: 0 all imported, 3 some rejected, 1 or 2 nothing done.");
    import->fallthrough();
    import->add_option("dir", options->import_dir, "directory to import")->required()->check(CLI::ExistingDirectory);
    return [options, import] { return import->parsed() ? run_import(*options) : run_server(*options); };
}

} // namespace mcprov::app
