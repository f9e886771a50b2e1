#include "mcprov/agent/client_session.hpp"

#include <algorithm>
#include <charconv>

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

// A Status's code, 500 for one that is no number.
unsigned code_of(const command& status) {
    const auto& text = status.data.value_or("");
    unsigned code = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), code);
    return ec == std::errc() && end == text.data() + text.size() ? code : 500;
}

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
                               std::string session_id, std::string alert, user_interaction* ui,
                               std::function<std::string()> nonces)
    : tree_(tree), server_id_(std::move(server_id)), device_id_(std::move(device_id)),
      session_id_(std::move(session_id)), alert_(std::move(alert)), ui_(ui), nonces_(std::move(nonces)) {}

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
    if (with_credentials && account.client.type != "HMAC") { // auth-MAC travels in the transport's header
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
    next_uri_ = account->address;
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
    if (in.header.resp_uri && !in.header.resp_uri->empty()) {
        next_uri_ = *in.header.resp_uri;
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

    // The server's credentials (SRVCRED), until they have verified once in this session.
    unsigned header_code = dm_status::ok;
    std::optional<syncml::meta> chal;
    const bool server_must_authenticate = account->server.type == "DIGEST" || account->server.type == "BASIC";
    if (server_must_authenticate && !server_authenticated_) {
        const bool verified = in.header.cred && verify_server_credential(*account, *in.header.cred);
        if (!verified && ++server_challenges_ > max_challenges) {
            return make_error(errc::unauthenticated, server_id_ + "'s credentials failed twice after a challenge");
        }
        header_code = verified ? 212 : in.header.cred ? 401 : 407;
        server_authenticated_ = verified;
        syncml::meta next;
        next.type = std::string(account->server.type == "BASIC" ? syncml::auth_basic : syncml::auth_md5);
        next.format = "b64";
        if (account->server.type == "DIGEST") {
            const auto nonce = nonces_();
            if (auto kept = keep_server_nonce(tree_, *account, nonce); !kept) {
                return std::move(kept).err();
            }
            next.next_nonce = support::base64_encode(nonce);
        }
        chal = std::move(next);
    }

    auto out = next_message();
    out.header.target = account->address;
    out.header.source_name = account->client.name;
    auto hdr = syncml::header_status(in, header_code);
    hdr.chal = std::move(chal);
    out.commands.push_back(std::move(hdr));
    bool answered = false;
    for (const auto& c : in.commands) {
        if (c.name == command_name::status || c.name == command_name::results) {
            continue;
        }
        answered = true;
        if (header_code == 401 || header_code == 407) {
            if (!c.no_resp) {
                out.commands.push_back(status_for(in, c, header_code)); // nothing of it is carried out
            }
            continue;
        }
        if (c.name == command_name::alert && c.data == "1223") {
            return std::optional<syncml::message>{};
        }
        execute(in, c, out.commands);
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

command client_session::ask_user(const syncml::message& in, const command& c) {
    const auto code = code_of(c);
    if (!ui_) {
        return status_for(in, c, dm_status::not_supported);
    }
    if (c.items.size() < 2) {
        return status_for(in, c, dm_status::bad_request); // options, then the text
    }
    user_prompt prompt;
    prompt.alert = static_cast<unsigned>(code);
    prompt.options = parse_alert_options(c.items[0].data.value_or(""));
    prompt.text = c.items[1].data.value_or("");
    for (std::size_t i = 2; i < c.items.size(); ++i) {
        prompt.choices.push_back(c.items[i].data.value_or(""));
    }
    if ((code == 1103 || code == 1104) && prompt.choices.empty()) {
        return status_for(in, c, dm_status::bad_request);
    }
    const auto reply = ui_->ask(prompt);
    auto status = status_for(in, c, reply.status);
    for (const auto& v : reply.values) {
        status.items.push_back({.data = v});
    }
    return status;
}

void client_session::execute(const syncml::message& in, const command& c, std::vector<command>& out) {
    switch (c.name) {
    case command_name::alert: {
        const auto code = c.data.value_or("");
        if (code == "1100" || code == "1101" || code == "1102" || code == "1103" || code == "1104") {
            out.push_back(ask_user(in, c));
        } else if (!c.no_resp) {
            out.push_back(status_for(in, c, code == "1222" ? dm_status::ok : dm_status::not_supported));
        }
        return;
    }
    case command_name::get:
        for (const auto& i : c.items) {
            auto got = tree_.get(i.target.value_or(""), server_id_);
            auto s = status_for(in, c, got.status);
            s.target_refs = {i.target.value_or("")};
            out.push_back(s);
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
                out.push_back(std::move(results));
            }
        }
        return;
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
            out.push_back(status_for(in, c, code));
        }
        return;
    }
    case command_name::atomic: {
        // All or nothing (OMA DM 1.2 clause 6.6.3): on any failure the tree goes back to what it was.
        auto before = tree_.clone();
        std::vector<command> inner;
        for (const auto& nested : c.commands) {
            execute(in, nested, inner);
        }
        const bool failed = std::any_of(inner.begin(), inner.end(), [](const command& s) {
            return s.name == command_name::status && (code_of(s) < 200 || code_of(s) >= 300);
        });
        if (failed) {
            tree_ = std::move(before);
            for (auto& s : inner) {
                if (s.name == command_name::status && s.data && s.data->starts_with('2')) {
                    s.data = "216"; // rolled back
                }
            }
            std::erase_if(inner, [](const command& r) { return r.name == command_name::results; });
        }
        out.push_back(status_for(in, c, failed ? 507 : dm_status::ok));
        out.insert(out.end(), inner.begin(), inner.end());
        return;
    }
    case command_name::sequence: {
        out.push_back(status_for(in, c, dm_status::ok));
        bool stopped = false;
        for (const auto& nested : c.commands) {
            if (stopped) {
                out.push_back(status_for(in, nested, 215)); // not executed
                continue;
            }
            const auto first = out.size();
            execute(in, nested, out);
            if (nested.name == command_name::alert && out.size() > first &&
                (out[first].data == "304" || out[first].data == "214")) {
                stopped = true; // the user said no, or cancelled
            }
        }
        return;
    }
    default:
        if (!c.no_resp) {
            out.push_back(status_for(in, c, dm_status::not_supported));
        }
    }
}

} // namespace mcprov::agent
