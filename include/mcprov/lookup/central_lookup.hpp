#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/lookup/security_domain_lookup.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::lookup {

// Where an application server finds the central lookup service (`mcprov lookup`, docs/lookup.md).
struct central_lookup_options {
    std::string url;                  // https://host:port
    std::filesystem::path ca;         // CA trusted for its TLS certificate
    std::filesystem::path token_file; // the bearer token presented to it, read for every request (renewable)
    std::chrono::seconds cache_for{30};     // an answer is used this long before it is asked again
    std::chrono::seconds keep_stale{600};   // and, while the service cannot answer, this long at most
    std::chrono::seconds timeout{2};        // one request's deadline
    std::size_t max_cached_users = 10'000;  // the cache is emptied when it would hold more
};

// The central lookup's answer for one user, {"user": U, "domains": [{"kms_uri": K, "permitted_external": [..]}]}
// (docs/lookup.md), read within limits: depth 8, 256 domains, 256 permitted ones each, URIs of 1 KiB at most.
// Errors: invalid_argument, naming what is wrong.
support::result<std::vector<supported_domain>> read_user_domains(std::string_view body);

// The central lookup service as the source of user_domains: `GET /lookup/v1/users/{user}` on a keep-alive HTTPS
// connection, each answer cached for `cache_for`. When the service cannot answer (unreachable, an error status, an
// answer that does not read), it is not asked again for 5 seconds; meanwhile a cached answer up to `keep_stale` old is
// used, and without one domains_of fails at once with unavailable, naming why. Thread-safe.
// Errors: invalid_argument (the URL or the CA file).
support::result<std::shared_ptr<user_domains>> create_central_lookup(const central_lookup_options& options);

} // namespace mcprov::lookup
