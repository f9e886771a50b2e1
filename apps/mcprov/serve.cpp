#include "serve.hpp"

#include <csignal>

#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::app {
namespace {

using support::errc;
using support::make_error;
using support::result;

result<migration::template_catalogue> load_templates(const cms::cms_config& config) {
    if (!config.migration.templates) {
        return migration::template_catalogue::create({});
    }
    return migration::load_template_directory(*config.migration.templates);
}

result<std::shared_ptr<migration::migration_services>> start_migration(const cms::cms_config& config,
                                                                       std::shared_ptr<store::document_store> documents,
                                                                       std::shared_ptr<support::clock> clock) {
    auto agreements = migration::agreement_set::create(config.migration.partners);
    if (!agreements) {
        return std::move(agreements).err();
    }
    auto services = std::make_shared<migration::migration_services>();
    services->system = config.migration.system;
    for (const auto& a : agreements->all()) {
        auto verifier_config = config.auth;
        verifier_config.issuer = a.idms_issuer;
        verifier_config.public_key_pem = a.idms_public_key_pem;
        auto verifier = identity::create_access_token_verifier(verifier_config, clock);
        if (!verifier) {
            return make_error(errc::invalid_argument,
                              "partner " + a.system + " idms_public_key: " + verifier.err().message);
        }
        services->visitor_verifiers.push_back(std::move(verifier).value());
    }
    auto templates = load_templates(config);
    if (!templates) {
        return make_error(errc::invalid_argument, "migration.templates: " + templates.err().message);
    }
    // Profiles served to visitors are signed with the CMS's own TLS certificate: the one their clients trust.
    auto key = support::read_file(config.server.tls->private_key, 64 * 1024);
    auto chain = support::read_file(config.server.tls->certificate_chain, 256 * 1024);
    if (!key || !chain) {
        return make_error(errc::invalid_argument, "the [tls] certificate and key cannot be read for signing");
    }
    auto client = migration::cscm_client::create(
        migration::cscm_client_config{config.cscm->server.tls->certificate_chain, config.cscm->server.tls->private_key,
                                      config.cscm->timeout},
        *agreements);
    if (!client) {
        return make_error(errc::invalid_argument, "cscm: " + client.err().message);
    }
    services->serving = std::make_shared<migration::serving_register>(documents, clock);
    services->provision = std::make_shared<migration::migration_profile_provision>(documents, services->serving);
    services->retrieval = std::make_shared<migration::partner_profile_retrieval>(
        migration::retrieval_config{config.migration.system,
                                    config.migration.max_stale,
                                    config.migration.profile_validity,
                                    {std::move(*key), std::move(*chain)}},
        documents, *client, std::move(templates).value(), clock);
    services->releases = std::make_shared<migration::release_worker>(services->serving, *client, *agreements,
                                                                     config.migration.release_retry);
    services->agreements = std::move(agreements).value();
    return services;
}

} // namespace

void running_cms::stop() {
    for (auto* s : {server.get(), cscm_server.get()}) {
        if (s) {
            s->stop();
        }
    }
    for (auto* s : {server.get(), cscm_server.get()}) {
        if (s) {
            s->wait();
        }
    }
}

result<running_cms> start_cms(const cms::cms_config& config) {
    auto opened = store::create_sqlite_document_store(config.database);
    if (!opened) {
        return std::move(opened).err();
    }
    std::shared_ptr<store::document_store> documents = std::move(opened).value();
    auto clock = support::create_system_clock();
    auto verifier = identity::create_access_token_verifier(config.auth, clock);
    if (!verifier) {
        return make_error(verifier.err().code, "auth.public_key: " + verifier.err().message);
    }
    running_cms cms;
    if (!config.migration.partners.empty()) {
        auto services = start_migration(config, documents, clock);
        if (!services) {
            return std::move(services).err();
        }
        cms.migration = std::move(services).value();
    }
    cms.database = std::make_shared<cms::mc_service_user_database>(documents);
    cms.handler =
        std::make_shared<cms::xcap_handler>(config.xcap, cms.database, std::move(verifier).value(), cms.migration);
    auto server = http::create_server(config.server, cms.handler);
    if (!server) {
        return std::move(server).err();
    }
    cms.server = std::move(server).value();
    if (cms.migration) {
        auto cscm = http::create_server(config.cscm->server, std::make_shared<migration::cscm_handler>(cms.migration));
        if (!cscm) {
            cms.stop();
            return make_error(cscm.err().code, "cscm: " + cscm.err().message);
        }
        cms.cscm_server = std::move(cscm).value();
    }
    return cms;
}

result<std::size_t> reload_templates(const cms::cms_config& config, running_cms& cms) {
    if (!cms.migration) {
        return std::size_t{0};
    }
    auto templates = load_templates(config);
    if (!templates) {
        return std::move(templates).err();
    }
    return cms.migration->retrieval->replace_templates(std::move(templates).value(), cms.migration->agreements);
}

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

} // namespace mcprov::app
