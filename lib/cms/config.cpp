#include "mcprov/cms/config.hpp"

#include <set>

#include "mcprov/http/server_config_reader.hpp"
#include "mcprov/store/store_config.hpp"
#include "mcprov/support/config_reader.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::cms {
namespace {

using support::errc;
using support::make_error;
using support::result;

using reader = support::config_reader;
using support::split_listen;

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
    if (root["migration"]["signing_certificate"] || root["migration"]["signing_private_key"]) {
        m.signing_certificate = r.path("migration", "signing_certificate");
        m.signing_private_key = r.path("migration", "signing_private_key");
    }

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
        r.fail_at("server", "plain_http",
                  "migration needs [tls]: the profiles served to visitors are signed with "
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
            p.fail_at("", "endpoint",
                      "partner[" + std::to_string(index) + "].endpoint must be an https URL without a trailing '/'");
        }
        a.ca_file = p.path("", "ca").string();
        a.certificate_name = p.string("", "certificate_name", a.system);
        if (a.certificate_name.empty() && table.contains("certificate_name")) {
            p.fail_at("", "certificate_name",
                      "partner[" + std::to_string(index) +
                          "].certificate_name must not be empty (leave it out to use system)");
        }
        a.user_domains = p.strings("", "user_domains");
        if (a.user_domains.empty()) {
            p.fail_at("", "user_domains",
                      "partner[" + std::to_string(index) +
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
            p.fail_at("", "idms_issuer",
                      "a partner's identity management server cannot be this system's own "
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
    auto parsed = support::parse_toml(text, source_name);
    if (!parsed) {
        return std::move(parsed).err();
    }
    const toml::table& root = *parsed;
    reader r(root, source_name, base_dir);
    r.only_keys("", {"server", "tls", "xcap", "store", "auth", "log", "system", "cscm", "migration", "partner"});
    r.only_keys("system", {"id"});
    r.only_keys("cscm", {"listen", "certificate", "private_key", "timeout_seconds"});
    r.only_keys("migration", {"templates", "max_stale_seconds", "profile_validity_seconds", "release_retry_seconds",
                              "signing_certificate", "signing_private_key"});
    r.only_keys("xcap", {"root"});
    r.only_keys("store", {"url", "path"});
    r.only_keys("auth", {"issuer", "audience", "public_key", "user_scope", "admin_scope", "service_scope",
                         "leeway_seconds", "max_token_lifetime_seconds"});
    r.only_keys("log", {"level", "format"});

    cms_config c;
    // Documents are parsed whole, and the parser takes at most 1 MiB (xml::parse_limits).
    c.server = http::read_server_config(r, root, "127.0.0.1:8443", 1 << 20);

    c.xcap.xcap_root_path = r.string("xcap", "root", "/xcap");
    if (c.xcap.xcap_root_path.empty() || c.xcap.xcap_root_path.front() != '/' || c.xcap.xcap_root_path.back() == '/' ||
        c.xcap.xcap_root_path.find_first_of("?#~%") != std::string::npos) {
        r.fail_at("xcap", "root", "xcap.root must be a path like /xcap: leading '/', no trailing '/'");
    }
    c.store_url = store::read_store_url(r, root);
    c.auth.issuer = r.string("auth", "issuer", "", true);
    c.auth.audience = r.string("auth", "audience", "", true);
    auto public_key = r.path("auth", "public_key");
    c.xcap.user_scope = r.string("auth", "user_scope", c.xcap.user_scope);
    c.xcap.admin_scope = r.string("auth", "admin_scope", c.xcap.admin_scope);
    c.xcap.service_scope = r.string("auth", "service_scope", c.xcap.service_scope);
    c.auth.leeway = std::chrono::seconds(r.integer("auth", "leeway_seconds", 30, 0, 300));
    c.auth.max_lifetime = std::chrono::seconds(r.integer("auth", "max_token_lifetime_seconds", 86400, 60, 31 * 86400));
    r.log_settings(c.log_level, c.log_format);
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
