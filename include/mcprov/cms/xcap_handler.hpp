#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>

#include "mcprov/cms/mc_service_user_database.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/migration/migration_services.hpp"
#include "mcprov/xcap/application_usage.hpp"
#include "mcprov/xcap/xcap_uri.hpp"

namespace mcprov::cms {

struct xcap_handler_config {
    std::string xcap_root_path = "/xcap";
    // Scope a client's access token needs to read its own profiles (TS 33.180 Annex B).
    std::string user_scope = "3gpp:mc:config_management_service";
    // Scope that lets an administrator read and write every user's profiles.
    std::string admin_scope = "mcprov:cms:admin";
    // Scope of this system's MC service servers: read any user's profiles, visitors' included, at service
    // authorization.
    std::string service_scope = "mcprov:cms:service-server";
};

// Counters of what the XCAP interface did, served at GET /stats.
struct xcap_stats {
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> documents_served{0};
    std::atomic<std::uint64_t> not_modified{0};
    std::atomic<std::uint64_t> unauthenticated{0};
    std::atomic<std::uint64_t> forbidden{0};
    std::atomic<std::uint64_t> not_found{0};
    std::atomic<std::uint64_t> writes{0};
    std::atomic<std::uint64_t> writes_rejected{0};
    std::atomic<std::uint64_t> deletes{0};
    std::atomic<std::uint64_t> visitor_requests{0}; // visiting users' requests (TS 23.280 10.1.4.x.2 step 1)
    std::atomic<std::uint64_t> visitor_stale{0};    // answered with a stored copy while the primary was unreachable
    std::atomic<std::uint64_t> visitor_refused{0};  // answered with an error
};

// The CMS's HTTP interface: the TS 24.484 XCAP user profile documents under the XCAP root (for this system's
// users, its MC service servers, and visiting users of partner systems), GET /healthz, GET /stats, and the
// migration listings GET /migration/serving and GET /migration/visitors.
class xcap_handler final : public http::handler {
public:
    xcap_handler(xcap_handler_config config, std::shared_ptr<mc_service_user_database> database,
                 std::shared_ptr<const identity::access_token_verifier> verifier,
                 std::shared_ptr<migration::migration_services> migration = nullptr);

    http::response handle(http::request&& req, const http::peer_info& peer) override;
    // Only an administrator may send a body: anyone else is answered before it is read.
    std::optional<http::response> screen(const http::request& req, const http::peer_info& peer) override;
    // A visitor's profile may need the visitor's primary system (CSCM-x): handled off the connection threads.
    bool may_wait(const http::request& req) const override;

    const xcap_stats& stats() const { return stats_; }

private:
    struct context;
    struct caller {
        identity::access_token token;
        const migration::partner_agreement* visiting_from = nullptr; // set for a partner system's user
    };
    // The request's verified access token (this system's, or a partner's for a visitor), or the 401 response to
    // refuse it with.
    std::variant<caller, http::response> authenticate(const http::request& req, const http::peer_info& peer);
    http::response serve_document(const context& ctx);
    http::response serve_visitor(const http::request& req, const xcap::xcap_uri& uri, const caller& who);
    http::response document_response(const http::request& req, const xcap::application_usage& usage,
                                     const xcap::xcap_uri& uri, store::stored_document doc, const std::string& who);
    http::response serve_migration_listing(const http::request& req);
    http::response write_document(const context& ctx);
    http::response delete_document(const context& ctx);
    http::response serve_stats(const http::request& req);

    xcap_handler_config config_;
    std::shared_ptr<mc_service_user_database> database_;
    std::shared_ptr<const identity::access_token_verifier> verifier_;
    std::shared_ptr<migration::migration_services> migration_;
    xcap_stats stats_;
};

} // namespace mcprov::cms
