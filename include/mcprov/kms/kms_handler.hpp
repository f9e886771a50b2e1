#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <boost/beast/http/verb.hpp>

#include "mcprov/http/server.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/kms/config.hpp"
#include "mcprov/kms/security_domain.hpp"
#include "mcprov/xml/signature.hpp"

namespace mcprov::kms {

// Counters of what the KMS did, served at GET /stats.
struct kms_stats {
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> init{0};
    std::atomic<std::uint64_t> key_sets_issued{0};
    std::atomic<std::uint64_t> cert_cache{0};
    std::atomic<std::uint64_t> refused{0}; // answered with a KmsError or a problem document
    std::atomic<std::uint64_t> use_reports{0};
    std::atomic<std::uint64_t> use_reports_not_permitted{0}; // reports of a domain the policy does not permit
};

// The KMS's HTTP interface (docs/kms.md): the TS 33.180 Annex D requests init, keyprov and certcache (signed
// KmsResponse documents), the clients' external-domain use reports, the domain's policy for the security-domain
// lookup, GET /healthz and GET /stats.
class kms_handler final : public http::handler {
public:
    kms_handler(std::shared_ptr<security_domain> domain, access_config access,
                std::shared_ptr<const identity::access_token_verifier> verifier, xml::signing_key signing_key);

    http::response handle(http::request&& req, const http::peer_info& peer) override;

    const kms_stats& stats() const { return stats_; }

private:
    // The request's token when the method is `method` and the token is valid with one of `scopes`; otherwise the
    // problem+json answer that refuses it (405, 401, 403).
    std::variant<identity::access_token, http::response>
    authorize(const http::request& req, boost::beast::http::verb method, const std::vector<std::string>& scopes);
    http::response key_management(const http::request& req);
    http::response use_report(const http::request& req);
    http::response policy(const http::request& req);
    http::response serve_stats(const http::request& req) const;
    http::response kms_answer(const http::request& req, const std::string& user_uri,
                              kms_interface::kms_response response);
    http::response kms_refusal(const http::request& req, const std::string& user_uri, const support::error& e);

    std::shared_ptr<security_domain> domain_;
    access_config access_;
    std::shared_ptr<const identity::access_token_verifier> verifier_;
    xml::signing_key signing_key_;
    kms_stats stats_;
};

} // namespace mcprov::kms
