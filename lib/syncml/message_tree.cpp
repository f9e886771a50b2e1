#include <algorithm>
#include <charconv>

#include "tree.hpp"

namespace mcprov::syncml {
namespace {

using detail::node;
using support::errc;
using support::make_error;
using support::result;

struct named_command {
    command_name name;
    std::string_view element;
};
constexpr named_command command_names[] = {
    {command_name::add, "Add"},           {command_name::alert, "Alert"},     {command_name::atomic, "Atomic"},
    {command_name::copy, "Copy"},         {command_name::delete_, "Delete"},  {command_name::exec, "Exec"},
    {command_name::get, "Get"},           {command_name::replace, "Replace"}, {command_name::results, "Results"},
    {command_name::sequence, "Sequence"}, {command_name::status, "Status"},
};

constexpr std::string_view metinf_elements[] = {"Anchor",     "EMI",  "Format", "FreeID",    "FreeMem",   "Last",
                                                "Mark",       "MaxMsgSize", "Mem",    "MetInf",    "Next",
                                                "NextNonce",  "SharedMem",  "Size",   "Type",      "Version",
                                                "MaxObjSize", "FieldLevel"};

std::string_view trimmed(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

class reader {
public:
    explicit reader(const decode_limits& limits) : limits_(limits) {}

    result<message> read(const node& root) {
        if (root.name != "SyncML") {
            return make_error(errc::invalid_argument, "the root element must be SyncML");
        }
        message m;
        const auto* hdr = root.child("SyncHdr");
        if (!hdr) {
            return make_error(errc::invalid_argument, "SyncHdr is missing");
        }
        read_header(*hdr, m.header);
        const auto* body = root.child("SyncBody");
        if (!body) {
            return make_error(errc::invalid_argument, "SyncBody is missing");
        }
        for (const auto& c : body->children) {
            if (c.name == "Final") {
                m.final = true;
                continue;
            }
            m.commands.push_back(read_command(c));
        }
        if (error_) {
            return std::move(*error_);
        }
        return m;
    }

private:
    void problem(const node& at, std::string what, errc code = errc::invalid_argument) {
        if (!error_) {
            error_ = make_error(code, (at.line ? "line " + std::to_string(at.line) + ": " : std::string()) + what);
        }
    }

    // The text of a leaf: no markup inside.
    std::string leaf_text(const node& e, bool trim) {
        if (!e.children.empty()) {
            problem(e, e.name + " holds markup: escape it, or use CDATA");
            return {};
        }
        return trim ? std::string(trimmed(e.text)) : e.text;
    }

    std::optional<std::string> optional_text(const node& parent, std::string_view name, bool trim = true) {
        const auto* e = parent.child(name);
        return e ? std::optional<std::string>(leaf_text(*e, trim)) : std::nullopt;
    }

    std::string required_text(const node& parent, std::string_view name) {
        const auto* e = parent.child(name);
        if (!e) {
            problem(parent, parent.name + " needs " + std::string(name));
            return {};
        }
        auto text = leaf_text(*e, true);
        if (text.empty()) {
            problem(*e, std::string(name) + " is empty");
        }
        return text;
    }

    std::optional<std::uint64_t> number(const node& parent, std::string_view name) {
        auto text = optional_text(parent, name);
        if (!text) {
            return std::nullopt;
        }
        std::uint64_t value = 0;
        auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
        if (text->empty() || ec != std::errc() || end != text->data() + text->size()) {
            problem(*parent.child(name), std::string(name) + " must be a whole number, not '" + *text + "'");
            return std::nullopt;
        }
        return value;
    }

    std::optional<std::string> loc_uri(const node& parent, std::string_view name, std::string* loc_name = nullptr) {
        const auto* e = parent.child(name);
        if (!e) {
            return std::nullopt;
        }
        if (loc_name) {
            *loc_name = optional_text(*e, "LocName").value_or("");
        }
        return required_text(*e, "LocURI");
    }

    meta read_meta(const node* e) {
        meta m;
        if (!e) {
            return m;
        }
        m.format = optional_text(*e, "Format");
        m.type = optional_text(*e, "Type");
        m.mark = optional_text(*e, "Mark");
        m.size = number(*e, "Size");
        m.next_nonce = optional_text(*e, "NextNonce");
        m.max_msg_size = number(*e, "MaxMsgSize");
        m.max_obj_size = number(*e, "MaxObjSize");
        m.emi = optional_text(*e, "EMI");
        return m;
    }

    void read_header(const node& e, header& h) {
        h.ver_dtd = required_text(e, "VerDTD");
        h.ver_proto = required_text(e, "VerProto");
        h.session_id = required_text(e, "SessionID");
        h.msg_id = required_text(e, "MsgID");
        if (!e.child("Target") || !e.child("Source")) {
            problem(e, "SyncHdr needs Target and Source");
        }
        h.target = loc_uri(e, "Target", &h.target_name).value_or("");
        h.source = loc_uri(e, "Source", &h.source_name).value_or("");
        h.resp_uri = optional_text(e, "RespURI");
        h.no_resp = e.child("NoResp") != nullptr;
        if (const auto* cred = e.child("Cred")) {
            h.cred = credential{read_meta(cred->child("Meta")), required_text(*cred, "Data")};
        }
        h.meta = read_meta(e.child("Meta"));
    }

    void count(const node& e) {
        if (++counted_ == limits_.max_commands + 1) {
            problem(e, "more than " + std::to_string(limits_.max_commands) + " commands and items", errc::too_large);
        }
    }

    item read_item(const node& e) {
        count(e);
        item i;
        i.target = loc_uri(e, "Target");
        i.source = loc_uri(e, "Source");
        i.meta = read_meta(e.child("Meta"));
        i.data = optional_text(e, "Data", false);
        i.more_data = e.child("MoreData") != nullptr;
        return i;
    }

    command read_command(const node& e) {
        count(e);
        command c;
        auto known = std::find_if(std::begin(command_names), std::end(command_names),
                                  [&](const named_command& n) { return n.element == e.name; });
        c.name = known == std::end(command_names) ? command_name::other : known->name;
        if (c.name == command_name::other) {
            c.other_name = e.name;
        }
        c.cmd_id = required_text(e, "CmdID");
        c.no_resp = e.child("NoResp") != nullptr;
        if (c.name != command_name::status && c.name != command_name::alert) {
            c.meta = read_meta(e.child("Meta"));
        }
        c.correlator = optional_text(e, "Correlator");
        if (c.name == command_name::status || c.name == command_name::results) {
            c.msg_ref = optional_text(e, "MsgRef").value_or("");
            c.cmd_ref = required_text(e, "CmdRef");
        }
        if (c.name == command_name::status) {
            c.cmd = required_text(e, "Cmd");
            c.data = required_text(e, "Data");
            if (const auto* chal = e.child("Chal")) {
                c.chal = read_meta(chal->child("Meta"));
            }
        } else if (c.name == command_name::alert) {
            c.data = required_text(e, "Data");
        }
        const bool container = c.name == command_name::atomic || c.name == command_name::sequence;
        for (const auto& x : e.children) {
            if (x.name == "Item") {
                c.items.push_back(read_item(x));
            } else if (x.name == "TargetRef") {
                c.target_refs.push_back(leaf_text(x, true));
            } else if (x.name == "SourceRef") {
                c.source_refs.push_back(leaf_text(x, true));
            } else if (container && x.name != "CmdID" && x.name != "NoResp" && x.name != "Meta" && x.name != "Cred") {
                c.commands.push_back(read_command(x));
            }
        }
        return c;
    }

    const decode_limits& limits_;
    std::size_t counted_ = 0;
    std::optional<support::error> error_;
};

// Builds the tree in the DTD's order.
class builder {
public:
    node build(const message& m) {
        node root{"SyncML"};
        root.children.push_back(header_node(m.header));
        node body{"SyncBody"};
        for (const auto& c : m.commands) {
            body.children.push_back(command_node(c));
        }
        if (m.final) {
            body.children.push_back(node{"Final"});
        }
        root.children.push_back(std::move(body));
        return root;
    }

private:
    static node leaf(std::string_view name, std::string text) {
        node n{std::string(name)};
        n.metinf = detail::is_metinf_element(name);
        n.text = std::move(text);
        return n;
    }

    static void add(node& parent, std::string_view name, const std::optional<std::string>& value) {
        if (value) {
            parent.children.push_back(leaf(name, *value));
        }
    }

    static void add(node& parent, std::string_view name, const std::optional<std::uint64_t>& value) {
        if (value) {
            parent.children.push_back(leaf(name, std::to_string(*value)));
        }
    }

    static void add_meta(node& parent, const meta& m) {
        if (m.empty()) {
            return;
        }
        node n{"Meta"};
        add(n, "Format", m.format);
        add(n, "Type", m.type);
        add(n, "Mark", m.mark);
        add(n, "Size", m.size);
        add(n, "NextNonce", m.next_nonce);
        add(n, "MaxMsgSize", m.max_msg_size);
        add(n, "MaxObjSize", m.max_obj_size);
        add(n, "EMI", m.emi);
        parent.children.push_back(std::move(n));
    }

    static node location(std::string_view name, const std::string& uri, const std::string& loc_name = {}) {
        node n{std::string(name)};
        n.children.push_back(leaf("LocURI", uri));
        if (!loc_name.empty()) {
            n.children.push_back(leaf("LocName", loc_name));
        }
        return n;
    }

    static node header_node(const header& h) {
        node n{"SyncHdr"};
        n.children.push_back(leaf("VerDTD", h.ver_dtd));
        n.children.push_back(leaf("VerProto", h.ver_proto));
        n.children.push_back(leaf("SessionID", h.session_id));
        n.children.push_back(leaf("MsgID", h.msg_id));
        n.children.push_back(location("Target", h.target, h.target_name));
        n.children.push_back(location("Source", h.source, h.source_name));
        add(n, "RespURI", h.resp_uri);
        if (h.no_resp) {
            n.children.push_back(node{"NoResp"});
        }
        if (h.cred) {
            node cred{"Cred"};
            add_meta(cred, h.cred->meta);
            cred.children.push_back(leaf("Data", h.cred->data));
            n.children.push_back(std::move(cred));
        }
        add_meta(n, h.meta);
        return n;
    }

    static node item_node(const item& i) {
        node n{"Item"};
        if (i.target) {
            n.children.push_back(location("Target", *i.target));
        }
        if (i.source) {
            n.children.push_back(location("Source", *i.source));
        }
        add_meta(n, i.meta);
        add(n, "Data", i.data);
        if (i.more_data) {
            n.children.push_back(node{"MoreData"});
        }
        return n;
    }

    static node command_node(const command& c) {
        node n{c.name == command_name::other ? c.other_name : std::string(to_string(c.name))};
        n.children.push_back(leaf("CmdID", c.cmd_id));
        if (c.name == command_name::status || c.name == command_name::results) {
            if (!c.msg_ref.empty()) {
                n.children.push_back(leaf("MsgRef", c.msg_ref));
            }
            n.children.push_back(leaf("CmdRef", c.cmd_ref));
        }
        if (c.name == command_name::status) {
            n.children.push_back(leaf("Cmd", c.cmd));
        }
        if (c.no_resp) {
            n.children.push_back(node{"NoResp"});
        }
        if (c.name == command_name::results) {
            add_meta(n, c.meta);
        }
        for (const auto& r : c.target_refs) {
            n.children.push_back(leaf("TargetRef", r));
        }
        for (const auto& r : c.source_refs) {
            n.children.push_back(leaf("SourceRef", r));
        }
        if (c.chal) {
            node chal{"Chal"};
            add_meta(chal, *c.chal);
            n.children.push_back(std::move(chal));
        }
        if (c.name != command_name::results && c.name != command_name::status && c.name != command_name::alert) {
            add_meta(n, c.meta);
        }
        add(n, "Data", c.data);
        add(n, "Correlator", c.correlator);
        for (const auto& i : c.items) {
            n.children.push_back(item_node(i));
        }
        for (const auto& inner : c.commands) {
            n.children.push_back(command_node(inner));
        }
        return n;
    }
};

} // namespace

std::string_view to_string(command_name name) {
    for (const auto& n : command_names) {
        if (n.name == name) {
            return n.element;
        }
    }
    return "";
}

command status_for(const message& to, const command& c, unsigned code) {
    command s;
    s.name = command_name::status;
    s.msg_ref = to.header.msg_id;
    s.cmd_ref = c.cmd_id;
    s.cmd = c.name == command_name::other ? c.other_name : std::string(to_string(c.name));
    for (const auto& i : c.items) {
        if (i.target) {
            s.target_refs.push_back(*i.target);
        }
        if (i.source) {
            s.source_refs.push_back(*i.source);
        }
    }
    s.data = std::to_string(code);
    return s;
}

command header_status(const message& to, unsigned code) {
    command s;
    s.name = command_name::status;
    s.msg_ref = to.header.msg_id;
    s.cmd_ref = "0";
    s.cmd = "SyncHdr";
    s.target_refs = {to.header.target};
    s.source_refs = {to.header.source};
    s.data = std::to_string(code);
    return s;
}

namespace detail {

bool is_metinf_element(std::string_view name) {
    return std::find(std::begin(metinf_elements), std::end(metinf_elements), name) != std::end(metinf_elements);
}

result<message> message_from_tree(const node& root, const decode_limits& limits) {
    return reader(limits).read(root);
}

node tree_from_message(const message& m) {
    return builder().build(m);
}

} // namespace detail
std::size_t encoded_size(const command& c) {
    message probe;
    probe.header.session_id = probe.header.msg_id = probe.header.target = probe.header.source = "1";
    probe.commands.push_back(c);
    auto text = encode_xml(probe);
    return text ? text->size() : SIZE_MAX / 4;
}

std::size_t chunk_end(std::string_view data, std::size_t offset, std::size_t budget) {
    auto end = std::min(data.size(), offset + std::max<std::size_t>(budget, 1));
    while (end > offset + 1 && end < data.size() && (static_cast<unsigned char>(data[end]) & 0xC0) == 0x80) {
        --end;
    }
    return end;
}

} // namespace mcprov::syncml
