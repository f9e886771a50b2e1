#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mcprov/support/result.hpp"

namespace mcprov::xml {

struct writer_options {
    // A new line and two spaces per level before every start tag, and before the end tag of an element that has
    // child elements but no text. Only for element-only content: it adds white space between elements.
    bool indent = false;
    // finish() fails with too_large when the document would be longer.
    std::size_t max_bytes = std::numeric_limits<std::size_t>::max();
    // Text escaped as attribute values are (escape_attribute): '"' as "&quot;", tab and LF as "&#9;" and "&#10;" as
    // well. It reads back the same; for documents whose exact bytes were fixed by a writer that escaped text so.
    bool escape_text_as_attribute = false;
};

// Writes one XML document as a stream of calls, escaping by construction: UTF-8 with an XML declaration, every
// name checked (an NCName, XML Namespaces 1.0), every text and attribute value checked and escaped, namespace
// declarations written where they are needed, nothing left open.
//
// The first mistake is kept, everything after it is ignored, and finish() reports it (invalid_argument):
// - a name that is not an NCName, a prefix "xml"/"xmlns" or one for no namespace, an attribute given twice;
// - text or an attribute value that is not UTF-8 or holds a character XML 1.0 does not allow (control characters
//   other than tab, LF and CR; U+FFFE, U+FFFF; surrogates). Such values are refused, never replaced: a value that
//   was silently changed (a key, a URI, a user's name) does more harm than a refused document.
// What is allowed comes back exactly when the document is parsed: "<", "&", ">" (so "]]>" too) are written as
// references, CR as "&#13;" in text, and tab, LF and CR as character references in attribute values.
class writer {
public:
    explicit writer(writer_options options = {});

    // Starts an element in the namespace of the enclosing element, with the same prefix; the root element: without
    // namespace.
    writer& start(std::string_view local_name);
    // Starts an element in namespace ns ("" = none) written with prefix ("" = unprefixed, in the default namespace).
    // The element declares the binding unless the same one is already in scope (xmlns="" included).
    writer& start_in(std::string_view ns, std::string_view local_name, std::string_view prefix = {});
    // Declares prefix (not "") for ns (not "") on the element just started, for attributes and content that use it
    // (xsi, for one). Only before the element's first text or child.
    writer& declare_namespace(std::string_view prefix, std::string_view ns);
    // An attribute without namespace on the element just started (before its first text or child).
    writer& attribute(std::string_view local_name, std::string_view value);
    // An attribute in namespace ns, written with a prefix bound to ns in scope (declare_namespace first).
    writer& attribute_in(std::string_view ns, std::string_view local_name, std::string_view value);
    // Character data inside the current element. Empty text adds no character but ends the start tag: an element
    // given only empty text is written "<a></a>" (and leaf() with empty text "<a/>").
    writer& text(std::string_view value);
    // White space (spaces, tabs and LFs only) inside the current element, written as it is: layout that indent does
    // not make, such as a new line before the end tag of an empty element. It is not text to indent: indentation
    // still applies around it.
    writer& white_space(std::string_view spaces);
    // Ends the current element ("<a/>" when it is empty).
    writer& end();
    // start(local_name), text(value) when not empty, end().
    writer& leaf(std::string_view local_name, std::string_view value);
    // An element serialised elsewhere (element::serialize() of a parsed document), as a child of the current element,
    // byte for byte: what a document embeds without changing it (a signed element). It declares its own namespaces.
    // Whoever reads the document parses it whole, which catches a fragment that is not one element.
    writer& fragment(std::string_view serialized_element);

    // The document, once exactly one root element was written and ended.
    // Errors: invalid_argument (the first mistake, or elements left open / no root), too_large.
    support::result<std::string> finish();

private:
    struct scope {
        std::string ns;
        std::string prefix;
        std::string qname;
        std::vector<std::pair<std::string, std::string>> declared; // (prefix, namespace) made here
        bool has_text = false;
        bool has_children = false;
    };

    bool fail(std::string what);
    std::optional<std::string> bound(std::string_view prefix) const; // namespace of prefix in scope
    std::optional<std::string> prefix_for(std::string_view ns) const;
    void close_start_tag();
    void new_line(std::size_t depth);
    void write_attribute(std::string_view qname, std::string_view value);

    writer_options options_;
    std::string out_;
    std::vector<scope> stack_;
    std::vector<std::pair<std::string, std::string>> tag_attributes_; // (namespace, local name) on the open tag
    bool tag_open_ = false;
    bool root_written_ = false;
    std::optional<support::error> error_;
};

// Whether text is UTF-8 made only of characters XML 1.0 allows: what writer::text() and attribute values accept. For
// callers that check their values first, to refuse them in their own terms.
bool is_xml_text(std::string_view text) noexcept;

} // namespace mcprov::xml
