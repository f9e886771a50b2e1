#include "mcprov/cms/config.hpp"

#include <set>

#include <boost/asio/ip/address.hpp>
#include <toml++/toml.h>

#include "mcprov/support/file.hpp"

namespace mcprov::cms {
namespace {

using support::errc;
using support::make_error;
using support::result;

// Reads typed values out of one TOML document, remembering the first error with its position.
class reader {
public:
    reader(const toml::table& root, std::string source, std::filesystem::path base_dir)
        : root_(root), source_(std::move(source)), base_dir_(std::move(base_dir)) {}

    bool ok() const { return !error_; }
    support::error take_error() { return std::move(*error_); }

    // Refuses keys outside `allowed` in a table (so that a misspelt key is an error, not silently ignored).
    void only_keys(std::string_view table, std::set<std::string_view> allowed) {
        const toml::table* t = table.empty() ? &root_ : root_[table].as_table();
        if (!t) {
            return;
        }
        for (const auto& [key, node] : *t) {
            if (!allowed.contains(key.str())) {
                fail(node, std::string(table.empty() ? "" : std::string(table) + ".") + std::string(key.str()) +
                               ": unknown key");
            }
        }
    }

    std::string string(std::string_view table, std::string_view key, std::string fallback, bool required = false) {
        auto node = root_[table][key];
        if (!node) {
            if (required) {
                missing(table, key);
            }
            return fallback;
        }
        if (auto v = node.value<std::string>()) {
            return *v;
        }
        fail(*node.node(), name(table, key) + " must be a string");
        return fallback;
    }

    std::filesystem::path path(std::string_view table, std::string_view key, bool required = true) {
        auto text = string(table, key, "", required);
        if (text.empty()) {
            return {};
        }
        std::filesystem::path p(text);
        return p.is_absolute() ? p : base_dir_ / p;
    }

    std::int64_t integer(std::string_view table, std::string_view key, std::int64_t fallback, std::int64_t min,
                         std::int64_t max) {
        auto node = root_[table][key];
        if (!node) {
            return fallback;
        }
        auto v = node.value<std::int64_t>();
        if (!v || !node.is_integer() || *v < min || *v > max) {
            fail(*node.node(),
                 name(table, key) + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
            return fallback;
        }
        return *v;
    }

    bool boolean(std::string_view table, std::string_view key, bool fallback) {
        auto node = root_[table][key];
        if (!node) {
            return fallback;
        }
        if (!node.is_boolean()) {
            fail(*node.node(), name(table, key) + " must be true or false");
            return fallback;
        }
        return *node.value<bool>();
    }

    void missing(std::string_view table, std::string_view key) {
        if (!error_) {
            error_ = make_error(errc::invalid_argument, source_ + ": " + name(table, key) + " is required");
        }
    }

    void fail_at(std::string_view table, std::string_view key, const std::string& message) {
        auto node = root_[table][key];
        if (node) {
            fail(*node.node(), message);
        } else if (!error_) {
            error_ = make_error(errc::invalid_argument, source_ + ": " + message);
        }
    }

private:
    static std::string name(std::string_view table, std::string_view key) {
        return std::string(table) + "." + std::string(key);
    }

    void fail(const toml::node& node, const std::string& message) {
        if (!error_) {
            const auto& where = node.source().begin;
            error_ = make_error(errc::invalid_argument, source_ + ":" + std::to_string(where.line) + ":" +
                                                            std::to_string(where.column) + ": " + message);
        }
    }

    const toml::table& root_;
    std::string source_;
    std::filesystem::path base_dir_;
    std::optional<support::error> error_;
};

// "host:port" or "[v6]:port".
bool split_listen(const std::string& listen, std::string& address, std::uint16_t& port) {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon + 1 == listen.size()) {
        return false;
    }
    address = listen.substr(0, colon);
    if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
        address = address.substr(1, address.size() - 2);
    }
    unsigned long value = 0;
    for (char c : listen.substr(colon + 1)) {
        if (c < '0' || c > '9' || (value = value * 10 + static_cast<unsigned>(c - '0')) > 65535) {
            return false;
        }
    }
    port = static_cast<std::uint16_t>(value);
    return !address.empty();
}

} // namespace

