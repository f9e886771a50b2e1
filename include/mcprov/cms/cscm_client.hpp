#pragma once

#include <chrono>
#include <filesystem>
#include <string_view>

#include "mcprov/migration/partner_profile_retrieval.hpp"

namespace mcprov::cms {

struct cscm_client_config {
    // The certificate this CMS presents to its partners (the [cscm] one) and its key.
    std::filesystem::path certificate_chain;
    std::filesystem::path private_key;
    std::chrono::seconds timeout{5};
};

// This CMS as a client of its partners' CSCM-x interfaces (docs/cscm-x.md): HTTPS with mutual TLS, the peer
// verified against the agreement's CA and the endpoint's host name.
class cscm_client final : public migration::primary_link {
public:
    explicit cscm_client(cscm_client_config config) : config_(std::move(config)) {}

    support::result<migration::fetched_migration_profile>
    fetch_migration_profile(const migration::partner_agreement& primary, std::string_view user,
                            const std::optional<std::string>& if_none_match, std::string_view correlation_id) override;

    support::result<void> report_delivery(const migration::partner_agreement& primary, std::string_view user,
                                          const migration::delivery_report& report) override;

    // Tells a partner that the user is served elsewhere now, so it deletes its copy. Succeeds when the partner
    // deleted it or had none.
    support::result<void> release_visitor(const migration::partner_agreement& partner, std::string_view user,
                                          std::string_view correlation_id);

private:
    cscm_client_config config_;
};

// A fresh correlation id: 16 hex digits.
std::string new_correlation_id();

// A correlation id received from outside, if it is usable (1 to 64 of letters, digits, '-', '_', '.').
bool is_correlation_id(std::string_view id);

inline constexpr std::string_view correlation_header = "X-Correlation-ID";

} // namespace mcprov::cms
