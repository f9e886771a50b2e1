#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcprov/lookup/central_lookup.hpp"
#include "mcprov/lookup/lookup_service.hpp"
#include "mcprov/lookup/security_domain_lookup.hpp"
#include "mcprov/sip_as/security_domain_check.hpp"
#include "mcprov/support/log.hpp"
#include "mcprov/support/metrics.hpp"
#include "mcprov/support/result.hpp"
#include "mcprov/xml/signature.hpp"

namespace mcprov::sip_as {

// Everything `mcprov sip-as` reads from its TOML file (docs/sip-as.md).
struct sip_as_config {
    std::string listen_address = "127.0.0.1";
    std::uint16_t listen_port = 5060;            // UDP and TCP
    // Requests larger than this go on over TCP rather than UDP (RFC 3261 18.1.1's 1300 bytes by default); a next hop
    // that takes UDP only needs it raised.
    unsigned udp_mtu = 1300;
    // [tls]: SIP over TLS (sips:) on its own port, with this server's certificate chain and key (PEM text).
    std::optional<std::uint16_t> tls_port;
    std::string tls_certificate_pem;
    std::string tls_private_key_pem;
    std::string uri;                              // this server's SIP URI, the RedirectorUri of its KRRs
    std::string next_hop;                         // sip:host:port requests go on to; empty: their Request-URI
    path_policy policy;                           // [policy] allowed_kms
    std::vector<lookup::domain_policy> domains;   // [[domain]]: the lookup's domains, given here
    std::vector<lookup::followed_kms> followed;   // [[follow]]: KMSs whose policies the lookup follows
    std::filesystem::path token_file;             // [lookup] token_file: presented to the followed KMSs
    std::chrono::seconds refresh{30};             // [lookup] refresh_seconds
    // [lookup] service, ca (token_file, refresh_seconds as the cache's time): the central lookup service instead
    std::optional<lookup::central_lookup_options> central;
    std::optional<xml::signer> krr_key;      // [krr] certificate, private_key: KRRs are signed
    std::string krr_trusted_ca_pem;               // [krr] trusted_ca: downstream KRRs must verify against it
    // [metrics] listen: GET /metrics (and /healthz) over plain HTTP on this loopback address, without credentials.
    std::optional<std::pair<std::string, std::uint16_t>> metrics_listen;
    std::string log_level = "info";
    support::log_format log_format = support::log_format::text;
};

support::result<sip_as_config> load_sip_as_config(const std::filesystem::path& file);
support::result<sip_as_config> parse_sip_as_config(std::string_view text, const std::string& source_name,
                                                   const std::filesystem::path& base_dir);

// What the server did: series of its metrics registry (mcprov_sip_as_requests_total by outcome,
// mcprov_sip_as_krr_narrowed_total; docs/operations.md).
struct sip_as_counters {
    explicit sip_as_counters(support::metrics_registry& m);
    support::counter& forwarded;  // requests sent on
    support::counter& redirected; // 488 with this server's KRR
    support::counter& refused;    // 4xx/5xx for a request or a KRR that does not read, or unjudged
    support::counter& narrowed;   // downstream KRRs narrowed
};

// The transaction-stateful SIP application server (sofia-sip NTA) over UDP and TCP. run() serves until stop() (from
// any thread, or a signal handler); every callback runs on the thread in run().
class sip_application_server {
public:
    virtual ~sip_application_server() = default;
    virtual void run() = 0;
    virtual void stop() = 0;
    virtual const sip_as_counters& counters() const = 0;
    virtual const std::shared_ptr<support::metrics_registry>& metrics() const = 0;
};

// Errors: unavailable (the address cannot be bound), invalid_argument.
support::result<std::unique_ptr<sip_application_server>> create_sip_application_server(const sip_as_config& config);

} // namespace mcprov::sip_as
