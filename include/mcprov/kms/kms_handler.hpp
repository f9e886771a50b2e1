#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "mcprov/http/pipeline.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/kms/certificate_cache.hpp"
#include "mcprov/kms/config.hpp"
#include "mcprov/kms/external_domain_use_report.hpp"
#include "mcprov/kms/key_provisioning.hpp"
#include "mcprov/kms/kms_init.hpp"
#include "mcprov/kms/security_domain.hpp"
#include "mcprov/kms/security_domain_policy.hpp"
#include "mcprov/xml/signature.hpp"

namespace mcprov::kms {

// The KMS's HTTP interface (docs/kms.md), its routes on one http::pipeline:
//   init, keyprov, certcache  POST under /keymanagement/identity/v1 (TS 33.180 Annex D): signed KmsResponse
//                             documents, errors as signed KmsErrors; key_management: any other resource there (404)
//   use_reports               POST /kms/v1/use-reports, the clients' external-domain use reports
//   policy                    GET /kms/v1/policy, the domain's policy for the security-domain lookup
//   healthz, stats            GET /healthz, GET /stats (an administrator's token)
class kms_handler final : public http::handler {
public:
    kms_handler(std::shared_ptr<security_domain> domain, access_config access,
                std::shared_ptr<const identity::access_token_verifier> verifier, xml::signer signer,
                std::shared_ptr<support::metrics_registry> metrics = nullptr);

    http::response handle(http::request&& req, const http::peer_info& peer) override;
    std::optional<http::response> screen(const http::request& req, const http::peer_info& peer) override;

    // What GET /stats serves: the KMS's counters and, under "routes", the pipeline's.
    boost::json::object stats() const;
    const http::pipeline& pipeline() const { return *pipeline_; }
    // A route more (the server's readiness), before the server starts.
    void add(http::route r) { pipeline_->add(std::move(r)); }

private:
    // The procedures' outcomes, series of the pipeline's registry (docs/operations.md).
    struct counters {
        explicit counters(support::metrics_registry& m);
        support::counter& init;
        support::counter& key_sets_issued;
        support::counter& cert_cache;
        support::counter& use_reports;               // permitted
        support::counter& use_reports_not_permitted; // reports of a domain the policy does not permit
    };

    using kms_message = decltype(kms_interface::kms_response::body);

    void add_routes();
    support::result<kms_message> serve_init(const http::call& c);
    support::result<kms_message> serve_keyprov(const http::call& c);
    support::result<kms_message> serve_certcache(const http::call& c);
    support::result<kms_message> serve_unknown_resource(const http::call& c);
    support::result<http::response> serve_use_report(const http::call& c);
    support::result<http::response> serve_policy(const http::call& c) const;
    support::result<void> check_kms_request(const http::call& c) const;
    support::result<http::response> kms_answer(const http::request& req, const std::string& user,
                                               kms_interface::kms_response response) const;
    http::response kms_refusal(const http::error_context& ctx) const;

    std::shared_ptr<security_domain> domain_;
    access_config access_;
    std::shared_ptr<const identity::access_token_verifier> verifier_;
    xml::signer signer_;
    kms_init init_;
    key_provisioning keyprov_;
    certificate_cache certcache_;
    external_domain_use_report use_report_;
    security_domain_policy policy_;
    std::shared_ptr<http::pipeline> pipeline_;
    counters counters_;
};

} // namespace mcprov::kms
