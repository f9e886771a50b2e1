#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>
#include <string_view>

#include "mcprov/cscm/resources.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/migration/partner_profile_retrieval.hpp"

namespace mcprov::migration {

struct cscm_client_config {
    // The certificate this CMS presents to its partners (the [cscm] one) and its key.
    std::filesystem::path certificate_chain;
    std::filesystem::path private_key;
    std::chrono::seconds timeout{5}; // one deadline per call ([cscm] timeout_seconds)
};

// This CMS as a client of its partners' CSCM-x interfaces (docs/cscm-x.md): HTTPS with mutual TLS, the peer
// verified against the agreement's CA and the endpoint's host name. One http::client per agreement (its TLS context
// built once, its connections kept open between calls), made when first needed, or for all agreements at once by
// create(). Thread-safe.
class cscm_client final : public migration::primary_link {
public:
    explicit cscm_client(cscm_client_config config) : config_(std::move(config)) {}

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

    // How a partner answered this CMS's calls: every agreement's partner, and any other called.
    struct partner_health {
        std::string system;
        std::optional<bool> answering; // whether the last call got an answer below 500; nullopt before the first
        double last_answer = 0;        // when it last answered so (Unix time), 0 if never
        std::uint64_t failures = 0;    // calls without such an answer: unreachable, timed out, 5xx
    };
    std::vector<partner_health> health() const;

private:
    // The HTTP client for an agreement (created on first use).
    support::result<std::shared_ptr<http::client>> client_for(const migration::partner_agreement& peer);
    // One call to a partner, its outcome kept in health_; unavailable when no answer came.
    support::result<http::response> exchange(const migration::partner_agreement& peer, const http::client_request& req,
                                             std::size_t max_response_bytes);

    cscm_client_config config_;
    mutable std::mutex mutex_;
    // Per partner system and CA file.
    std::map<std::pair<std::string, std::string>, std::shared_ptr<http::client>> clients_;
    std::map<std::string, partner_health> health_; // per partner system
};

} // namespace mcprov::migration
