#include "mcprov/http/server_config_reader.hpp"

#include <boost/asio/ip/address.hpp>

namespace mcprov::http {

server_config read_server_config(support::config_reader& r, const toml::table& root, const std::string& default_listen,
                                 std::size_t max_body_limit) {
    r.only_keys("server", {"listen", "threads", "max_body_bytes", "max_header_bytes", "max_uri_bytes",
                           "handshake_timeout_seconds", "idle_timeout_seconds", "shutdown_grace_seconds",
                           "max_connections", "max_handshakes", "waiting_threads", "plain_http"});
    r.only_keys("tls", {"certificate", "private_key", "client_ca"});
    server_config c;
    if (auto listen = r.listen("server", "listen", default_listen)) {
        c.address = listen->first;
        c.port = listen->second;
    }
    c.threads = static_cast<unsigned>(r.integer("server", "threads", 2, 1, 256));
    auto body_limit = static_cast<std::int64_t>(max_body_limit);
    c.max_body_bytes = static_cast<std::size_t>(r.integer("server", "max_body_bytes", body_limit, 1024, body_limit));
    c.max_header_bytes = static_cast<std::size_t>(r.integer("server", "max_header_bytes", 16 << 10, 1024, 1 << 20));
    c.max_uri_bytes = static_cast<std::size_t>(r.integer("server", "max_uri_bytes", 8 << 10, 256, 1 << 20));
    c.handshake_timeout = std::chrono::seconds(r.integer("server", "handshake_timeout_seconds", 5, 1, 600));
    c.idle_timeout = std::chrono::seconds(r.integer("server", "idle_timeout_seconds", 60, 1, 3600));
    c.shutdown_grace = std::chrono::seconds(r.integer("server", "shutdown_grace_seconds", 10, 0, 600));
    c.max_connections = static_cast<std::size_t>(r.integer("server", "max_connections", 10000, 1, 1000000));
    c.max_handshakes = static_cast<std::size_t>(r.integer("server", "max_handshakes", 256, 1, 1000000));
    c.waiting_threads = static_cast<unsigned>(r.integer("server", "waiting_threads", 16, 0, 256));
    bool plain_http = r.boolean("server", "plain_http", false);
    if (root["tls"]) {
        if (plain_http) {
            r.fail_at("server", "plain_http", "server.plain_http = true and a [tls] section exclude each other");
        }
        tls_config tls;
        tls.certificate_chain = r.path("tls", "certificate");
        tls.private_key = r.path("tls", "private_key");
        if (root["tls"]["client_ca"]) {
            tls.client_cas.push_back(r.path("tls", "client_ca"));
        }
        c.tls = tls;
    } else if (!plain_http) {
        r.missing("tls", "certificate");
    } else if (boost::system::error_code ec; !boost::asio::ip::make_address(c.address, ec).is_loopback()) {
        // Bearer tokens would cross the network in clear.
        r.fail_at("server", "plain_http", "server.plain_http is only allowed on a loopback listen address");
    }
    return c;
}

} // namespace mcprov::http
