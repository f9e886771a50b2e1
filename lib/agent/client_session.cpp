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
    package1_msg_id_ = m.header.msg_id;
    m.header.target = account.address;
    m.header.source_name = account.client.name;
    m.header.meta.max_msg_size = max_msg_size_;
    m.header.meta.max_obj_size = max_obj_size_;
    if (with_credentials && account.client.type != "HMAC") { // auth-MAC travels in the transport's header
        m.header.cred =
            client_credential(account, account.client.type == "BASIC" ? syncml::auth_basic : syncml::auth_md5);
    }
    command alert;
    alert.name = command_name::alert;
    alert.data = alert_;
    m.commands.push_back(alert);
    m.commands.insert(m.commands.end(), reports_.begin(), reports_.end());
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

    if (!reports_.empty()) {
        unsigned taken = 0;
        for (const auto& c : in.commands) {
            if (c.name == command_name::status && c.cmd == "Alert" && c.data == "200" && c.msg_ref == package1_msg_id_) {
                ++taken;
            }
        }
        // The session's own alert and each report, answered 200.
        reports_delivered_ = reports_delivered_ || taken >= reports_.size() + 1;
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
    // auth-MAC: the transport verified this message's MAC with the nonce the device gave last; each answer gives the
    // server a fresh one, so that none of its MACs (nor a notification's digest) can be replayed. It is kept only when
    // the answer is sent.
    std::optional<std::string> fresh_server_nonce;
    if (account->server.type == "HMAC") {
        fresh_server_nonce = nonces_();
        syncml::meta next;
        next.type = std::string(syncml::auth_mac);
        next.format = "b64";
        next.next_nonce = support::base64_encode(*fresh_server_nonce);
        chal = std::move(next);
    }

    auto out = next_message();
    out.header.target = account->address;
    out.header.source_name = account->client.name;
    auto hdr = syncml::header_status(in, header_code);
    hdr.chal = std::move(chal);
    out.commands.push_back(std::move(hdr));
    if (in.header.meta.max_msg_size) {
        server_max_msg_ = *in.header.meta.max_msg_size;
    }
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
        // A large object must come whole, chunk after chunk: anything else first breaks it (1225).
        if (incoming_ && !continues_large_object(c)) {
            command broken{.name = command_name::alert, .data = "1225"};
            broken.items.push_back({.target = incoming_->target});
            out.commands.push_back(std::move(broken));
            incoming_.reset();
        }
        execute(in, c, out.commands);
    }
    // The server's package goes on (a large object, more commands): ask for its next message (1222). A message without
    // Final that holds Alert 1222 is the server asking for this device's next message instead.
    const bool server_asks_next = std::any_of(in.commands.begin(), in.commands.end(), [](const command& c) {
        return c.name == command_name::alert && c.data == "1222";
    });
    if (!in.final && !server_asks_next) {
        out.commands.push_back(command{.name = command_name::alert, .data = "1222"});
        out.final = false;
        answered = true;
    }
    // What did not fit the server's MaxMsgSize last time goes first.
    if (!outbox_.empty()) {
        out.commands.insert(out.commands.end(), outbox_.begin(), outbox_.end());
        outbox_.clear();
        answered = true;
    }
    if (!answered) {
        return std::optional<syncml::message>{};
    }
    fit(out);
    unsigned long id = 0;
    for (auto& c : out.commands) {
        c.cmd_id = std::to_string(++id);
    }
    if (fresh_server_nonce) {
        if (auto kept = keep_server_nonce(tree_, *account, *fresh_server_nonce); !kept) {
            return std::move(kept).err();
        }
    }
    return std::optional<syncml::message>(std::move(out));
}

bool client_session::continues_large_object(const command& c) const {
    return (c.name == command_name::add || c.name == command_name::replace) && c.items.size() == 1 &&
           c.items.front().target == incoming_->target;
}

