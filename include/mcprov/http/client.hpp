#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/beast/http/verb.hpp>

#include "mcprov/http/server.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::http {

struct client_options {
    // For https URLs: the CAs to trust (system default when unset) and an optional client certificate. A client
    // reads these files once, when it is created.
    std::optional<std::filesystem::path> ca_file;
    std::optional<std::filesystem::path> certificate_chain;
    std::optional<std::filesystem::path> private_key;
    // One deadline for a whole request: resolving the host, connecting, the TLS handshake, sending the request and
    // reading the whole answer (a retry on a fresh connection included).
    std::chrono::seconds timeout{10};
    std::size_t max_response_bytes = 8 * 1024 * 1024;
    // Idle keep-alive connections kept per peer (scheme, host and port); 0 keeps none (a fresh connection for
    // every request).
    std::size_t max_idle_connections = 8;
    // An idle connection older than this is closed instead of reused.
    std::chrono::seconds idle_timeout{30};
    // The clock idle connections age by; unset: std::chrono::steady_clock. Tests move their own, and then no timer
    // prunes: they call client::prune_idle().
    std::function<std::chrono::steady_clock::time_point()> idle_clock;
};

struct client_request {
    boost::beast::http::verb method = boost::beast::http::verb::get;
    std::string url; // http://host:port/path or https://...
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

// An HTTP/1.1 client for one set of client_options, meant to be created once and used for many requests. Its TLS
// context (trusted CAs, client certificate chain and key) is built when it is created; the server's certificate is
// verified against the trusted CAs and the URL's host name (or IP address, in subjectAltName) on every connection.
//
// Connections are kept open between requests (HTTP keep-alive): after an answer that leaves the connection
// usable, it is kept idle for its peer (scheme, host and port), at most `max_idle_connections` per peer, and
// reused by the next request to that peer; one that has been idle for `idle_timeout`, or that the server closed,
// is closed by a timer (every half `idle_timeout`, at least every second) or when next looked at. Requests made at
// the same time use separate connections. A request sent on
// a reused connection that fails before any byte of an answer arrived (the server closed it meanwhile) is sent
// once more on a fresh connection, within the same deadline, if its method is idempotent (GET, HEAD, DELETE);
// other methods (POST) get the error. A connection given up is closed without a TLS close_notify.
//
// A new TLS connection to a peer offers the last resumable session (or TLS 1.3 ticket) that peer gave, so that
// only the first handshake with a server pays for certificates and key exchange in full.
//
// Every request runs asynchronously on a private io_context of its connection, driven by the calling thread, under
// one deadline (`timeout`): a server that accepts the connection and then never answers (a stopped process)
// cannot hold the caller longer. Host names are resolved by the system resolver on a thread of their own, which
// the caller stops waiting for at the deadline.
//
// Thread-safe: any number of threads may call fetch() at the same time.
class client {
public:
    virtual ~client() = default;

    // One request. Errors: invalid_argument (URL), unavailable (cannot resolve or connect, TLS failure, the
    // connection failed, or "... timed out after N s"), too_large (answer over the limit: max_response_bytes of
    // the options, or of the call).
    virtual support::result<response> fetch(const client_request& req) = 0;
    virtual support::result<response> fetch(const client_request& req, std::size_t max_response_bytes) = 0;

    // Idle connections kept now, over all peers (for tests and diagnostics).
    virtual std::size_t idle_connections() const = 0;

    // Closes the idle connections that have been idle for idle_timeout; returns how many. The client's timer calls
    // it; tests that move the idle clock call it themselves.
    virtual std::size_t prune_idle() = 0;

    struct handshake_counts {
        std::size_t full = 0;
        std::size_t resumed = 0;
    };
    // The TLS handshakes of this client that led to an answer (for tests and diagnostics).
    virtual handshake_counts handshakes() const = 0;
};

// Reads the CA file, certificate chain and key of the options and builds the TLS context. Errors: invalid_argument
// (a file that cannot be read or used, or a certificate chain without its key).
support::result<std::unique_ptr<client>> create_client(const client_options& options);

// One request on a fresh connection, with a client of its own (the files of the options are read for this call).
// Errors as client::fetch, and invalid_argument for the options' files.
support::result<response> fetch(const client_request& req, const client_options& options = {});

} // namespace mcprov::http
