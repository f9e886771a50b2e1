#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>

#include "mcprov/cscm/resources.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/migration/partner_profile_retrieval.hpp"
#include "mcprov/support/metrics.hpp"

namespace mcprov::migration {

struct cscm_client_config {
    // The certificate this CMS presents to its partners (the [cscm] one) and its key.
    std::filesystem::path certificate_chain;
    std::filesystem::path private_key;
    std::chrono::seconds timeout{5}; // one deadline per call ([cscm] timeout_seconds)
    // Where each partner's health goes (mcprov_migration_partner_*, peer = its system); a registry of its own if none.
    std::shared_ptr<support::metrics_registry> metrics{};
};

// This CMS as a client of its partners' CSCM-x interfaces (docs/cscm-x.md): HTTPS with mutual TLS, the peer
// verified against the agreement's CA and the endpoint's host name. One http::client per agreement (its TLS context
// built once, its connections kept open between calls), made when first needed, or for all agreements at once by
// create(). Thread-safe.
class cscm_client final : public migration::primary_link {
public:
    explicit cscm_client(cscm_client_config config);

    // A client with the connections of every agreement prepared: invalid_argument, naming the partner, when a
    // partner's CA file or this CMS's certificate or key cannot be used.
    static support::result<std::shared_ptr<cscm_client>> create(cscm_client_config config,
                                                                const migration::agreement_set& agreements);

    support::result<migration::fetched_migration_profile>
    fetch_migration_profile(const migration::partner_agreement& primary, xcap::mc_service service,
                            std::string_view user, const std::optional<std::string>& if_none_match,
                            std::string_view correlation_id) override;

    support::result<void> report_delivery(const migration::partner_agreement& primary, std::string_view user,
                                          const migration::delivery_report& report) override;

    // Tells a partner that the user is served elsewhere now, so it deletes its copy. Succeeds when the partner
    // deleted it or had none.
    support::result<void> release_visitor(const migration::partner_agreement& partner, std::string_view user,
                                          std::string_view correlation_id);

    // The TLS handshakes of this CMS's calls to its partners, over every agreement.
    http::client::handshake_counts handshakes();

private:
    // The HTTP client for an agreement (created on first use).
    support::result<std::shared_ptr<http::client>> client_for(const migration::partner_agreement& peer);
    // One call to a partner, its health told whether it answered below 500; unavailable when no answer came.
    support::result<http::response> exchange(const migration::partner_agreement& peer, const http::client_request& req,
                                             std::size_t max_response_bytes);

    cscm_client_config config_;
    std::mutex mutex_;
    // Per partner system and CA file.
    std::map<std::pair<std::string, std::string>, std::shared_ptr<http::client>> clients_;
    support::peer_health& health_of(const std::string& system);
    std::map<std::string, std::unique_ptr<support::peer_health>> health_; // per partner system
};

} // namespace mcprov::migration
