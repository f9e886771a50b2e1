#include <csignal>
#include <iostream>

#include "commands.hpp"
#include "mcprov/agent/pc_agent.hpp"
#include "mcprov/devkit/test_payment_gateway.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/config_reader.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/support/log.hpp"
#include "serve.hpp"

namespace mcprov::app {
namespace {

int run_pc_agent(const std::string& config_file, bool terminal) {
    auto config = agent::load_pc_agent_config(config_file);
    if (!config) {
        std::cerr << "mcprov pc-agent: " << config.err().message << "\n";
        return 2;
    }
    support::configure_logging("warn", support::log_format::text);
    const agent::pc_question ask = [terminal](const std::string& question, const std::string& configured) {
        std::cout << question << (terminal ? " " : " " + configured + "\n") << std::flush;
        if (!terminal)
            return configured;
        std::string line;
        std::getline(std::cin, line);
        return line;
    };
    auto done = agent::provision_through_pc(*config, ask, std::cout);
    if (!done) {
        std::cerr << "mcprov pc-agent: " << done.err().message << "\n";
        switch (done.err().code) {
        case support::errc::forbidden:
        case support::errc::unauthenticated:
            return 3;
        default:
            return 1;
        }
    }
    std::cout << "provisioned " << done->device << ": purchase " << done->purchase << ", " << done->jobs.size()
              << " job(s)\n";
    return 0;
}

int run_gateway(const std::string& listen, const std::string& certificate, const std::string& key,
                const std::string& store_path, const std::string& api_key_file) {
    support::configure_logging("info", support::log_format::text);
    block_termination_signals();
    auto api_key = support::read_secret_file(api_key_file);
    if (!api_key) {
        std::cerr << "mcprov payment-gateway: --api-key-file: " << api_key.err().message << "\n";
        return 2;
    }
    while (!api_key->empty() && (api_key->back() == '\n' || api_key->back() == '\r'))
        api_key->pop_back();
    http::server_config config;
    if (!support::split_listen(listen, config.address, config.port)) {
        std::cerr << "mcprov payment-gateway: --listen must be ADDRESS:PORT\n";
        return 2;
    }
    config.tls = http::tls_config{certificate, key, {}};
    auto documents = store::open_store("sqlite:" + store_path, support::create_system_clock());
    if (!documents) {
        std::cerr << "mcprov payment-gateway: " << documents.err().message << "\n";
        return 1;
    }
    auto server = http::create_server(config, devkit::create_test_payment_gateway(std::move(documents).value(),
                                                                                  *api_key));
    if (!server) {
        std::cerr << "mcprov payment-gateway: " << server.err().message << "\n";
        return 1;
    }
    support::logger("gateway")->info("test payment gateway on https://{}:{}/", config.address, (*server)->port());
    while (wait_for_signal() == SIGHUP) {
    }
    (*server)->stop();
    (*server)->wait();
    return 0;
}

} // namespace

command add_pc_agent_command(CLI::App& parent) {
    auto config = std::make_shared<std::string>();
    auto terminal = std::make_shared<bool>(false);
    auto* cmd = parent.add_subcommand(
        "pc-agent", "Provision the device next to this PC through its local link (seed 003 5.1.5): the user's\n"
                    "consent, the operator's offers, the card's PIN verified by the card and GBA, payment by bill,\n"
                    "prepaid or card (through the payment gateway), then the device's session. Exit status 0 done,\n"
                    "3 declined or not authenticated, 1 other failure. See docs/subscriber-authentication.md.");
    cmd->add_option("-c,--config", *config, "TOML configuration file (see docs/subscriber-authentication.md)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_flag("--terminal", *terminal, "ask the user on this terminal (default: the answers of [user])");
    return [config, terminal] { return run_pc_agent(*config, *terminal); };
}

command add_payment_gateway_command(CLI::App& parent) {
    struct options {
        std::string listen = "127.0.0.1:8490";
        std::string certificate, key, store, api_key_file;
    };
    auto o = std::make_shared<options>();
    auto* cmd = parent.add_subcommand(
        "payment-gateway", "Run a test payment gateway (docs/payment-gateway.md): card tokens and payments with\n"
                           "idempotency keys, test cards that are declined or answered late. For the local\n"
                           "deployment and tests, never for real cards.");
    cmd->add_option("--listen", o->listen, "ADDRESS:PORT")->capture_default_str();
    cmd->add_option("--certificate", o->certificate, "TLS certificate (PEM)")->required()->check(CLI::ExistingFile);
    cmd->add_option("--private-key", o->key, "TLS private key (PEM)")->required()->check(CLI::ExistingFile);
    cmd->add_option("--store", o->store, "SQLite file for tokens and payments")->required();
    cmd->add_option("--api-key-file", o->api_key_file, "the merchant's API key")->required()->check(CLI::ExistingFile);
    return [o] { return run_gateway(o->listen, o->certificate, o->key, o->store, o->api_key_file); };
}

} // namespace mcprov::app
