#include "mcprov/xml/writer.hpp"

#include <algorithm>
#include <set>

#include "characters.hpp"
#include "mcprov/xml/document.hpp"

namespace mcprov::xml {
namespace {

using support::errc;
using support::make_error;

constexpr std::string_view xml_namespace = "http://www.w3.org/XML/1998/namespace";
constexpr std::string_view xmlns_namespace = "http://www.w3.org/2000/xmlns/";

void append_escaped_text(std::string& out, std::string_view value) {
    for (char c : value) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '\r':
            out += "&#13;";
            break;
        default:
            out.push_back(c);
        }
    }
}

void append_escaped_attribute(std::string& out, std::string_view value) {
    out += escape_attribute(value);
}

constexpr std::string_view white_space_characters = " \t\n";

std::string qualified(std::string_view prefix, std::string_view local_name) {
    std::string out;
    if (!prefix.empty()) {
        out.append(prefix);
        out.push_back(':');
    }
    out.append(local_name);
    return out;
}

} // namespace

bool is_xml_text(std::string_view text) noexcept {
    for (std::size_t at = 0; at < text.size();) {
        const auto c = detail::next_code_point(text, at);
        if (!c || !detail::is_xml_char(*c)) {
            return false;
        }
    }
    return true;
}

writer::writer(writer_options options) : options_(options) {
    out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
}

bool writer::fail(std::string what) {
    if (!error_) {
        error_ = make_error(errc::invalid_argument, "XML writer: " + what);
    }
    return false;
}

std::optional<std::string> writer::bound(std::string_view prefix) const {
    for (auto s = stack_.rbegin(); s != stack_.rend(); ++s) {
        for (const auto& [p, ns] : s->declared) {
            if (p == prefix) {
                return ns;
            }
        }
    }
    if (prefix == "xml") {
        return std::string(xml_namespace);
    }
    if (prefix.empty()) {
        return std::string();
    }
    return std::nullopt;
}

std::optional<std::string> writer::prefix_for(std::string_view ns) const {
    if (ns == xml_namespace) {
        return std::string("xml");
    }
    std::set<std::string_view> shadowed;
    for (auto s = stack_.rbegin(); s != stack_.rend(); ++s) {
        for (const auto& [p, uri] : s->declared) {
            if (!p.empty() && !shadowed.contains(p) && uri == ns) {
                return p;
            }
        }
        for (const auto& [p, uri] : s->declared) {
            shadowed.insert(p);
        }
    }
    return std::nullopt;
}

void writer::new_line(std::size_t depth) {
    if (options_.indent) {
        out_.push_back('\n');
        out_.append(depth * 2, ' ');
    }
}

void writer::close_start_tag() {
    if (tag_open_) {
        out_.push_back('>');
        tag_open_ = false;
        tag_attributes_.clear();
    }
}

void writer::write_attribute(std::string_view qname, std::string_view value) {
    out_.push_back(' ');
    out_.append(qname);
    out_ += "=\"";
    append_escaped_attribute(out_, value);
    out_.push_back('"');
}

writer& writer::start(std::string_view local_name) {
    if (stack_.empty()) {
        return start_in({}, local_name, {});
    }
    const scope& parent = stack_.back();
    return start_in(std::string(parent.ns), local_name, std::string(parent.prefix));
}

writer& writer::start_in(std::string_view ns, std::string_view local_name, std::string_view prefix) {
    if (error_) {
        return *this;
    }
    if (stack_.empty() && root_written_) {
        fail("a document has one root element");
        return *this;
    }
    if (auto problem = detail::ncname_problem(local_name)) {
        fail("element name: " + *problem);
        return *this;
    }
    if (!prefix.empty()) {
        if (auto problem = detail::ncname_problem(prefix)) {
            fail("prefix: " + *problem);
            return *this;
        }
        if (ns.empty() || prefix == "xmlns" || (prefix == "xml") != (ns == xml_namespace)) {
            fail("prefix \"" + std::string(prefix) + "\" cannot stand for namespace \"" + std::string(ns) + "\"");
            return *this;
        }
    }
    if (auto problem = detail::text_problem(ns)) {
        fail("namespace: " + *problem);
        return *this;
    }
    if (ns == xmlns_namespace || (ns == xml_namespace && prefix != "xml")) {
        fail("namespace \"" + std::string(ns) + "\" is reserved");
        return *this;
    }
    scope s{std::string(ns), std::string(prefix), qualified(prefix, local_name), {}, false, false};
    const auto in_scope = bound(prefix);
    if (!in_scope || *in_scope != ns) {
        s.declared.emplace_back(std::string(prefix), std::string(ns));
    }
    if (!stack_.empty()) {
        close_start_tag();
        stack_.back().has_children = true;
        if (!stack_.back().has_text) {
            new_line(stack_.size());
        }
    }
    out_.push_back('<');
    out_ += s.qname;
    for (const auto& [p, uri] : s.declared) {
        write_attribute(p.empty() ? "xmlns" : "xmlns:" + p, uri);
    }
    stack_.push_back(std::move(s));
    tag_open_ = true;
    root_written_ = true;
    return *this;
}

