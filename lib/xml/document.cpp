#include "mcprov/xml/document.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include <libxml/SAX2.h>
#include <libxml/encoding.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlIO.h>

#include "characters.hpp"
#include "embedded_schemas.hpp"
#include "libxml_access.hpp"
#include "libxml_error.hpp"

namespace mcprov::xml {
namespace {

using support::errc;
using support::make_error;

// Deliberately without XML_PARSE_NOENT (entity substitution), XML_PARSE_DTDLOAD / XML_PARSE_DTDATTR (external
// subset), XML_PARSE_XINCLUDE and XML_PARSE_HUGE (lifts the parser's built-in limits).
constexpr int parse_options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;

struct parse_state {
    unsigned max_depth = 0;
    unsigned depth = 0;
    bool failed = false;
    errc code = errc::not_well_formed;
    std::string message;

    void fail(errc c, std::string m) {
        if (!failed) {
            failed = true;
            code = c;
            message = std::move(m);
        }
    }
};

parse_state* state_of(void* ctx) {
    auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
    return ctxt == nullptr ? nullptr : static_cast<parse_state*>(ctxt->_private);
}

int current_line(xmlParserCtxtPtr ctxt) {
    return ctxt->input != nullptr ? ctxt->input->line : 0;
}

std::string at_line(int line, std::string_view text) {
    std::string out = "line " + std::to_string(line > 0 ? line : 1) + ": ";
    out.append(text);
    return out;
}

// Structured error handler of the parser context (errors arrive with the context as user data).
void on_error(void* ctx, xmlErrorPtr error) {
    auto* state = state_of(ctx);
    if (state == nullptr || error == nullptr || error->level < XML_ERR_ERROR) {
        return;
    }
    try {
        std::string text = detail::describe(error);
        // libxml2's own nesting limit (256 without XML_PARSE_HUGE) is a size limit too.
        const bool depth = error->message != nullptr &&
                           std::string_view(error->message).find("Excessive depth") != std::string_view::npos;
        state->fail(depth ? errc::too_large : errc::not_well_formed, std::move(text));
    } catch (...) {
    }
}

// A DOCTYPE stops the parser the moment it is seen, before any markup declaration (entity) is read.
void on_doctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
    auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
    if (auto* state = state_of(ctx)) {
        try {
            state->fail(errc::not_well_formed, at_line(current_line(ctxt), "DOCTYPE is not allowed"));
        } catch (...) {
        }
    }
    xmlStopParser(ctxt);
}

void on_start_element(void* ctx, const xmlChar* local_name, const xmlChar* prefix, const xmlChar* uri,
                      int nb_namespaces, const xmlChar** namespaces, int nb_attributes, int nb_defaulted,
                      const xmlChar** attributes) {
    xmlSAX2StartElementNs(ctx, local_name, prefix, uri, nb_namespaces, namespaces, nb_attributes, nb_defaulted,
                          attributes);
    auto* state = state_of(ctx);
    if (state != nullptr && ++state->depth > state->max_depth) {
        auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
        try {
            state->fail(errc::too_large,
                        at_line(current_line(ctxt), "nesting deeper than " + std::to_string(state->max_depth)));
        } catch (...) {
        }
        xmlStopParser(ctxt);
    }
}

void on_end_element(void* ctx, const xmlChar* local_name, const xmlChar* prefix, const xmlChar* uri) {
    xmlSAX2EndElementNs(ctx, local_name, prefix, uri);
    if (auto* state = state_of(ctx); state != nullptr && state->depth > 0) {
        --state->depth;
    }
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

bool is_utf8_name(std::string_view encoding) {
    return iequals(encoding, "UTF-8") || iequals(encoding, "UTF8");
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Only UTF-8 is accepted: no UTF-16/UCS-4/EBCDIC byte order or signature, and an XML declaration that names no
// encoding or UTF-8. Checked before parsing so that libxml2 never switches to a converter.
std::optional<support::error> check_encoding(std::string_view bytes) {
    if (bytes.size() >= 4) {
        const auto detected = xmlDetectCharEncoding(reinterpret_cast<const unsigned char*>(bytes.data()), 4);
        if (detected != XML_CHAR_ENCODING_NONE && detected != XML_CHAR_ENCODING_UTF8) {
            return make_error(errc::not_well_formed, "line 1: only UTF-8 documents are accepted");
        }
    }
    if (bytes.starts_with("\xEF\xBB\xBF")) {
        bytes.remove_prefix(3);
    }
    if (!bytes.starts_with("<?xml") || bytes.size() < 6 || !is_space(bytes[5])) {
        return std::nullopt;
    }
    const auto end = bytes.find("?>");
    if (end == std::string_view::npos) {
        return std::nullopt; // the parser reports the broken declaration
    }
    std::string_view decl = bytes.substr(5, end - 5);
    const auto at = decl.find("encoding");
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    decl.remove_prefix(at + 8);
    while (!decl.empty() && is_space(decl.front())) {
        decl.remove_prefix(1);
    }
    if (decl.empty() || decl.front() != '=') {
        return std::nullopt;
    }
    decl.remove_prefix(1);
    while (!decl.empty() && is_space(decl.front())) {
        decl.remove_prefix(1);
    }
    if (decl.empty() || (decl.front() != '"' && decl.front() != '\'')) {
        return std::nullopt;
    }
    const char quote = decl.front();
    decl.remove_prefix(1);
    const auto close = decl.find(quote);
    if (close == std::string_view::npos) {
        return std::nullopt;
    }
    if (!is_utf8_name(decl.substr(0, close))) {
        return make_error(errc::not_well_formed, "line 1: only UTF-8 documents are accepted, not encoding \"" +
                                                     std::string(decl.substr(0, std::min<std::size_t>(close, 40))) +
                                                     "\"");
    }
    return std::nullopt;
}

// Depth of the element tree, walked without recursion; returns the first element deeper than max_depth.
xmlNodePtr first_element(xmlNodePtr node) {
    while (node != nullptr && node->type != XML_ELEMENT_NODE) {
        node = node->next;
    }
    return node;
}

xmlNodePtr find_too_deep(xmlNodePtr root, unsigned max_depth) {
    xmlNodePtr node = root;
    unsigned depth = 1;
    while (node != nullptr) {
        if (depth > max_depth) {
            return node;
        }
        if (xmlNodePtr child = first_element(node->children)) {
            node = child;
            ++depth;
            continue;
        }
        // No children: the next sibling, or the next sibling of the nearest ancestor that has one.
        while (node != root) {
            if (xmlNodePtr sibling = first_element(node->next)) {
                node = sibling;
                break;
            }
            node = node->parent;
            --depth;
        }
        if (node == root) {
            break;
        }
    }
    return nullptr;
}

// The only external entity loader of the process: serves the embedded schemas and nothing else, so libxml2 never
// reads a file or opens a connection, whoever asks.
xmlParserInputPtr embedded_entity_loader(const char* url, const char*, xmlParserCtxtPtr ctxt) {
    if (url == nullptr) {
        return nullptr;
    }
    const detail::embedded_schema* schema = detail::resolve_embedded_schema(url);
    if (schema == nullptr || schema->content.size() > static_cast<std::size_t>(INT_MAX)) {
        return nullptr;
    }
    // A copying buffer: libxml2 2.9's "static" input buffers mis-handle content that spans several reads.
    xmlParserInputBufferPtr buffer = xmlParserInputBufferCreateMem(
        schema->content.data(), static_cast<int>(schema->content.size()), XML_CHAR_ENCODING_NONE);
    if (buffer == nullptr) {
        return nullptr;
    }
    xmlParserInputPtr input = xmlNewIOInputStream(ctxt, buffer, XML_CHAR_ENCODING_NONE);
    if (input == nullptr) {
        xmlFreeParserInputBuffer(buffer);
        return nullptr;
    }
    // The canonical URI becomes the document's base, against which the schema's own imports are resolved.
    std::string canonical(detail::embedded_uri_prefix);
    canonical.append(schema->path);
    input->filename = reinterpret_cast<const char*>(xmlStrdup(reinterpret_cast<const xmlChar*>(canonical.c_str())));
    return input;
}

struct ctxt_deleter {
    void operator()(xmlParserCtxtPtr ctxt) const noexcept { xmlFreeParserCtxt(ctxt); }
};
struct doc_deleter {
    void operator()(xmlDocPtr doc) const noexcept { xmlFreeDoc(doc); }
};

} // namespace

void initialize() {
    static std::once_flag once;
    std::call_once(once, [] {
        xmlInitParser();
        xmlSetExternalEntityLoader(&embedded_entity_loader);
    });
}

support::result<document> parse(std::string_view bytes, const parse_limits& limits) {
    initialize();
    if (bytes.size() > limits.max_bytes || bytes.size() > static_cast<std::size_t>(INT_MAX)) {
        return make_error(errc::too_large, "document of " + std::to_string(bytes.size()) +
                                               " bytes exceeds the limit of " + std::to_string(limits.max_bytes) +
                                               " bytes");
    }
    if (bytes.empty()) {
        return make_error(errc::not_well_formed, "line 1: document is empty");
    }
    if (auto error = check_encoding(bytes)) {
        return std::move(*error);
    }

    std::unique_ptr<xmlParserCtxt, ctxt_deleter> ctxt(xmlNewParserCtxt());
    if (!ctxt || ctxt->sax == nullptr) {
        return make_error(errc::internal, "cannot create an XML parser");
    }
    parse_state state;
    state.max_depth = limits.max_depth;
    ctxt->_private = &state;
    // The SAX handler block belongs to this context, so these hooks affect this parse only.
    ctxt->sax->serror = &on_error;
    ctxt->sax->internalSubset = &on_doctype;
    ctxt->sax->externalSubset = &on_doctype;
    ctxt->sax->startElementNs = &on_start_element;
    ctxt->sax->endElementNs = &on_end_element;

    std::unique_ptr<xmlDoc, doc_deleter> doc(
        xmlCtxtReadMemory(ctxt.get(), bytes.data(), static_cast<int>(bytes.size()), nullptr, nullptr, parse_options));
    if (state.failed) {
        return make_error(state.code, std::move(state.message));
    }
    if (!doc || !ctxt->wellFormed) {
        return make_error(errc::not_well_formed, detail::describe(&ctxt->lastError, "document is not well-formed"));
    }
    if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
        return make_error(errc::not_well_formed, "line 1: DOCTYPE is not allowed");
    }
    if (doc->encoding != nullptr && !is_utf8_name(reinterpret_cast<const char*>(doc->encoding))) {
        return make_error(errc::not_well_formed, "line 1: only UTF-8 documents are accepted");
    }
    xmlNodePtr root = xmlDocGetRootElement(doc.get());
    if (root == nullptr) {
        return make_error(errc::not_well_formed, "line 1: document has no root element");
    }
    if (xmlNodePtr deep = find_too_deep(root, limits.max_depth)) {
        return make_error(errc::too_large, at_line(static_cast<int>(xmlGetLineNo(deep)),
                                                   "nesting deeper than " + std::to_string(limits.max_depth)));
    }
    return detail::access::adopt(doc.release());
}

document::document(document&& other) noexcept : doc_(std::exchange(other.doc_, nullptr)) {}

document& document::operator=(document&& other) noexcept {
    if (this != &other) {
        if (doc_ != nullptr) {
            xmlFreeDoc(detail::libxml_doc(*this));
        }
        doc_ = std::exchange(other.doc_, nullptr);
    }
    return *this;
}

document::~document() {
    if (doc_ != nullptr) {
        xmlFreeDoc(detail::libxml_doc(*this));
    }
}

element document::root() const noexcept {
    return detail::access::wrap(doc_ == nullptr ? nullptr : xmlDocGetRootElement(detail::libxml_doc(*this)));
}

std::string document::root_name() const {
    const xmlNode* node = detail::libxml_node(root());
    return node == nullptr || node->name == nullptr ? std::string{} : reinterpret_cast<const char*>(node->name);
}

std::string document::root_namespace() const {
    const xmlNode* node = detail::libxml_node(root());
    if (node == nullptr || node->ns == nullptr || node->ns->href == nullptr) {
        return {};
    }
    return reinterpret_cast<const char*>(node->ns->href);
}

std::string document::serialize() const {
    if (doc_ == nullptr) {
        return {};
    }
    xmlChar* memory = nullptr;
    int size = 0;
    xmlDocDumpFormatMemoryEnc(detail::libxml_doc(*this), &memory, &size, "UTF-8", 0);
    if (memory == nullptr) {
        return {};
    }
    std::string out(reinterpret_cast<const char*>(memory), size > 0 ? static_cast<std::size_t>(size) : 0);
    xmlFree(memory);
    return out;
}

namespace {

const xmlChar* as_xml(const std::string& text) noexcept {
    return reinterpret_cast<const xmlChar*>(text.c_str());
}

support::error invalid(std::string what) {
    return make_error(errc::invalid_argument, std::move(what));
}

struct node_deleter {
    void operator()(xmlNodePtr n) const noexcept { xmlFreeNode(n); }
};

// A new element node (not yet linked) for the operations below, its namespace bound as `parent` sees it.
support::result<xmlNodePtr> new_element(xmlDocPtr doc, xmlNodePtr parent, std::string_view ns,
                                        std::string_view local_name, std::string_view text, std::string_view prefix) {
    if (auto problem = detail::ncname_problem(local_name)) {
        return invalid("element name: " + *problem);
    }
    if (!prefix.empty()) {
        if (auto problem = detail::ncname_problem(prefix)) {
            return invalid("namespace prefix: " + *problem);
        }
        if (prefix == "xmlns" || prefix == "xml" || ns.empty()) {
            return invalid("prefix \"" + std::string(prefix) + "\" cannot be declared here");
        }
    }
    if (auto problem = detail::text_problem(ns)) {
        return invalid("namespace: " + *problem);
    }
    if (auto problem = detail::text_problem(text)) {
        return invalid("text: " + *problem);
    }
    if (text.size() > static_cast<std::size_t>(INT_MAX)) {
        return make_error(errc::too_large, "text too long");
    }
    const std::string name(local_name);
    std::unique_ptr<xmlNode, node_deleter> node(xmlNewDocNode(doc, nullptr, as_xml(name), nullptr));
    if (!node) {
        return make_error(errc::internal, "out of memory");
    }
    const std::string uri(ns);
    if (!ns.empty()) {
        xmlNsPtr binding = nullptr;
        if (parent->ns != nullptr && parent->ns->href != nullptr &&
            uri == reinterpret_cast<const char*>(parent->ns->href)) {
            binding = parent->ns;
        } else {
            binding = xmlSearchNsByHref(doc, parent, as_xml(uri));
        }
        if (binding == nullptr) {
            const std::string p(prefix);
            binding = xmlNewNs(node.get(), as_xml(uri), prefix.empty() ? nullptr : as_xml(p));
            if (binding == nullptr) {
                return make_error(errc::internal, "cannot declare namespace");
            }
        }
        xmlSetNs(node.get(), binding);
    } else if (xmlNsPtr in_scope = xmlSearchNs(doc, parent, nullptr);
               in_scope != nullptr && in_scope->href != nullptr && *in_scope->href != '\0') {
        // A default namespace is in scope: the element undeclares it, so that it stays without namespace.
        if (xmlNewNs(node.get(), reinterpret_cast<const xmlChar*>(""), nullptr) == nullptr) {
            return make_error(errc::internal, "cannot undeclare the default namespace");
        }
    }
    if (!text.empty()) {
        xmlNodePtr content =
            xmlNewDocTextLen(doc, reinterpret_cast<const xmlChar*>(text.data()), static_cast<int>(text.size()));
        if (content == nullptr || xmlAddChild(node.get(), content) == nullptr) {
            xmlFreeNode(content);
            return make_error(errc::internal, "out of memory");
        }
    }
    return node.release();
}

} // namespace

support::result<void> document::remove(element e) {
    xmlNodePtr node = detail::libxml_node(e);
    if (node == nullptr || node->doc != detail::libxml_doc(*this) || node->type != XML_ELEMENT_NODE) {
        return invalid("remove: not an element of this document");
    }
    if (node == xmlDocGetRootElement(detail::libxml_doc(*this))) {
        return invalid("remove: the root element cannot be removed");
    }
    if (xmlNodePtr after = node->next; after != nullptr && after->type == XML_TEXT_NODE && xmlIsBlankNode(after)) {
        xmlUnlinkNode(after);
        xmlFreeNode(after);
    }
    xmlUnlinkNode(node);
    xmlFreeNode(node);
    return {};
}

support::result<element> document::append_element(element parent, std::string_view ns, std::string_view local_name,
                                                  std::string_view text, std::string_view prefix) {
    xmlNodePtr p = detail::libxml_node(parent);
    if (p == nullptr || p->doc != detail::libxml_doc(*this) || p->type != XML_ELEMENT_NODE) {
        return invalid("append_element: the parent is not an element of this document");
    }
    auto node = new_element(detail::libxml_doc(*this), p, ns, local_name, text, prefix);
    if (!node) {
        return std::move(node).err();
    }
    if (xmlAddChild(p, *node) == nullptr) {
        xmlFreeNode(*node);
        return make_error(errc::internal, "cannot append the element");
    }
    return detail::access::wrap(*node);
}

support::result<element> document::insert_element_before(element sibling, std::string_view ns,
                                                         std::string_view local_name, std::string_view text,
                                                         std::string_view prefix) {
    xmlNodePtr s = detail::libxml_node(sibling);
    if (s == nullptr || s->doc != detail::libxml_doc(*this) || s->type != XML_ELEMENT_NODE) {
        return invalid("insert_element_before: the sibling is not an element of this document");
    }
    if (s->parent == nullptr || s->parent->type != XML_ELEMENT_NODE) {
        return invalid("insert_element_before: nothing can stand beside the root element");
    }
    auto node = new_element(detail::libxml_doc(*this), s->parent, ns, local_name, text, prefix);
    if (!node) {
        return std::move(node).err();
    }
    if (xmlAddPrevSibling(s, *node) == nullptr) {
        xmlFreeNode(*node);
        return make_error(errc::internal, "cannot insert the element");
    }
    return detail::access::wrap(*node);
}

support::result<void> document::set_attribute(element e, std::string_view local_name, std::string_view value) {
    xmlNodePtr node = detail::libxml_node(e);
    if (node == nullptr || node->doc != detail::libxml_doc(*this) || node->type != XML_ELEMENT_NODE) {
        return invalid("set_attribute: not an element of this document");
    }
    if (auto problem = detail::ncname_problem(local_name)) {
        return invalid("attribute name: " + *problem);
    }
    if (auto problem = detail::text_problem(value)) {
        return invalid("attribute " + std::string(local_name) + ": " + *problem);
    }
    const std::string name(local_name);
    const std::string v(value);
    if (xmlSetNsProp(node, nullptr, as_xml(name), as_xml(v)) == nullptr) {
        return make_error(errc::internal, "cannot set the attribute");
    }
    return {};
}

support::result<void> document::set_attribute_in(element e, std::string_view ns, std::string_view local_name,
                                                 std::string_view value, std::string_view prefix) {
    xmlNodePtr node = detail::libxml_node(e);
    if (node == nullptr || node->doc != detail::libxml_doc(*this) || node->type != XML_ELEMENT_NODE) {
        return invalid("set_attribute_in: not an element of this document");
    }
    if (auto problem = detail::ncname_problem(local_name)) {
        return invalid("attribute name: " + *problem);
    }
    if (auto problem = detail::ncname_problem(prefix)) {
        return invalid("namespace prefix: " + *problem);
    }
    if (prefix == "xmlns" || prefix == "xml") {
        return invalid("prefix \"" + std::string(prefix) + "\" cannot be declared here");
    }
    if (ns.empty()) {
        return invalid("set_attribute_in: an attribute in no namespace is set with set_attribute");
    }
    if (auto problem = detail::text_problem(ns)) {
        return invalid("namespace: " + *problem);
    }
    if (auto problem = detail::text_problem(value)) {
        return invalid("attribute " + std::string(local_name) + ": " + *problem);
    }
    const std::string uri(ns);
    xmlNsPtr binding = xmlSearchNsByHref(node->doc, node, as_xml(uri));
    if (binding != nullptr && binding->prefix == nullptr) {
        binding = nullptr; // a default namespace does not apply to attributes
    }
    if (binding == nullptr) {
        std::string free_prefix(prefix);
        for (unsigned n = 1; xmlSearchNs(node->doc, node, as_xml(free_prefix)) != nullptr; ++n) {
            free_prefix = std::string(prefix) + std::to_string(n);
        }
        binding = xmlNewNs(node, as_xml(uri), as_xml(free_prefix));
        if (binding == nullptr) {
            return make_error(errc::internal, "cannot declare namespace");
        }
    }
    const std::string name(local_name);
    const std::string v(value);
    if (xmlSetNsProp(node, binding, as_xml(name), as_xml(v)) == nullptr) {
        return make_error(errc::internal, "cannot set the attribute");
    }
    return {};
}

support::result<void> document::remove_attribute(element e, std::string_view local_name) {
    xmlNodePtr node = detail::libxml_node(e);
    if (node == nullptr || node->doc != detail::libxml_doc(*this) || node->type != XML_ELEMENT_NODE) {
        return invalid("remove_attribute: not an element of this document");
    }
    const std::string name(local_name);
    xmlUnsetNsProp(node, nullptr, as_xml(name));
    return {};
}

support::result<void> document::set_text(element e, std::string_view text) {
    xmlNodePtr node = detail::libxml_node(e);
    if (node == nullptr || node->doc != detail::libxml_doc(*this) || node->type != XML_ELEMENT_NODE) {
        return invalid("set_text: not an element of this document");
    }
    if (auto problem = detail::text_problem(text)) {
        return invalid("text: " + *problem);
    }
    if (text.size() > static_cast<std::size_t>(INT_MAX)) {
        return make_error(errc::too_large, "text too long");
    }
    xmlNodePtr content = nullptr;
    if (!text.empty()) {
        content = xmlNewDocTextLen(detail::libxml_doc(*this), reinterpret_cast<const xmlChar*>(text.data()),
                                   static_cast<int>(text.size()));
        if (content == nullptr) {
            return make_error(errc::internal, "out of memory");
        }
    }
    if (node->children != nullptr) {
        xmlFreeNodeList(node->children);
        node->children = nullptr;
        node->last = nullptr;
    }
    if (content != nullptr) {
        xmlAddChild(node, content);
    }
    return {};
}

std::string escape_attribute(std::string_view value) {
    std::string out;
    out.reserve(value.size());
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
        case '"':
            out += "&quot;";
            break;
        case '\t':
            out += "&#9;";
            break;
        case '\n':
            out += "&#10;";
            break;
        case '\r':
            out += "&#13;";
            break;
        default:
            out.push_back(c);
        }
    }
    return out;
}

} // namespace mcprov::xml
