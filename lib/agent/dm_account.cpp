#include "mcprov/agent/dm_account.hpp"

#include "mcprov/syncml/credentials.hpp"

namespace mcprov::agent {
namespace {

using support::errc;
using support::make_error;
using support::result;

std::string at(const dm_account& a, std::string_view rest) {
    return "./DMAcc/" + a.node + "/" + std::string(rest);
}

node_value chr(std::string data) {
    return {"chr", "text/plain", std::move(data)};
}

std::string text(const management_tree& tree, const std::string& uri) {
    auto v = tree.value(uri);
    return v ? v->data : std::string();
}

// DMAcc's AAuthType names for the credential types of SyncML.
std::string_view auth_type_of(std::string_view aauth_type) {
    return aauth_type == "BASIC" ? syncml::auth_basic : aauth_type == "HMAC" ? syncml::auth_mac : syncml::auth_md5;
}

result<void> install_auth(management_tree& tree, const dm_account& a, std::string_view index, std::string_view level,
                          const app_auth& auth) {
    const auto base = at(a, "AppAuth/" + std::string(index) + "/");
    for (const auto& [leaf, value] : {std::pair<std::string, std::string>{"AAuthLevel", std::string(level)},
                                      {"AAuthType", auth.type},
                                      {"AAuthName", auth.name}}) {
        if (auto done = tree.install_leaf(base + leaf, chr(value), {}, false); !done) {
            return done;
        }
    }
    // Secrets and nonces are written, never read, by the server.
    for (const auto& [leaf, value] : {std::pair<std::string, node_value>{"AAuthSecret", chr(auth.secret)},
                                      {"AAuthData", {"bin", "application/octet-stream", auth.nonce}}}) {
        if (auto done = tree.install_leaf(base + leaf, value, {}, false); !done) {
            return done;
        }
        if (auto done = tree.set_access_types(base + leaf, {dm_command::replace}); !done) {
            return done;
        }
    }
    return {};
}

result<void> keep_nonce(management_tree& tree, const dm_account& a, std::string_view level, std::string_view nonce) {
    for (const auto& index : tree.children(at(a, "AppAuth"))) {
        const auto base = at(a, "AppAuth/" + index + "/");
        if (text(tree, base + "AAuthLevel") == level) {
            return tree.install_leaf(base + "AAuthData", {"bin", "application/octet-stream", std::string(nonce)}, {},
                                     false);
        }
    }
    return make_error(errc::not_found, a.server_id + " has no " + std::string(level) + " entry");
}

} // namespace

result<void> install_account(management_tree& tree, const dm_account& a) {
    const auto acl = "Get=" + a.server_id + "&Replace=" + a.server_id + "&Add=" + a.server_id + "&Delete=" + a.server_id;
    if (auto done = tree.install_interior("./DMAcc", {}, {}, true); !done) {
        return done;
    }
    if (auto done = tree.install_interior("./DMAcc/" + a.node, dmacc_type, acl, false); !done) {
        return done;
    }
    for (const auto& [leaf, value] : {std::pair<std::string_view, std::string>{"AppID", "w7"},
                                      {"ServerID", a.server_id},
                                      {"Name", a.name},
                                      {"AppAddr/1/Addr", a.address},
                                      {"AppAddr/1/AddrType", "URI"},
                                      {"AAuthPref", a.preferred}}) {
        if (auto done = tree.install_leaf(at(a, leaf), chr(value), {}, false); !done) {
            return done;
        }
    }
    if (auto done = install_auth(tree, a, "1", "CLCRED", a.client); !done) {
        return done;
    }
    return install_auth(tree, a, "2", "SRVCRED", a.server);
}

result<dm_account> read_account(const management_tree& tree, std::string_view server_id) {
    for (const auto& node : tree.children("./DMAcc")) {
        dm_account a;
        a.node = node;
        if (text(tree, at(a, "ServerID")) != server_id) {
            continue;
        }
        a.server_id = std::string(server_id);
        a.name = text(tree, at(a, "Name"));
        a.address = text(tree, at(a, "AppAddr/1/Addr"));
        a.preferred = text(tree, at(a, "AAuthPref"));
        bool client = false, server = false;
        for (const auto& index : tree.children(at(a, "AppAuth"))) {
            const auto base = at(a, "AppAuth/" + index + "/");
            app_auth auth{text(tree, base + "AAuthType"), text(tree, base + "AAuthName"),
                          text(tree, base + "AAuthSecret"), text(tree, base + "AAuthData")};
            const auto level = text(tree, base + "AAuthLevel");
            if (level == "CLCRED") {
                a.client = std::move(auth);
                client = true;
            } else if (level == "SRVCRED") {
                a.server = std::move(auth);
                server = true;
            }
        }
        if (a.address.empty() || !client || !server) {
            return make_error(errc::invalid_argument, "the account of " + std::string(server_id) +
                                                          " needs AppAddr, a CLCRED and a SRVCRED entry");
        }
        return a;
    }
    return make_error(errc::not_found, "no DM account for " + std::string(server_id));
}

result<void> keep_client_nonce(management_tree& tree, const dm_account& account, std::string_view nonce) {
    return keep_nonce(tree, account, "CLCRED", nonce);
}

result<void> keep_server_nonce(management_tree& tree, const dm_account& account, std::string_view nonce) {
    return keep_nonce(tree, account, "SRVCRED", nonce);
}

syncml::credential client_credential(const dm_account& a, std::string_view auth_type) {
    syncml::credential cred;
    cred.meta.type = std::string(auth_type);
    cred.meta.format = "b64";
    cred.data = auth_type == syncml::auth_basic
                    ? syncml::basic_credential(a.client.name, a.client.secret)
                    : syncml::md5_credential(a.client.name, a.client.secret, a.client.nonce);
    return cred;
}

bool verify_server_credential(const dm_account& a, const syncml::credential& cred) {
    if (cred.meta.type != auth_type_of(a.server.type) && !(a.server.type.empty() && cred.meta.type == syncml::auth_md5)) {
        return false;
    }
    const auto expected = cred.meta.type == syncml::auth_basic
                              ? syncml::basic_credential(a.server.name, a.server.secret)
                              : syncml::md5_credential(a.server.name, a.server.secret, a.server.nonce);
    return syncml::credentials_equal(cred.data, expected);
}

} // namespace mcprov::agent
