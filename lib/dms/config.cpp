#include "mcprov/dms/dms_config.hpp"

#include <boost/json.hpp>

#include "mcprov/http/server_config_reader.hpp"
#include "mcprov/store/store_config.hpp"
#include "mcprov/support/config_reader.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::dms {

using support::errc;
using support::make_error;
using support::result;

result<dms_config> parse_dms_config(std::string_view text, const std::string& source_name,
                                    const std::filesystem::path& base_dir) {
    auto parsed = support::parse_toml(text, source_name);
    if (!parsed) {
        return std::move(parsed).err();
    }
    const toml::table& root = *parsed;
    support::config_reader r(root, source_name, base_dir);
    r.only_keys("", {"server", "tls", "store", "auth", "dm", "mc", "hlr", "gba", "subscribers", "corporation",
                     "used_device", "gateway", "offer", "log"});
    r.only_keys("gateway", {"url", "ca", "api_key_file", "timeout_ms"});
    r.only_keys("gba", {"bsf", "certificate", "private_key", "ca", "timeout_ms"});
    r.only_keys("subscribers", {"home_networks"});
    r.only_keys("used_device", {"job", "level", "confirm"});
    r.only_keys("hlr", {"gsup", "unit_name", "timeout_ms"});
    r.only_keys("mc", {"domain", "name", "hplmn", "idms_auth_endpoint", "idms_token_endpoint", "http_proxy", "gms",
                       "cms", "kms", "gms_uri", "group_creation_xui", "gms_xcap_root_uri", "cms_xcap_root_uri",
                       "tls_mutual_authentication", "integrity_protection", "confidentiality_protection",
                       "prioritized_groups", "max_private_calls", "max_group_calls", "max_group_transmissions",
                       "ipv6_preferred", "relay_service"});
    r.only_keys("store", {"url", "path"});
    r.only_keys("auth", {"issuer", "audience", "public_key", "admin_scope", "leeway_seconds",
                         "max_token_lifetime_seconds"});
    r.only_keys("dm", {"server_id", "server_uri", "path", "auth", "max_msg_size", "max_session_seconds", "max_messages",
                       "max_jobs_per_message", "client_certificates"});
    r.only_keys("log", {"level", "format"});

    dms_config c;
    c.session.max_msg_size = static_cast<std::uint64_t>(r.integer("dm", "max_msg_size", 64 * 1024, 1024, 1 << 20));
    // The admin API takes jobs of up to 4 MiB; the SyncML route takes no more than MaxMsgSize.
    c.server = http::read_server_config(r, root, "127.0.0.1:8445", 4 << 20);
    c.session.server_id = r.string("dm", "server_id", "", true);
    c.session.server_uri = r.string("dm", "server_uri", "");
    if (!c.session.server_uri.empty() && !c.session.server_uri.starts_with("https://") &&
        !c.session.server_uri.starts_with("http://")) {
        r.fail_at("dm", "server_uri", "dm.server_uri must be the http(s) URL devices post to");
    }
    if (c.session.server_uri.find('?') != std::string::npos) {
        r.fail_at("dm", "server_uri", "dm.server_uri must have no query: the server adds its session key");
    }
    c.dm_path = r.string("dm", "path", c.dm_path);
    if (c.dm_path.empty() || c.dm_path.front() != '/' || c.dm_path.find_first_of("?#{}*") != std::string::npos) {
        r.fail_at("dm", "path", "dm.path must be a path like /dm");
    }
    if (const auto gsup = r.string("hlr", "gsup", ""); !gsup.empty()) {
        gsup::hlr_address hlr;
        if (!support::split_listen(gsup, hlr.host, hlr.port)) {
            r.fail_at("hlr", "gsup", "hlr.gsup must be the HLR's GSUP address, HOST:PORT (osmo-hlr: 127.0.0.1:4222)");
        }
        hlr.unit_name = r.string("hlr", "unit_name", "mcprov-dms");
        hlr.timeout = std::chrono::milliseconds(r.integer("hlr", "timeout_ms", 5000, 100, 60000));
        c.hlr = hlr;
    }
    if (root["gba"]) {
        zn_config zn;
        zn.bsf = r.string("gba", "bsf", "", true);
        if (!zn.bsf.empty() && !zn.bsf.starts_with("https://") && !zn.bsf.starts_with("http://")) {
            r.fail_at("gba", "bsf", "gba.bsf must be the BSF's http(s) URL");
        }
        zn.certificate = r.path("gba", "certificate");
        zn.private_key = r.path("gba", "private_key");
        if (root["gba"]["ca"]) {
            zn.ca = r.path("gba", "ca");
        }
        zn.timeout = std::chrono::milliseconds(r.integer("gba", "timeout_ms", 5000, 100, 60000));
        c.zn = zn;
    }
    c.subscribers.home_networks = r.strings("subscribers", "home_networks");
    for (const auto& plmn : c.subscribers.home_networks) {
        if (plmn.size() < 5 || plmn.size() > 6 || plmn.find_first_not_of("0123456789") != std::string::npos) {
            r.fail_at("subscribers", "home_networks", "subscribers.home_networks holds MCC+MNC, 5 or 6 digits");
        }
    }
    if (const auto* corporations = root["corporation"].as_array()) {
        std::size_t index = 0;
        for (const auto& node : *corporations) {
            ++index;
            if (!node.is_table()) {
                r.fail_at("", "corporation", "[[corporation]] must be tables");
                break;
            }
            support::config_reader cr(*node.as_table(), source_name, base_dir,
                                      "corporation[" + std::to_string(index) + "].");
            cr.only_keys("", {"name", "devices", "subscriptions", "customisation_version", "customisation_job",
                              "customisation_confirm"});
            corporation corp{.name = cr.string("", "name", "", true),
                             .devices = cr.strings("", "devices"),
                             .subscriptions = cr.strings("", "subscriptions"),
                             .customisation_version = cr.string("", "customisation_version", ""),
                             .customisation = std::nullopt};
            if (node.as_table()->contains("customisation_job")) {
                const auto file = cr.path("", "customisation_job");
                auto content = support::read_file(file, 4 << 20);
                boost::system::error_code ec;
                const auto v = content ? boost::json::parse(*content, ec) : boost::json::value();
                auto request =
                    content && !ec ? job_request_from_json(v) : result<job>(make_error(errc::invalid_argument, ""));
                if (!content || ec || !request || request->gate || corp.customisation_version.empty()) {
                    cr.fail_at("", "customisation_job",
                               "customisation_job must be a job's JSON file without a gate, with customisation_version");
                } else {
                    request->gate = job_gate{.level = "subscriber",
                                             .confirmation = cr.string("", "customisation_confirm", ""),
                                             .entitlement = "corporate",
                                             .charge = std::nullopt};
                    corp.customisation = std::move(request).value();
                }
            }
            for (const auto& p : corp.subscriptions) {
                const auto digits = p.ends_with('*') ? p.substr(0, p.size() - 1) : p;
                if (digits.empty() || digits.size() > 15 || digits.find_first_not_of("0123456789") != std::string::npos) {
                    cr.fail_at("", "subscriptions", "subscriptions holds IMSIs, or prefixes ending in '*'");
                }
            }
            if (!cr.ok()) {
                r.adopt(cr.take_error());
                break;
            }
            c.subscribers.corporations.push_back(std::move(corp));
        }
    }
    if (root["used_device"]) {
        const auto file = r.path("used_device", "job");
        job_gate gate{.level = r.string("used_device", "level", "subscriber"),
                      .confirmation = r.string("used_device", "confirm", ""),
                      .entitlement = "any",
                      .charge = std::nullopt};
        if (gate.level != "subscriber" && gate.level != "user") {
            r.fail_at("used_device", "level", "used_device.level must be subscriber or user");
        }
        if (!file.empty()) {
            auto content = support::read_file(file, 4 << 20);
            boost::system::error_code ec;
            const auto v = content ? boost::json::parse(*content, ec) : boost::json::value();
            auto request =
                content && !ec ? job_request_from_json(v) : result<job>(make_error(errc::invalid_argument, ""));
            if (!content || ec || !request || request->gate) {
                r.fail_at("used_device", "job",
                          "used_device.job must be a job's JSON file without a gate (docs/dms.md): " +
                              (!content ? content.err().message
                               : ec  ? ec.message()
                               : !request ? request.err().message
                                          : std::string("it has one")));
            } else {
                request->gate = gate;
                c.subscribers.used_device = std::move(request).value();
            }
        }
    }
    if (root["gateway"]) {
        payment_gateway_config g;
        g.url = r.string("gateway", "url", "", true);
        if (!g.url.empty() && !g.url.starts_with("https://") && !g.url.starts_with("http://")) {
            r.fail_at("gateway", "url", "gateway.url must be the payment gateway's http(s) URL");
        }
        if (root["gateway"]["ca"]) {
            g.ca = r.path("gateway", "ca");
        }
        const auto key_file = r.path("gateway", "api_key_file");
        g.timeout = std::chrono::milliseconds(r.integer("gateway", "timeout_ms", 5000, 100, 60000));
        if (!key_file.empty()) {
            auto key = support::read_secret_file(key_file);
            if (!key) {
                r.fail_at("gateway", "api_key_file", "gateway.api_key_file: " + key.err().message);
            } else {
                g.api_key = *key;
                while (!g.api_key.empty() && (g.api_key.back() == '\n' || g.api_key.back() == '\r')) {
                    g.api_key.pop_back();
                }
            }
        }
        c.gateway = g;
    }
    if (const auto* offers = root["offer"].as_array()) {
        std::size_t index = 0;
        for (const auto& node : *offers) {
            ++index;
            if (!node.is_table()) {
                r.fail_at("", "offer", "[[offer]] must be tables");
                break;
            }
            support::config_reader orr(*node.as_table(), source_name, base_dir, "offer[" + std::to_string(index) + "].");
            orr.only_keys("", {"id", "description", "amount", "currency", "job"});
            offer o;
            o.id = orr.string("", "id", "", true);
            o.description = orr.string("", "description", "", true);
            o.amount = static_cast<std::uint64_t>(orr.integer("", "amount", 0, 0, 100'000'000));
            o.currency = orr.string("", "currency", "EUR");
            if (o.currency.size() != 3) {
                orr.fail_at("", "currency", "currency is an ISO 4217 code such as EUR");
            }
            const auto file = orr.path("", "job");
            if (!file.empty()) {
                auto content = support::read_file(file, 4 << 20);
                boost::system::error_code ec;
                const auto v = content ? boost::json::parse(*content, ec) : boost::json::value();
                auto request =
                    content && !ec ? job_request_from_json(v) : result<job>(make_error(errc::invalid_argument, ""));
                if (!content || ec || !request || request->gate) {
                    orr.fail_at("", "job", "job must be a job's JSON file without a gate");
                } else {
                    o.request = std::move(request).value();
                }
            }
            if (!orr.ok()) {
                r.adopt(orr.take_error());
                break;
            }
            c.offers.push_back(std::move(o));
        }
    }
    const auto scheme = r.string("dm", "auth", "md5");
    if (scheme == "md5") {
        c.session.scheme = auth_scheme::md5;
    } else if (scheme == "mac") {
        c.session.scheme = auth_scheme::mac;
    } else if (scheme == "basic") {
        c.session.scheme = auth_scheme::basic;
    } else {
        r.fail_at("dm", "auth", "dm.auth must be md5, mac or basic");
    }
    if (c.session.scheme == auth_scheme::basic && !c.server.tls) {
        r.fail_at("dm", "auth", "dm.auth = \"basic\" sends the password itself: it needs [tls]");
    }
    c.client_certificates = r.string("dm", "client_certificates", "off");
    if (c.client_certificates != "off" && c.client_certificates != "optional" && c.client_certificates != "required") {
        r.fail_at("dm", "client_certificates", "dm.client_certificates must be off, optional or required");
    } else if (c.client_certificates != "off" && (!c.server.tls || c.server.tls->client_cas.empty())) {
        r.fail_at("dm", "client_certificates", "dm.client_certificates needs [tls] client_ca: the CA of the devices");
    } else if (c.server.tls && !c.server.tls->client_cas.empty()) {
        // The admin API's callers present tokens, not certificates: the SyncML route decides about devices.
        c.server.tls->client_certificate_required = false;
    }
    c.session.max_session_duration = std::chrono::seconds(r.integer("dm", "max_session_seconds", 300, 10, 86400));
    c.session.max_messages = static_cast<unsigned>(r.integer("dm", "max_messages", 64, 2, 10000));
    c.session.max_jobs_per_message = static_cast<unsigned>(r.integer("dm", "max_jobs_per_message", 16, 1, 256));
    c.store_url = store::read_store_url(r, root);
    c.auth.issuer = r.string("auth", "issuer", "", true);
    c.auth.audience = r.string("auth", "audience", "", true);
    auto public_key = r.path("auth", "public_key");
    c.admin_scope = r.string("auth", "admin_scope", c.admin_scope);
    c.auth.leeway = std::chrono::seconds(r.integer("auth", "leeway_seconds", 30, 0, 300));
    c.auth.max_lifetime = std::chrono::seconds(r.integer("auth", "max_token_lifetime_seconds", 86400, 60, 31 * 86400));
    if (root["mc"]) {
        mcs_mo::ue_initial_configuration mc;
        for (const auto& [key, field] : {std::pair{"domain", &mc.domain}, {"cms_xcap_root_uri", &mc.cms_xcap_root_uri},
                                         {"idms_auth_endpoint", &mc.idms_auth_endpoint},
                                         {"idms_token_endpoint", &mc.idms_token_endpoint},
                                         {"gms_xcap_root_uri", &mc.gms_xcap_root_uri}, {"kms", &mc.kms}}) {
            *field = r.string("mc", key, "", true);
        }
        mc.name = r.string("mc", "name", mc.domain);
        mc.hplmn = r.string("mc", "hplmn", "00101");
        mc.cms = r.string("mc", "cms", mc.cms_xcap_root_uri);
        mc.http_proxy = r.string("mc", "http_proxy", "");
        for (const auto& [key, field] : {std::pair{"gms", &mc.gms}, {"gms_uri", &mc.gms_uri},
                                         {"group_creation_xui", &mc.group_creation_xui}}) {
            *field = r.string("mc", key, mc.gms_xcap_root_uri);
        }
        mc.tls_mutual_authentication = r.boolean("mc", "tls_mutual_authentication", false);
        mc.integrity_protection = r.boolean("mc", "integrity_protection", true);
        mc.confidentiality_protection = r.boolean("mc", "confidentiality_protection", true);
        if (r.ok()) {
            if (auto checked = mcs_mo::to_document(mc); !checked) {
                r.fail_at("mc", "domain", "[mc] does not make a valid TS 24.484 UE initial configuration: " +
                                              checked.err().message);
            }
        }
        if (const auto groups = r.strings("mc", "prioritized_groups"); !groups.empty()) {
            mcs_mo::ue_configuration ue;
            ue.domain = mc.domain;
            ue.name = mc.name;
            for (std::size_t i = 0; i < groups.size(); ++i) {
                ue.prioritized_groups.emplace_back(groups[i], static_cast<unsigned>(i)); // first: highest
            }
            ue.max_private_calls = static_cast<unsigned>(r.integer("mc", "max_private_calls", 1, 1, 1000));
            ue.max_group_calls = static_cast<unsigned>(r.integer("mc", "max_group_calls", 1, 1, 1000));
            ue.max_group_transmissions = static_cast<unsigned>(r.integer("mc", "max_group_transmissions", 1, 1, 1000));
            ue.ipv6_preferred = r.boolean("mc", "ipv6_preferred", false);
            ue.relay_service = r.boolean("mc", "relay_service", false);
            if (r.ok()) {
                if (auto checked = mcs_mo::to_document(ue); !checked) {
                    r.fail_at("mc", "prioritized_groups", "[mc] does not make a valid TS 24.484 UE configuration: " +
                                                              checked.err().message);
                }
            }
            c.mc_ue = std::move(ue);
        }
        c.mc = std::move(mc);
    }
    r.log_settings(c.log_level, c.log_format);
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

result<dms_config> load_dms_config(const std::filesystem::path& file) {
    auto text = support::read_file(file, 1024 * 1024);
    if (!text) {
        return std::move(text).err();
    }
    return parse_dms_config(*text, file.string(), file.parent_path());
}

} // namespace mcprov::dms
