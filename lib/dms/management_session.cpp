#include "mcprov/dms/management_session.hpp"

#include <algorithm>
#include <charconv>

#include <boost/json.hpp>

#include "mcprov/support/log.hpp"

namespace mcprov::dms {
namespace {

using support::errc;
using support::make_error;
using support::result;
using syncml::command;
using syncml::command_name;
using syncml::header_status;
using syncml::status_for;
namespace json = boost::json;

const std::shared_ptr<spdlog::logger>& log() {
    static const auto l = support::logger("dms");
    return l;
}

std::optional<unsigned long> number(std::string_view text) {
    unsigned long n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return n;
}

} // namespace

management_session::management_session(session_config config, std::shared_ptr<store::document_store> documents,
                                       std::shared_ptr<support::clock> clock, std::function<std::string()> nonces)
    : config_(std::move(config)), documents_(std::move(documents)), clock_(std::move(clock)),
      authentication_(config_.scheme, nonces), nonces_(std::move(nonces)) {}

result<session_reply> management_session::run(const incoming_message& in) {
    const auto& m = in.message;
    const auto& device_id = m.header.source;
    const auto now = clock_->now();

    session_reply reply;
    auto& out = reply.message;
    out.header.session_id = m.header.session_id;
    out.header.msg_id = m.header.msg_id; // one answer to each message
    out.header.target = device_id;
    out.header.source = config_.server_uri;
    out.header.source_name = config_.server_id;
    out.header.meta.max_msg_size = config_.max_msg_size;
    out.final = true;
    // Answers every command with one code (a message refused as a whole).
    auto refuse_all = [&](unsigned code, std::optional<syncml::meta> chal = std::nullopt) {
        auto hdr = header_status(m, code);
        hdr.chal = std::move(chal);
        out.commands.push_back(std::move(hdr));
        for (const auto& c : m.commands) {
            if (!c.no_resp && c.name != command_name::status && c.name != command_name::results) {
                out.commands.push_back(status_for(m, c, code));
            }
        }
    };
    auto number_commands = [&] {
        unsigned long id = 0;
        for (auto& c : out.commands) {
            c.cmd_id = std::to_string(++id);
        }
    };

    if (m.header.ver_dtd != syncml::ver_dtd || m.header.ver_proto != syncml::ver_proto) {
        log()->warn("{} [{}] refused: SyncML {} / {}", device_id, m.header.session_id, m.header.ver_dtd,
                    m.header.ver_proto);
        refuse_all(m.header.ver_dtd != syncml::ver_dtd ? 505 : 513);
        number_commands();
        reply.session_ended = true;
        return reply;
    }

    auto registry = device_registry(documents_);
    auto known = registry.credentials(device_id);
    if (!known) {
        return std::move(known).err();
    }
    const auto msg_id = number(m.header.msg_id);
    if (!msg_id || *msg_id == 0) {
        log()->warn("{} [{}] refused: MsgID '{}'", device_id, m.header.session_id, m.header.msg_id);
        refuse_all(400);
        number_commands();
        return reply;
    }
    // Nothing of a session is stored until it is authenticated: its challenges are counted by its MsgID, so that an
    // unknown device and a known one with a wrong password are answered alike.
    session_authentication authentication{false, static_cast<unsigned>(std::min<unsigned long>(*msg_id - 1, 2))};

    if (!*known) {
        log()->warn("{} [{}] unknown device", device_id, m.header.session_id);
        device_credentials nobody{device_id, nonces_(), nonces_(), config_.server_id, nonces_(), {}};
        auto outcome =
            authentication_.run({m.header.cred, in.hmac, in.body, m.header.source_name}, nobody, authentication);
        refuse_all(outcome.status, outcome.chal);
        number_commands();
        reply.session_ended = outcome.end_session;
        return reply;
    }
    auto device = std::move(**known);

    auto outcome =
        authentication_.run({m.header.cred, in.hmac, in.body, m.header.source_name}, device, authentication);
    if (outcome.new_nonce) {
        device.client_nonce = *outcome.new_nonce;
    }
    std::vector<store::document_write> writes{device_registry::credentials_write(device_id, device)};

    if (!authentication.authenticated) {
        log()->info("{} [{}] msg {}: authentication {}", device_id, m.header.session_id, *msg_id, outcome.status);
        refuse_all(outcome.status, outcome.chal);
        reply.session_ended = outcome.end_session;
        number_commands();
        if (auto saved = documents_->write_all(writes); !saved) {
            return std::move(saved).err();
        }
        return reply;
    }

    auto hdr = header_status(m, outcome.status);
    hdr.chal = outcome.chal;
    out.commands.push_back(std::move(hdr));
    if (config_.scheme != auth_scheme::mac) {
        out.header.cred = authentication_.server_credential(device);
    }
    auto inventory = registry.inventory(device_id);
    if (!inventory) {
        return std::move(inventory).err();
    }
    for (const auto& c : m.commands) {
        unsigned code = 200;
        switch (c.name) {
        case command_name::status:
        case command_name::results:
            continue; // answers to this server's commands: none is answered
        case command_name::alert: {
            // 1223: the device aborts; the session ends with this answer as it does anyway.
            const auto alert = c.data.value_or("");
            if (alert != "1200" && alert != "1201" && alert != "1222" && alert != "1223" && alert != "1226") {
                code = 405;
            }
            break;
        }
        case command_name::replace:
            for (const auto& i : c.items) {
                if (!i.source || !i.source->starts_with("./DevInfo/")) {
                    code = 405; // a client replaces only its DevInfo, in package 1
                }
            }
            if (code == 200) {
                for (const auto& i : c.items) {
                    inventory->dev_info[*i.source] = i.data.value_or("");
                }
            }
            break;
        default:
            code = 405;
        }
        if (!c.no_resp) {
            out.commands.push_back(status_for(m, c, code));
        }
    }
    inventory->last_session = now;
    inventory->last_session_id = m.header.session_id;
    writes.push_back(device_registry::inventory_write(device_id, *inventory));
    // No command of this server's in the package: the device answers nothing more, and the session is over.
    reply.session_ended = true;
    number_commands();
    if (auto saved = documents_->write_all(writes); !saved) {
        return std::move(saved).err();
    }
    log()->info("{} [{}] msg {}: {} commands answered, session ends", device_id, m.header.session_id, *msg_id,
                out.commands.size());
    return reply;
}

} // namespace mcprov::dms
