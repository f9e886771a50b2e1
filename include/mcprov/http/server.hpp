#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "mcprov/support/result.hpp"

namespace mcprov::http {

using request = boost::beast::http::request<boost::beast::http::string_body>;
using response = boost::beast::http::response<boost::beast::http::string_body>;

struct tls_config {
    std::filesystem::path certificate_chain; // PEM, leaf first
    std::filesystem::path private_key;       // PEM
    // When not empty, clients must present a certificate issued by one of the CAs in these files (mutual TLS).
    std::vector<std::filesystem::path> client_cas;
    // With client_cas: false lets a client without a certificate in (one that presents a certificate must still
    // present one the CAs issued); the handler decides what such a client may do.
    bool client_certificate_required = true;
};

struct server_config {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;        // 0: the system picks one; see server::port()
    std::optional<tls_config> tls; // nullopt: plain HTTP
    unsigned threads = 2;
    std::size_t max_header_bytes = 16 * 1024; // the header fields; larger get 431
    std::size_t max_uri_bytes = 8 * 1024;     // the request-target; longer gets 414
    std::size_t max_body_bytes = 1024 * 1024;
    // From accepting a connection to its first request bytes (plain HTTP) or the end of its TLS handshake.
    std::chrono::seconds handshake_timeout{5};
    std::chrono::seconds idle_timeout{60}; // waiting for the next request on a keep-alive connection
    std::chrono::seconds body_timeout{30}; // reading one request's body
    std::chrono::seconds shutdown_grace{10};
    std::size_t max_connections = 10000; // lowered at start to what the open-files limit allows
    // Connections accepted that have not yet sent a byte or finished their TLS handshake. When a new connection
    // would exceed it, the oldest of them is dropped: a flood of connections that never start TLS cannot take the
    // slots of clients that do, or those of established connections. Kept below max_connections.
    std::size_t max_handshakes = 256;
    // Threads for the requests a handler says may wait on another server (handler::may_wait), so that a peer that
    // hangs holds one of these, never a thread that reads and writes connections. 0: every request is handled on the
    // connection threads.
    unsigned waiting_threads = 16;
};

// What a server has seen of its connections (for /stats and tests).
struct server_stats {
    std::size_t connections = 0;          // open now, handshaking ones included
    std::size_t handshaking = 0;          // open now, before their first bytes or the end of their TLS handshake
    std::uint64_t handshakes_dropped = 0; // dropped to make room under max_handshakes
    std::uint64_t handshakes_timed_out = 0;
    std::uint64_t refused = 0;            // closed at once: max_connections open
    std::uint64_t handler_exceptions = 0; // exceptions from the handler that the server's guard caught
};

// What the server knows about the peer of a request.
struct peer_info {
    std::string address;
    // Subject of the verified client certificate (mutual TLS), one-line RFC 2253 form; empty otherwise.
    std::string certificate_subject;
    // The verified client certificate itself (PEM); empty without mutual TLS.
    std::string certificate_pem;
};

// Turns a request into a response. Called on the server's threads, possibly concurrently. Should not throw: an
// exception that escapes handle() or screen() is answered 500 with a generic body, logged, and ends the connection.
class handler {
public:
    virtual ~handler() = default;
    virtual response handle(request&& req, const peer_info& peer) = 0;

    // Sees a request that announces a body before the body is read (its body is still empty). A response
    // returned here answers it at once and ends the connection, so that unwanted uploads are never read.
    virtual std::optional<response> screen(const request& req, const peer_info& peer) {
        (void)req;
        (void)peer;
        return std::nullopt;
    }

    // Whether handling this request may wait on another server (a peer call with its own deadline): such a request
    // is handled on the server's waiting threads (server_config::waiting_threads), so that other clients are served
    // meanwhile.
    virtual bool may_wait(const request& req) const {
        (void)req;
        return false;
    }
};

// An HTTP/1.1 server (keep-alive, optional TLS) on its own threads.
//
// Request framing follows RFC 9112: a Transfer-Encoding whose final coding is not chunked, Transfer-Encoding with
// Content-Length, an HTTP/1.1 request without exactly one Host, or a malformed request get 400 and the connection
// is closed; a request-target over max_uri_bytes gets 414, header fields over max_header_bytes 431, a body over
// max_body_bytes 413. Text from the peer appears in the server's log lines only through support::printable.
class server {
public:
    virtual ~server() = default;
    // The bound port (useful when the configured port was 0).
    virtual std::uint16_t port() const = 0;
    virtual server_stats stats() const = 0;
    // Blocks until at most `at_most` connections are open and the memory of those that closed has been handed back
    // to the system, or until `timeout` has passed; whether that happened. For tests and orderly shutdowns.
    virtual bool wait_for_connections(std::size_t at_most, std::chrono::milliseconds timeout) = 0;
    // Stops accepting, lets requests in flight finish (up to shutdown_grace), then closes everything. Idempotent.
    virtual void stop() = 0;
    // Blocks until the server has stopped.
    virtual void wait() = 0;
};

// Binds, and starts serving on config.threads threads. Errors: io (cannot bind), invalid_argument (TLS files).
support::result<std::unique_ptr<server>> create_server(const server_config& config, std::shared_ptr<handler> h);

} // namespace mcprov::http
