#include "mcprov/dms/management_session.hpp"

#include "mcprov/dms/audit.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>

#include <boost/json.hpp>

#include "mcprov/dms/charging.hpp"
#include "mcprov/dms/job.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::dms {
namespace {

using support::errc;
using support::make_error;
using support::result;
using syncml::command;
using syncml::chunk_end;
using syncml::command_name;
using syncml::encoded_size;
using syncml::header_status;
using syncml::status_for;
namespace json = boost::json;

constexpr std::string_view device_auid = "org.mcprov.dm-device";
constexpr std::string_view session_name = "session.json";
constexpr unsigned max_server_challenges = 2;

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

// A command of this server's awaiting the device's answer: the job and the command of the job it came from (index -1:
// the job's Atomic or Sequence itself).
struct sent_command {
    std::string msg_id;
    std::string cmd_id;
    std::string job;
    int index = 0;
    bool answered = false;
};

// One session as the store keeps it between messages.
struct session_state {
    std::string session_id;
    std::string key;
    unsigned long last_msg_id = 0;
    std::chrono::system_clock::time_point started{};
    unsigned messages = 0;
    unsigned server_challenges = 0;
    std::vector<sent_command> sent;
    std::uint64_t device_max_msg = 0; // the device's MaxMsgSize (0: it said none)
    std::uint64_t device_max_obj = 0; // its MaxObjSize (0: it did not say)
    // A large object this server is sending, chunk by chunk: the job's only command, and how much is sent.
    std::string out_job;
    std::uint64_t out_offset = 0;
    // A large object the device is sending in a Results, chunk by chunk.
    std::string in_job;
    int in_index = 0;
    std::string in_data;
    std::uint64_t in_size = 0;
};

std::string encode(const session_state& s) {
    json::array sent;
    for (const auto& c : s.sent) {
        sent.push_back(json::object{{"msg", c.msg_id}, {"cmd", c.cmd_id}, {"job", c.job}, {"index", c.index},
                                    {"answered", c.answered}});
    }
    return json::serialize(json::object{{"session_id", s.session_id},
                                        {"key", s.key},
                                        {"last_msg_id", s.last_msg_id},
                                        {"started", support::format_utc(s.started)},
                                        {"messages", s.messages},
                                        {"server_challenges", s.server_challenges},
                                        {"sent", std::move(sent)},
                                        {"device_max_msg", s.device_max_msg},
                                        {"device_max_obj", s.device_max_obj},
                                        {"out_job", s.out_job},
                                        {"out_offset", s.out_offset},
                                        {"in_job", s.in_job},
                                        {"in_index", s.in_index},
                                        {"in_data", support::base64_encode(s.in_data)},
                                        {"in_size", s.in_size}});
}

std::optional<session_state> decode_session(std::string_view text) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    const auto& o = v.as_object();
    auto text_of = [&](const json::object& obj, std::string_view k) {
        const auto* f = obj.if_contains(k);
        return f && f->is_string() ? std::string(f->as_string()) : std::string();
    };
    auto uint_of = [&](const json::object& obj, std::string_view k) -> std::uint64_t {
        const auto* f = obj.if_contains(k);
        return f && f->is_int64() && f->as_int64() >= 0 ? static_cast<std::uint64_t>(f->as_int64())
               : f && f->is_uint64()                    ? f->as_uint64()
                                                        : 0;
    };
    session_state s;
    s.session_id = text_of(o, "session_id");
    s.key = text_of(o, "key");
    s.last_msg_id = uint_of(o, "last_msg_id");
    s.started = support::parse_utc(text_of(o, "started")).value_or(std::chrono::system_clock::time_point{});
    s.messages = static_cast<unsigned>(uint_of(o, "messages"));
    s.server_challenges = static_cast<unsigned>(uint_of(o, "server_challenges"));
    s.device_max_msg = uint_of(o, "device_max_msg");
    s.device_max_obj = uint_of(o, "device_max_obj");
    s.out_job = text_of(o, "out_job");
    s.out_offset = uint_of(o, "out_offset");
    s.in_job = text_of(o, "in_job");
    s.in_index = static_cast<int>(uint_of(o, "in_index"));
    s.in_data = support::base64_decode(text_of(o, "in_data")).value_or("");
    s.in_size = uint_of(o, "in_size");
    if (const auto* sent = o.if_contains("sent"); sent && sent->is_array()) {
        for (const auto& c : sent->as_array()) {
            if (!c.is_object()) {
                continue;
            }
            const auto& co = c.as_object();
            const auto* index = co.if_contains("index");
            const auto* answered = co.if_contains("answered");
            s.sent.push_back({text_of(co, "msg"), text_of(co, "cmd"), text_of(co, "job"),
                              index && index->is_int64() ? static_cast<int>(index->as_int64()) : 0,
                              answered && answered->is_bool() && answered->as_bool()});
        }
    }
    return s;
}