writer& writer::declare_namespace(std::string_view prefix, std::string_view ns) {
    if (error_) {
        return *this;
    }
    if (!tag_open_) {
        fail("declare_namespace only right after start");
        return *this;
    }
    if (auto problem = detail::ncname_problem(prefix)) {
        fail("prefix: " + *problem);
        return *this;
    }
    if (auto problem = detail::text_problem(ns)) {
        fail("namespace: " + *problem);
        return *this;
    }
    if (ns.empty() || prefix == "xml" || prefix == "xmlns" || ns == xml_namespace || ns == xmlns_namespace) {
        fail("prefix \"" + std::string(prefix) + "\" cannot be declared for \"" + std::string(ns) + "\"");
        return *this;
    }
    scope& s = stack_.back();
    if (prefix == s.prefix && ns != s.ns) {
        fail("prefix \"" + std::string(prefix) + "\" names the element's own namespace here");
        return *this;
    }
    for (const auto& [p, uri] : s.declared) {
        if (p == prefix) {
            if (uri != ns) {
                fail("prefix \"" + std::string(prefix) + "\" declared twice on one element");
            }
            return *this;
        }
    }
    if (auto in_scope = bound(prefix); in_scope && *in_scope == ns) {
        return *this;
    }
    s.declared.emplace_back(std::string(prefix), std::string(ns));
    write_attribute("xmlns:" + std::string(prefix), ns);
    return *this;
}

writer& writer::attribute(std::string_view local_name, std::string_view value) {
    return attribute_in({}, local_name, value);
}

writer& writer::attribute_in(std::string_view ns, std::string_view local_name, std::string_view value) {
    if (error_) {
        return *this;
    }
    if (!tag_open_) {
        fail("attribute only right after start");
        return *this;
    }
    if (auto problem = detail::ncname_problem(local_name)) {
        fail("attribute name: " + *problem);
        return *this;
    }
    if (auto problem = detail::text_problem(value)) {
        fail("attribute " + std::string(local_name) + ": " + *problem);
        return *this;
    }
    std::string prefix;
    if (!ns.empty()) {
        auto found = prefix_for(ns);
        if (!found) {
            fail("no prefix is declared for attribute namespace \"" + std::string(ns) + "\"");
            return *this;
        }
        prefix = std::move(*found);
    }
    for (const auto& [a_ns, a_name] : tag_attributes_) {
        if (a_ns == ns && a_name == local_name) {
            fail("attribute " + std::string(local_name) + " given twice");
            return *this;
        }
    }
    tag_attributes_.emplace_back(std::string(ns), std::string(local_name));
    write_attribute(qualified(prefix, local_name), value);
    return *this;
}

writer& writer::fragment(std::string_view serialized_element) {
    if (error_) {
        return *this;
    }
    if (stack_.empty()) {
        fail("a fragment outside the root element");
        return *this;
    }
    if (!serialized_element.starts_with('<') || !serialized_element.ends_with('>')) {
        fail("a fragment in " + stack_.back().qname + " is not an element");
        return *this;
    }
    close_start_tag();
    stack_.back().has_children = true;
    if (!stack_.back().has_text) {
        new_line(stack_.size());
    }
    out_.append(serialized_element);
    return *this;
}

writer& writer::text(std::string_view value) {
    if (error_) {
        return *this;
    }
    if (stack_.empty()) {
        fail("text outside the root element");
        return *this;
    }
    if (auto problem = detail::text_problem(value)) {
        fail("text in " + stack_.back().qname + ": " + *problem);
        return *this;
    }
    if (value.size() > options_.max_bytes - std::min(options_.max_bytes, out_.size())) {
        error_ = make_error(errc::too_large,
                            "XML writer: the document grows beyond " + std::to_string(options_.max_bytes) + " bytes");
        return *this;
    }
    close_start_tag();
    if (!value.empty()) {
        stack_.back().has_text = true;
    }
    if (options_.escape_text_as_attribute) {
        append_escaped_attribute(out_, value);
    } else {
        append_escaped_text(out_, value);
    }
    return *this;
}

writer& writer::white_space(std::string_view spaces) {
    if (error_) {
        return *this;
    }
    if (stack_.empty()) {
        fail("white space outside the root element");
        return *this;
    }
    if (spaces.find_first_not_of(white_space_characters) != std::string_view::npos) {
        fail("white space in " + stack_.back().qname + " holds another character");
        return *this;
    }
    if (spaces.size() > options_.max_bytes - std::min(options_.max_bytes, out_.size())) {
        error_ = make_error(errc::too_large,
                            "XML writer: the document grows beyond " + std::to_string(options_.max_bytes) + " bytes");
        return *this;
    }
    close_start_tag();
    out_.append(spaces);
    return *this;
}

writer& writer::end() {
    if (error_) {
        return *this;
    }
    if (stack_.empty()) {
        fail("end without an element to end");
        return *this;
    }
    if (tag_open_) {
        out_ += "/>";
        tag_open_ = false;
        tag_attributes_.clear();
    } else {
        const scope& s = stack_.back();
        if (s.has_children && !s.has_text) {
            new_line(stack_.size() - 1);
        }
        out_ += "</";
        out_ += s.qname;
        out_.push_back('>');
    }
    stack_.pop_back();
    return *this;
}

writer& writer::leaf(std::string_view local_name, std::string_view value) {
    start(local_name);
    if (!value.empty()) {
        text(value);
    }
    return end();
}

support::result<std::string> writer::finish() {
    if (error_) {
        return *error_;
    }
    if (!root_written_) {
        return make_error(errc::invalid_argument, "XML writer: no root element");
    }
    if (!stack_.empty()) {
        return make_error(errc::invalid_argument, "XML writer: " + std::to_string(stack_.size()) +
                                                      " element(s) not ended, innermost " + stack_.back().qname);
    }
    out_.push_back('\n');
    if (out_.size() > options_.max_bytes) {
        return make_error(errc::too_large, "XML writer: the document has " + std::to_string(out_.size()) +
                                               " bytes, more than " + std::to_string(options_.max_bytes));
    }
    return std::move(out_);
}

} // namespace mcprov::xml
