#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mcprov/gsup/hlr_client.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/support/log.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::bsf {

// What `mcprov bsf` reads from its TOML file (docs/bsf.md).
struct bsf_config {
    http::server_config server;
    std::string store_url;
    gsup::hlr_address hlr;
    // The BSF's server name: the realm of Ub's digest and the domain part of every B-TID.
    std::string name;
    std::chrono::seconds key_lifetime{std::chrono::hours(12)};
    std::chrono::seconds challenge_lifetime{60};
    unsigned max_vectors = 10; // per subscriber within vector_window (bootstrapping_settings)
    std::chrono::seconds vector_window{60};
    // The NAFs that may ask for keys over Zn, by FQDN; each presents a client certificate naming its FQDN.
    std::vector<std::string> nafs;
    // [metrics] listen: /metrics on this loopback address, without credentials.
    std::optional<std::pair<std::string, std::uint16_t>> metrics_listen;
    std::string log_level = "info";
    support::log_format log_format = support::log_format::text;
};

support::result<bsf_config> load_bsf_config(const std::filesystem::path& file);
support::result<bsf_config> parse_bsf_config(std::string_view text, const std::string& source_name,
                                             const std::filesystem::path& base_dir);

} // namespace mcprov::bsf
