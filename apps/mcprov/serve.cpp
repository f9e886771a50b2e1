#include "serve.hpp"

#include <csignal>

#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"

namespace mcprov::app {

support::result<running_cms> start_cms(const cms::cms_config& config) {
    auto store = store::create_sqlite_document_store(config.database);
    if (!store) {
        return std::move(store).err();
    }
    auto verifier = identity::create_access_token_verifier(config.auth, support::create_system_clock());
    if (!verifier) {
        return support::make_error(verifier.err().code, "auth.public_key: " + verifier.err().message);
    }
    running_cms cms;
    cms.database = std::make_shared<cms::mc_service_user_database>(std::move(store).value());
    cms.handler = std::make_shared<cms::xcap_handler>(config.xcap, cms.database, std::move(verifier).value());
    auto server = http::create_server(config.server, cms.handler);
    if (!server) {
        return std::move(server).err();
    }
    cms.server = std::move(server).value();
    return cms;
}

void block_termination_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_termination_signal() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int signal = 0;
    sigwait(&set, &signal);
    return signal;
}

} // namespace mcprov::app