bool is_success(unsigned status) {
    return status >= 200 && status < 300;
}

// The SyncML command that carries one command of a job.
command to_command(const job_command& jc) {
    command c;
    c.name = jc.name;
    if (jc.name == command_name::alert) {
        c.data = std::to_string(jc.alert);
        c.items.push_back({.data = jc.options});
        c.items.push_back({.data = jc.text});
        for (const auto& choice : jc.choices) {
            c.items.push_back({.data = choice});
        }
        return c;
    }
    syncml::item i;
    i.target = jc.target;
    if (jc.name == command_name::add || jc.name == command_name::replace) {
        i.meta.format = jc.format.value_or("chr");
        i.meta.type = jc.type;
        if (!jc.type && i.meta.format != "node") {
            i.meta.type = "text/plain";
        }
    }
    i.data = jc.data;
    c.items.push_back(std::move(i));
    return c;
}

// Room left for commands in a message to a device that takes max_msg bytes: its header, credentials and the
// Statuses take their share first.
constexpr std::size_t message_overhead = 1024;


// What a job sends: its one command, or its commands in an Atomic or a Sequence. CmdIDs are left to the caller.
command job_command_of(const job& j) {
    auto made = [&](const job_command& jc) {
        auto c = to_command(jc);
        if (jc.name == command_name::exec) {
            c.correlator = j.id; // the Generic Alert with its result names the job
        }
        return c;
    };
    if (j.commands.size() == 1 && !j.atomic) {
        return made(j.commands.front());
    }
    command wrapper{.name = j.atomic ? command_name::atomic : command_name::sequence};
    for (const auto& c : j.commands) {
        wrapper.commands.push_back(made(c));
    }
    return wrapper;
}

// The bytes the device takes in one message (its MaxMsgSize, or this server's own when it said none).
std::size_t message_budget(const session_state& session, const session_config& config) {
    const auto limit = session.device_max_msg ? session.device_max_msg : config.max_msg_size;
    return limit > message_overhead * 2 ? static_cast<std::size_t>(limit) - message_overhead : message_overhead;
}

void start_job(job& j, const session_state& session) {
    j.state = job_state::sent;
    j.session_id = session.session_id;
    j.outcomes.assign(j.commands.size(), command_outcome{});
    j.atomic_status = 0;
}

// The next chunk of the large object under way (OMA DM 1.2 clause 6.8): Size on the first, MoreData on all but the
// last, and no Final until the last (chunks travel in consecutive messages).
void send_next_chunk(session_state& session, std::vector<job>& jobs, const session_config& config,
                     syncml::message& out, unsigned long& next_cmd_id, const std::string& msg_id) {
    auto it = std::find_if(jobs.begin(), jobs.end(), [&](const job& j) { return j.id == session.out_job; });
    if (it == jobs.end() || !it->commands.front().data) {
        session.out_job.clear();
        return;
    }
    const auto& data = *it->commands.front().data;
    if (session.out_offset == 0) {
        start_job(*it, session);
    }
    const auto offset = static_cast<std::size_t>(session.out_offset);
    auto room = message_budget(session, config);
    for (const auto& c : out.commands) {
        room -= std::min(room, encoded_size(c));
    }
    auto shell = to_command(it->commands.front());
    shell.items.front().data = std::string();
    shell.items.front().meta.size = data.size();
    shell.items.front().more_data = true;
    room -= std::min(room, encoded_size(shell));
    // Text is escaped in XML ('&' takes five bytes): a chunk of chr data is measured as it will be encoded.
    auto end = chunk_end(data, offset, std::max<std::size_t>(room / 5, 64));
    for (auto longer = chunk_end(data, offset, room); longer > end;) {
        auto probe = shell;
        probe.items.front().data = data.substr(offset, longer - offset);
        if (encoded_size(probe) - encoded_size(shell) <= room) {
            end = longer;
            break;
        }
        longer = chunk_end(data, offset, end + (longer - end) / 2);
        if (longer <= end + 64) {
            break;
        }
    }
    auto c = to_command(it->commands.front());
    auto& item = c.items.front();
    item.data = data.substr(offset, end - offset);
    if (offset == 0) {
        item.meta.size = data.size();
    }
    item.more_data = end < data.size();
    c.cmd_id = std::to_string(++next_cmd_id);
    session.sent.push_back({msg_id, c.cmd_id, it->id, 0, false});
    out.commands.push_back(std::move(c));
    session.out_offset = end;
    if (end < data.size()) {
        out.final = false;
    } else {
        session.out_job.clear();
        session.out_offset = 0;
    }
}