result<cms_config> parse_cms_config(std::string_view text, const std::string& source_name,
                                    const std::filesystem::path& base_dir) {
    toml::table root;
    try {
        root = toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        return make_error(errc::invalid_argument, source_name + ":" + std::to_string(e.source().begin.line) + ":" +
                                                      std::to_string(e.source().begin.column) + ": " +
                                                      std::string(e.description()));
    }
    reader r(root, source_name, base_dir);
    r.only_keys("", {"server", "tls", "xcap", "store", "auth", "log"});
    r.only_keys("server", {"listen", "threads", "max_body_bytes", "max_header_bytes", "idle_timeout_seconds",
                           "shutdown_grace_seconds", "max_connections", "plain_http"});
    r.only_keys("tls", {"certificate", "private_key", "client_ca"});
    r.only_keys("xcap", {"root"});
    r.only_keys("store", {"path"});
    r.only_keys("auth", {"issuer", "audience", "public_key", "user_scope", "admin_scope", "leeway_seconds"});
    r.only_keys("log", {"level", "format"});

    cms_config c;
    auto listen = r.string("server", "listen", "127.0.0.1:8443");
    if (!split_listen(listen, c.server.address, c.server.port)) {
        r.fail_at("server", "listen", "server.listen must be address:port, e.g. 127.0.0.1:8443 or [::1]:8443");
    }
    c.server.threads = static_cast<unsigned>(r.integer("server", "threads", 2, 1, 256));
    // Documents are parsed whole, and the parser takes at most 1 MiB (xml::parse_limits).
    c.server.max_body_bytes = static_cast<std::size_t>(r.integer("server", "max_body_bytes", 1 << 20, 1024, 1 << 20));
    c.server.max_header_bytes =
        static_cast<std::size_t>(r.integer("server", "max_header_bytes", 16 << 10, 1024, 1 << 20));
    c.server.idle_timeout = std::chrono::seconds(r.integer("server", "idle_timeout_seconds", 60, 1, 3600));
    c.server.shutdown_grace = std::chrono::seconds(r.integer("server", "shutdown_grace_seconds", 10, 0, 600));
    c.server.max_connections = static_cast<std::size_t>(r.integer("server", "max_connections", 10000, 1, 1000000));
    bool plain_http = r.boolean("server", "plain_http", false);
    if (root["tls"]) {
        if (plain_http) {
            r.fail_at("server", "plain_http", "server.plain_http = true and a [tls] section exclude each other");
        }
        http::tls_config tls;
        tls.certificate_chain = r.path("tls", "certificate");
        tls.private_key = r.path("tls", "private_key");
        if (root["tls"]["client_ca"]) {
            tls.client_ca = r.path("tls", "client_ca");
        }
        c.server.tls = tls;
    } else if (!plain_http) {
        r.missing("tls", "certificate");
    } else if (boost::system::error_code ec; !boost::asio::ip::make_address(c.server.address, ec).is_loopback()) {
        // Bearer tokens would cross the network in clear.
        r.fail_at("server", "plain_http", "server.plain_http is only allowed on a loopback listen address");
    }

    c.xcap.xcap_root_path = r.string("xcap", "root", "/xcap");
    if (c.xcap.xcap_root_path.empty() || c.xcap.xcap_root_path.front() != '/' || c.xcap.xcap_root_path.back() == '/' ||
        c.xcap.xcap_root_path.find_first_of("?#~%") != std::string::npos) {
        r.fail_at("xcap", "root", "xcap.root must be a path like /xcap: leading '/', no trailing '/'");
    }
    c.database = r.path("store", "path");
    c.auth.issuer = r.string("auth", "issuer", "", true);
    c.auth.audience = r.string("auth", "audience", "", true);
    auto public_key = r.path("auth", "public_key");
    c.xcap.user_scope = r.string("auth", "user_scope", c.xcap.user_scope);
    c.xcap.admin_scope = r.string("auth", "admin_scope", c.xcap.admin_scope);
    c.auth.leeway = std::chrono::seconds(r.integer("auth", "leeway_seconds", 30, 0, 300));
    c.log_level = r.string("log", "level", "info");
    static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
    if (!levels.contains(c.log_level)) {
        r.fail_at("log", "level", "log.level must be one of trace, debug, info, warn, error, critical, off");
    }
    auto format = r.string("log", "format", "text");
    if (format != "text" && format != "json") {
        r.fail_at("log", "format", "log.format must be text or json");
    }
    c.log_format = format == "json" ? support::log_format::json : support::log_format::text;
    if (!r.ok()) {
        return r.take_error();
    }
    auto key = support::read_file(public_key, 64 * 1024);
    if (!key) {
        return make_error(errc::invalid_argument, source_name + ": auth.public_key: " + key.err().message);
    }
    c.auth.public_key_pem = std::move(key).value();
    return c;
}

result<cms_config> load_cms_config(const std::filesystem::path& file) {
    auto text = support::read_file(file, 1024 * 1024);
    if (!text) {
        return std::move(text).err();
    }
    return parse_cms_config(*text, file.string(), file.parent_path());
}

} // namespace mcprov::cms
