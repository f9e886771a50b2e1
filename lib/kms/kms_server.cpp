#include "mcprov/kms/kms_server.hpp"

#include "mcprov/support/file.hpp"

namespace mcprov::kms {

using support::errc;
using support::make_error;
using support::result;

result<std::shared_ptr<security_domain>> open_security_domain(const kms_config& config,
                                                              std::shared_ptr<store::document_store> documents,
                                                              std::shared_ptr<support::clock> clock) {
    auto vault = master_secret_vault::from_key_file(config.domain.master_key);
    if (!vault) {
        return make_error(vault.err().code, "domain.master_key: " + vault.err().message);
    }
    return security_domain::open(config.domain, std::make_shared<security_domain_store>(std::move(documents)),
                                 std::move(vault).value(), std::move(clock));
}

result<std::unique_ptr<kms_server>> create_kms(const kms_config& config,
                                               std::shared_ptr<store::document_store> documents,
                                               std::shared_ptr<support::clock> clock) {
    // The store's calls are measured in the registry the KMS's /metrics serves.
    auto metrics = std::make_shared<support::metrics_registry>();
    documents = store::measured(std::move(documents), metrics);
    auto domain = open_security_domain(config, documents, clock);
    if (!domain) {
        return std::move(domain).err();
    }
    auto verifier = identity::create_access_token_verifier(config.access.verifier, clock);
    if (!verifier) {
        return make_error(errc::invalid_argument, "auth.public_key: " + verifier.err().message);
    }
    auto key = support::read_secret_file(config.signing_key);
    auto chain = support::read_file(config.signing_certificate, 256 * 1024);
    if (!key || !chain) {
        return make_error(errc::invalid_argument, "the response signing certificate and key cannot be read: " +
                                                      (key ? chain.err().message : key.err().message));
    }
    kms_interface::kms_response probe;
    probe.user_uri = "sip:probe@" + config.domain.kms_uri;
    probe.kms_uri = config.domain.kms_uri;
    probe.client_req_url = "https://" + config.domain.kms_uri + "/";
    probe.body = kms_interface::kms_error{500, "probe"};
    auto probe_xml = kms_interface::encode_kms_response(probe);
    auto signer = xml::signer::read({std::move(*key), std::move(*chain)});
    if (!signer) {
        return make_error(errc::invalid_argument,
                          "the response signing certificate and key cannot sign: " + signer.err().message);
    }
    if (auto signed_probe = probe_xml ? kms_interface::sign_kms_response(*probe_xml, *signer) : std::move(probe_xml);
        !signed_probe) {
        return make_error(errc::invalid_argument,
                          "the response signing certificate and key cannot sign: " + signed_probe.err().message);
    }
    auto out = std::make_unique<kms_server>();
    out->domain = *domain;
    out->handler = std::make_shared<kms_handler>(*domain, config.access, std::move(verifier).value(),
                                                 std::move(*signer), metrics);
    out->handler->add(http::readiness_route({{"store", [documents] { return store::probe(*documents); }}}, "kms"));
    auto server = http::create_server(config.server, out->handler);
    if (!server) {
        return std::move(server).err();
    }
    out->server = std::move(server).value();
    return out;
}

result<std::string> permit_external_domain(const kms_config& config, security_domain_store& domain,
                                           std::string_view certificate_xml) {
    auto certificate = kms_interface::decode_kms_certificate(certificate_xml);
    if (!certificate) {
        return make_error(errc::invalid_argument, certificate.err().message);
    }
    if (certificate->kms_uri == config.domain.kms_uri) {
        return make_error(errc::invalid_argument, "that is this domain's own certificate, not an external one");
    }
    auto stored_form = kms_interface::encode_kms_certificate(*certificate);
    if (!stored_form) {
        return std::move(stored_form).err();
    }
    if (auto done = domain.permit(certificate->kms_uri, *stored_form); !done) {
        return std::move(done).err();
    }
    return certificate->kms_uri;
}

} // namespace mcprov::kms
