#include "mcprov/agent/software_component.hpp"

#include <algorithm>

#include "mcprov/support/encoding.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::agent {
namespace {

using support::errc;
using support::result;

constexpr std::string_view download_root = "./SCOMO/Download/";
constexpr std::string_view deployed_root = "./SCOMO/Inventory/Deployed/";

std::string leaf(const management_tree& tree, const std::string& uri) {
    auto v = tree.value(uri);
    return v ? v->data : std::string();
}

void set_int(management_tree& tree, const std::string& uri, int value) {
    (void)tree.install_leaf(uri, {"int", "text/plain", std::to_string(value)}, {}, false);
}

// <x> of a URI "<root><x>/Operations/<op>", and <op>; empty when the URI is not of that shape.
std::pair<std::string, std::string> operation_of(std::string_view uri, std::string_view root) {
    if (!uri.starts_with(root)) {
        return {};
    }
    const auto rest = uri.substr(root.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos || !rest.substr(slash).starts_with("/Operations/")) {
        return {};
    }
    const auto op = rest.substr(slash + std::string_view("/Operations/").size());
    if (op.empty() || op.find('/') != std::string_view::npos) {
        return {};
    }
    return {std::string(rest.substr(0, slash)), std::string(op)};
}

// A component's directory name: its node's name, when it is a plain file name.
bool plain_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && name.front() != '.' &&
           std::all_of(name.begin(), name.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '-' || c == '_';
           });
}

unsigned deployed_exec(management_tree& tree, const std::string& name, const std::string& op,
                       const software_config& config) {
    const auto node = std::string(deployed_root) + name;
    const auto directory = config.directory / name;
    std::error_code ec;
    if (op == "Activate" || op == "Deactivate") {
        const bool activate = op == "Activate";
        if (activate ? !support::write_file(directory / "active", "") : !std::filesystem::remove(directory / "active", ec) && ec) {
            return 500;
        }
        set_int(tree, node + "/State", activate ? scomo_state::active : scomo_state::inactive);
        support::logger("agent")->info("application {}: {}", name, activate ? "activated" : "deactivated");
        return 200;
    }
    if (op == "Remove") {
        std::filesystem::remove_all(directory, ec);
        if (ec) {
            return 500;
        }
        (void)tree.erase(node);
        support::logger("agent")->info("application {}: removed", name);
        return 200;
    }
    return 405;
}

} // namespace

result<void> install_software_object(management_tree& tree, std::string_view servers) {
    const auto server = std::string(servers);
    if (auto made = tree.install_interior("./SCOMO", scomo_type, "Get=" + server); !made) {
        return made;
    }
    if (auto made = tree.install_interior("./SCOMO/Download", {}, "Add=" + server + "&Get=" + server); !made) {
        return made;
    }
    if (auto made = tree.install_interior("./SCOMO/Inventory", {}, "Get=" + server); !made) {
        return made;
    }
    if (auto made = tree.install_interior("./SCOMO/Inventory/Deployed", {}, "Get=" + server + "&Exec=" + server);
        !made) {
        return made;
    }
    // Components are the device's to list: a server installs them through Download, never by an Add here.
    if (auto only = tree.set_access_types("./SCOMO/Inventory", {dm_command::get}); !only) {
        return only;
    }
    return tree.set_access_types("./SCOMO/Inventory/Deployed", {dm_command::get});
}

exec_decision accept_software_exec(management_tree& tree, std::string_view uri, std::string_view server_id,
                                   const std::optional<std::string>& correlator, const software_config& config) {
    if (auto [name, op] = operation_of(uri, deployed_root); !name.empty()) {
        if (!tree.exists(std::string(deployed_root) + name)) {
            return {404, std::nullopt};
        }
        if (auto allowed = tree.may_exec(uri, server_id); allowed != 200) {
            return {allowed, std::nullopt};
        }
        return {deployed_exec(tree, name, op, config), std::nullopt};
    }
    auto [name, op] = operation_of(uri, download_root);
    if (name.empty()) {
        return {tree.exists(uri) ? 405u : 404u, std::nullopt};
    }
    const auto node = std::string(download_root) + name;
    if (!tree.exists(node)) {
        return {404, std::nullopt};
    }
    // The server that added the package (it may read it) may have it installed.
    if (tree.get(node + "/PkgURL", server_id).status != dm_status::ok) {
        return {425, std::nullopt};
    }
    if (op == "Download") {
        return {406, std::nullopt};
    }
    if (op != "DownloadInstall" && op != "DownloadInstallInactive") {
        return {405, std::nullopt};
    }
    deferred_operation accepted{.node = node,
                                .operation = op,
                                .correlator = correlator,
                                .url = leaf(tree, node + "/PkgURL"),
                                .digest = leaf(tree, node + "/Ext/PkgDigest"),
                                .version = leaf(tree, node + "/Ext/PkgVersion"),
                                .package_id = leaf(tree, node + "/PkgID"),
                                .name = leaf(tree, node + "/Name"),
                                .description = leaf(tree, node + "/Description")};
    if (accepted.package_id.empty() || accepted.digest.empty() ||
        !(accepted.url.starts_with("https://") || accepted.url.starts_with("http://")) || !plain_name(name)) {
        return {400, std::nullopt}; // what the package node lacks is the server's to fix
    }
    set_int(tree, node + "/Status", scomo_status::idle);
    return {202, std::move(accepted)};
}

