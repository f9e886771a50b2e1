#include "mcprov/kms/config.hpp"

#include <algorithm>
#include <set>
#include <string_view>
#include <utility>

#include "mcprov/http/server_config_reader.hpp"
#include "mcprov/store/store_config.hpp"
#include "mcprov/support/config_reader.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::kms {

using support::errc;
using support::make_error;
using support::result;

namespace {

bool is_control(char ch) {
    return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
}

bool is_printable_ascii(char ch) {
    return ch > ' ' && ch < 0x7f;
}

// The KMS URI goes into every document and UID, and other domains' stores take only printable ASCII.
bool is_kms_uri(std::string_view uri) {
    return uri.size() <= 255 && std::all_of(uri.begin(), uri.end(), [](char ch) {
               return is_printable_ascii(ch) && std::string_view("<>\"'&").find(ch) == std::string_view::npos;
           });
}

// A token's scopes are one space-separated claim: an empty scope, or one with a space, would match no token.
bool is_scope(std::string_view scope) {
    return !scope.empty() && std::all_of(scope.begin(), scope.end(), is_printable_ascii);
}

} // namespace

result<kms_config> parse_kms_config(std::string_view text, const std::string& source_name,
                                    const std::filesystem::path& base_dir) {
    auto root = support::parse_toml(text, source_name);
    if (!root) {
        return std::move(root).err();
    }
    support::config_reader r(*root, source_name, base_dir);
    r.only_keys("", {"server", "tls", "domain", "signing", "store", "auth", "log"});
    r.only_keys("domain", {"kms_uri", "issuer", "master_key", "user_key_period_seconds", "user_key_offset_seconds",
                           "certificate_validity_days", "future_key_periods"});
    r.only_keys("signing", {"certificate", "private_key"});
    r.only_keys("store", {"url", "path"});
    r.only_keys("auth", {"issuer", "audience", "public_key", "user_scope", "admin_scope", "lookup_scope",
                         "leeway_seconds", "max_token_lifetime_seconds"});
    r.only_keys("log", {"level", "format"});

    kms_config c;
    c.server = http::read_server_config(r, *root, "127.0.0.1:8543", 64 * 1024);
    auto& d = c.domain;
    d.kms_uri = r.string("domain", "kms_uri", "", true);
    if (!d.kms_uri.empty() && !is_kms_uri(d.kms_uri)) {
        r.fail_at("domain", "kms_uri",
                  "domain.kms_uri must be a URI of at most 255 printable ASCII characters "
                  "without spaces or <>\"'&, e.g. kms.police.example.org");
    }
    d.issuer = r.string("domain", "issuer", d.kms_uri);
    if (d.issuer.size() > 1024 || std::any_of(d.issuer.begin(), d.issuer.end(), is_control)) {
        r.fail_at("domain", "issuer", "domain.issuer must be at most 1024 characters without control characters");
    }
    d.master_key = r.path("domain", "master_key");
    d.user_key_period =
        std::chrono::seconds(r.integer("domain", "user_key_period_seconds", 30 * 86400, 3600, 366 * 86400));
    d.user_key_offset =
        std::chrono::seconds(r.integer("domain", "user_key_offset_seconds", 0, 0, d.user_key_period.count() - 1));
    d.certificate_validity = std::chrono::days(r.integer("domain", "certificate_validity_days", 3 * 365, 1, 20 * 365));
    d.future_key_periods = static_cast<unsigned>(r.integer("domain", "future_key_periods", 1, 0, 12));

    if ((*root)["signing"]) {
        c.signing_certificate = r.path("signing", "certificate");
        c.signing_key = r.path("signing", "private_key");
    } else if (c.server.tls) {
        c.signing_certificate = c.server.tls->certificate_chain;
        c.signing_key = c.server.tls->private_key;
    } else {
        r.missing("signing", "certificate");
    }
    c.store_url = store::read_store_url(r, *root);
    auto& v = c.access.verifier;
    v.issuer = r.string("auth", "issuer", "", true);
    v.audience = r.string("auth", "audience", "", true);
    auto public_key = r.path("auth", "public_key");
    v.leeway = std::chrono::seconds(r.integer("auth", "leeway_seconds", 30, 0, 300));
    v.max_lifetime = std::chrono::seconds(r.integer("auth", "max_token_lifetime_seconds", 86400, 60, 31 * 86400));
    for (auto [key, scope] : {std::pair{"user_scope", &c.access.user_scope},
                              {"admin_scope", &c.access.admin_scope},
                              {"lookup_scope", &c.access.lookup_scope}}) {
        *scope = r.string("auth", key, *scope);
        if (!is_scope(*scope)) {
            r.fail_at("auth", key, "auth." + std::string(key) + " must be one scope: printable ASCII without spaces");
        }
    }
    r.log_settings(c.log_level, c.log_format);
    if (!r.ok()) {
        return r.take_error();
    }
    auto key = support::read_file(public_key, 64 * 1024);
    if (!key) {
        return make_error(errc::invalid_argument, source_name + ": auth.public_key: " + key.err().message);
    }
    v.public_key_pem = std::move(key).value();
    return c;
}

result<kms_config> load_kms_config(const std::filesystem::path& file) {
    auto text = support::read_file(file, 1024 * 1024);
    if (!text) {
        return std::move(text).err();
    }
    return parse_kms_config(*text, file.string(), file.parent_path());
}

} // namespace mcprov::kms
