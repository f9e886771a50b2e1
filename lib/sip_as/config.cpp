#include "mcprov/sip_as/sip_as_service.hpp"

#include "mcprov/support/config_reader.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::sip_as {

using support::errc;
using support::make_error;
using support::result;

result<sip_as_config> parse_sip_as_config(std::string_view text, const std::string& source_name,
                                          const std::filesystem::path& base_dir) {
    auto parsed = support::parse_toml(text, source_name);
    if (!parsed) {
        return std::move(parsed).err();
    }
    const auto& root = *parsed;
    support::config_reader r(root, source_name, base_dir);
    r.only_keys("", {"server", "tls", "as", "policy", "domain", "follow", "lookup", "krr", "metrics", "log"});
    r.only_keys("tls", {"listen", "certificate", "private_key"});
    r.only_keys("lookup", {"service", "ca", "token_file", "refresh_seconds"});
    r.only_keys("server", {"listen", "udp_mtu"});
    r.only_keys("as", {"uri", "next_hop"});
    r.only_keys("policy", {"allowed_kms"});
    r.only_keys("krr", {"certificate", "private_key", "trusted_ca"});
    r.only_keys("log", {"level", "format"});

    sip_as_config c;
    if (auto listen = r.listen("server", "listen", "127.0.0.1:5060")) {
        c.listen_address = listen->first;
        c.listen_port = listen->second;
        if (c.listen_port == 0) {
            r.fail_at("server", "listen", "server.listen needs a port: SIP peers are configured with it");
        }
    }
    if (root["tls"]) {
        if (auto listen = r.listen("tls", "listen", "127.0.0.1:5061")) {
            if (listen->first != c.listen_address || listen->second == 0 || listen->second == c.listen_port) {
                r.fail_at("tls", "listen", "tls.listen must be server.listen's address with a port of its own");
            }
            c.tls_port = listen->second;
        }
        const auto certificate = r.path("tls", "certificate");
        const auto key = r.path("tls", "private_key");
        auto chain = support::read_file(certificate, 1 << 20);
        auto pem = support::read_file(key, 1 << 20);
        if (r.ok() && (!chain || !pem)) {
            r.fail_at("tls", !chain ? "certificate" : "private_key",
                      "tls: cannot read " + (!chain ? certificate.string() : key.string()));
        } else if (chain && pem) {
            c.tls_certificate_pem = *chain;
            c.tls_private_key_pem = *pem;
        }
    }
    c.udp_mtu = static_cast<unsigned>(r.integer("server", "udp_mtu", 1300, 512, 65535));
    c.uri = r.string("as", "uri", "", true);
    if (!c.uri.empty() && !c.uri.starts_with("sip:") && !c.uri.starts_with("sips:")) {
        r.fail_at("as", "uri", "as.uri must be a sip: or sips: URI");
    }
    c.next_hop = r.string("as", "next_hop", "");
    if (!c.next_hop.empty() && !c.next_hop.starts_with("sip:") && !c.next_hop.starts_with("sips:")) {
        r.fail_at("as", "next_hop", "as.next_hop must be a sip: or sips: URI, e.g. sip:127.0.0.1:5080");
    }
    c.policy.allowed_kms = r.strings("policy", "allowed_kms");
    if (root["krr"]["certificate"] || root["krr"]["private_key"]) {
        const auto certificate = r.path("krr", "certificate");
        const auto key = r.path("krr", "private_key");
        auto chain = support::read_file(certificate, 1 << 20);
        auto pem = support::read_file(key, 1 << 20);
        if (!chain || !pem) {
            r.fail_at("krr", !chain ? "certificate" : "private_key",
                      "krr: cannot read " + (!chain ? certificate.string() : key.string()));
        } else if (auto signer = xml::signer::read({.private_key_pem = *pem, .certificate_chain_pem = *chain})) {
            c.krr_key = std::move(*signer);
        } else {
            r.fail_at("krr", "private_key", "krr: cannot sign with " + key.string() + ": " + signer.err().message);
        }
    }
    if (root["krr"]["trusted_ca"]) {
        const auto ca = r.path("krr", "trusted_ca");
        auto pem = support::read_file(ca, 1 << 20);
        if (!pem) {
            r.fail_at("krr", "trusted_ca", "krr.trusted_ca: cannot read " + ca.string());
        } else {
            c.krr_trusted_ca_pem = *pem;
        }
    }
    if (const auto* domains = root["domain"].as_array()) {
        std::size_t index = 0;
        for (const auto& node : *domains) {
            ++index;
            if (!node.is_table()) {
                r.fail_at("", "domain", "[[domain]] must be tables");
                break;
            }
            support::config_reader dr(*node.as_table(), source_name, base_dir,
                                      "domain[" + std::to_string(index) + "].");
            dr.only_keys("", {"kms_uri", "members", "permitted_external"});
            lookup::domain_policy d{.kms_uri = dr.string("", "kms_uri", "", true),
                                    .members = dr.strings("", "members"),
                                    .permitted_external = dr.strings("", "permitted_external")};
            if (!dr.ok()) {
                r.adopt(dr.take_error());
                break;
            }
            c.domains.push_back(std::move(d));
        }
    }
    if (const auto* followed = root["follow"].as_array()) {
        std::size_t index = 0;
        for (const auto& node : *followed) {
            ++index;
            if (!node.is_table()) {
                r.fail_at("", "follow", "[[follow]] must be tables");
                break;
            }
            support::config_reader fr(*node.as_table(), source_name, base_dir,
                                      "follow[" + std::to_string(index) + "].");
            fr.only_keys("", {"kms", "ca"});
            lookup::followed_kms k;
            k.url = fr.string("", "kms", "", true);
            if (!k.url.empty() && (!k.url.starts_with("https://") || k.url.back() == '/')) {
                fr.fail_at("", "kms", "follow[" + std::to_string(index) + "].kms must be an https URL without a '/' "
                                      "at the end");
            }
            k.ca = fr.path("", "ca");
            if (!fr.ok()) {
                r.adopt(fr.take_error());
                break;
            }
            c.followed.push_back(std::move(k));
        }
        if (r.ok() && !c.followed.empty()) {
            c.token_file = r.path("lookup", "token_file");
        }
    }
    c.refresh = std::chrono::seconds(r.integer("lookup", "refresh_seconds", 30, 1, 3600));
    if (root["lookup"]["service"]) {
        lookup::central_lookup_options central;
        central.url = r.string("lookup", "service", "", true);
        if (!central.url.starts_with("https://") || central.url.back() == '/') {
            r.fail_at("lookup", "service", "lookup.service must be an https URL without a '/' at the end");
        } else if (!c.domains.empty() || !c.followed.empty()) {
            r.fail_at("lookup", "service", "lookup.service is the lookup: leave out [[domain]] and [[follow]]");
        }
        central.ca = r.path("lookup", "ca");
        central.token_file = r.path("lookup", "token_file");
        central.cache_for = c.refresh;
        c.central = std::move(central);
    }
    if (r.ok() && c.domains.empty() && c.followed.empty() && !c.central) {
        r.fail_at("", "domain", "the lookup needs its domains: [[domain]] (given here), [[follow]] (a KMS's policy) "
                                "or lookup.service (the central lookup)");
    }
    c.metrics_listen = r.metrics_listen("127.0.0.1:9460");
    r.log_settings(c.log_level, c.log_format);
    if (!r.ok()) {
        return r.take_error();
    }
    return c;
}

result<sip_as_config> load_sip_as_config(const std::filesystem::path& file) {
    auto text = support::read_file(file, 1 << 20);
    if (!text) {
        return make_error(errc::invalid_argument, file.string() + ": " + text.err().message);
    }
    return parse_sip_as_config(*text, file.string(), file.parent_path());
}

} // namespace mcprov::sip_as
