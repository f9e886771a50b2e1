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
    // `prefix` names the keys of a table that is not the document's root, e.g. "partner[2].".
    reader(const toml::table& root, std::string source, std::filesystem::path base_dir, std::string prefix = {})
        : root_(root), source_(std::move(source)), base_dir_(std::move(base_dir)), prefix_(std::move(prefix)) {}

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
                fail(node, (table.empty() ? prefix_ : std::string(table) + ".") + std::string(key.str()) + ": unknown key");
            }
        }
    }

    // A required key given as "" is as good as missing, and refused the same way.
    std::string string(std::string_view table, std::string_view key, std::string fallback, bool required = false) {
        auto node = at(table, key);
        if (!node) {
            if (required) {
                missing(table, key);
            }
            return fallback;
        }
        if (auto v = node.value<std::string>()) {
            if (v->empty() && required) {
                missing(table, key);
                return fallback;
            }
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
        auto node = at(table, key);
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
        auto node = at(table, key);
        if (!node) {
            return fallback;
        }
        if (!node.is_boolean()) {
            fail(*node.node(), name(table, key) + " must be true or false");
            return fallback;
        }
        return *node.value<bool>();
    }

    // Takes the error of a nested reader (if this one has none yet).
    void adopt(support::error e) {
        if (!error_) {
            error_ = std::move(e);
        }
    }

    void missing(std::string_view table, std::string_view key) {
        if (!error_) {
            error_ = make_error(errc::invalid_argument, source_ + ": " + name(table, key) + " is required");
        }
    }

    // A list of strings; empty when absent.
    std::vector<std::string> strings(std::string_view table, std::string_view key) {
        std::vector<std::string> out;
        auto node = at(table, key);
        if (!node) {
            return out;
        }
        const auto* array = node.as_array();
        if (array) {
            for (const auto& element : *array) {
                if (auto v = element.value<std::string>()) {
                    out.push_back(*v);
                } else {
                    array = nullptr;
                    break;
                }
            }
        }
        if (!array) {
            fail(*node.node(), name(table, key) + " must be a list of strings");
        }
        return out;
    }

    void fail_at(std::string_view table, std::string_view key, const std::string& message) {
        auto node = at(table, key);
        if (node) {
            fail(*node.node(), message);
        } else if (!error_) {
            error_ = make_error(errc::invalid_argument, source_ + ": " + message);
        }
    }

private:
    toml::node_view<const toml::node> at(std::string_view table, std::string_view key) const {
        return table.empty() ? root_[key] : root_[table][key];
    }

    std::string name(std::string_view table, std::string_view key) const {
        return table.empty() ? prefix_ + std::string(key) : std::string(table) + "." + std::string(key);
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
    std::string prefix_;
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

bool is_https_url(const std::string& url) {
    return url.starts_with("https://") && url.size() > 8 && url.find_first_of(" ?#", 8) == std::string::npos &&
           url.back() != '/';
}

// [system], [cscm], [migration] and the [[partner]] agreements. Returns each partner's IdMS public key file, read
// once every key has been checked.
std::vector<std::filesystem::path> read_migration(const toml::table& root, reader& r, cms_config& c,
                                                  const std::string& source_name,
                                                  const std::filesystem::path& base_dir) {
    std::vector<std::filesystem::path> idms_keys;
    auto& m = c.migration;
    m.system = r.string("system", "id", "");
    if (root["migration"]["templates"]) {
        m.templates = r.path("migration", "templates");
    }
    m.max_stale = std::chrono::seconds(r.integer("migration", "max_stale_seconds", 86400, 0, 30 * 86400));
    m.profile_validity =
        std::chrono::seconds(r.integer("migration", "profile_validity_seconds", 86400, 60, 30 * 86400));
    m.release_retry = std::chrono::seconds(r.integer("migration", "release_retry_seconds", 30, 1, 3600));

    const auto* partners = root["partner"].as_array();
    if (root["partner"] && (!partners || !partners->is_array_of_tables())) {
        r.fail_at("", "partner", "partner must be an array of tables: [[partner]]");
        return idms_keys;
    }
    if (!partners || partners->empty()) {
        if (root["cscm"]) {
            r.fail_at("cscm", "listen", "[cscm] is set but there is no [[partner]] to serve");
        }
        return idms_keys;
    }
    if (m.system.empty()) {
        r.missing("system", "id");
    }
    if (!root["cscm"]) {
        r.missing("cscm", "listen");
    }
    if (!c.server.tls) {
        r.fail_at("server", "plain_http", "migration needs [tls]: the profiles served to visitors are signed with "
                                          "its certificate and key");
    }
    cscm_config cscm;
    cscm.server = c.server;
    auto listen = r.string("cscm", "listen", "", true);
    if (!listen.empty() && !split_listen(listen, cscm.server.address, cscm.server.port)) {
        r.fail_at("cscm", "listen", "cscm.listen must be address:port, e.g. 0.0.0.0:9443");
    }
    http::tls_config tls;
    tls.certificate_chain = r.path("cscm", "certificate");
    tls.private_key = r.path("cscm", "private_key");
    cscm.server.tls = tls;
    cscm.timeout = std::chrono::seconds(r.integer("cscm", "timeout_seconds", 5, 1, 60));
    c.cscm = cscm;

    std::size_t index = 0;
    for (const auto& node : *partners) {
        ++index;
        const auto& table = *node.as_table();
        reader p(table, source_name, base_dir, "partner[" + std::to_string(index) + "].");
        p.only_keys("", {"system", "endpoint", "ca", "certificate_name", "user_domains", "idms_issuer",
                         "idms_public_key", "organisation_rule"});
        migration::partner_agreement a;
        a.system = p.string("", "system", "", true);
        a.endpoint = p.string("", "endpoint", "", true);
        if (!a.endpoint.empty() && !is_https_url(a.endpoint)) {
            p.fail_at("", "endpoint", "partner[" + std::to_string(index) +
                                          "].endpoint must be an https URL without a trailing '/'");
        }
        a.ca_file = p.path("", "ca").string();
        a.certificate_name = p.string("", "certificate_name", a.system);
        if (a.certificate_name.empty() && table.contains("certificate_name")) {
            p.fail_at("", "certificate_name", "partner[" + std::to_string(index) +
                                                  "].certificate_name must not be empty (leave it out to use system)");
        }
        a.user_domains = p.strings("", "user_domains");
        if (a.user_domains.empty()) {
            p.fail_at("", "user_domains", "partner[" + std::to_string(index) +
                                              "].user_domains must list the host patterns of the partner's users");
        }
        a.idms_issuer = p.string("", "idms_issuer", "", true);
        idms_keys.push_back(p.path("", "idms_public_key"));
        if (auto rule = p.string("", "organisation_rule", ""); !rule.empty()) {
            auto parsed = migration::organisation_rule::parse(rule);
            if (!parsed) {
                p.fail_at("", "organisation_rule", parsed.err().message);
            } else {
                a.organisation = std::move(parsed).value();
            }
        }
        if (!a.system.empty() && a.system == m.system) {
            p.fail_at("", "system", "a partner cannot be this system itself");
        }
        if (!a.idms_issuer.empty() && a.idms_issuer == c.auth.issuer) {
            p.fail_at("", "idms_issuer", "a partner's identity management server cannot be this system's own "
                                         "(auth.issuer): its users would be taken for visitors");
        }
        if (!p.ok()) {
            r.adopt(p.take_error());
            return idms_keys;
        }
        m.partners.push_back(std::move(a));
    }
    return idms_keys;
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
    r.only_keys("", {"server", "tls", "xcap", "store", "auth", "log", "system", "cscm", "migration", "partner"});
    r.only_keys("system", {"id"});
    r.only_keys("cscm", {"listen", "certificate", "private_key", "timeout_seconds"});
    r.only_keys("migration", {"templates", "max_stale_seconds", "profile_validity_seconds", "release_retry_seconds"});
    r.only_keys("server", {"listen", "threads", "max_body_bytes", "max_header_bytes", "idle_timeout_seconds",
                           "shutdown_grace_seconds", "max_connections", "plain_http"});
    r.only_keys("tls", {"certificate", "private_key", "client_ca"});
    r.only_keys("xcap", {"root"});
    r.only_keys("store", {"path"});
    r.only_keys("auth", {"issuer", "audience", "public_key", "user_scope", "admin_scope", "service_scope",
                         "leeway_seconds"});
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
            tls.client_cas.push_back(r.path("tls", "client_ca"));
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
    c.xcap.service_scope = r.string("auth", "service_scope", c.xcap.service_scope);
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
    auto partner_files = read_migration(root, r, c, source_name, base_dir);
    if (!r.ok()) {
        return r.take_error();
    }
    for (std::size_t i = 0; i < c.migration.partners.size(); ++i) {
        auto& p = c.migration.partners[i];
        auto name = source_name + ": partner[" + std::to_string(i + 1) + "].";
        auto ca = support::read_file(p.ca_file, 1024 * 1024);
        if (!ca) {
            return make_error(errc::invalid_argument, name + "ca: " + ca.err().message);
        }
        p.ca_pem = std::move(ca).value();
        auto idms_key = support::read_file(partner_files[i], 64 * 1024);
        if (!idms_key) {
            return make_error(errc::invalid_argument, name + "idms_public_key: " + idms_key.err().message);
        }
        p.idms_public_key_pem = std::move(idms_key).value();
        if (c.cscm) {
            c.cscm->server.tls->client_cas.push_back(p.ca_file);
        }
    }
    if (auto set = migration::agreement_set::create(c.migration.partners); !set) {
        return make_error(errc::invalid_argument, source_name + ": " + set.err().message);
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
