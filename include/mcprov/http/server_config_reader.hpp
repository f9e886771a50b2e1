#pragma once

#include "mcprov/http/server.hpp"
#include "mcprov/support/config_reader.hpp"

namespace mcprov::http {

// The [server] and [tls] tables every mcprov server reads the same way (docs/configuration.md): listen, threads,
// limits and timeouts; TLS certificate and key (and client_ca for mutual TLS), or plain_http = true on a loopback
// address only. `max_body_limit` caps server.max_body_bytes.
server_config read_server_config(support::config_reader& r, const toml::table& root, const std::string& default_listen,
                                 std::size_t max_body_limit);

} // namespace mcprov::http
