#include <algorithm>
#include <charconv>

#include "mcprov/syncml/message.hpp"
#include "mcprov/xml/document.hpp"
#include "mcprov/xml/element.hpp"
#include "mcprov/xml/writer.hpp"

namespace mcprov::syncml {
namespace {

using support::errc;
using support::make_error;
using support::result;

constexpr std::string_view syncml_12_public_id = "-//SYNCML//DTD SyncML 1.2//EN";

struct named_command {
    command_name name;
    std::string_view element;
};
constexpr named_command command_names[] = {
    {command_name::add, "Add"},         {command_name::alert, "Alert"},     {command_name::atomic, "Atomic"},
    {command_name::copy, "Copy"},       {command_name::delete_, "Delete"},  {command_name::exec, "Exec"},
    {command_name::get, "Get"},         {command_name::replace, "Replace"}, {command_name::results, "Results"},
    {command_name::sequence, "Sequence"}, {command_name::status, "Status"},
};

// Messages from deployed clients (and libwbxml's XML) carry SyncML 1.2's DOCTYPE. The parser takes none, so the one
// without an internal subset is blanked (same length, lines kept); any other DOCTYPE is left for the parser to refuse.
std::string without_syncml_doctype(std::string_view bytes) {
    std::string text(bytes);
    std::size_t at = 0;
    if (text.starts_with("<?xml")) {
        at = text.find("?>");
        if (at == std::string::npos) {
            return text;
        }
        at += 2;
    }
    at = text.find_first_not_of(" \t\r\n", at);
    if (at == std::string::npos || text.compare(at, 9, "<!DOCTYPE") != 0) {
        return text;
    }
    const auto end = text.find('>', at);
    if (end == std::string::npos) {
        return text;
    }
    const std::string_view declaration(text.data() + at, end - at + 1);
    if (declaration.find('[') != std::string_view::npos || declaration.find(syncml_12_public_id) == std::string_view::npos ||
        !declaration.starts_with("<!DOCTYPE SyncML ")) {
        return text;
    }
    std::replace_if(text.begin() + static_cast<std::ptrdiff_t>(at), text.begin() + static_cast<std::ptrdiff_t>(end + 1),
                    [](char c) { return c != '\n'; }, ' ');
    return text;
}

// Children are found by local name: SyncML elements may come in SyncML's namespace or none, MetInf ones in
// syncml:metinf or (from some clients) SyncML's.
xml::element child(xml::element parent, std::string_view name) {
    for (auto c : parent.children()) {
        if (c.local_name() == name) {
            return c;
        }
    }
    return {};
}

class reader {
public:
    explicit reader(const decode_limits& limits) : limits_(limits) {}