void client_session::fit(syncml::message& out) {
    if (server_max_msg_ == 0) {
        return;
    }
    const auto budget = server_max_msg_ > 2048 ? static_cast<std::size_t>(server_max_msg_) - 1024 : 1024;
    const auto header_size = syncml::encode_xml(syncml::message{out.header, {}, false});
    const std::size_t header = header_size ? header_size->size() : budget;
    std::size_t used = header;
    std::size_t keep = 0;
    for (; keep < out.commands.size(); ++keep) {
        const auto size = syncml::encoded_size(out.commands[keep]);
        if (used + size > budget) {
            break;
        }
        used += size;
    }
    if (keep == out.commands.size()) {
        return;
    }
    std::vector<command> rest(out.commands.begin() + static_cast<std::ptrdiff_t>(keep), out.commands.end());
    out.commands.resize(keep);
    // A Results too large for any message goes in chunks (OMA DM 1.2 clause 6.8): Size on the first, MoreData on all
    // but the last; the first fills what is left of this message.
    const auto& first = rest.front();
    const bool too_large_for_any = syncml::encoded_size(first) + header + 1024 > budget;
    if (too_large_for_any && first.name == command_name::results && first.items.size() == 1 &&
        first.items.front().data && budget > used + 1024) {
        const auto whole = *first.items.front().data;
        auto shell = first;
        shell.items.front().data = std::string();
        const auto overhead = syncml::encoded_size(shell) + 256;
        std::vector<command> chunks;
        for (std::size_t offset = 0, room = budget - used; offset < whole.size(); room = budget - 1024) {
            // XML escapes ('&' takes five bytes): a chunk is sized as it encodes.
            auto end = syncml::chunk_end(whole, offset, room > overhead ? room - overhead : 64);
            while (end > offset + 64) {
                auto probe = shell;
                probe.items.front().data = whole.substr(offset, end - offset);
                if (syncml::encoded_size(probe) + 256 <= room) {
                    break;
                }
                end = syncml::chunk_end(whole, offset, (end - offset) * 3 / 4);
            }
            auto chunk = shell;
            auto& item = chunk.items.front();
            item.data = whole.substr(offset, end - offset);
            item.meta.size = offset == 0 ? std::optional<std::uint64_t>(whole.size()) : std::nullopt;
            item.more_data = end < whole.size();
            chunks.push_back(std::move(chunk));
            offset = end;
        }
        rest.erase(rest.begin());
        out.commands.push_back(std::move(chunks.front()));
        rest.insert(rest.begin(), std::make_move_iterator(chunks.begin() + 1), std::make_move_iterator(chunks.end()));
    }
    outbox_ = std::move(rest);
    if (!outbox_.empty()) {
        out.final = false;
    }
}

void client_session::receive_chunk(const syncml::message& in, const command& c, std::vector<command>& out) {
    const auto& item = c.items.front();
    if (!incoming_) {
        if (!item.meta.size) {
            out.push_back(status_for(in, c, 411)); // size required on the first chunk
            return;
        }
        if (*item.meta.size > max_obj_size_) {
            out.push_back(status_for(in, c, dm_status::too_large));
            return;
        }
        incoming_ = large_object{item.target.value_or(""), *item.meta.size, {}};
    }
    incoming_->data += item.data.value_or("");
    if (incoming_->data.size() > incoming_->size) {
        incoming_.reset();
        out.push_back(status_for(in, c, 424)); // more than it said
        return;
    }
    if (item.more_data) {
        out.push_back(status_for(in, c, 213)); // taken, more to come
        return;
    }
    auto whole = c;
    whole.items.front().data = std::move(incoming_->data);
    whole.items.front().meta.size.reset();
    const auto declared = incoming_->size;
    incoming_.reset();
    if (whole.items.front().data->size() != declared) {
        out.push_back(status_for(in, c, 424));
        return;
    }
    execute(in, whole, out);
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
    if (code == 1101 && confirmations_)
        confirmations_(prompt.text, reply.status == ui_status::ok);
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
        if (c.items.size() == 1 && (c.items.front().more_data || incoming_)) {
            receive_chunk(in, c, out);
            return;
        }
        [[fallthrough]];
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
    case command_name::exec:
        for (const auto& i : c.items) {
            const auto code = exec_ ? exec_(c, i) : dm_status::not_supported;
            if (!c.no_resp) {
                auto status = status_for(in, c, code);
                status.target_refs = {i.target.value_or("")};
                out.push_back(std::move(status));
            }
        }
        return;
    default:
        if (!c.no_resp) {
            out.push_back(status_for(in, c, dm_status::not_supported));
        }
    }
}

} // namespace mcprov::agent
