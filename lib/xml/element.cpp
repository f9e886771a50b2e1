#include "mcprov/xml/element.hpp"

#include <libxml/tree.h>

#include "libxml_access.hpp"

namespace mcprov::xml {
namespace {

using support::errc;
using support::make_error;

std::string_view as_view(const xmlChar* text) noexcept {
    return text == nullptr ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(text));
}

const xmlChar* as_xml(const std::string& text) noexcept {
    return reinterpret_cast<const xmlChar*>(text.c_str());
}

bool is_element_node(const xmlNode* n) noexcept {
    return n != nullptr && n->type == XML_ELEMENT_NODE;
}

bool is_text_node(const xmlNode* n) noexcept {
    return n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE;
}

bool matches(const xmlNode* n, std::string_view ns, std::string_view name) noexcept {
    return is_element_node(n) && as_view(n->name) == name &&
           (n->ns != nullptr ? as_view(n->ns->href) : std::string_view{}) == ns;
}

xmlNodePtr first_element_from(xmlNodePtr n) noexcept {
    while (n != nullptr && n->type != XML_ELEMENT_NODE) {
        n = n->next;
    }
    return n;
}

xmlNodePtr first_match_from(xmlNodePtr n, std::string_view ns, std::string_view name) noexcept {
    while (n != nullptr && !matches(n, ns, name)) {
        n = n->next;
    }
    return n;
}

// The text and CDATA below `top` in document order, without recursion; false as soon as more than max bytes.
bool collect_text(const xmlNode* top, std::size_t max, std::string& out) {
    const xmlNode* n = top->children;
    while (n != nullptr) {
        if (is_text_node(n)) {
            const auto piece = as_view(n->content);
            if (piece.size() > max - out.size()) {
                return false;
            }
            out.append(piece);
        }
        if (n->type == XML_ELEMENT_NODE && n->children != nullptr) {
            n = n->children;
            continue;
        }
        while (n != top && n->next == nullptr) {
            n = n->parent;
        }
        n = n == top ? nullptr : n->next;
    }
    return true;
}

std::string attribute_value(const xmlAttr* a) {
    std::string out;
    for (const xmlNode* c = a->children; c != nullptr; c = c->next) {
        if (c->type == XML_TEXT_NODE) {
            out.append(as_view(c->content));
        }
    }
    return out;
}

const xmlAttr* find_attribute(const xmlNode* n, std::string_view ns, std::string_view name) noexcept {
    for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) {
        const auto a_ns = a->ns != nullptr ? as_view(a->ns->href) : std::string_view{};
        if (as_view(a->name) == name && a_ns == ns) {
            return a;
        }
    }
    return nullptr;
}

xmlNodePtr raw(element e) noexcept {
    return detail::libxml_node(e);
}

element wrap(xmlNodePtr n) noexcept {
    return detail::access::wrap(n);
}

} // namespace

std::string_view element::local_name() const noexcept {
    const xmlNodePtr self = raw(*this);
    return self == nullptr ? std::string_view{} : as_view(self->name);
}

std::string_view element::namespace_uri() const noexcept {
    const xmlNodePtr self = raw(*this);
    return self == nullptr || self->ns == nullptr ? std::string_view{} : as_view(self->ns->href);
}

std::string_view element::prefix() const noexcept {
    const xmlNodePtr self = raw(*this);
    return self == nullptr || self->ns == nullptr || self->ns->prefix == nullptr ? std::string_view{}
                                                                                 : as_view(self->ns->prefix);
}

bool element::is(std::string_view ns, std::string_view name) const noexcept {
    return matches(raw(*this), ns, name);
}

support::result<std::string> element::serialize(std::size_t max_bytes) const {
    const xmlNodePtr self = raw(*this);
    if (self == nullptr) {
        return std::string();
    }
    xmlBufferPtr buffer = xmlBufferCreate();
    if (buffer == nullptr) {
        return make_error(errc::internal, "out of memory");
    }
    const int size = xmlNodeDump(buffer, self->doc, self, 0, 0);
    std::string out = size < 0 ? std::string() : std::string(reinterpret_cast<const char*>(xmlBufferContent(buffer)),
                                                             static_cast<std::size_t>(xmlBufferLength(buffer)));
    xmlBufferFree(buffer);
    if (size < 0) {
        return make_error(errc::internal, "the element cannot be serialised");
    }
    if (out.size() > max_bytes) {
        return make_error(errc::too_large, std::string(local_name()) + " is longer than " + std::to_string(max_bytes) +
                                               " bytes");
    }
    return out;
}

std::string element::text() const {
    const xmlNodePtr self = raw(*this);
    std::string out;
    if (self != nullptr) {
        collect_text(self, out.max_size(), out);
    }
    return out;
}