    result<message> read(xml::element root) {
        if (root.local_name() != "SyncML" ||
            (root.namespace_uri() != syncml_namespace && !root.namespace_uri().empty())) {
            return fail("the root element must be SyncML in namespace SYNCML:SYNCML1.2");
        }
        message m;
        const auto hdr = child(root, "SyncHdr");
        if (!hdr) {
            return fail("SyncHdr is missing");
        }
        read_header(hdr, m.header);
        const auto body = child(root, "SyncBody");
        if (!body) {
            return fail("SyncBody is missing");
        }
        for (auto c : body.children()) {
            if (c.local_name() == "Final") {
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
    support::error fail(std::string message) const { return make_error(errc::invalid_argument, std::move(message)); }

    void problem(xml::element at, std::string what, errc code = errc::invalid_argument) {
        if (!error_) {
            error_ = make_error(code, "line " + std::to_string(at.line()) + ": " + what);
        }
    }

    // The text of a leaf: no markup inside.
    std::string leaf_text(xml::element e, bool trim) {
        if (e.child_count() != 0) {
            problem(e, std::string(e.local_name()) + " holds markup: escape it, or use CDATA");
            return {};
        }
        return trim ? e.trimmed_text() : e.text();
    }

    std::optional<std::string> optional_text(xml::element parent, std::string_view name, bool trim = true) {
        auto e = child(parent, name);
        return e ? std::optional<std::string>(leaf_text(e, trim)) : std::nullopt;
    }

    std::string required_text(xml::element parent, std::string_view name) {
        auto e = child(parent, name);
        if (!e) {
            problem(parent, std::string(parent.local_name()) + " needs " + std::string(name));
            return {};
        }
        auto text = leaf_text(e, true);
        if (text.empty()) {
            problem(e, std::string(name) + " is empty");
        }
        return text;
    }

    std::optional<std::uint64_t> number(xml::element parent, std::string_view name) {
        auto text = optional_text(parent, name);
        if (!text) {
            return std::nullopt;
        }
        std::uint64_t value = 0;
        auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
        if (text->empty() || ec != std::errc() || end != text->data() + text->size()) {
            problem(child(parent, name), std::string(name) + " must be a whole number, not '" + *text + "'");
            return std::nullopt;
        }
        return value;
    }

    std::optional<std::string> loc_uri(xml::element parent, std::string_view name, std::string* loc_name = nullptr) {
        auto e = child(parent, name);
        if (!e) {
            return std::nullopt;
        }
        if (loc_name) {
            *loc_name = optional_text(e, "LocName").value_or("");
        }
        return required_text(e, "LocURI");
    }

    meta read_meta(xml::element e) {
        meta m;
        if (!e) {
            return m;
        }
        m.format = optional_text(e, "Format");
        m.type = optional_text(e, "Type");
        m.mark = optional_text(e, "Mark");
        m.size = number(e, "Size");
        m.next_nonce = optional_text(e, "NextNonce");
        m.max_msg_size = number(e, "MaxMsgSize");
        m.max_obj_size = number(e, "MaxObjSize");
        return m;
    }

    void read_header(xml::element e, header& h) {
        h.ver_dtd = required_text(e, "VerDTD");
        h.ver_proto = required_text(e, "VerProto");
        h.session_id = required_text(e, "SessionID");
        h.msg_id = required_text(e, "MsgID");
        if (!child(e, "Target") || !child(e, "Source")) {
            problem(e, "SyncHdr needs Target and Source");
        }
        h.target = loc_uri(e, "Target", &h.target_name).value_or("");
        h.source = loc_uri(e, "Source", &h.source_name).value_or("");
        h.resp_uri = optional_text(e, "RespURI");
        h.no_resp = static_cast<bool>(child(e, "NoResp"));
        if (auto cred = child(e, "Cred")) {
            h.cred = credential{read_meta(child(cred, "Meta")), required_text(cred, "Data")};
        }
        h.meta = read_meta(child(e, "Meta"));
    }

    item read_item(xml::element e) {
        count(e);
        item i;
        i.target = loc_uri(e, "Target");
        i.source = loc_uri(e, "Source");
        i.meta = read_meta(child(e, "Meta"));
        i.data = optional_text(e, "Data", false);
        i.more_data = static_cast<bool>(child(e, "MoreData"));
        return i;
    }

    void count(xml::element e) {
        if (++counted_ == limits_.max_commands + 1) {
            problem(e, "more than " + std::to_string(limits_.max_commands) + " commands and items", errc::too_large);
        }
    }

    command read_command(xml::element e) {
        count(e);
        command c;
        const auto name = e.local_name();
        auto known = std::find_if(std::begin(command_names), std::end(command_names),
                                  [&](const named_command& n) { return n.element == name; });
        c.name = known == std::end(command_names) ? command_name::other : known->name;
        if (c.name == command_name::other) {
            c.other_name = std::string(name);
        }
        c.cmd_id = required_text(e, "CmdID");
        c.no_resp = static_cast<bool>(child(e, "NoResp"));
        if (c.name != command_name::status && c.name != command_name::alert) {
            c.meta = read_meta(child(e, "Meta"));
        }
        c.correlator = optional_text(e, "Correlator");
        if (c.name == command_name::status || c.name == command_name::results) {
            c.msg_ref = optional_text(e, "MsgRef").value_or("");
            c.cmd_ref = required_text(e, "CmdRef");
        }
        if (c.name == command_name::status) {
            c.cmd = required_text(e, "Cmd");
            c.data = required_text(e, "Data");
            if (auto chal = child(e, "Chal")) {
                c.chal = read_meta(child(chal, "Meta"));
            }
        } else if (c.name == command_name::alert) {
            c.data = required_text(e, "Data");
        }
        for (auto x : e.children()) {
            const auto n = x.local_name();
            if (n == "Item") {
                c.items.push_back(read_item(x));
            } else if (n == "TargetRef") {
                c.target_refs.push_back(leaf_text(x, true));
            } else if (n == "SourceRef") {
                c.source_refs.push_back(leaf_text(x, true));
            } else if ((c.name == command_name::atomic || c.name == command_name::sequence) && n != "CmdID" &&
                       n != "NoResp" && n != "Meta" && n != "Cred") {
                c.commands.push_back(read_command(x));
            }
        }
        return c;
    }

    const decode_limits& limits_;
    std::size_t counted_ = 0;
    std::optional<support::error> error_;
};

class writer_of {
public:
    result<std::string> write(const message& m) {
        w_.start_in(syncml_namespace, "SyncML");
        write_header(m.header);
        w_.start("SyncBody");
        for (const auto& c : m.commands) {
            write_command(c);
        }
        if (m.final) {
            w_.start("Final").end();
        }
        w_.end().end();
        return w_.finish();
    }

private:
    void optional_leaf(std::string_view name, const std::optional<std::string>& value) {
        if (value) {
            w_.leaf(name, *value);
        }
    }

    void metinf(std::string_view name, const std::optional<std::string>& value) {
        if (value) {
            w_.start_in(metinf_namespace, name).text(*value).end();
        }
    }

    void metinf(std::string_view name, const std::optional<std::uint64_t>& value) {
        if (value) {
            metinf(name, std::optional<std::string>(std::to_string(*value)));
        }
    }

    void write_meta(const meta& m) {
        if (m.empty()) {
            return;
        }
        w_.start("Meta");
        metinf("Format", m.format);
        metinf("Type", m.type);
        metinf("Mark", m.mark);
        metinf("Size", m.size);
        metinf("NextNonce", m.next_nonce);
        metinf("MaxMsgSize", m.max_msg_size);
        metinf("MaxObjSize", m.max_obj_size);
        w_.end();
    }

    void location(std::string_view name, const std::string& uri, const std::string& loc_name = {}) {
        w_.start(name).leaf("LocURI", uri);
        if (!loc_name.empty()) {
            w_.leaf("LocName", loc_name);
        }
        w_.end();
    }

    void write_header(const header& h) {
        w_.start("SyncHdr").leaf("VerDTD", h.ver_dtd).leaf("VerProto", h.ver_proto).leaf("SessionID", h.session_id);
        w_.leaf("MsgID", h.msg_id);
        location("Target", h.target, h.target_name);
        location("Source", h.source, h.source_name);
        optional_leaf("RespURI", h.resp_uri);
        if (h.no_resp) {
            w_.start("NoResp").end();
        }
        if (h.cred) {
            w_.start("Cred");
            write_meta(h.cred->meta);
            w_.leaf("Data", h.cred->data).end();
        }
        write_meta(h.meta);
        w_.end();
    }

    void write_item(const item& i) {
        w_.start("Item");
        if (i.target) {
            location("Target", *i.target);
        }
        if (i.source) {
            location("Source", *i.source);
        }
        write_meta(i.meta);
        optional_leaf("Data", i.data);
        if (i.more_data) {
            w_.start("MoreData").end();
        }
        w_.end();
    }

    void write_command(const command& c) {
        w_.start(c.name == command_name::other ? std::string_view(c.other_name) : to_string(c.name));
        w_.leaf("CmdID", c.cmd_id);
        if (c.name == command_name::status || c.name == command_name::results) {
            if (!c.msg_ref.empty()) {
                w_.leaf("MsgRef", c.msg_ref);
            }
            w_.leaf("CmdRef", c.cmd_ref);
        }
        if (c.name == command_name::status) {
            w_.leaf("Cmd", c.cmd);
        }
        if (c.no_resp) {
            w_.start("NoResp").end();
        }
        if (c.name == command_name::results) {
            write_meta(c.meta);
        }
        for (const auto& r : c.target_refs) {
            w_.leaf("TargetRef", r);
        }
        for (const auto& r : c.source_refs) {
            w_.leaf("SourceRef", r);
        }
        if (c.chal) {
            w_.start("Chal");
            write_meta(*c.chal);
            w_.end();
        }
        if (c.name != command_name::results && c.name != command_name::status && c.name != command_name::alert) {
            write_meta(c.meta);
        }
        optional_leaf("Data", c.data);
        optional_leaf("Correlator", c.correlator);
        for (const auto& i : c.items) {
            write_item(i);
        }
        for (const auto& inner : c.commands) {
            write_command(inner);
        }
        w_.end();
    }

    xml::writer w_;
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

result<message> decode_xml(std::string_view bytes, const decode_limits& limits) {
    if (bytes.size() > limits.max_bytes) {
        return make_error(errc::too_large, "a message is at most " + std::to_string(limits.max_bytes) + " bytes");
    }
    auto doc = xml::parse(without_syncml_doctype(bytes), {limits.max_bytes, limits.max_depth});
    if (!doc) {
        return std::move(doc).err();
    }
    return reader(limits).read(doc->root());
}

result<std::string> encode_xml(const message& m) {
    return writer_of().write(m);
}

} // namespace mcprov::syncml
