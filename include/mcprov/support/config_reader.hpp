#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "mcprov/support/log.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::support {

// Reads typed values out of one TOML document, remembering the first error with its file, line and column. A
// required key that is absent, or present but empty, is "required".
class config_reader {
public:
    // `prefix` names the keys of a table that is not the document's root, e.g. "partner[2].".
    config_reader(const toml::table& root, std::string source, std::filesystem::path base_dir, std::string prefix = {})
        : root_(root), source_(std::move(source)), base_dir_(std::move(base_dir)), prefix_(std::move(prefix)) {}

    bool ok() const { return !error_; }
    error take_error() { return std::move(*error_); }
    const std::filesystem::path& base_dir() const { return base_dir_; }

    // Refuses keys outside `allowed` in a table (so that a misspelt key is an error, not silently ignored).
    void only_keys(std::string_view table, const std::set<std::string_view>& allowed);

    std::string string(std::string_view table, std::string_view key, std::string fallback, bool required = false);
    // Relative paths are taken from base_dir.
    std::filesystem::path path(std::string_view table, std::string_view key, bool required = true);
    std::int64_t integer(std::string_view table, std::string_view key, std::int64_t fallback, std::int64_t min,
                         std::int64_t max);
    bool boolean(std::string_view table, std::string_view key, bool fallback);
    // A list of strings; empty when absent.
    std::vector<std::string> strings(std::string_view table, std::string_view key);
    // "address:port" or "[v6]:port".
    std::optional<std::pair<std::string, std::uint16_t>> listen(std::string_view table, std::string_view key,
                                                               const std::string& fallback);
    // [metrics] listen, when present: a loopback address:port (what is served there takes no credentials).
    std::optional<std::pair<std::string, std::uint16_t>> metrics_listen(const std::string& fallback);

    // [log] level (trace, debug, info, warn, error, critical, off; default info) and format (text or json).
    void log_settings(std::string& level, log_format& format);

    // Takes the error of a nested reader (if this one has none yet).
    void adopt(error e);
    void missing(std::string_view table, std::string_view key);
    void fail_at(std::string_view table, std::string_view key, const std::string& message);

private:
    toml::node_view<const toml::node> at(std::string_view table, std::string_view key) const;
    std::string name(std::string_view table, std::string_view key) const;
    void fail(const toml::node& node, const std::string& message);

    const toml::table& root_;
    std::string source_;
    std::filesystem::path base_dir_;
    std::string prefix_;
    std::optional<error> error_;
};

// Parses TOML text, or says where it is not TOML.
result<toml::table> parse_toml(std::string_view text, const std::string& source_name);

// "host:port" or "[v6]:port".
bool split_listen(const std::string& listen, std::string& address, std::uint16_t& port);

} // namespace mcprov::support