support::result<std::string> element::text(std::size_t max_bytes) const {
    const xmlNodePtr self = raw(*this);
    std::string out;
    if (self != nullptr && !collect_text(self, max_bytes, out)) {
        return make_error(errc::too_large, "line " + std::to_string(line()) + ": the text of " +
                                               std::string(local_name()) + " is longer than " +
                                               std::to_string(max_bytes) + " bytes");
    }
    return out;
}

std::string element::trimmed_text() const {
    std::string out = text();
    constexpr std::string_view space = " \t\r\n";
    const auto first = out.find_first_not_of(space);
    if (first == std::string::npos) {
        return {};
    }
    const auto last = out.find_last_not_of(space);
    return out.substr(first, last - first + 1);
}

std::string element::own_text() const {
    const xmlNodePtr self = raw(*this);
    std::string out;
    for (const xmlNode* c = self != nullptr ? self->children : nullptr; c != nullptr; c = c->next) {
        if (is_text_node(c)) {
            out.append(as_view(c->content));
        }
    }
    return out;
}

std::optional<std::string> element::attribute(std::string_view name) const {
    return attribute({}, name);
}

std::optional<std::string> element::attribute(std::string_view ns, std::string_view name) const {
    const xmlNodePtr self = raw(*this);
    if (self == nullptr) {
        return std::nullopt;
    }
    const xmlAttr* a = find_attribute(self, ns, name);
    if (a == nullptr) {
        return std::nullopt;
    }
    return attribute_value(a);
}

std::vector<attribute_entry> element::attributes() const {
    const xmlNodePtr self = raw(*this);
    std::vector<attribute_entry> out;
    for (const xmlAttr* a = self != nullptr ? self->properties : nullptr; a != nullptr; a = a->next) {
        out.push_back({std::string(a->ns != nullptr ? as_view(a->ns->href) : std::string_view{}),
                       std::string(as_view(a->name)), attribute_value(a)});
    }
    return out;
}

std::optional<std::string> element::namespace_for_prefix(std::string_view prefix) const {
    const xmlNodePtr self = raw(*this);
    if (self == nullptr) {
        return std::nullopt;
    }
    const std::string p(prefix);
    xmlNsPtr ns = xmlSearchNs(self->doc, self, prefix.empty() ? nullptr : as_xml(p));
    if (ns == nullptr || ns->href == nullptr || (prefix.empty() && *ns->href == '\0')) {
        return std::nullopt;
    }
    return std::string(as_view(ns->href));
}

element element::first_child() const noexcept {
    const xmlNodePtr self = raw(*this);
    return wrap(self == nullptr ? nullptr : first_element_from(self->children));
}

element element::first_child(std::string_view ns, std::string_view name) const noexcept {
    const xmlNodePtr self = raw(*this);
    return wrap(self == nullptr ? nullptr : first_match_from(self->children, ns, name));
}

element element::next_sibling() const noexcept {
    const xmlNodePtr self = raw(*this);
    return wrap(self == nullptr ? nullptr : first_element_from(self->next));
}

element element::next_sibling(std::string_view ns, std::string_view name) const noexcept {
    const xmlNodePtr self = raw(*this);
    return wrap(self == nullptr ? nullptr : first_match_from(self->next, ns, name));
}

element element::parent() const noexcept {
    const xmlNodePtr self = raw(*this);
    return wrap(self != nullptr && is_element_node(self->parent) ? self->parent : nullptr);
}

element_range element::children() const noexcept {
    return element_range(*this, false, {}, {});
}

element_range element::children(std::string_view ns, std::string_view name) const noexcept {
    return element_range(*this, true, ns, name);
}

std::size_t element::child_count() const noexcept {
    const xmlNodePtr self = raw(*this);
    std::size_t n = 0;
    for (xmlNodePtr c = self != nullptr ? self->children : nullptr; c != nullptr; c = c->next) {
        n += is_element_node(c) ? 1 : 0;
    }
    return n;
}

std::size_t element::child_count(std::string_view ns, std::string_view name) const noexcept {
    const xmlNodePtr self = raw(*this);
    std::size_t n = 0;
    for (xmlNodePtr c = self != nullptr ? self->children : nullptr; c != nullptr; c = c->next) {
        n += matches(c, ns, name) ? 1 : 0;
    }
    return n;
}

unsigned element::line() const noexcept {
    const xmlNodePtr self = raw(*this);
    if (self == nullptr) {
        return 0;
    }
    const long line = xmlGetLineNo(self);
    return line > 0 ? static_cast<unsigned>(line) : 0;
}

element_iterator& element_iterator::operator++() noexcept {
    current_ = filtered_ ? current_.next_sibling(ns_, name_) : current_.next_sibling();
    return *this;
}

element_iterator element_range::begin() const noexcept {
    return element_iterator(filtered_ ? parent_.first_child(ns_, name_) : parent_.first_child(), filtered_, ns_, name_);
}

std::vector<element> element_range::to_vector() const {
    std::vector<element> out;
    for (element e : *this) {
        out.push_back(e);
    }
    return out;
}

} // namespace mcprov::xml
