#include "mcprov/http/server_config_reader.hpp"
#include "mcprov/lookup/lookup_service.hpp"
#include "mcprov/support/config_reader.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::lookup {

using support::errc;
using support::make_error;
using support::result;

result<lookup_config> parse_lookup_config(std::string_view text, const std::string& source_name,
                                          const std::filesystem::path& base_dir) {
    auto root = support::parse_toml(text, source_name);
    if (!root) {
        return std::move(root).err();
    }
    support::config_reader r(*root, source_name, base_dir);
    r.only_keys("", {"server", "tls", "auth", "lookup", "domain", "log"});
    r.only_keys("auth", {"issuer", "audience", "public_key", "scope", "admin_scope", "leeway_seconds",
                         "max_token_lifetime_seconds"});
    r.only_keys("lookup", {"token_file", "refresh_seconds"});
    r.only_keys("log", {"level", "format"});
    lookup_config c;
    c.server = http::read_server_config(r, *root, "127.0.0.1:8643", 4096);
    c.verifier.issuer = r.string("auth", "issuer", "", true);
    c.verifier.audience = r.string("auth", "audience", "", true);
    auto public_key = r.path("auth", "public_key");
    c.verifier.leeway = std::chrono::seconds(r.integer("auth", "leeway_seconds", 30, 0, 300));
    c.verifier.max_lifetime =
        std::chrono::seconds(r.integer("auth", "max_token_lifetime_seconds", 86400, 60, 31 * 86400));
    c.scope = r.string("auth", "scope", c.scope);
    c.admin_scope = r.string("auth", "admin_scope", c.admin_scope);
    c.token_file = r.path("lookup", "token_file");
    c.refresh = std::chrono::seconds(r.integer("lookup", "refresh_seconds", 30, 1, 3600));
    r.log_settings(c.log_level, c.log_format);
    const auto* domains = (*root)["domain"].as_array();
    if (!domains || !domains->is_array_of_tables() || domains->empty()) {
        r.fail_at("", "domain", "at least one [[domain]] (kms, ca) is required");
    } else {
        std::size_t index = 0;
        for (const auto& node : *domains) {
            ++index;
            support::config_reader d(*node.as_table(), source_name, base_dir, "domain[" + std::to_string(index) + "].");
            d.only_keys("", {"kms", "ca"});
            followed_kms k;
            k.url = d.string("", "kms", "", true);
            if (!k.url.empty() && (!k.url.starts_with("https://") || k.url.back() == '/')) {
                d.fail_at("", "kms",
                          "domain[" + std::to_string(index) +
                              "].kms must be an https URL without a "
                              "trailing '/'");
            }
            k.ca = d.path("", "ca");
            if (!d.ok()) {
                r.adopt(d.take_error());
                break;
            }
            c.domains.push_back(std::move(k));
        }
    }
    if (!r.ok()) {
        return r.take_error();
    }
    auto key = support::read_file(public_key, 64 * 1024);
    if (!key) {
        return make_error(errc::invalid_argument, source_name + ": auth.public_key: " + key.err().message);
    }
    c.verifier.public_key_pem = std::move(key).value();
    return c;
}

result<lookup_config> load_lookup_config(const std::filesystem::path& file) {
    auto text = support::read_file(file, 1024 * 1024);
    if (!text) {
        return std::move(text).err();
    }
    return parse_lookup_config(*text, file.string(), file.parent_path());
}

} // namespace mcprov::lookup
