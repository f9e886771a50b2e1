#include "mcprov/bsf/bsf_config.hpp"

#include "mcprov/http/server_config_reader.hpp"
#include "mcprov/store/store_config.hpp"
#include "mcprov/support/config_reader.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::bsf {

using support::errc;
using support::make_error;
using support::result;

namespace {

bool plausible_fqdn(std::string_view name) {
    if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.')
        return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.')
            return false;
    return true;
}

} // namespace

result<bsf_config> parse_bsf_config(std::string_view text, const std::string& source_name,
                                    const std::filesystem::path& base_dir) {
    auto parsed = support::parse_toml(text, source_name);
    if (!parsed)
        return std::move(parsed).err();
    const toml::table& root = *parsed;
    support::config_reader r(root, source_name, base_dir);
    r.only_keys("", {"server", "tls", "store", "hlr", "bsf", "zn", "metrics", "log"});
    r.only_keys("store", {"url", "path"});
    r.only_keys("hlr", {"gsup", "unit_name", "timeout_ms"});
    r.only_keys("bsf", {"name", "key_lifetime_seconds", "challenge_lifetime_seconds", "max_vectors_per_subscriber",
                        "vector_window_seconds"});
    r.only_keys("zn", {"nafs"});
    r.only_keys("log", {"level", "format"});
    bsf_config c;
    c.server = http::read_server_config(r, root, "127.0.0.1:8480", 64 * 1024);
    c.store_url = store::read_store_url(r, root);
    const auto gsup = r.string("hlr", "gsup", "", true);
    if (!gsup.empty() && !support::split_listen(gsup, c.hlr.host, c.hlr.port))
        r.fail_at("hlr", "gsup", "hlr.gsup must be the HLR's GSUP address, HOST:PORT (osmo-hlr: 127.0.0.1:4222)");
    c.hlr.unit_name = r.string("hlr", "unit_name", "mcprov-bsf");
    c.hlr.timeout = std::chrono::milliseconds(r.integer("hlr", "timeout_ms", 5000, 100, 60000));
    c.name = r.string("bsf", "name", "", true);
    if (!c.name.empty() && !plausible_fqdn(c.name))
        r.fail_at("bsf", "name", "bsf.name must be the BSF's host name, e.g. bsf.mnc001.mcc001.pub.3gppnetwork.org");
    c.key_lifetime = std::chrono::seconds(r.integer("bsf", "key_lifetime_seconds", 12 * 3600, 60, 7 * 86400));
    c.challenge_lifetime = std::chrono::seconds(r.integer("bsf", "challenge_lifetime_seconds", 60, 5, 600));
    c.max_vectors = static_cast<unsigned>(r.integer("bsf", "max_vectors_per_subscriber", 10, 1, 1000));
    c.vector_window = std::chrono::seconds(r.integer("bsf", "vector_window_seconds", 60, 1, 86400));
    c.nafs = r.strings("zn", "nafs");
    for (const auto& naf : c.nafs)
        if (!plausible_fqdn(naf))
            r.fail_at("zn", "nafs", "zn.nafs holds NAF host names; \"" + naf + "\" is not one");
    if (!c.nafs.empty() && (!c.server.tls || c.server.tls->client_cas.empty()))
        r.fail_at("zn", "nafs", "zn.nafs needs [tls] client_ca: the CA of the NAFs' client certificates");
    if (c.server.tls)
        c.server.tls->client_certificate_required = false; // devices on Ub have no certificate; NAFs on Zn must
    c.metrics_listen = r.metrics_listen("127.0.0.1:9470");
    r.log_settings(c.log_level, c.log_format);
    if (!r.ok())
        return r.take_error();
    return c;
}

result<bsf_config> load_bsf_config(const std::filesystem::path& file) {
    auto text = support::read_file(file, 1024 * 1024);
    if (!text)
        return std::move(text).err();
    return parse_bsf_config(*text, file.string(), file.parent_path());
}

} // namespace mcprov::bsf
