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
};

struct server_config {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;        // 0: the system picks one; see server::port()
    std::optional<tls_config> tls; // nullopt: plain HTTP
    unsigned threads = 2;
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_body_bytes = 1024 * 1024;
    std::chrono::seconds idle_timeout{60}; // waiting for the next request on a keep-alive connection
    std::chrono::seconds body_timeout{30}; // reading one request's body
    std::chrono::seconds shutdown_grace{10};
    std::size_t max_connections = 10000; // lowered at start to what the open-files limit allows
};

// What the server knows about the peer of a request.
struct peer_info {
    std::string address;
    // Subject of the verified client certificate (mutual TLS), one-line RFC 2253 form; empty otherwise.
    std::string certificate_subject;
    // The verified client certificate itself (PEM); empty without mutual TLS.
    std::string certificate_pem;
};

// Turns a request into a response. Called on the server's threads, possibly concurrently; must not throw.
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
};

// An HTTP/1.1 server (keep-alive, optional TLS) on its own threads.
class server {
public:
    virtual ~server() = default;
    // The bound port (useful when the configured port was 0).
    virtual std::uint16_t port() const = 0;
    // Stops accepting, lets requests in flight finish (up to shutdown_grace), then closes everything. Idempotent.
    virtual void stop() = 0;
    // Blocks until the server has stopped.
    virtual void wait() = 0;
};

// Binds, and starts serving on config.threads threads. Errors: io (cannot bind), invalid_argument (TLS files).
support::result<std::unique_ptr<server>> create_server(const server_config& config, std::shared_ptr<handler> h);

} // namespace mcprov::http