syncml::command carry_out_software_operation(management_tree& tree, const deferred_operation& op,
                                             const software_config& config, std::size_t max_package_bytes,
                                             http::client& client) {
    static const auto log = support::logger("agent");
    const auto name = op.node.substr(download_root.size());
    const auto deployed = std::string(deployed_root) + name;
    auto report = [&](unsigned code) {
        (void)tree.erase(op.node);
        syncml::command alert{.name = syncml::command_name::alert, .data = "1226"};
        alert.correlator = op.correlator;
        syncml::item item;
        item.source = op.node + "/Operations/" + op.operation;
        if (code == scomo_result::successful) {
            item.target = deployed;
        }
        item.meta.type = std::string(scomo_operation_complete);
        item.meta.format = "xml";
        item.meta.mark = code == scomo_result::successful ? "informational" : "critical";
        item.data = "<ResultCode>" + std::to_string(code) + "</ResultCode><Identifier>" + op.package_id +
                    "</Identifier>";
        alert.items.push_back(std::move(item));
        log->info("application {} ({}): {} result {}", name, op.package_id, op.operation, code);
        return alert;
    };
    set_int(tree, op.node + "/Status", scomo_status::download_progressing);
    http::client_request req;
    req.url = op.url;
    auto res = client.fetch(req, max_package_bytes);
    if (!res) {
        set_int(tree, op.node + "/Status", scomo_status::download_failed);
        return report(res.err().code == errc::too_large        ? scomo_result::out_of_memory
                      : res.err().code == errc::invalid_argument ? scomo_result::download_failed
                                                                 : scomo_result::download_server_unavailable);
    }
    if (res->result_int() != 200) {
        set_int(tree, op.node + "/Status", scomo_status::download_failed);
        return report(scomo_result::download_server_error);
    }
    if (support::hex_encode(support::sha256(res->body())) != op.digest) {
        set_int(tree, op.node + "/Status", scomo_status::download_failed);
        return report(scomo_result::signature_failed);
    }
    set_int(tree, op.node + "/Status", scomo_status::install_progressing);
    const auto directory = config.directory / name;
    std::error_code ec;
    std::filesystem::remove_all(directory, ec);
    std::filesystem::create_directories(directory, ec);
    const bool active = op.operation == "DownloadInstall";
    if (ec || !support::write_file(directory / "package", res->body()) ||
        (active && !support::write_file(directory / "active", ""))) {
        set_int(tree, op.node + "/Status", scomo_status::install_failed);
        return report(scomo_result::install_failed);
    }
    // Listed as the device's own: servers read it and run its operations, none adds to it or changes it.
    (void)tree.erase(deployed);
    auto text = [](std::string_view v) { return node_value{"chr", "text/plain", std::string(v)}; };
    bool listed = tree.install_interior(deployed, {}, {}, false) &&
                  tree.set_access_types(deployed, {dm_command::get}) &&
                  tree.install_leaf(deployed + "/ID", text(op.package_id), {}, false) &&
                  tree.install_leaf(deployed + "/PkgIDRef", text(op.package_id), {}, false) &&
                  tree.install_leaf(deployed + "/Name", text(op.name), {}, false) &&
                  tree.install_leaf(deployed + "/Description", text(op.description), {}, false) &&
                  tree.install_leaf(deployed + "/Version", text(op.version), {}, false) &&
                  tree.install_interior(deployed + "/Operations", {}, {}, false) &&
                  tree.set_access_types(deployed + "/Operations", {dm_command::get});
    set_int(tree, deployed + "/State", active ? scomo_state::active : scomo_state::inactive);
    for (const auto* each : {"Activate", "Deactivate", "Remove"}) {
        const auto uri = deployed + "/Operations/" + each;
        listed = listed && tree.install_leaf(uri, {"null", "text/plain", ""}, {}, false) &&
                 tree.set_access_types(uri, {dm_command::get, dm_command::exec});
    }
    if (!listed) {
        std::filesystem::remove_all(directory, ec);
        (void)tree.erase(deployed);
        return report(scomo_result::install_failed);
    }
    return report(scomo_result::successful);
}

} // namespace mcprov::agent
