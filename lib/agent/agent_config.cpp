#include "mcprov/agent/access_control_list.hpp"
#include "mcprov/agent/device_agent.hpp"
#include "mcprov/store/store_config.hpp"
#include "mcprov/support/config_reader.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::agent {

using support::errc;
using support::make_error;
using support::result;

result<agent_config> parse_agent_config(std::string_view text, const std::string& source_name,
                                        const std::filesystem::path& base_dir) {
    auto parsed = support::parse_toml(text, source_name);
    if (!parsed) {
        return std::move(parsed).err();
    }
    const toml::table& root = *parsed;
    support::config_reader r(root, source_name, base_dir);
    r.only_keys("", {"device", "store", "account", "push", "ui", "firmware", "applications", "mc_client", "card", "log"});
    r.only_keys("card", {"reader", "pin", "network", "ca", "wait_ms", "locked", "device_class", "class_key", "bsf"});
    r.only_keys("mc_client", {"directory"});
    r.only_keys("firmware", {"directory", "ca", "max_package_bytes"});
    r.only_keys("applications", {"directory"});
    r.only_keys("device", {"id", "manufacturer", "model", "language", "type", "oem", "firmware_version",
                           "software_version", "hardware_version", "max_message_bytes", "max_object_bytes"});
    r.only_keys("store", {"url", "path"});
    r.only_keys("push", {"listen"});
    r.only_keys("ui", {"mode", "confirm", "text"});
    r.only_keys("log", {"level", "format"});

    agent_config c;
    const auto id = r.string("device", "id", "", true);
    if (!id.empty() && (id.size() > 64 || id.find_first_of(" /?") != std::string::npos)) {
        r.fail_at("device", "id", "device.id must be a DevId such as IMEI:493005100592800 (no spaces, '/' or '?')");
    }
    c.dev_info = {{"DevId", id},
                  {"Man", r.string("device", "manufacturer", "mcprov")},
                  {"Mod", r.string("device", "model", "mcprov agent")},
                  {"DmV", "1.2"},
                  {"Lang", r.string("device", "language", "en-GB")}};
    c.dev_detail = {{"DevTyp", r.string("device", "type", "phone")},
                    {"OEM", r.string("device", "oem", "mcprov")},
                    {"FwV", r.string("device", "firmware_version", "1.0")},
                    {"SwV", r.string("device", "software_version", "1.0")},
                    {"HwV", r.string("device", "hardware_version", "1.0")},
                    {"LrgObj", "true"}};
    c.max_message_bytes = static_cast<std::uint64_t>(r.integer("device", "max_message_bytes", 64 * 1024, 2048, 1 << 20));
    c.max_object_bytes =
        static_cast<std::uint64_t>(r.integer("device", "max_object_bytes", 4 << 20, 1024, 64 << 20));
    c.store_url = store::read_store_url(r, root);
    c.mc_client_directory =
        root["mc_client"]["directory"] ? r.path("mc_client", "directory") : base_dir / "mc-client";
    c.firmware.directory = root["firmware"]["directory"] ? r.path("firmware", "directory") : base_dir / "firmware";
    c.applications.directory =
        root["applications"]["directory"] ? r.path("applications", "directory") : base_dir / "applications";
    if (root["firmware"]["ca"]) {
        c.firmware.ca = r.path("firmware", "ca");
        if (!std::filesystem::is_regular_file(*c.firmware.ca)) {
            r.fail_at("firmware", "ca", "firmware.ca: no such file: " + c.firmware.ca->string());
        }
    }
    c.firmware.max_package_bytes =
        static_cast<std::size_t>(r.integer("firmware", "max_package_bytes", 64 << 20, 1024, 1LL << 32));
    if (root["push"]) {
        http::server_config push;
        if (auto listen = r.listen("push", "listen", "127.0.0.1:0")) {
            push.address = listen->first;
            push.port = listen->second;
        }
        push.threads = 1;
        push.max_body_bytes = 4096;
        c.push = push;
    }
    c.ui = r.string("ui", "mode", c.ui);
    if (c.ui != "unattended" && c.ui != "terminal") {
        r.fail_at("ui", "mode", "ui.mode must be unattended or terminal");
    }
    c.policy.confirm = r.string("ui", "confirm", c.policy.confirm);
    if (c.policy.confirm != "yes" && c.policy.confirm != "no" && c.policy.confirm != "cancel") {
        r.fail_at("ui", "confirm", "ui.confirm must be yes, no or cancel");
    }
    c.policy.text = r.string("ui", "text", "");
    r.log_settings(c.log_level, c.log_format);

    if (root["card"]) {
        card_config card;
        card.reader = r.string("card", "reader", "");
        if (root["card"]["pin"]) {
            card.pin = r.string("card", "pin", "", true);
            if (card.pin->size() < 4 || card.pin->size() > 8 ||
                card.pin->find_first_not_of("0123456789") != std::string::npos) {
                r.fail_at("card", "pin", "card.pin must be 4 to 8 digits");
            }
        }
        card.network = r.string("card", "network", "");
        if (!card.network.empty() && !card.network.starts_with("https://") && !card.network.starts_with("http://")) {
            r.fail_at("card", "network", "card.network must be the http(s) URL of the switch-on authentication");
        }
        if (root["card"]["ca"]) {
            card.ca = r.path("card", "ca");
        }
        card.wait_ms = static_cast<unsigned>(r.integer("card", "wait_ms", 10'000, 0, 600'000));
        card.bsf = r.string("card", "bsf", "");
        if (!card.bsf.empty() && !card.bsf.starts_with("https://") && !card.bsf.starts_with("http://"))
            r.fail_at("card", "bsf", "card.bsf must be the http(s) URL of the GBA bootstrapping server");
        card.locked = r.strings("card", "locked");
        for (const auto& node : card.locked) {
            if (!node.starts_with("./") || node.find("//") != std::string::npos) {
                r.fail_at("card", "locked", "card.locked holds node URIs such as ./DMAcc/corporate");
            }
        }
        card.device_class = r.string("card", "device_class", "");
        if (root["card"]["class_key"]) {
            card.class_key = r.path("card", "class_key");
        }
        if (card.class_key.has_value() == card.device_class.empty()) {
            r.fail_at("card", "device_class", "card.device_class and card.class_key go together");
        }
        c.card = std::move(card);
    }

    const auto* accounts = root["account"].as_array();
    if (!accounts && c.card) {
        // A device with a smart card may get its DM accounts from the card.
    } else if (!accounts || !accounts->is_array_of_tables() || accounts->empty()) {
        r.fail_at("", "account", "at least one [[account]] (server_id, address, client_secret, server_secret)");
    } else {
        std::size_t index = 0;
        for (const auto& node : *accounts) {
            ++index;
            const auto where = "account[" + std::to_string(index) + "].";
            support::config_reader a(*node.as_table(), source_name, base_dir, where);
            a.only_keys("", {"server_id", "address", "name", "auth", "client_name", "client_secret", "server_name",
                             "server_secret", "ca", "encoding", "certificate", "private_key"});
            account_config ac;
            auto& acc = ac.account;
            acc.server_id = a.string("", "server_id", "", true);
            if (!acc.server_id.empty() && (!access_control_list::parse("Get=" + acc.server_id) ||
                                           acc.server_id.size() > 255 ||
                                           acc.server_id.find_first_of("+&=*") != std::string::npos)) {
                a.fail_at("", "server_id", where + "server_id must be a server identifier (no '&', '+', '=' or '*')");
            }
            for (const auto& earlier : c.accounts) {
                if (earlier.account.server_id == acc.server_id) {
                    a.fail_at("", "server_id", where + "server_id " + acc.server_id + " has an account already");
                }
            }
            acc.node = "acc" + std::to_string(index);
            acc.name = a.string("", "name", acc.server_id);
            acc.address = a.string("", "address", "", true);
            // Plain HTTP only to this machine itself: the host part is 127.x.y.z, [::1] or localhost.
            const auto loopback = [](const std::string& url) {
                if (!url.starts_with("http://")) {
                    return false;
                }
                const auto rest = std::string_view(url).substr(7);
                const auto host = rest.starts_with("[") ? rest.substr(0, rest.find(']') + 1)
                                                        : rest.substr(0, rest.find_first_of(":/"));
                return host == "localhost" || host == "[::1]" ||
                       (host.starts_with("127.") && host.find_first_not_of("0123456789.") == std::string_view::npos);
            };
            if (!acc.address.empty() && !acc.address.starts_with("https://") && !loopback(acc.address)) {
                a.fail_at("", "address", where + "address must be an https URL (http on loopback only)");
            }
            const auto scheme = a.string("", "auth", "md5");
            const std::string type = scheme == "md5" ? "DIGEST" : scheme == "mac" ? "HMAC" : scheme == "basic" ? "BASIC" : "";
            if (type.empty()) {
                a.fail_at("", "auth", where + "auth must be md5, mac or basic");
            }
            acc.preferred = type;
            acc.client = {type, a.string("", "client_name", id), a.string("", "client_secret", "", true), ""};
            acc.server = {type, a.string("", "server_name", acc.server_id), a.string("", "server_secret", "", true),
                          ""};
            if (node.as_table()->contains("ca")) {
                ac.ca = a.path("", "ca");
                if (!std::filesystem::is_regular_file(*ac.ca)) {
                    a.fail_at("", "ca", where + "ca: no such file: " + ac.ca->string());
                }
            }
            if (node.as_table()->contains("certificate") || node.as_table()->contains("private_key")) {
                ac.certificate = a.path("", "certificate");
                ac.private_key = a.path("", "private_key");
                for (const auto& file : {*ac.certificate, *ac.private_key}) {
                    if (!std::filesystem::is_regular_file(file)) {
                        a.fail_at("", "certificate", where + "certificate, private_key: no such file: " + file.string());
                    }
                }
            }
            const auto encoding = a.string("", "encoding", "xml");
            if (encoding != "xml" && encoding != "wbxml") {
                a.fail_at("", "encoding", where + "encoding must be xml or wbxml");
            }
            ac.wbxml = encoding == "wbxml";
            if (!a.ok()) {
                r.adopt(a.take_error());
                break;
            }
            c.accounts.push_back(std::move(ac));
        }
    }
    if (!r.ok()) {
        return r.take_error();
    }
    return c;
}

result<agent_config> load_agent_config(const std::filesystem::path& file) {
    auto text = support::read_file(file, 1024 * 1024);
    if (!text) {
        return std::move(text).err();
    }
    return parse_agent_config(*text, file.string(), file.parent_path());
}

} // namespace mcprov::agent
