#include "mcprov/agent/client_session.hpp"

#include "mcprov/support/encoding.hpp"
#include "mcprov/syncml/credentials.hpp"

namespace mcprov::agent {
namespace {

using support::errc;
using support::make_error;
using support::result;
using syncml::command;
using syncml::command_name;
using syncml::status_for;

constexpr unsigned max_challenges = 2;

// The item's value as the tree keeps it: its own Meta first, then the command's.
node_value value_of(const command& c, const syncml::item& i) {
    node_value v;
    v.format = i.meta.format.value_or(c.meta.format.value_or("chr"));
    v.type = i.meta.type.value_or(c.meta.type.value_or("text/plain"));
    v.data = i.data.value_or("");
    return v;
}

} // namespace

client_session::client_session(management_tree& tree, std::string server_id, std::string device_id,
                               std::string session_id, std::string alert)
    : tree_(tree), server_id_(std::move(server_id)), device_id_(std::move(device_id)),
      session_id_(std::move(session_id)), alert_(std::move(alert)) {}

syncml::message client_session::next_message() {
    syncml::message m;
    m.header.session_id = session_id_;
    m.header.msg_id = std::to_string(++msg_id_);
    m.header.source = device_id_;
    m.final = true;
    return m;
}

syncml::message client_session::package1(const dm_account& account, bool with_credentials) {
    auto m = next_message();
    m.header.target = account.address;
    m.header.source_name = account.client.name;
    if (with_credentials) {
        m.header.cred =
            client_credential(account, account.client.type == "BASIC" ? syncml::auth_basic : syncml::auth_md5);
    }
    command alert;
    alert.name = command_name::alert;
    alert.data = alert_;
    m.commands.push_back(alert);
    command devinfo;
    devinfo.name = command_name::replace;
    for (const auto& leaf : tree_.children("./DevInfo")) {
        const auto uri = "./DevInfo/" + leaf;
        if (auto v = tree_.value(uri)) {
            syncml::item item;
            item.source = uri;
            item.data = v->data;
            devinfo.items.push_back(std::move(item));
        }
    }
    m.commands.push_back(devinfo);
    unsigned long id = 0;
    for (auto& c : m.commands) {
        c.cmd_id = std::to_string(++id);
    }
    return m;
}

result<syncml::message> client_session::start() {
    auto account = read_account(tree_, server_id_);
    if (!account) {
        return std::move(account).err();
    }
    return package1(*account, !account->client.nonce.empty() || account->client.type == "BASIC");
}

result<std::optional<syncml::message>> client_session::answer(const syncml::message& in) {
    if (in.header.session_id != session_id_) {
        return make_error(errc::invalid_argument, "a message of session " + in.header.session_id + ", not " +
                                                      session_id_);
    }
    auto account = read_account(tree_, server_id_);
    if (!account) {
        return std::move(account).err();
    }
    // The server's status for this device's header: whether the device is authenticated, and the next nonce.
    for (const auto& c : in.commands) {
        if (c.name != command_name::status || c.cmd != "SyncHdr") {
            continue;
        }
        if (c.chal && c.chal->next_nonce) {
            if (auto nonce = support::base64_decode(*c.chal->next_nonce)) {
                if (auto kept = keep_client_nonce(tree_, *account, *nonce); !kept) {
                    return std::move(kept).err();
                }
                account->client.nonce = *nonce;
            }
        }
        const auto code = c.data.value_or("");
        if (code == "212" || code == "200") {
            authenticated_ = true;
        } else if (code == "401" || code == "407") {
            authenticated_ = false;
            if (!c.chal || ++challenges_ > max_challenges) {
                return make_error(errc::unauthenticated, server_id_ + " refused the device's credentials");
            }
            return std::optional<syncml::message>(package1(*account, true));
        }
    }
    auto out = next_message();
    out.header.target = account->address;
    out.header.source_name = account->client.name;
    out.commands.push_back(syncml::header_status(in, 200));
    bool answered = false;
    for (const auto& c : in.commands) {
        switch (c.name) {
        case command_name::status:
        case command_name::results:
            continue;
        case command_name::alert:
            if (c.data == "1223") {
                return std::optional<syncml::message>{};
            }
            out.commands.push_back(status_for(in, c, 406)); // user interaction comes with its own step
            break;
        case command_name::get:
            for (const auto& i : c.items) {
                auto got = tree_.get(i.target.value_or(""), server_id_);
                auto s = status_for(in, c, got.status);
                s.target_refs = {i.target.value_or("")};
                out.commands.push_back(s);
                if (got.status == dm_status::ok) {
                    command results;
                    results.name = command_name::results;
                    results.msg_ref = in.header.msg_id;
                    results.cmd_ref = c.cmd_id;
                    syncml::item item;
                    item.source = i.target;
                    item.meta.format = got.value->format;
                    item.meta.type = got.value->type;
                    item.data = got.value->data;
                    results.items.push_back(std::move(item));
                    out.commands.push_back(std::move(results));
                }
            }
            break;
        case command_name::add:
        case command_name::replace:
        case command_name::delete_: {
            unsigned code = dm_status::ok;
            for (const auto& i : c.items) {
                const auto uri = i.target.value_or("");
                const auto done = c.name == command_name::add       ? tree_.add(uri, value_of(c, i), server_id_)
                                  : c.name == command_name::replace ? tree_.replace(uri, value_of(c, i), server_id_)
                                                                    : tree_.remove(uri, server_id_);
                if (done != dm_status::ok) {
                    code = done;
                }
            }
            if (!c.no_resp) {
                out.commands.push_back(status_for(in, c, code));
            }
            break;
        }
        default:
            if (!c.no_resp) {
                out.commands.push_back(status_for(in, c, 406));
            }
        }
        answered = true;
    }
    if (!answered) {
        return std::optional<syncml::message>{};
    }
    unsigned long id = 0;
    for (auto& c : out.commands) {
        c.cmd_id = std::to_string(++id);
    }
    return std::optional<syncml::message>(std::move(out));
}

} // namespace mcprov::agent
