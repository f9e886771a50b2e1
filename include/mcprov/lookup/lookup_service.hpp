#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mcprov/http/client.hpp"
#include "mcprov/http/pipeline.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/lookup/security_domain_lookup.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::lookup {

// One KMS the central lookup follows.
struct followed_kms {
    std::string url;          // https://host:port
    std::filesystem::path ca; // CA trusted for its TLS certificate
};

// Everything `mcprov lookup` reads from its TOML file (docs/kms.md, "Security-domain lookup").
struct lookup_config {
    http::server_config server;
    identity::verifier_config verifier; // callers' tokens; public_key_pem holds the key itself
    std::string scope = "mcprov:kms:lookup";
    std::string admin_scope = "mcprov:lookup:admin"; // may read /metrics
    std::vector<followed_kms> domains;
    std::filesystem::path token_file; // the bearer token presented to the KMSs; read again on every refresh
    std::chrono::seconds refresh{30};
    std::string log_level = "info";
    support::log_format log_format = support::log_format::text;
};

support::result<lookup_config> load_lookup_config(const std::filesystem::path& file);
support::result<lookup_config> parse_lookup_config(std::string_view text, const std::string& source_name,
                                                   const std::filesystem::path& base_dir);

// Keeps a security_domain_lookup up to date from each KMS's GET /kms/v1/policy, every `refresh`. A KMS that cannot
// be reached keeps its last known policy (logged); one never reached is absent. Stops with the object. `clock` dates
// each KMS's last success.
class policy_follower {
public:
    policy_follower(std::vector<followed_kms> domains, std::filesystem::path token_file, std::chrono::seconds refresh,
                    std::shared_ptr<security_domain_lookup> lookup, std::shared_ptr<const support::clock> clock);
    ~policy_follower();
    policy_follower(const policy_follower&) = delete;
    policy_follower& operator=(const policy_follower&) = delete;

    // Refreshes every domain now, after any refresh under way; returns how many answered.
    std::size_t refresh_now();

    struct status {
        std::string url;
        std::string kms_uri; // empty until it first answered
        std::optional<std::chrono::system_clock::time_point> last_success;
        std::string last_error;
    };
    std::vector<status> statuses() const;

private:
    void loop();

    std::vector<followed_kms> domains_;
    std::filesystem::path token_file_;
    std::chrono::seconds refresh_;
    std::shared_ptr<security_domain_lookup> lookup_;
    std::shared_ptr<const support::clock> clock_;
    std::vector<std::unique_ptr<http::client>> clients_;
    std::mutex refreshing_; // one refresh at a time, so that an older answer never replaces a newer one
    mutable std::mutex mutex_;
    std::vector<status> statuses_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

// The lookup's HTTP interface (docs/lookup.md), its routes on one http::pipeline; every route but healthz and readyz
// needs a bearer token with `scope` (metrics: `admin_scope`):
//   users     GET /lookup/v1/users/{user URI, percent-encoded}: the domains that support the user, with what each
//             permits
//   decision  GET /lookup/v1/decision?initiator-domain=K&target=U: an application server's forward-or-redirect decision
//   healthz   GET /healthz: alive
//   readyz    GET /readyz: 200 when every followed KMS has answered at least once, 503 otherwise, with each one's state
//   metrics   GET /metrics: the pipeline's series and each followed KMS's (mcprov_lookup_kms_up, ..._last_success)
//   resources GET of any other path: 404
class lookup_handler final : public http::handler {
public:
    lookup_handler(std::shared_ptr<const security_domain_lookup> lookup, std::shared_ptr<policy_follower> follower,
                   std::shared_ptr<const identity::access_token_verifier> verifier, std::string scope,
                   std::string admin_scope = "mcprov:lookup:admin");

    http::response handle(http::request&& req, const http::peer_info& peer) override;
    std::optional<http::response> screen(const http::request& req, const http::peer_info& peer) override;

    const http::pipeline& pipeline() const { return *pipeline_; }

private:
    support::result<http::response> serve_readiness(const http::call& c) const;
    support::result<http::response> serve_user(const http::call& c) const;
    support::result<http::response> serve_decision(const http::call& c) const;

    std::shared_ptr<const security_domain_lookup> lookup_;
    std::shared_ptr<policy_follower> follower_;
    std::shared_ptr<http::pipeline> pipeline_;
};

} // namespace mcprov::lookup
