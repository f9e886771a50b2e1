#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/beast/http/verb.hpp>

#include "mcprov/http/server.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::http {

struct client_options {
    // For https URLs: the CAs to trust (system default when unset) and an optional client certificate.
    std::optional<std::filesystem::path> ca_file;
    std::optional<std::filesystem::path> certificate_chain;
    std::optional<std::filesystem::path> private_key;
    std::chrono::seconds timeout{10};
    std::size_t max_response_bytes = 8 * 1024 * 1024;
};

struct client_request {
    boost::beast::http::verb method = boost::beast::http::verb::get;
    std::string url; // http://host:port/path or https://...
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

// One request on a fresh connection (TLS verified against the host name). Errors: invalid_argument (URL),
// unavailable (cannot connect, TLS failure, timeout), too_large (response over the limit).
support::result<response> fetch(const client_request& req, const client_options& options = {});

} // namespace mcprov::http
