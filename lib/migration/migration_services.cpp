#include "mcprov/migration/migration_services.hpp"

#include "mcprov/http/tls.hpp"
#include "mcprov/migration/cscm_client.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::migration {
namespace {

using support::errc;
using support::make_error;
using support::result;

result<template_catalogue> load_templates(const migration_config& config) {
    if (!config.templates) {
        return template_catalogue::create({});
    }
    return load_template_directory(*config.templates);
}

} // namespace

result<std::shared_ptr<migration_services>> create_migration_services(const migration_setup& setup,
                                                                      std::shared_ptr<store::document_store> documents,
                                                                      std::shared_ptr<support::clock> clock) {
    const auto& config = setup.migration;
    auto agreements = agreement_set::create(config.partners);
    if (!agreements) {
        return std::move(agreements).err();
    }
    auto services = std::make_shared<migration_services>();
    services->system = config.system;
    for (const auto& a : agreements->all()) {
        auto verifier_config = setup.visitor_tokens;
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
    auto key = support::read_secret_file(setup.signing_private_key);
    auto chain = support::read_file(setup.signing_certificate_chain, 256 * 1024);
    if (!key || !chain) {
        return make_error(errc::invalid_argument, "the signing certificate and key cannot be read: " +
                                                      (key ? chain.err().message : key.err().message));
    }
    // A visitor's client accepts a profile only from a signer that is the system serving it (docs/migration.md).
    if (auto named = http::certificate_names(*chain, config.system); !named) {
        return make_error(errc::invalid_argument, setup.signing_certificate_chain.string() +
                                                      ": the certificate that signs visitors' profiles must name "
                                                      "this system: " +
                                                      named.err().message);
    }
    auto signer = xml::signer::read({std::move(*key), std::move(*chain)});
    if (!signer) {
        return make_error(errc::invalid_argument, "the signing certificate and key cannot sign: " + signer.err().message);
    }
    auto client = cscm_client::create(cscm_client_config{setup.cscm.server.tls->certificate_chain,
                                                         setup.cscm.server.tls->private_key, setup.cscm.timeout,
                                                         setup.metrics},
                                      *agreements);
    if (!client) {
        return make_error(errc::invalid_argument, "cscm: " + client.err().message);
    }
    services->serving = std::make_shared<serving_register>(documents, clock);
    services->provision = std::make_shared<migration_profile_provision>(documents, services->serving);
    services->retrieval = std::make_shared<partner_profile_retrieval>(
        retrieval_config{config.system,
                         config.max_stale,
                         config.profile_validity,
                         std::move(*signer),
                         // a fetch and a delivery report, each with its deadline, and the work between them
                         2 * std::chrono::duration_cast<std::chrono::milliseconds>(setup.cscm.timeout) +
                             std::chrono::seconds(10)},
        documents, *client, std::move(templates).value(), clock);
    if (auto discarded = services->retrieval->discard_earlier_copies(); !discarded) {
        return make_error(errc::io, "the stored visitors cannot be read: " + discarded.err().message);
    }
    services->releases =
        std::make_shared<release_worker>(services->serving, *client, *agreements, config.release_retry);
    services->partners = *client;
    services->agreements = std::move(agreements).value();
    return services;
}

result<std::size_t> reload_templates(const migration_config& config, migration_services& services) {
    auto templates = load_templates(config);
    if (!templates) {
        ++services.templates.reloads_refused;
        return std::move(templates).err();
    }
    auto changed = services.retrieval->replace_templates(std::move(templates).value(), services.agreements);
    if (changed) {
        ++services.templates.reloads;
        services.templates.profiles_changed += *changed;
    }
    return changed;
}

} // namespace mcprov::migration
