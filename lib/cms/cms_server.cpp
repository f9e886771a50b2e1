#include "mcprov/cms/cms_server.hpp"

#include "mcprov/migration/cscm_interface.hpp"

namespace mcprov::cms {

using support::make_error;
using support::result;

void cms_server::stop() {
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

result<std::size_t> cms_server::reload_templates(const cms_config& config) {
    if (!migration) {
        return std::size_t{0};
    }
    return migration::reload_templates(config.migration, *migration);
}

result<std::unique_ptr<cms_server>> create_cms(const cms_config& config,
                                               std::shared_ptr<store::document_store> documents,
                                               std::shared_ptr<support::clock> clock) {
    auto verifier = identity::create_access_token_verifier(config.auth, clock);
    if (!verifier) {
        return make_error(verifier.err().code, "auth.public_key: " + verifier.err().message);
    }
    // One registry for the process: the XCAP and CSCM-x listeners' requests and the store's calls, served at the
    // XCAP listener's /metrics.
    auto metrics = std::make_shared<support::metrics_registry>();
    documents = store::measured(std::move(documents), metrics);
    auto cms = std::make_unique<cms_server>();
    if (!config.migration.partners.empty()) {
        auto services = migration::create_migration_services(
            migration::migration_setup{
                config.migration, *config.cscm, config.auth,
                config.migration.signing_certificate.value_or(config.server.tls->certificate_chain),
                config.migration.signing_private_key.value_or(config.server.tls->private_key), metrics},
            documents, clock);
        if (!services) {
            return std::move(services).err();
        }
        cms->migration = std::move(services).value();
    }
    cms->database = std::make_shared<mc_service_user_database>(documents);
    cms->xcap = create_xcap_interface(config.xcap, cms->database, std::move(verifier).value(), cms->migration,
                                      metrics);
    cms->xcap->add(http::readiness_route({{"store", [documents] { return store::probe(*documents); }}}, "cms"));
    auto server = http::create_server(config.server, cms->xcap);
    if (!server) {
        return std::move(server).err();
    }
    cms->server = std::move(server).value();
    if (cms->migration) {
        auto cscm = http::create_server(config.cscm->server, migration::create_cscm_interface(cms->migration, metrics));
        if (!cscm) {
            cms->stop();
            return make_error(cscm.err().code, "cscm: " + cscm.err().message);
        }
        cms->cscm_server = std::move(cscm).value();
    }
    return cms;
}

} // namespace mcprov::cms