// Puts queued jobs into the message while they fit the device's MaxMsgSize (at most max_jobs_per_message). A job
// that fits no message is a large object when it is one Add or Replace (sent in chunks, if the device's MaxObjSize
// takes it), else it fails with 413. Returns whether the message carries anything for the device to answer.
template <class touch_fn>
bool send_jobs(session_state& session, std::vector<job>& jobs, const session_config& config, syncml::message& out,
               unsigned long& next_cmd_id, const std::string& msg_id, std::chrono::system_clock::time_point now,
               touch_fn touch) {
    auto budget = message_budget(session, config);
    for (const auto& c : out.commands) {
        budget -= std::min(budget, encoded_size(c));
    }
    unsigned taken = 0;
    for (auto& j : jobs) {
        if (j.state != job_state::queued) {
            continue;
        }
        if (taken >= config.max_jobs_per_message) {
            break;
        }
        auto c = job_command_of(j);
        const auto size = encoded_size(c);
        if (size <= budget) {
            budget -= size;
            ++taken;
            start_job(j, session);
            touch(j);
            c.cmd_id = std::to_string(++next_cmd_id);
            session.sent.push_back({msg_id, c.cmd_id, j.id, j.commands.size() == 1 && !j.atomic ? 0 : -1, false});
            for (std::size_t k = 0; k < c.commands.size(); ++k) {
                c.commands[k].cmd_id = std::to_string(++next_cmd_id);
                session.sent.push_back({msg_id, c.commands[k].cmd_id, j.id, static_cast<int>(k), false});
            }
            out.commands.push_back(std::move(c));
            continue;
        }
        if (taken > 0) {
            break; // the next message
        }
        const auto& only = j.commands.front();
        const bool large_object = j.commands.size() == 1 && !j.atomic && only.data &&
                                  (only.name == command_name::add || only.name == command_name::replace);
        if (large_object && (session.device_max_obj == 0 || only.data->size() <= session.device_max_obj)) {
            session.out_job = j.id;
            session.out_offset = 0;
            send_next_chunk(session, jobs, config, out, next_cmd_id, msg_id);
            touch(j);
            return true;
        }
        // No message the device takes can carry it.
        start_job(j, session);
        for (auto& o : j.outcomes) {
            o.status = 413;
        }
        j.state = job_state::failed;
        j.finished = now;
        touch(j);
    }
    return taken > 0;
}

// The result code of a Generic Alert's item: FUMO's is the item's data; SCOMO's is in <ResultCode> (with the
// component's <Identifier>). 0 when there is none.
unsigned reported_result(std::string_view data) {
    constexpr std::string_view open = "<ResultCode>";
    if (const auto at = data.find(open); at != std::string_view::npos) {
        data = data.substr(at + open.size());
        data = data.substr(0, data.find('<'));
    }
    return number(data).value_or(0);
}

} // namespace

std::string_view session_key_of(std::string_view target) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) {
        return {};
    }
    auto query = target.substr(q + 1);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto param = query.substr(0, amp);
        if (param.starts_with("s=")) {
            return param.substr(2);
        }
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    }
    return {};
}

