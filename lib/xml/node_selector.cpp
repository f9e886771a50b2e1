#include "mcprov/xml/node_selector.hpp"

#include <cstdint>
#include <memory>
#include <string>

#include <libxml/tree.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlsave.h>

#include "libxml_access.hpp"

namespace mcprov::xml {
namespace {

using support::errc;
using support::make_error;

constexpr std::size_t max_selector_length = 4096;
constexpr std::size_t max_steps = 32;
constexpr unsigned max_position = 1000000000;

bool is_name_start(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
}

bool is_name_char(unsigned char c) {
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// Recursive-descent parser over the RFC 4825 section 6.3 grammar. Every error is invalid_argument.
class selector_parser {
public:
    selector_parser(std::string_view text, const std::map<std::string, std::string>& prefixes,
                    std::string_view default_namespace)
        : text_(text), prefixes_(prefixes), default_namespace_(default_namespace) {}

    support::result<node_selector> run() {
        if (text_.empty()) {
            return fail("empty node selector");
        }
        if (text_.size() > max_selector_length) {
            return fail("node selector longer than " + std::to_string(max_selector_length) + " characters");
        }
        node_selector selector;
        for (;;) {
            if (!selector.steps.empty()) {
                if (peek() == '@') {
                    ++pos_;
                    auto name = attribute_name();
                    if (!name) {
                        return std::move(name).err();
                    }
                    if (!at_end()) {
                        return fail("attribute selector must be the last part");
                    }
                    selector.attribute = std::move(*name);
                    return selector;
                }
                if (rest() == "namespace::*") {
                    selector.namespace_bindings = true;
                    return selector;
                }
            }
            if (selector.steps.size() == max_steps) {
                return fail("more than " + std::to_string(max_steps) + " steps");
            }
            auto step = parse_step();
            if (!step) {
                return std::move(step).err();
            }
            selector.steps.push_back(std::move(*step));
            if (at_end()) {
                return selector;
            }
            if (peek() != '/') {
                return fail(std::string("unexpected '") + peek() + "'");
            }
            ++pos_;
        }
    }

private:
    std::string_view text_;
    std::size_t pos_ = 0;
    const std::map<std::string, std::string>& prefixes_;
    std::string_view default_namespace_;

    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[pos_]; }
    std::string_view rest() const { return text_.substr(pos_); }

    support::error fail(std::string what) const {
        return make_error(errc::invalid_argument,
                          "node selector: " + what + " (at offset " + std::to_string(pos_) + ")");
    }

    std::string_view ncname() {
        const std::size_t start = pos_;
        if (at_end() || !is_name_start(static_cast<unsigned char>(text_[pos_]))) {
            return {};
        }
        while (!at_end() && is_name_char(static_cast<unsigned char>(text_[pos_]))) {
            ++pos_;
        }
        return text_.substr(start, pos_ - start);
    }

    // QName = [prefix ":"] local; returns false when there is no name here.
    support::result<std::pair<std::string_view, std::string_view>> qname() {
        const std::string_view first = ncname();
        if (first.empty()) {
            if (at_end() || peek() == '/') {
                return fail("empty step");
            }
            return fail(std::string("name expected, found '") + peek() + "'");
        }
        if (peek() != ':') {
            return std::pair{std::string_view{}, first};
        }
        ++pos_;
        const std::string_view second = ncname();
        if (second.empty()) {
            return fail("local name expected after prefix \"" + std::string(first) + ":\"");
        }
        return std::pair{first, second};
    }

    support::result<std::string> attribute_name() {
        auto name = qname();
        if (!name) {
            return std::move(name).err();
        }
        if (!name->first.empty()) {
            return fail("qualified attribute names are not supported");
        }
        return std::string(name->second);
    }

    support::result<selector_step> parse_step() {
        selector_step step;
        if (peek() == '*') {
            ++pos_;
            step.any_name = true;
        } else {
            auto name = qname();
            if (!name) {
                return std::move(name).err();
            }
            if (name->first.empty()) {
                step.namespace_uri = default_namespace_;
            } else {
                auto it = prefixes_.find(std::string(name->first));
                if (it == prefixes_.end()) {
                    return fail("unknown namespace prefix \"" + std::string(name->first) + "\"");
                }
                step.namespace_uri = it->second;
            }
            step.local_name = name->second;
        }
        if (peek() != '[') {
            return step;
        }
        ++pos_;
        if (is_digit(peek())) {
            auto position = parse_position();
            if (!position) {
                return std::move(position).err();
            }
            step.position = *position;
            if (peek() != ']') {
                return fail("']' expected after position");
            }
            ++pos_;
            if (peek() != '[') {
                return step;
            }
            ++pos_;
            if (peek() != '@') {
                return fail("attribute test expected after position");
            }
        }
        if (peek() != '@') {
            return fail("position or attribute test expected after '['");
        }
        ++pos_;
        auto name = attribute_name();
        if (!name) {
            return std::move(name).err();
        }
        if (peek() != '=') {
            return fail("'=' expected in attribute test");
        }
        ++pos_;
        auto value = att_value();
        if (!value) {
            return std::move(value).err();
        }
        if (peek() != ']') {
            return fail("']' expected after attribute test");
        }
        ++pos_;
        step.attribute_test.emplace(std::move(*name), std::move(*value));
        return step;
    }

    support::result<unsigned> parse_position() {
        std::uint64_t value = 0;
        while (is_digit(peek())) {
            value = value * 10 + static_cast<unsigned>(peek() - '0');
            if (value > max_position) {
                return fail("position too large");
            }
            ++pos_;
        }
        if (value == 0) {
            return fail("position must be at least 1");
        }
        return static_cast<unsigned>(value);
    }

    // AttValue (XML 1.0): '"' ([^<&"] | Reference)* '"' or the same with "'"; references are decoded.
    support::result<std::string> att_value() {
        const char quote = peek();
        if (quote != '"' && quote != '\'') {
            return fail("quoted attribute value expected");
        }
        ++pos_;
        std::string value;
        for (;;) {
            if (at_end()) {
                return fail("unterminated attribute value");
            }
            const char c = text_[pos_];
            if (c == quote) {
                ++pos_;
                return value;
            }
            if (c == '<') {
                return fail("'<' in attribute value");
            }
            if (c == '&') {
                auto ok = reference(value);
                if (!ok) {
                    return std::move(ok).err();
                }
                continue;
            }
            value.push_back(c);
            ++pos_;
        }
    }

    support::result<void> reference(std::string& out) {
        const std::size_t semicolon = text_.find(';', pos_);
        if (semicolon == std::string_view::npos || semicolon - pos_ > 12) {
            return fail("malformed reference in attribute value");
        }
        const std::string_view ref = text_.substr(pos_ + 1, semicolon - pos_ - 1);
        if (ref == "amp") {
            out.push_back('&');
        } else if (ref == "lt") {
            out.push_back('<');
        } else if (ref == "gt") {
            out.push_back('>');
        } else if (ref == "quot") {
            out.push_back('"');
        } else if (ref == "apos") {
            out.push_back('\'');
        } else if (ref.size() >= 2 && ref[0] == '#') {
            const bool hex = ref[1] == 'x';
            std::string_view digits = ref.substr(hex ? 2 : 1);
            if (digits.empty()) {
                return fail("malformed character reference");
            }
            std::uint32_t cp = 0;
            for (char d : digits) {
                unsigned v = 0;
                if (d >= '0' && d <= '9') {
                    v = static_cast<unsigned>(d - '0');
                } else if (hex && d >= 'a' && d <= 'f') {
                    v = static_cast<unsigned>(d - 'a' + 10);
                } else if (hex && d >= 'A' && d <= 'F') {
                    v = static_cast<unsigned>(d - 'A' + 10);
                } else {
                    return fail("malformed character reference");
                }
                cp = cp * (hex ? 16 : 10) + v;
                if (cp > 0x10FFFF) {
                    return fail("character reference out of range");
                }
            }
            const bool allowed = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                                 (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
            if (!allowed) {
                return fail("character reference to a character XML does not allow");
            }
            append_utf8(out, cp);
        } else {
            return fail("unknown entity reference in attribute value");
        }
        pos_ = semicolon + 1;
        return {};
    }
};

std::string_view as_view(const xmlChar* text) {
    return text == nullptr ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(text));
}

bool name_matches(const xmlNode* node, const selector_step& step) {
    if (step.any_name) {
        return true;
    }
    const std::string_view uri = node->ns != nullptr ? as_view(node->ns->href) : std::string_view{};
    return as_view(node->name) == step.local_name && uri == step.namespace_uri;
}

// Value of the attribute without namespace called name.
std::optional<std::string> attribute_value(const xmlNode* node, std::string_view name) {
    for (const xmlAttr* attr = node->properties; attr != nullptr; attr = attr->next) {
        if (attr->ns == nullptr && as_view(attr->name) == name) {
            xmlChar* value = xmlNodeGetContent(reinterpret_cast<const xmlNode*>(attr));
            std::string out(as_view(value));
            xmlFree(value);
            return out;
        }
    }
    return std::nullopt;
}

std::string qualified_name(const xmlNode* node) {
    std::string out;
    if (node->ns != nullptr && node->ns->prefix != nullptr) {
        out.append(as_view(node->ns->prefix));
        out.push_back(':');
    }
    out.append(as_view(node->name));
    return out;
}

struct doc_deleter {
    void operator()(xmlDocPtr doc) const noexcept { xmlFreeDoc(doc); }
};

// The element as it appears in the document. It is copied into a document of its own first: the copy declares
// every namespace the subtree uses but that was declared on an ancestor, so the fragment stands alone.
support::result<std::string> serialize_element(xmlNodePtr node) {
    std::unique_ptr<xmlDoc, doc_deleter> scratch(xmlNewDoc(reinterpret_cast<const xmlChar*>("1.0")));
    if (!scratch) {
        return make_error(errc::internal, "out of memory");
    }
    xmlNodePtr copy = xmlDocCopyNode(node, scratch.get(), 1);
    if (copy == nullptr) {
        return make_error(errc::internal, "cannot copy the selected element");
    }
    xmlDocSetRootElement(scratch.get(), copy);
    xmlOutputBufferPtr out = xmlAllocOutputBuffer(nullptr);
    if (out == nullptr) {
        return make_error(errc::internal, "out of memory");
    }
    // With an explicit UTF-8 encoding libxml2 writes non-ASCII text as is instead of as character references.
    xmlNodeDumpOutput(out, scratch.get(), copy, 0, 0, "UTF-8");
    xmlOutputBufferFlush(out);
    std::string body(reinterpret_cast<const char*>(xmlOutputBufferGetContent(out)), xmlOutputBufferGetSize(out));
    const int rc = xmlOutputBufferClose(out);
    if (rc < 0) {
        return make_error(errc::internal, "cannot serialise the selected element");
    }
    return body;
}

// RFC 4825 section 7.10: an empty element named like the selected one, declaring every namespace in scope there.
std::string namespace_bindings(xmlNodePtr node) {
    std::string out = "<" + qualified_name(node);
    if (xmlNsPtr* list = xmlGetNsList(node->doc, node)) {
        for (xmlNsPtr* ns = list; *ns != nullptr; ++ns) {
            if ((*ns)->href == nullptr || *(*ns)->href == '\0') {
                continue; // xmlns="" undeclares the default namespace: nothing is bound
            }
            out += " xmlns";
            if ((*ns)->prefix != nullptr) {
                out.push_back(':');
                out.append(as_view((*ns)->prefix));
            }
            out += "=\"";
            out += escape_attribute(as_view((*ns)->href));
            out.push_back('"');
        }
        xmlFree(list);
    }
    out += "/>";
    return out;
}

} // namespace

support::result<node_selector> parse_node_selector(std::string_view text,
                                                   const std::map<std::string, std::string>& prefixes,
                                                   std::string_view default_namespace) {
    return selector_parser(text, prefixes, default_namespace).run();
}

support::result<selection> select(const document& doc, const node_selector& selector) {
    if (detail::libxml_doc(doc) == nullptr) {
        return make_error(errc::not_found, "no document");
    }
    if (selector.steps.empty()) {
        return make_error(errc::invalid_argument, "node selector without steps");
    }
    // XPath-like evaluation: a set of context nodes per step, starting at the document node, whose only element
    // child is the root. Each node appears at most once, so the sets never outgrow the document.
    std::vector<xmlNodePtr> context{reinterpret_cast<xmlNodePtr>(detail::libxml_doc(doc))};
    std::vector<xmlNodePtr> next;
    for (const auto& step : selector.steps) {
        next.clear();
        for (xmlNodePtr parent : context) {
            unsigned count = 0;
            for (xmlNodePtr child = parent->children; child != nullptr; child = child->next) {
                if (child->type != XML_ELEMENT_NODE || !name_matches(child, step)) {
                    continue;
                }
                ++count;
                if (step.position && count != *step.position) {
                    continue;
                }
                if (step.attribute_test) {
                    const auto value = attribute_value(child, step.attribute_test->first);
                    if (!value || *value != step.attribute_test->second) {
                        if (step.position) {
                            break;
                        }
                        continue;
                    }
                }
                next.push_back(child);
                if (step.position) {
                    break;
                }
            }
        }
        context.swap(next);
        if (context.empty()) {
            return make_error(errc::not_found, "no element matches the node selector");
        }
    }
    if (context.size() != 1) {
        return make_error(errc::not_found,
                          std::to_string(context.size()) + " elements match the node selector; it must select one");
    }
    xmlNodePtr element = context.front();
    if (selector.attribute) {
        auto value = attribute_value(element, *selector.attribute);
        if (!value) {
            return make_error(errc::not_found, "the selected element has no attribute \"" + *selector.attribute + "\"");
        }
        return selection{selection_kind::attribute, std::move(*value)};
    }
    if (selector.namespace_bindings) {
        return selection{selection_kind::namespaces, namespace_bindings(element)};
    }
    auto body = serialize_element(element);
    if (!body) {
        return std::move(body).err();
    }
    return selection{selection_kind::element, std::move(*body)};
}

} // namespace mcprov::xml
