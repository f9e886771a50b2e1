#include "serve.hpp"

#include <csignal>

#include "mcprov/http/pipeline.hpp"

namespace mcprov::app {

void block_termination_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_signal() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    int signal = 0;
    sigwait(&set, &signal);
    return signal;
}

support::result<std::unique_ptr<http::server>> serve_metrics(const std::string& server,
                                                             std::shared_ptr<support::metrics_registry> metrics,
                                                             const std::pair<std::string, std::uint16_t>& listen) {
    auto p = std::make_shared<http::pipeline>(server, metrics);
    p->add(http::health_route());
    p->add(http::metrics_route(metrics, http::no_authentication(), {}));
    http::server_config config;
    config.address = listen.first;
    config.port = listen.second;
    config.threads = 1;
    config.waiting_threads = 0;
    return http::create_server(config, p);
}

} // namespace mcprov::app