management_session::management_session(session_config config, std::shared_ptr<store::document_store> documents,
                                       std::shared_ptr<support::clock> clock, std::function<std::string()> nonces,
                                       std::shared_ptr<const operation_gate> gate)
    : config_(std::move(config)), documents_(std::move(documents)), clock_(std::move(clock)),
      authentication_(config_.scheme, nonces), nonces_(std::move(nonces)), gate_(std::move(gate)) {}

result<session_reply> management_session::run(const incoming_message& in) {
    const auto& m = in.message;
    const auto& device_id = m.header.source;
    const auto now = clock_->now();

    const std::string server_uri = config_.server_uri.empty() ? std::string(in.posted_to) : config_.server_uri;
    session_reply reply;
    auto reset_reply = [&] {
        reply = session_reply{};
        auto& out = reply.message;
        out.header.session_id = m.header.session_id;
        out.header.msg_id = m.header.msg_id; // one answer to each message
        out.header.target = device_id;
        out.header.source = server_uri;
        out.header.source_name = config_.server_id;
        out.header.meta.max_msg_size = config_.max_msg_size;
        out.final = true;
    };
    reset_reply();
    // Answers every command with one code (a message refused as a whole).
    auto refuse_all = [&](unsigned code, std::optional<syncml::meta> chal = std::nullopt) {
        auto hdr = header_status(m, code);
        hdr.chal = std::move(chal);
        reply.message.commands.push_back(std::move(hdr));
        for (const auto& c : m.commands) {
            if (!c.no_resp && c.name != command_name::status && c.name != command_name::results) {
                reply.message.commands.push_back(status_for(m, c, code));
            }
        }
    };
    unsigned long next_cmd_id = 0;
    auto number_commands = [&] {
        for (auto& c : reply.message.commands) {
            if (c.cmd_id.empty()) {
                c.cmd_id = std::to_string(++next_cmd_id);
            }
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
    const auto msg_id = number(m.header.msg_id);
    if (!msg_id || *msg_id == 0) {
        log()->warn("{} [{}] refused: MsgID '{}'", device_id, m.header.session_id, m.header.msg_id);
        refuse_all(400);
        number_commands();
        return reply;
    }
    const presented_credentials presented{m.header.cred, in.hmac, in.body, m.header.source_name};

    std::string outcome_text; // for the log line once committed
    zn_answers zn(gate_ ? gate_->bsf() : nullptr);
    auto work = [&](store::transaction& tx) -> result<void> {
        reset_reply();
        next_cmd_id = 0;
        auto docs = tx.list_documents(device_auid, device_id);
        if (!docs) {
            return std::move(docs).err();
        }
        auto find_doc = [&](std::string_view name) -> const store::named_document* {
            for (const auto& d : *docs) {
                if (d.name == name) {
                    return &d;
                }
            }
            return nullptr;
        };
        const auto* credentials_doc = find_doc("credentials.json");
        std::optional<device_credentials> known;
        if (credentials_doc) {
            auto decoded = device_registry::decode_credentials(credentials_doc->document.content);
            if (!decoded) {
                return std::move(decoded).err();
            }
            known = std::move(decoded).value();
        }
        std::optional<session_state> state;
        if (const auto* s = find_doc(session_name)) {
            state = decode_session(s->document.content);
        }
        const bool same_session = known && state && state->session_id == m.header.session_id;
        bool continuing =
            same_session && !in.session_key.empty() && syncml::credentials_equal(in.session_key, state->key);

        // Nothing of a session is stored until it is authenticated: its challenges are counted by its MsgID, so that
        // an unknown device and a known one with a wrong password are answered alike.
        session_authentication authentication{
            continuing, continuing ? max_server_challenges
                                   : static_cast<unsigned>(std::min<unsigned long>(*msg_id - 1, max_server_challenges))};
        if (!known) {
            device_credentials nobody{device_id, nonces_(), nonces_(), config_.server_id, nonces_(), {}};
            auto outcome = authentication_.run(presented, nobody, authentication);
            refuse_all(outcome.status, outcome.chal);
            number_commands();
            reply.session_ended = outcome.end_session;
            outcome_text = "unknown device";
            return {};
        }
        auto device = std::move(*known);
        if (continuing && *msg_id != state->last_msg_id + 1) {
            refuse_all(400);
            number_commands();
            outcome_text = "MsgID " + std::to_string(*msg_id) + " out of order after " +
                           std::to_string(state->last_msg_id) + ": refused";
            return {};
        }

        auto outcome = authentication_.run(presented, device, authentication);
        // A client that posts to the server's address rather than its RespURI, presenting its credentials again:
        // the same session, authenticated anew.
        if (!continuing && same_session && authentication.authenticated) {
            if (*msg_id != state->last_msg_id + 1) {
                refuse_all(400);
                number_commands();
                outcome_text = "MsgID " + std::to_string(*msg_id) + " out of order after " +
                               std::to_string(state->last_msg_id) + ": refused";
                return {};
            }
            continuing = true;
        }
        if (outcome.new_nonce) {
            device.client_nonce = *outcome.new_nonce;
        }
        auto sign = [&] {
            if (config_.scheme == auth_scheme::mac) {
                reply.mac = mac_key{device.server_name, device.server_secret, device.server_nonce};
            }
        };
        std::vector<store::document_write> writes{device_registry::credentials_write(device_id, device)};
        auto commit = [&]() -> result<void> {
            for (const auto& w : writes) {
                auto done = w.content ? tx.put(w.key, *w.content).has_value() : tx.remove(w.key).has_value();
                if (!done) {
                    return make_error(errc::io, "a write of the session failed");
                }
            }
            return {};
        };

        if (!authentication.authenticated) {
            refuse_all(outcome.status, outcome.chal);
            reply.session_ended = outcome.end_session;
            number_commands();
            outcome_text = "authentication " + std::to_string(outcome.status);
            sign();
            return commit();
        }
        reply.authenticated = true;

        auto jobs_result = job_queue::pending(*docs);
        if (!jobs_result) {
            return std::move(jobs_result).err();
        }
        auto& jobs = *jobs_result;
        std::map<std::string, job_state, std::less<>> state_before; // of each job, to count what this message finished
        for (const auto& j : jobs) {
            state_before.emplace(j.id, j.state);
        }
        auto job_by_id = [&](std::string_view id) -> job* {
            for (auto& j : jobs) {
                if (j.id == id) {
                    return &j;
                }
            }
            return nullptr;
        };
        std::vector<std::string> touched; // jobs to write
        auto touch = [&](const job& j) {
            if (std::find(touched.begin(), touched.end(), j.id) == touched.end()) {
                touched.push_back(j.id);
            }
        };
        // Jobs sent in an earlier session (or message) that will not be answered go back to the queue.
        auto requeue = [&](const std::vector<sent_command>& sent) {
            for (const auto& s : sent) {
                if (auto* j = job_by_id(s.job); j && j->state == job_state::sent) {
                    j->state = job_state::queued;
                    j->outcomes.clear();
                    j->atomic_status = 0;
                    j->session_id.clear();
                    touch(*j);
                }
            }
        };

        session_state session;
        if (continuing) {
            session = *state;
        } else {
            if (state) {
                requeue(state->sent);
            }
            session.session_id = m.header.session_id;
            session.key = support::hex_encode(nonces_());
            session.started = now;
        }
        session.last_msg_id = *msg_id;
        ++session.messages;
        // The commands sent and not answered leave the session; their jobs wait for the next.
        auto requeue_unanswered = [&] {
            std::vector<sent_command> unanswered;
            std::erase_if(session.sent, [&](const sent_command& s) {
                if (!s.answered) {
                    unanswered.push_back(s);
                    return true;
                }
                return false;
            });
            requeue(unanswered);
        };
        if (m.header.meta.max_msg_size) {
            session.device_max_msg = *m.header.meta.max_msg_size;
        }
        if (m.header.meta.max_obj_size) {
            session.device_max_obj = *m.header.meta.max_obj_size;
        }

        auto hdr = header_status(m, outcome.status);
        hdr.chal = outcome.chal;
        reply.message.commands.push_back(std::move(hdr));
        reply.message.header.resp_uri = server_uri + "?s=" + session.key;

        const auto* inventory_doc = find_doc("inventory.json");
        auto inventory = device_registry::decode_inventory(inventory_doc ? inventory_doc->document.content : "");
        if (!inventory) {
            return std::move(inventory).err();
        }
        bool device_aborted = false;
        bool inventory_changed = false;
        bool firmware_reported = false; // the device answered a Get of ./DevDetail/FwV
        // Alert 1222 from the device: it asks for the next message of this server's package.
        const bool asks_next = std::any_of(m.commands.begin(), m.commands.end(), [](const command& c) {
            return c.name == command_name::alert && c.data == "1222";
        });
        // A 401 or 407 for this server's header: the device carried out none of the last message's commands.
        const bool resend_last = std::any_of(m.commands.begin(), m.commands.end(), [](const command& c) {
            return c.name == command_name::status && c.cmd == "SyncHdr" && (c.data == "401" || c.data == "407");
        });
        auto sent_for = [&](std::string_view msg_ref, std::string_view cmd_ref) -> sent_command* {
            for (auto& s : session.sent) {
                if (s.msg_id == msg_ref && s.cmd_id == cmd_ref) {
                    return &s;
                }
            }
            return nullptr;
        };
        for (const auto& c : m.commands) {
            unsigned code = 200;
            switch (c.name) {
            case command_name::status: {
                const auto status = number(c.data.value_or("")).value_or(0);
                if (c.cmd == "SyncHdr") {
                    // The device's verdict on this server's credentials; a challenge brings the nonce to use.
                    if (c.chal && c.chal->next_nonce) {
                        if (auto nonce = support::base64_decode(*c.chal->next_nonce)) {
                            device.server_nonce = *nonce;
                            writes.front() = device_registry::credentials_write(device_id, device);
                        }
                    }
                    continue;
                }
                auto* s = resend_last ? nullptr : sent_for(c.msg_ref, c.cmd_ref);
                auto* j = s ? job_by_id(s->job) : nullptr;
                if (!j) {
                    continue; // an answer to nothing this server awaits
                }
                s->answered = true;
                if (status == 213) {
                    continue; // a chunk of a large object taken: the command's own status comes with the last
                }
                bool cut_short = false;
                if (j->id == session.out_job) {
                    // The device refused a chunk (411, 413, 424), or took a part as the whole: the rest is not sent,
                    // and a part taken is no success.
                    session.out_job.clear();
                    session.out_offset = 0;
                    cut_short = status >= 200 && status < 300;
                }
                if (s->index < 0) {
                    j->atomic_status = j->atomic ? static_cast<unsigned>(status) : 0;
                } else if (static_cast<std::size_t>(s->index) < j->outcomes.size()) {
                    auto& o = j->outcomes[static_cast<std::size_t>(s->index)];
                    o.status = cut_short ? 424u : static_cast<unsigned>(status); // 424: the object is incomplete
                    if (j->commands[static_cast<std::size_t>(s->index)].name == command_name::alert) {
                        for (const auto& i : c.items) {
                            o.results.push_back(i); // what the user entered or chose
                        }
                    }
                }
                touch(*j);
                continue;
            }
            case command_name::results: {
                auto* s = resend_last ? nullptr : sent_for(c.msg_ref, c.cmd_ref);
                auto* j = s ? job_by_id(s->job) : nullptr;
                if (j && s->index >= 0 && static_cast<std::size_t>(s->index) < j->outcomes.size()) {
                    auto& o = j->outcomes[static_cast<std::size_t>(s->index)];
                    for (auto i : c.items) {
                        // A large object comes in chunks (MoreData); only the whole of it is a result.
                        if (i.more_data || session.in_job == j->id) {
                            if (session.in_job.empty()) {
                                session.in_job = j->id;
                                session.in_index = s->index;
                                session.in_size = i.meta.size.value_or(0);
                            }
                            session.in_data += i.data.value_or("");
                            if (session.in_data.size() > std::max<std::size_t>(config_.max_object_size, 1)) {
                                o.status = 413;
                                session.in_job.clear();
                                session.in_data.clear();
                                continue;
                            }
                            if (i.more_data) {
                                continue;
                            }
                            i.data = std::move(session.in_data);
                            if (session.in_size != 0 && i.data->size() != session.in_size) {
                                o.status = 424; // size mismatch: the object is not taken
                                i.data.reset();
                            }
                            session.in_job.clear();
                            session.in_data.clear();
                            session.in_size = 0;
                        }
                        if (o.results.size() < 256) {
                            o.results.push_back(i);
                        }
                        // What the device tells of itself goes to its inventory too.
                        if (i.source && (i.source->starts_with("./DevDetail/") || i.source->starts_with("./DevInfo/")) &&
                            i.data && inventory->dev_info.size() < 256) {
                            inventory->dev_info[*i.source] = *i.data;
                            inventory_changed = true;
                            firmware_reported = firmware_reported || *i.source == "./DevDetail/FwV";
                        }
                    }
                    touch(*j);
                }
                continue;
            }
            case command_name::alert: {
                const auto alert = c.data.value_or("");
                if (alert == "1226" && c.correlator) {
                    // The result of an Exec accepted earlier (FUMO): it completes the job that sent it.
                    if (auto* j = job_by_id(*c.correlator); j && j->state == job_state::accepted && !c.items.empty()) {
                        for (std::size_t k = 0; k < j->commands.size(); ++k) {
                            if (j->commands[k].name == command_name::exec && j->outcomes.at(k).status == 202) {
                                j->outcomes[k].results = c.items;
                            }
                        }
                        const auto result = reported_result(c.items.front().data.value_or(""));
                        j->state = (result >= 200 && result < 300) || (result >= 1200 && result < 1300)
                                       ? job_state::done
                                       : job_state::failed;
                        if (j->state == job_state::failed) {
                            j->reason = "the device reported result " + std::to_string(result);
                        }
                        j->finished = now;
                        touch(*j);
                    }
                }
                if (alert == "1223") {
                    device_aborted = true;
                } else if (alert != "1200" && alert != "1201" && alert != "1222" && alert != "1226") {
                    code = 405;
                }
                break;
            }
            case command_name::replace:
                for (const auto& i : c.items) {
                    if (!i.source || !i.source->starts_with("./DevInfo/")) {
                        code = 405; // a client replaces only its DevInfo
                    }
                }
                if (code == 200) {
                    for (const auto& i : c.items) {
                        inventory->dev_info[*i.source] = i.data.value_or("");
                    }
                    inventory_changed = true;
                }
                break;
            default:
                code = 405;
            }
            if (!c.no_resp) {
                reply.message.commands.push_back(status_for(m, c, code));
            }
        }
        number_commands();

        // The server's last message was refused for its credentials: its commands go again, with new ones.
        if (resend_last) {
            if (++session.server_challenges > max_server_challenges) {
                device_aborted = true;
                outcome_text = "the device refused this server's credentials";
            } else {
                requeue_unanswered();
            }
        }
        // Jobs whose every command is answered are finished.
        for (auto& j : jobs) {
            if (j.state != job_state::sent || j.session_id != session.session_id || j.id == session.out_job ||
                j.id == session.in_job) {
                continue;
            }
            const bool all_answered =
                std::none_of(session.sent.begin(), session.sent.end(),
                             [&](const sent_command& s) { return s.job == j.id && !s.answered; });
            if (!all_answered) {
                continue;
            }
            const bool ok = j.atomic ? is_success(j.atomic_status)
                                     : std::all_of(j.outcomes.begin(), j.outcomes.end(),
                                                   [](const command_outcome& o) { return is_success(o.status); });
            const bool awaits_report =
                ok && std::any_of(j.outcomes.begin(), j.outcomes.end(),
                                  [](const command_outcome& o) { return o.status == 202; });
            j.state = awaits_report ? job_state::accepted : ok ? job_state::done : job_state::failed;
            if (!awaits_report) {
                j.finished = now;
            }
            std::erase_if(session.sent, [&](const sent_command& s) { return s.job == j.id; });
            touch(j);
            if (j.gate && j.gate->decision.empty()) {
                if (auto* held = job_by_id(j.gate->for_job); held && held->state == job_state::held) {
                    auto decision = gate_ ? gate_->judge(j, *held, tx, now, zn)
                                          : gate_decision{.passed = false,
                                                          .reason = "this server judges no gates",
                                                          .subscription = {},
                                                          .writes = {}};
                    j.gate->decision = decision.passed ? "passed" : "refused";
                    j.gate->subscription = decision.subscription;
                    if (decision.passed) {
                        held->state = job_state::queued;
                        held->subscription = decision.subscription;
                    } else {
                        held->state = job_state::failed;
                        held->reason = decision.reason;
                        held->finished = now;
                    }
                    touch(*held);
                    for (auto& w : decision.writes) {
                        writes.push_back(std::move(w));
                    }
                }
            }
        }

        if (zn.missing()) {
            return make_error(errc::unavailable, "the BSF is asked outside the transaction");
        }

        const bool expired = now - session.started > config_.max_session_duration ||
                             session.messages > config_.max_messages;
        bool ends = false;
        if (device_aborted || expired) {
            requeue(session.sent);
            session.sent.clear();
            session.out_job.clear();
            if (expired && !device_aborted) {
                command abort{.name = command_name::alert, .data = "1223"};
                reply.message.commands.push_back(std::move(abort));
                number_commands();
                outcome_text = "session over its bounds: aborted";
            }
            ends = true;
        } else if (!session.out_job.empty()) {
            const auto sending = session.out_job;
            send_next_chunk(session, jobs, config_, reply.message, next_cmd_id, m.header.msg_id);
            if (auto* j = job_by_id(sending)) {
                touch(*j);
            }
        } else if (!m.final && !asks_next) {
            command next{.name = command_name::alert, .data = "1222"};
            reply.message.commands.push_back(std::move(next));
            number_commands();
            reply.message.final = false;
        } else {
            // The device's package is complete: what it left unanswered will not be answered.
            requeue_unanswered();
            session.sent.clear();
            // The firmware version the device reported may call for its corporation's customisation, sent at once.
            if (gate_ && firmware_reported) {
                for (auto& j : gate_->customisation_for(device_id, *inventory, jobs, now)) {
                    for (auto& w : audit_writes({.time = now,
                                                 .actor = j.requested_by,
                                                 .action = "queue",
                                                 .device = device_id,
                                                 .detail = "job " + j.id + ": the corporation's customisation",
                                                 .subscription = {}})) {
                        writes.push_back(std::move(w));
                    }
                    jobs.push_back(std::move(j));
                    touch(jobs.back());
                }
            }
            ends = !send_jobs(session, jobs, config_, reply.message, next_cmd_id, m.header.msg_id, now, touch);
        }

        for (const auto& id : touched) {
            const auto& j = *job_by_id(id);
            if (auto before = state_before.find(id); before == state_before.end() || before->second != j.state) {
                reply.jobs_done += j.state == job_state::done ? 1 : 0;
                reply.jobs_failed += j.state == job_state::failed ? 1 : 0;
            }
            for (auto& w : job_queue::writes(j)) {
                writes.push_back(std::move(w));
            }
            if (j.state == job_state::failed) {
                auto refund = refund_writes(tx, j, j.reason.empty() ? "the device did not carry it out" : j.reason, now);
                if (!refund) {
                    return std::move(refund).err();
                }
                for (auto& w : *refund) {
                    writes.push_back(std::move(w));
                }
            }
        }
        if (ends) {
            reply.session_ended = true;
            inventory->last_session = now;
            inventory->last_session_id = session.session_id;
            writes.push_back(device_registry::inventory_write(device_id, *inventory));
            writes.push_back({{std::string(device_auid), device_id, std::string(session_name)}, std::nullopt});
            if (outcome_text.empty()) {
                outcome_text = device_aborted ? "the device aborted the session" : "session ends";
            }
        } else {
            if (inventory_changed) {
                writes.push_back(device_registry::inventory_write(device_id, *inventory));
            }
            writes.push_back({{std::string(device_auid), device_id, std::string(session_name)}, encode(session)});
            outcome_text = std::to_string(session.sent.size()) + " command(s) sent";
        }
        if (config_.scheme != auth_scheme::mac) {
            reply.message.header.cred = authentication_.server_credential(device);
        }
        sign();
        return commit();
    };
    // A gate's proof is verified with the BSF's answer, fetched between two runs of the transaction.
    for (;;) {
        auto done = documents_->transact(work);
        if (done) {
            break;
        }
        if (!zn.missing()) {
            return std::move(done).err();
        }
        zn.fetch_missing();
    }
    log()->info("{} [{}] msg {}: {}", device_id, m.header.session_id, *msg_id, outcome_text);
    return reply;
}

} // namespace mcprov::dms
