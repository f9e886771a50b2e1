#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "mcprov/http/server.hpp"
#include "mcprov/migration/migration_services.hpp"

namespace mcprov::migration {

// The CSCM-x interface (docs/cscm-x.md), on its own mutual-TLS listener. The partner asking is the one whose CA
// issued the client certificate and whose certificate name it carries; nothing in the request says who asks.
class cscm_handler final : public http::handler {
public:
    explicit cscm_handler(std::shared_ptr<migration_services> services);

    http::response handle(http::request&& req, const http::peer_info& peer) override;
    std::optional<http::response> screen(const http::request& req, const http::peer_info& peer) override;

    const cscm_stats& stats() const { return services_->cscm; }

private:
    // The agreement whose partner presented this certificate; nullptr if none.
    const migration::partner_agreement* identify(const http::peer_info& peer);

    std::shared_ptr<migration_services> services_;
    cscm_stats& stats_; // services_->cscm
    std::mutex mutex_;
    // Certificates already matched to an agreement, and when; checked again after a while (expiry).
    std::map<std::string, std::pair<const migration::partner_agreement*, std::chrono::steady_clock::time_point>>
        identified_;
};

} // namespace mcprov::migration
