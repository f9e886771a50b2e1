#include <algorithm>
#include <array>
#include <cstdio>
#include <tuple>

#include <boost/json.hpp>
#include <openssl/rand.h>

#include "mcprov/dms/audit.hpp"
#include "mcprov/dms/job.hpp"

#include "mcprov/dms/charging.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/xml/writer.hpp"

namespace mcprov::dms {
namespace {

using support::errc;
using support::make_error;
using support::result;
using syncml::command_name;
namespace json = boost::json;

constexpr std::string_view device_auid = "org.mcprov.dm-device";
constexpr std::string_view history_auid = "org.mcprov.dm-job";
constexpr std::string_view job_prefix = "job-";
constexpr std::string_view json_suffix = ".json";

constexpr std::size_t max_commands = 64;
constexpr std::size_t max_text = 64 * 1024;
constexpr std::size_t max_data = 1024 * 1024; // a node's value: a large object goes in chunks
constexpr std::size_t max_choices = 32;

constexpr std::array<std::pair<command_name, std::string_view>, 6> command_names{{{command_name::get, "get"},
                                                                                  {command_name::add, "add"},
                                                                                  {command_name::replace, "replace"},
                                                                                  {command_name::delete_, "delete"},
                                                                                  {command_name::exec, "exec"},
                                                                                  {command_name::alert, "alert"}}};

std::string_view command_text(command_name n) {
    for (const auto& [name, text] : command_names) {
        if (name == n) {
            return text;
        }
    }
    return "other";
}

const json::value* member(const json::object& o, std::string_view k) {
    return o.if_contains(k);
}

// A request names only what it may: a misspelt member ("atomc") is an error, not silently ignored.
result<void> only_members(const json::object& o, std::initializer_list<std::string_view> allowed,
                          std::string_view where) {
    for (const auto& [key, value] : o) {
        if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
            return make_error(errc::invalid_argument,
                              std::string(where) + " has an unknown member '" + std::string(key) + "'");
        }
    }
    return {};
}

result<std::optional<std::string>> optional_text(const json::object& o, std::string_view k, std::string_view where,
                                                 std::size_t limit = max_text) {
    const auto* v = member(o, k);
    if (!v || v->is_null()) {
        return std::optional<std::string>{};
    }
    if (!v->is_string() || v->as_string().size() > limit) {
        return make_error(errc::invalid_argument, std::string(where) + "." + std::string(k) +
                                                      " must be a string of at most " + std::to_string(limit) +
                                                      " bytes");
    }
    if (!xml::is_xml_text(v->as_string())) {
        // A SyncML message carries its values as XML text: no control characters (binary values go base64).
        return make_error(errc::invalid_argument, std::string(where) + "." + std::string(k) +
                                                      " holds a character a DM message cannot carry");
    }
    return std::optional<std::string>(std::string(v->as_string()));
}

std::string text_or_empty(const json::object& o, std::string_view k) {
    const auto* v = member(o, k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

json::value item_json(const syncml::item& i) {
    json::object o;
    if (i.source) {
        o["source"] = *i.source;
    }
    if (i.target) {
        o["target"] = *i.target;
    }
    if (i.meta.format) {
        o["format"] = *i.meta.format;
    }
    if (i.meta.type) {
        o["type"] = *i.meta.type;
    }
    if (i.data) {
        o["data"] = *i.data;
    }
    return o;
}

syncml::item item_from(const json::object& o) {
    syncml::item i;
    auto opt = [&](std::string_view k) -> std::optional<std::string> {
        const auto* v = member(o, k);
        return v && v->is_string() ? std::optional<std::string>(std::string(v->as_string())) : std::nullopt;
    };
    i.source = opt("source");
    i.target = opt("target");
    i.meta.format = opt("format");
    i.meta.type = opt("type");
    i.data = opt("data");
    return i;
}

json::value command_json(const job_command& c) {
    json::object o{{"command", command_text(c.name)}};
    if (c.name == command_name::alert) {
        o["alert"] = static_cast<std::int64_t>(c.alert);
        if (!c.options.empty()) {
            o["options"] = c.options;
        }
        o["text"] = c.text;
        if (!c.choices.empty()) {
            json::array a;
            for (const auto& choice : c.choices) {
                a.emplace_back(choice);
            }
            o["choices"] = std::move(a);
        }
        return o;
    }
    o["target"] = c.target;
    if (c.data) {
        o["data"] = *c.data;
    }
    if (c.format) {
        o["format"] = *c.format;
    }
    if (c.type) {
        o["type"] = *c.type;
    }
    return o;
}

bool valid_uri(std::string_view uri) {
    return !uri.empty() && uri.size() <= 1024 && (uri == "." || uri.starts_with("./")) && xml::is_xml_text(uri) &&
           std::none_of(uri.begin(), uri.end(), [](unsigned char ch) { return ch < 0x20 || ch == 0x7f; });
}

result<job_command> command_from(const json::value& v, std::size_t index) {
    const auto where = "commands[" + std::to_string(index) + "]";
    if (!v.is_object()) {
        return make_error(errc::invalid_argument, where + " must be an object");
    }
    const auto& o = v.as_object();
    if (auto only = only_members(o, {"command", "target", "data", "format", "type", "alert", "options", "text", "choices"},
                                 where);
        !only) {
        return std::move(only).err();
    }
    job_command c;
    const auto name = text_or_empty(o, "command");
    const auto* known = std::find_if(command_names.begin(), command_names.end(),
                                     [&](const auto& entry) { return entry.second == name; });
    if (known == command_names.end()) {
        return make_error(errc::invalid_argument,
                          where + ".command must be get, add, replace, delete, exec or alert");
    }
    c.name = known->first;
    if (c.name == command_name::alert) {
        const auto* code = member(o, "alert");
        if (!code || !code->is_int64() || code->as_int64() < 1100 || code->as_int64() > 1104) {
            return make_error(errc::invalid_argument, where + ".alert must be 1100, 1101, 1102, 1103 or 1104");
        }
        c.alert = static_cast<unsigned>(code->as_int64());
        auto options = optional_text(o, "options", where);
        auto text = optional_text(o, "text", where);
        if (!options || !text) {
            return !options ? std::move(options).err() : std::move(text).err();
        }
        c.options = options->value_or("");
        c.text = text->value_or("");
        if (const auto* choices = member(o, "choices"); choices && !choices->is_null()) {
            if (!choices->is_array() || choices->as_array().size() > max_choices) {
                return make_error(errc::invalid_argument, where + ".choices must be an array of at most 32 strings");
            }
            for (const auto& choice : choices->as_array()) {
                if (!choice.is_string() || choice.as_string().size() > max_text || !xml::is_xml_text(choice.as_string())) {
                    return make_error(errc::invalid_argument, where + ".choices must hold strings");
                }
                c.choices.emplace_back(choice.as_string());
            }
        }
        if ((c.alert == 1103 || c.alert == 1104) && c.choices.empty()) {
            return make_error(errc::invalid_argument, where + ": alerts 1103 and 1104 need choices");
        }
        return c;
    }
    c.target = text_or_empty(o, "target");
    if (!valid_uri(c.target)) {
        return make_error(errc::invalid_argument, where + ".target must be a node URI starting with ./");
    }
    for (auto [key, field] : {std::pair{"data", &c.data}, std::pair{"format", &c.format}, std::pair{"type", &c.type}}) {
        auto value = optional_text(o, key, where, std::string_view(key) == "data" ? max_data : max_text);
        if (!value) {
            return std::move(value).err();
        }
        *field = std::move(value).value();
    }
    if ((c.name == command_name::add || c.name == command_name::replace) && !c.data &&
        c.format.value_or("chr") != "node") {
        return make_error(errc::invalid_argument, where + ": add and replace need data (or format node)");
    }
    return c;
}

std::string time_text(std::chrono::system_clock::time_point t) {
    return support::format_utc(t);
}


json::value gate_json(const job_gate& g) {
    json::object o{{"level", g.level}, {"entitlement", g.entitlement}};
    if (!g.confirmation.empty())
        o["confirmation"] = g.confirmation;
    if (g.charge)
    {
        json::array waived;
        for (const auto& w : g.charge->waived_for)
            waived.emplace_back(w);
        o["charge"] = json::object{{"amount", static_cast<std::int64_t>(g.charge->amount)},
                                   {"currency", g.charge->currency},
                                   {"description", g.charge->description},
                                   {"means", g.charge->means},
                                   {"waived_for", std::move(waived)}};
    }
    if (!g.for_job.empty())
        o["for_job"] = g.for_job;
    if (!g.nonce.empty())
        o["nonce"] = support::base64_encode(g.nonce);
    if (!g.decision.empty())
        o["decision"] = g.decision;
    if (!g.subscription.empty())
        o["subscription"] = g.subscription;
    return o;
}

// An operator's gate ({"level", "confirmation", "entitlement", "charge"}), or (stored) a gate job's with its state.
result<job_gate> gate_from(const json::value& v, bool stored) {
    if (!v.is_object())
        return make_error(errc::invalid_argument, "gate must be an object (level, confirmation, entitlement, charge)");
    const auto& o = v.as_object();
    if (auto only = stored ? only_members(o, {"level", "confirmation", "entitlement", "charge", "for_job", "nonce",
                                              "decision", "subscription"},
                                          "gate")
                           : only_members(o, {"level", "confirmation", "entitlement", "charge"}, "gate");
        !only)
        return std::move(only).err();
    job_gate g;
    g.level = text_or_empty(o, "level");
    if (g.level != "subscriber" && g.level != "user")
        return make_error(errc::invalid_argument, "gate.level must be subscriber or user");
    auto confirmation = optional_text(o, "confirmation", "gate", 4096);
    if (!confirmation)
        return std::move(confirmation).err();
    g.confirmation = confirmation->value_or("");
    g.entitlement = member(o, "entitlement") ? text_or_empty(o, "entitlement") : std::string("any");
    if (g.entitlement != "any" && g.entitlement != "home" && g.entitlement != "corporate")
        return make_error(errc::invalid_argument, "gate.entitlement must be any, home or corporate");
    if (const auto* charge = member(o, "charge"); charge && !charge->is_null()) {
        if (!charge->is_object())
            return make_error(errc::invalid_argument, "gate.charge must be an object (amount, currency, description, "
                                                      "means)");
        const auto& c = charge->as_object();
        if (auto only = only_members(c, {"amount", "currency", "description", "means", "waived_for"}, "gate.charge");
            !only)
            return std::move(only).err();
        charge_request r;
        const auto* amount = member(c, "amount");
        if (!amount || !amount->is_int64() || amount->as_int64() <= 0 || amount->as_int64() > 100'000'000)
            return make_error(errc::invalid_argument, "gate.charge.amount must be 1 to 100000000 (minor units)");
        r.amount = static_cast<std::uint64_t>(amount->as_int64());
        r.currency = text_or_empty(c, "currency");
        if (r.currency.size() != 3 || !std::all_of(r.currency.begin(), r.currency.end(),
                                                   [](char ch) { return ch >= 'A' && ch <= 'Z'; }))
            return make_error(errc::invalid_argument, "gate.charge.currency must be an ISO 4217 code such as EUR");
        auto description = optional_text(c, "description", "gate.charge", 256);
        if (!description)
            return std::move(description).err();
        r.description = description->value_or("");
        r.means = text_or_empty(c, "means");
        if (r.means != "bill" && r.means != "prepaid" && r.means != "card")
            return make_error(errc::invalid_argument, "gate.charge.means must be bill, prepaid or card");
        if (const auto* waived = member(c, "waived_for"); waived && !waived->is_null()) {
            if (!waived->is_array() || waived->as_array().size() > 256)
                return make_error(errc::invalid_argument, "gate.charge.waived_for must be an array of IMSI patterns");
            for (const auto& w : waived->as_array()) {
                const std::string_view p = w.is_string() ? std::string_view(w.as_string()) : std::string_view();
                const auto digits = p.ends_with('*') ? p.substr(0, p.size() - 1) : p;
                if (digits.empty() || digits.size() > 15 ||
                    digits.find_first_not_of("0123456789") != std::string_view::npos)
                    return make_error(errc::invalid_argument,
                                      "gate.charge.waived_for holds IMSIs, or prefixes ending in '*'");
                r.waived_for.emplace_back(p);
            }
        }
        g.charge = std::move(r);
    }
    if (stored) {
        g.for_job = text_or_empty(o, "for_job");
        g.nonce = support::base64_decode(text_or_empty(o, "nonce")).value_or("");
        g.decision = text_or_empty(o, "decision");
        g.subscription = text_or_empty(o, "subscription");
    }
    return g;
}

// A package to download: its http(s) URL, its SHA-256 (lower-case hex) and its version. Errors: invalid_argument
// naming `what`'s member.
result<std::tuple<std::string, std::string, std::string>> package_from(const json::object& o, const std::string& what) {
    const auto url = text_or_empty(o, "url");
    const auto version = text_or_empty(o, "version");
    auto digest = text_or_empty(o, "sha256");
    if (!url.starts_with("https://") && !url.starts_with("http://")) {
        return make_error(errc::invalid_argument, what + ".url must be the package's http(s) URL");
    }
    if (digest.size() != 64 || digest.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
        return make_error(errc::invalid_argument, what + ".sha256 must be the package's SHA-256 in hex");
    }
    std::transform(digest.begin(), digest.end(), digest.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (url.size() > 2048 || !xml::is_xml_text(url)) {
        return make_error(errc::invalid_argument, what + ".url must be at most 2048 bytes of text");
    }
    if (version.empty() || version.size() > 256 || !xml::is_xml_text(version)) {
        return make_error(errc::invalid_argument, what + ".version must be 1 to 256 bytes of text");
    }
    return std::tuple{url, digest, version};
}

} // namespace

std::string_view to_string(job_state state) {
    switch (state) {
    case job_state::queued:
        return "queued";
    case job_state::held:
        return "held";
    case job_state::sent:
        return "sent";
    case job_state::accepted:
        return "accepted";
    case job_state::done:
        return "done";
    case job_state::failed:
        return "failed";
    case job_state::cancelled:
        return "cancelled";
    }
    return "queued";
}

std::optional<job_state> job_state_from(std::string_view text) {
    for (auto s : {job_state::queued, job_state::held, job_state::sent, job_state::accepted, job_state::done, job_state::failed,
                   job_state::cancelled}) {
        if (to_string(s) == text) {
            return s;
        }
    }
    return std::nullopt;
}

json::value to_json(const job& j) {
    json::array commands;
    for (const auto& c : j.commands) {
        commands.push_back(command_json(c));
    }
    json::object o{{"id", j.id},
                   {"device", j.device},
                   {"state", to_string(j.state)},
                   {"atomic", j.atomic},
                   {"commands", std::move(commands)},
                   {"created", time_text(j.created)}};
    if (!j.batch.empty()) {
        o["batch"] = j.batch;
    }
    if (!j.requested_by.empty()) {
        o["requested_by"] = j.requested_by;
    }
    if (!j.outcomes.empty()) {
        json::array outcomes;
        for (const auto& out : j.outcomes) {
            json::object oo{{"status", static_cast<std::int64_t>(out.status)}};
            if (!out.results.empty()) {
                json::array results;
                for (const auto& i : out.results) {
                    results.push_back(item_json(i));
                }
                oo["results"] = std::move(results);
            }
            outcomes.push_back(std::move(oo));
        }
        o["outcomes"] = std::move(outcomes);
    }
    if (j.atomic_status != 0) {
        o["atomic_status"] = static_cast<std::int64_t>(j.atomic_status);
    }
    if (!j.session_id.empty()) {
        o["session_id"] = j.session_id;
    }
    if (j.finished) {
        o["finished"] = time_text(*j.finished);
    }
    if (j.gate) {
        o["gate"] = gate_json(*j.gate);
    }
    if (!j.held_by.empty()) {
        o["held_by"] = j.held_by;
    }
    if (!j.reason.empty()) {
        o["reason"] = j.reason;
    }
    if (!j.subscription.empty()) {
        o["subscription"] = j.subscription;
    }
    return o;
}

result<job> job_request_from_json(const json::value& v) {
    if (!v.is_object()) {
        return make_error(errc::invalid_argument, "a job must be a JSON object");
    }
    const auto& o = v.as_object();
    job j;
    // What the admin API's bodies carry besides the job itself (devices of a batch, notify) is theirs to read; a stored
    // job carries the server's own members.
    if (auto only = only_members(o, {"commands", "atomic", "firmware", "application", "devices", "notify", "gate", "id", "batch",
                                     "device", "requested_by", "state", "outcomes", "atomic_status", "session_id",
                                     "created", "finished", "held_by", "reason", "subscription"},
                                 "the job");
        !only) {
        return std::move(only).err();
    }
    // A stored job carries its id; an operator's request never does.
    if (const auto* gate = member(o, "gate"); gate && !gate->is_null()) {
        auto g = gate_from(*gate, member(o, "id") != nullptr);
        if (!g) {
            return std::move(g).err();
        }
        j.gate = std::move(g).value();
    }
    if (const auto* firmware = member(o, "firmware"); firmware && !firmware->is_null()) {
        if (!firmware->is_object() || member(o, "commands") || member(o, "atomic") || member(o, "application")) {
            return make_error(errc::invalid_argument, "firmware must be an object (url, version, sha256, node), "
                                                      "and a firmware job has no other commands");
        }
        const auto& f = firmware->as_object();
        if (auto only = only_members(f, {"url", "version", "sha256", "node"}, "firmware"); !only) {
            return std::move(only).err();
        }
        auto package = package_from(f, "firmware");
        if (!package) {
            return std::move(package).err();
        }
        const auto& [url, digest, version] = *package;
        const auto node = member(f, "node") ? text_or_empty(f, "node") : std::string("./FUMO/fw");
        const bool fumo_node = node.starts_with("./FUMO/") && node.size() > 7 && node.find('/', 7) == std::string::npos;
        if (!fumo_node || !valid_uri(node)) {
            return make_error(errc::invalid_argument, "firmware.node must be a FUMO object, ./FUMO/<x>");
        }
        j.commands = {{.name = command_name::replace, .target = node + "/PkgVersion", .data = version},
                      {.name = command_name::replace, .target = node + "/DownloadAndUpdate/PkgURL", .data = url},
                      {.name = command_name::replace, .target = node + "/Ext/PkgDigest", .data = digest},
                      {.name = command_name::exec, .target = node + "/DownloadAndUpdate"}};
        return j;
    }
    if (const auto* application = member(o, "application"); application && !application->is_null()) {
        if (!application->is_object() || member(o, "commands") || member(o, "atomic")) {
            return make_error(errc::invalid_argument,
                              "application must be an object (id, name, version, url, sha256, description, inactive), "
                              "and an application job has no other commands");
        }
        const auto& a = application->as_object();
        if (auto only = only_members(a, {"id", "name", "version", "url", "sha256", "description", "inactive"},
                                     "application");
            !only) {
            return std::move(only).err();
        }
        auto package = package_from(a, "application");
        if (!package) {
            return std::move(package).err();
        }
        const auto& [url, digest, version] = *package;
        const auto id = text_or_empty(a, "id");
        const auto name = member(a, "name") ? text_or_empty(a, "name") : id;
        const auto description = text_or_empty(a, "description");
        const auto* inactive = member(a, "inactive");
        if (id.empty() || id.size() > 64 || id.front() == '.' ||
            id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
                std::string::npos) {
            return make_error(errc::invalid_argument,
                              "application.id must be 1 to 64 letters, digits, '.', '-' or '_', not starting with '.'");
        }
        if (name.empty() || name.size() > 256 || !xml::is_xml_text(name) || description.size() > 1024 ||
            !xml::is_xml_text(description)) {
            return make_error(errc::invalid_argument,
                              "application.name must be 1 to 256 and description at most 1024 bytes of text");
        }
        if (inactive && !inactive->is_bool()) {
            return make_error(errc::invalid_argument, "application.inactive must be true or false");
        }
        // SCOMO 1.0: the delivery package under ./SCOMO/Download, then its installation (docs/dms.md).
        const auto node = "./SCOMO/Download/" + id;
        j.commands = {{.name = command_name::add, .target = node, .format = "node"},
                      {.name = command_name::add, .target = node + "/PkgID", .data = id},
                      {.name = command_name::add, .target = node + "/Name", .data = name},
                      {.name = command_name::add, .target = node + "/PkgURL", .data = url},
                      {.name = command_name::add, .target = node + "/Description", .data = description},
                      {.name = command_name::add, .target = node + "/Ext/PkgDigest", .data = digest},
                      {.name = command_name::add, .target = node + "/Ext/PkgVersion", .data = version},
                      {.name = command_name::exec,
                       .target = node + "/Operations/" +
                                 (inactive && inactive->as_bool() ? "DownloadInstallInactive" : "DownloadInstall")}};
        return j;
    }
    if (const auto* atomic = member(o, "atomic"); atomic && !atomic->is_null()) {
        if (!atomic->is_bool()) {
            return make_error(errc::invalid_argument, "atomic must be true or false");
        }
        j.atomic = atomic->as_bool();
    }
    const auto* commands = member(o, "commands");
    if (!commands || !commands->is_array() || commands->as_array().empty() ||
        commands->as_array().size() > max_commands) {
        return make_error(errc::invalid_argument, "commands must be an array of 1 to 64 commands");
    }
    std::size_t index = 0;
    for (const auto& c : commands->as_array()) {
        auto command = command_from(c, index++);
        if (!command) {
            return std::move(command).err();
        }
        j.commands.push_back(std::move(command).value());
    }
    if (j.atomic && std::any_of(j.commands.begin(), j.commands.end(), [](const job_command& c) {
            return c.name == command_name::get || c.name == command_name::exec || c.name == command_name::alert;
        })) {
        // OMA DM 1.2 clause 6.6.3: an Atomic holds Add, Delete, Replace, Copy, Sequence and Alert; Get and Exec
        // cannot be undone and are kept out of it here, with user alerts.
        return make_error(errc::invalid_argument, "an atomic job holds only add, replace and delete");
    }
    return j;
}

result<job> job_from_json(const json::value& v) {
    auto j = job_request_from_json(v);
    if (!j) {
        return j;
    }
    const auto& o = v.as_object();
    j->id = text_or_empty(o, "id");
    j->batch = text_or_empty(o, "batch");
    j->device = text_or_empty(o, "device");
    j->requested_by = text_or_empty(o, "requested_by");
    j->session_id = text_or_empty(o, "session_id");
    j->held_by = text_or_empty(o, "held_by");
    j->reason = text_or_empty(o, "reason");
    j->subscription = text_or_empty(o, "subscription");
    auto state = job_state_from(text_or_empty(o, "state"));
    if (!state || j->id.empty() || j->device.empty()) {
        return make_error(errc::invalid_argument, "a stored job lacks its id, device or state");
    }
    j->state = *state;
    j->created = support::parse_utc(text_or_empty(o, "created")).value_or(std::chrono::system_clock::time_point{});
    if (auto finished = support::parse_utc(text_or_empty(o, "finished"))) {
        j->finished = *finished;
    }
    if (const auto* s = member(o, "atomic_status"); s && s->is_int64()) {
        j->atomic_status = static_cast<unsigned>(s->as_int64());
    }
    if (const auto* outcomes = member(o, "outcomes"); outcomes && outcomes->is_array()) {
        for (const auto& out : outcomes->as_array()) {
            command_outcome c;
            if (!out.is_object()) {
                continue;
            }
            if (const auto* s = member(out.as_object(), "status"); s && s->is_int64()) {
                c.status = static_cast<unsigned>(s->as_int64());
            }
            if (const auto* results = member(out.as_object(), "results"); results && results->is_array()) {
                for (const auto& i : results->as_array()) {
                    if (i.is_object()) {
                        c.results.push_back(item_from(i.as_object()));
                    }
                }
            }
            j->outcomes.push_back(std::move(c));
        }
    }
    return j;
}

job_queue::job_queue(std::shared_ptr<store::document_store> documents) : documents_(std::move(documents)) {}

std::string job_queue::new_id(std::chrono::system_clock::time_point now) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    unsigned char random[4] = {};
    RAND_bytes(random, sizeof random);
    char text[32];
    std::snprintf(text, sizeof text, "%012llx%02x%02x%02x%02x", static_cast<unsigned long long>(ms), random[0],
                  random[1], random[2], random[3]);
    return text;
}

std::vector<store::document_write> job_queue::writes(const job& j) {
    const auto text = json::serialize(to_json(j));
    store::document_key pending_key{std::string(device_auid), j.device,
                                    std::string(job_prefix) + j.id + std::string(json_suffix)};
    store::document_key history_key{std::string(history_auid), j.device, j.id + std::string(json_suffix)};
    if (j.finished_state()) {
        return {{pending_key, std::nullopt}, {history_key, text}};
    }
    return {{pending_key, text}};
}

result<std::vector<job>> job_queue::pending(const std::vector<store::named_document>& documents) {
    std::vector<job> out;
    for (const auto& d : documents) {
        if (!d.name.starts_with(job_prefix) || !d.name.ends_with(json_suffix)) {
            continue;
        }
        boost::system::error_code ec;
        auto v = json::parse(d.document.content, ec);
        if (ec) {
            return make_error(errc::internal, "a stored job is not JSON: " + d.name);
        }
        auto j = job_from_json(v);
        if (!j) {
            return make_error(errc::internal, "a stored job does not decode: " + d.name + ": " + j.err().message);
        }
        out.push_back(std::move(j).value());
    }
    std::sort(out.begin(), out.end(), [](const job& a, const job& b) { return a.id < b.id; });
    return out;
}

result<void> job_queue::queue(const job& j) {
    return queue_all({j});
}

result<void> job_queue::queue_all(const std::vector<job>& jobs) {
    for (const auto& j : jobs) {
        if (j.commands.empty() || j.id.empty() || j.device.empty()) {
            return make_error(errc::invalid_argument, "a job needs an id, a device and commands");
        }
    }
    return documents_->transact([&](store::transaction& tx) -> result<void> {
        for (const auto& j : jobs) {
            auto enrolled = tx.get({std::string(device_auid), j.device, "credentials.json"});
            if (!enrolled) {
                return std::move(enrolled).err();
            }
            if (!*enrolled) {
                return make_error(errc::not_found, "no device " + j.device + " is enrolled");
            }
            auto all = writes(j);
            all.push_back(audit_write({j.created, j.requested_by, "queue", j.device, j.id}));
            for (const auto& w : all) {
                if (auto put = tx.put(w.key, *w.content); !put) {
                    return std::move(put).err();
                }
            }
        }
        return {};
    });
}

result<std::vector<job>> job_queue::list(std::string_view device) const {
    auto docs = documents_->list_documents(device_auid, device);
    if (!docs) {
        return std::move(docs).err();
    }
    auto out = pending(*docs);
    if (!out) {
        return out;
    }
    auto history = documents_->list_documents(history_auid, device);
    if (!history) {
        return std::move(history).err();
    }
    std::vector<job> finished;
    for (const auto& d : *history) {
        boost::system::error_code ec;
        auto v = json::parse(d.document.content, ec);
        auto j = ec ? result<job>(make_error(errc::internal, "")) : job_from_json(v);
        if (!j) {
            return make_error(errc::internal, "a stored job in the history does not decode: " + d.name);
        }
        finished.push_back(std::move(j).value());
    }
    std::sort(finished.begin(), finished.end(), [](const job& a, const job& b) { return a.id < b.id; });
    out->insert(out->end(), finished.begin(), finished.end());
    return out;
}

result<job> job_queue::find(std::string_view device, std::string_view id) const {
    auto all = list(device);
    if (!all) {
        return std::move(all).err();
    }
    for (auto& j : *all) {
        if (j.id == id) {
            return std::move(j);
        }
    }
    return make_error(errc::not_found, "no job " + std::string(id) + " for device " + std::string(device));
}

result<job> job_queue::cancel(std::string_view device, std::string_view id, std::chrono::system_clock::time_point now,
                              std::string_view actor) {
    job out;
    auto done = documents_->transact([&](store::transaction& tx) -> result<void> {
        // A pending job of the device, by id.
        auto pending = [&](std::string_view job_id) -> result<std::optional<job>> {
            auto doc = tx.get({std::string(device_auid), std::string(device),
                               std::string(job_prefix) + std::string(job_id) + std::string(json_suffix)});
            if (!doc) {
                return std::move(doc).err();
            }
            if (!*doc) {
                return std::optional<job>{};
            }
            boost::system::error_code ec;
            auto v = json::parse((*doc)->content, ec);
            auto j = ec ? result<job>(make_error(errc::internal, "a stored job is not JSON")) : job_from_json(v);
            if (!j) {
                return std::move(j).err();
            }
            return std::optional<job>(std::move(j).value());
        };
        auto j = pending(id);
        if (!j) {
            return std::move(j).err();
        }
        if (!*j) {
            auto finished = tx.get({std::string(history_auid), std::string(device), std::string(id) + ".json"});
            if (finished && *finished) {
                return make_error(errc::conflict, "job " + std::string(id) + " is finished already");
            }
            return make_error(errc::not_found, "no job " + std::string(id) + " for device " + std::string(device));
        }
        // A gate and the operation it holds go together.
        std::vector<job> both{std::move(**j)};
        const std::string partner = both.front().gate ? both.front().gate->for_job : both.front().held_by;
        if (!partner.empty()) {
            auto other = pending(partner);
            if (!other) {
                return std::move(other).err();
            }
            if (*other) {
                both.push_back(std::move(**other));
            }
        }
        for (auto& each : both) {
            if (each.state != job_state::queued && each.state != job_state::held) {
                return make_error(errc::conflict, "job " + each.id + " is in a session under way");
            }
        }
        for (auto& each : both) {
            each.state = job_state::cancelled;
            each.finished = now;
            auto all = writes(each);
            all.push_back(audit_write({now, std::string(actor), "cancel", each.device, each.id, {}}));
            auto refund = refund_writes(tx, each, "cancelled by " + std::string(actor), now);
            if (!refund) {
                return std::move(refund).err();
            }
            all.insert(all.end(), refund->begin(), refund->end());
            for (const auto& w : all) {
                auto applied = w.content ? tx.put(w.key, *w.content).has_value() : tx.remove(w.key).has_value();
                if (!applied) {
                    return make_error(errc::io, "the job could not be moved to the history");
                }
            }
        }
        out = std::move(both.front());
        return {};
    });
    if (!done) {
        return std::move(done).err();
    }
    return out;
}

} // namespace mcprov::dms
