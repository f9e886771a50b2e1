#include "mcprov/agent/firmware_update.hpp"

#include <fstream>

#include <boost/beast/http.hpp>

#include "mcprov/support/encoding.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::agent {
namespace {

using support::errc;
using support::make_error;
using support::result;

namespace result_code {
constexpr unsigned successful = 200;
constexpr unsigned client_error = 400;
constexpr unsigned corrupted_package = 402;
constexpr unsigned failed_validation = 404;
constexpr unsigned update_failed = 410;
constexpr unsigned bad_url = 411;
constexpr unsigned server_unavailable = 412;
constexpr unsigned server_error = 500;
constexpr unsigned out_of_memory = 501;
} // namespace result_code

std::string leaf(const management_tree& tree, const std::string& uri) {
    auto v = tree.value(uri);
    return v ? v->data : std::string();
}

void set_state(management_tree& tree, const std::string& node, int state) {
    (void)tree.install_leaf(node + "/State", {"int", "text/plain", std::to_string(state)}, {}, false);
}

} // namespace

result<void> install_firmware_object(management_tree& tree, std::string_view name, std::string_view servers) {
    const auto node = "./FUMO/" + std::string(name);
    const auto server = std::string(servers);
    const auto read_write = "Get=" + server + "&Replace=" + server;
    if (auto made = tree.install_interior("./FUMO", {}, "Get=" + server); !made) {
        return made;
    }
    if (auto made = tree.install_interior(node, fumo_type, "Get=" + server); !made) {
        return made;
    }
    for (const auto* l : {"PkgName", "PkgVersion"}) {
        if (auto made = tree.install_leaf(node + "/" + l, {"chr", "text/plain", ""}, read_write); !made) {
            return made;
        }
    }
    for (const auto* op : {"Download", "Update", "DownloadAndUpdate"}) {
        if (auto made = tree.install_interior(node + "/" + op, {}, "Get=" + server + "&Exec=" + server); !made) {
            return made;
        }
    }
    for (const auto* url : {"/Download/PkgURL", "/DownloadAndUpdate/PkgURL"}) {
        if (auto made = tree.install_leaf(node + url, {"chr", "text/plain", ""}, read_write); !made) {
            return made;
        }
    }
    if (auto made = tree.install_leaf(node + "/Update/PkgData", {"bin", "application/octet-stream", ""}, read_write);
        !made) {
        return made;
    }
    if (auto made = tree.install_interior(node + "/Ext", {}, "Get=" + server); !made) {
        return made;
    }
    if (auto made = tree.install_leaf(node + "/Ext/PkgDigest", {"chr", "text/plain", ""}, read_write); !made) {
        return made;
    }
    set_state(tree, node, fumo_state::idle);
    return {};
}

exec_decision accept_firmware_exec(const management_tree& tree, std::string_view uri, std::string_view server_id,
                                   const std::optional<std::string>& correlator) {
    const auto slash = uri.rfind('/');
    if (slash == std::string_view::npos) {
        return {404, std::nullopt};
    }
    const auto node = std::string(uri.substr(0, slash));
    const auto operation = std::string(uri.substr(slash + 1));
    if (!node.starts_with("./FUMO/") || node.find('/', 7) != std::string::npos ||
        (operation != "Download" && operation != "Update" && operation != "DownloadAndUpdate")) {
        const auto allowed = tree.may_exec(uri, server_id);
        return {allowed == 200 ? 405u : allowed, std::nullopt}; // nothing here carries it out
    }
    if (const auto allowed = tree.may_exec(uri, server_id); allowed != 200) {
        return {allowed, std::nullopt};
    }
    // The state machine (FUMO 1.0): a download starts from a state at rest, an update needs a downloaded package.
    const auto state = leaf(tree, node + "/State");
    const bool at_rest = state == "10" || state == "20" || state == "40" || state == "70" || state == "80" ||
                         state == "90" || state == "100";
    if (operation == "Update" ? state != "40" && state != "50" && state != "70" : !at_rest) {
        return {405, std::nullopt}; // not in this state
    }
    deferred_operation op{node, operation, correlator};
    if (operation != "Update") {
        op.url = leaf(tree, node + "/" + operation + "/PkgURL");
    }
    op.digest = leaf(tree, node + "/Ext/PkgDigest");
    op.version = leaf(tree, node + "/PkgVersion");
    return {202, std::move(op)};
}

syncml::command carry_out_firmware_operation(management_tree& tree, const deferred_operation& op,
                                             const firmware_config& config, http::client& client) {
    static const auto log = support::logger("agent");
    auto report = [&](unsigned code) {
        syncml::command alert{.name = syncml::command_name::alert, .data = "1226"};
        alert.correlator = op.correlator;
        syncml::item item;
        item.source = op.node + "/" + op.operation;
        std::string type = "org.openmobilealliance.dm.firmwareupdate.";
        for (char ch : op.operation) {
            type += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        }
        item.meta.type = type;
        item.meta.format = "int";
        item.meta.mark = code / 100 == 2 ? "informational" : "critical";
        item.data = std::to_string(code);
        alert.items.push_back(std::move(item));
        log->info("firmware {} of {}: result {}", op.operation, op.node, code);
        return alert;
    };
    const auto image = config.directory / "firmware.img";
    const auto staged = config.directory / "firmware.staged";
    if (op.operation != "Update") {
        const auto& url = op.url;
        if (!url.starts_with("https://") && !url.starts_with("http://")) {
            set_state(tree, op.node, fumo_state::download_failed);
            return report(result_code::bad_url);
        }
        set_state(tree, op.node, fumo_state::download_progressing);
        http::client_request req;
        req.url = url;
        auto res = client.fetch(req, config.max_package_bytes);
        if (!res) {
            set_state(tree, op.node, fumo_state::download_failed);
            return report(res.err().code == errc::too_large    ? result_code::out_of_memory
                          : res.err().code == errc::invalid_argument ? result_code::bad_url
                                                                     : result_code::server_unavailable);
        }
        if (res->result_int() != 200) {
            set_state(tree, op.node, fumo_state::download_failed);
            return report(result_code::server_error);
        }
        const auto& expected = op.digest;
        if (expected.empty() || support::hex_encode(support::sha256(res->body())) != expected) {
            set_state(tree, op.node, fumo_state::download_failed);
            return report(expected.empty() ? result_code::failed_validation : result_code::corrupted_package);
        }
        std::error_code ec;
        std::filesystem::create_directories(config.directory, ec);
        if (!support::write_file(staged, res->body())) {
            set_state(tree, op.node, fumo_state::download_failed);
            return report(result_code::client_error);
        }
        set_state(tree, op.node, fumo_state::download_complete);
        if (op.operation == "Download") {
            return report(result_code::successful);
        }
    } else if (!std::filesystem::exists(staged)) {
        return report(result_code::client_error); // Update without a downloaded package
    }
    set_state(tree, op.node, fumo_state::update_progressing);
    std::error_code ec;
    std::filesystem::rename(staged, image, ec);
    if (ec) {
        set_state(tree, op.node, fumo_state::update_failed_no_data);
        return report(result_code::update_failed);
    }
    if (!op.version.empty()) {
        (void)tree.install_leaf("./DevDetail/FwV", {"chr", "text/plain", op.version});
    }
    set_state(tree, op.node, fumo_state::update_successful_no_data);
    return report(result_code::successful);
}

} // namespace mcprov::agent
