#include <csignal>
#include <iostream>

#include "commands.hpp"
#include "mcprov/agent/device_agent.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/log.hpp"
#include "serve.hpp"

namespace mcprov::app {
namespace {

struct agent_options {
    std::string config;
    std::string session_with;
};

int report_switch_on(agent::device_agent& device) {
    auto on = device.switch_on();
    if (!on) {
        std::cerr << "mcprov agent: switch-on: " << on.err().message << "\n";
        switch (on.err().code) {
        case support::errc::unauthenticated:
        case support::errc::forbidden:
            return 3;
        default:
            return 1;
        }
    }
    std::cout << "switched on with card " << on->iccid << " (IMSI " << on->imsi << "): " << on->inserted.size()
              << " object(s) from the card in use\n";
    for (const auto& uri : on->inserted) {
        std::cout << "  in use: " << uri << "\n";
    }
    for (const auto& reason : on->not_used) {
        std::cout << "  not used: " << reason << "\n";
    }
    for (const auto& server : on->sessions) {
        std::cout << "  session with " << server << " (account from the card)\n";
    }
    std::cout << "  steps (ms):";
    for (const auto& [name, ms] : on->steps) {
        std::cout << " " << name << "=" << ms;
    }
    std::cout << "\n";
    return 0;
}

int report_switch_off(agent::device_agent& device) {
    auto off = device.switch_off();
    if (!off) {
        std::cerr << "mcprov agent: switch-off: " << off.err().message << "\n";
        return 1;
    }
    std::cout << "switched off: " << off->withdrawn.size() << " object(s) of the card withdrawn, " << off->kept.size()
              << " kept\n";
    for (const auto& uri : off->kept) {
        std::cout << "  kept: " << uri << "\n";
    }
    std::cout << "  steps (ms): switch-off=" << off->milliseconds << "\n";
    return 0;
}

int report_gba_bootstrap(agent::device_agent& device) {
    auto session = device.gba_bootstrap();
    if (!session) {
        std::cerr << "mcprov agent: gba-bootstrap: " << session.err().message << "\n";
        return session.err().code == support::errc::unauthenticated || session.err().code == support::errc::forbidden
                   ? 3
                   : 1;
    }
    std::cout << "bootstrapped: B-TID " << session->btid << " for " << session->impi << ", key valid until "
              << support::format_utc(session->lifetime) << "\n";
    return 0;
}

int run_agent(const agent_options& options, bool print_tree, bool switch_on, bool switch_off, bool bootstrap) {
    auto config = agent::load_agent_config(options.config);
    if (!config) {
        std::cerr << "mcprov agent: " << config.err().message << "\n";
        return 2;
    }
    support::configure_logging(print_tree ? "warn" : config->log_level, config->log_format);
    auto log = support::logger("agent");
    block_termination_signals();
    auto documents = store::open_store(config->store_url, support::create_system_clock());
    if (!documents) {
        std::cerr << "mcprov agent: " << documents.err().message << "\n";
        return 1;
    }
    std::unique_ptr<agent::user_interaction> ui;
    if (config->ui == "terminal") {
        ui = agent::create_terminal_interaction(std::cin, std::cout);
    } else {
        ui = agent::create_unattended_interaction(config->policy).value();
    }
    auto created = agent::device_agent::create(*config, std::move(documents).value(), std::move(ui));
    if (!created) {
        std::cerr << "mcprov agent: " << created.err().message << "\n";
        return 1;
    }
    std::shared_ptr<agent::device_agent> device = std::move(created).value();
    if (print_tree) {
        std::cout << device->tree_json() << "\n";
        return 0;
    }
    if (switch_on) {
        return report_switch_on(*device);
    }
    if (switch_off) {
        return report_switch_off(*device);
    }
    if (bootstrap) {
        return report_gba_bootstrap(*device);
    }
    if (!options.session_with.empty()) {
        auto done = device->run_session(options.session_with);
        if (!done) {
            std::cerr << "mcprov agent: session with " << options.session_with << ": " << done.err().message << "\n";
            return done.err().code == support::errc::unauthenticated ? 3 : 1;
        }
        if (!done->authenticated) {
            std::cerr << "mcprov agent: session " << done->session_id << " with " << done->server_id
                      << ": the server did not authenticate the device\n";
            return 3;
        }
        std::cout << "session " << done->session_id << " with " << done->server_id << ": " << done->messages
                  << " message(s), authenticated";
        if (done->reports > 0) {
            std::cout << ", " << done->reports << " firmware result(s) reported";
        }
        std::cout << "\n";
        return 0;
    }
    if (!config->push) {
        std::cerr << "mcprov agent: nothing to do: give --session SERVER_ID, or configure [push] listen\n";
        return 2;
    }
    auto server = http::create_server(*config->push, agent::create_push_handler(device));
    if (!server) {
        std::cerr << "mcprov agent: " << server.err().message << "\n";
        return 1;
    }
    log->info("{}: notifications on http://{}:{}/push", config->device_id(), config->push->address,
              (*server)->port());
    int signal = 0;
    while ((signal = wait_for_signal()) == SIGHUP) {
    }
    log->info("signal {}: stopping", signal);
    (*server)->stop();
    (*server)->wait();
    return 0;
}

} // namespace

command add_agent_command(CLI::App& parent) {
    auto options = std::make_shared<agent_options>();
    auto* cmd = parent.add_subcommand(
        "agent", "Run an OMA DM 1.2 device agent: a device with a management tree (DevInfo, DevDetail, DMAcc)\n"
                 "kept in its store. With --session, open a session with one of its DM servers and exit\n"
                 "(exit status 0 done, 3 authentication failed, 1 other failure); otherwise wait for the\n"
                 "servers' notifications (package 0) on [push] listen. See docs/agent.md.");
    cmd->add_option("-c,--config", options->config, "TOML configuration file (see docs/agent.md)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--session", options->session_with, "the ServerID of the DM server to open a session with");
    auto* tree = cmd->add_subcommand("tree", "mcprov agent --config FILE tree\nPrint the device's management tree "
                                             "as JSON (leaf values base64).");
    tree->fallthrough();
    auto* on = cmd->add_subcommand(
        "switch-on", "mcprov agent --config FILE switch-on\nSwitch on with the smart card in the [card] reader: PIN1,\n"
                     "authentication of the (device, card) pair to the network, then the card's objects into the\n"
                     "tree and the applications, and sessions with the DM servers whose account the card gave.\n"
                     "Exit status 0 done, 3 the card or the network refused, 1 other failure.");
    on->fallthrough();
    auto* off = cmd->add_subcommand("switch-off", "mcprov agent --config FILE switch-off\nWithdraw the card's objects "
                                                  "from the tree and the applications, but for those that persist.");
    off->fallthrough();
    auto* bootstrap = cmd->add_subcommand(
        "gba-bootstrap", "mcprov agent --config FILE gba-bootstrap\nBootstrap with the GBA server of [card] bsf "
                         "(TS 33.220): the card answers\nthe BSF's challenge (HTTP Digest AKA) and the device keeps "
                         "the B-TID and its key for\nthe servers that ask for them. Exit status 0 done, 3 the card or "
                         "the BSF refused, 1 other failure.");
    bootstrap->fallthrough();
    return [options, tree, on, off, bootstrap] {
        return run_agent(*options, tree->parsed(), on->parsed(), off->parsed(), bootstrap->parsed());
    };
}

} // namespace mcprov::app
