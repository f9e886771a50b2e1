#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"
#include "mcprov/xml/element.hpp"

namespace mcprov::xml {

namespace detail {
struct opaque_document; // the tree behind a document; only lib/xml knows it (libxml_access.hpp)
} // namespace detail

// Limits applied to every document read from outside.
struct parse_limits {
    std::size_t max_bytes = 1024 * 1024;
    unsigned max_depth = 64;
};

// A parsed XML document. Parsing never loads a DTD, never expands or substitutes entities, never touches the
// network or the file system, and refuses any document that carries a DOCTYPE.
//
// Read it through root() and element. Change it through the operations below: each takes elements of this document
// (invalid_argument for an empty handle or one of another document), checks names (NCName) and text (UTF-8 made of
// XML 1.0 characters: no control characters but tab, CR and LF) and refuses what is invalid with invalid_argument,
// changing nothing. Text and attribute values are stored as given and escaped when serialised.
class document {
public:
    document(document&&) noexcept;
    document& operator=(document&&) noexcept;
    ~document();

    // The root element; empty only for a moved-from document.
    element root() const noexcept;

    // Local name and namespace URI of the root element ("" when it has no namespace).
    std::string root_name() const;
    std::string root_namespace() const;

    // The document serialised as UTF-8 with an XML declaration.
    std::string serialize() const;

    // Removes the element with its subtree, and the white-space-only text right after it (so that no blank line is
    // left behind). Handles on the element or inside it become invalid. The root element cannot be removed.
    support::result<void> remove(element e);
    // A new element as the last child of parent, holding text when text is not empty. Namespace ns ("" = none): a
    // binding in scope is used when there is one (the parent's own namespace keeps its prefix); otherwise the new
    // element declares it, with prefix ("" = as the default namespace).
    support::result<element> append_element(element parent, std::string_view ns, std::string_view local_name,
                                            std::string_view text = {}, std::string_view prefix = {});
    // The same, as the sibling just before `sibling` (which must not be the root).
    support::result<element> insert_element_before(element sibling, std::string_view ns, std::string_view local_name,
                                                   std::string_view text = {}, std::string_view prefix = {});
    // Sets (adds or replaces) the attribute without namespace called local_name.
    support::result<void> set_attribute(element e, std::string_view local_name, std::string_view value);
    // Sets (adds or replaces) the attribute local_name in namespace ns (not empty), e.g. xsi:type. A prefix bound to ns
    // where the element stands is used; otherwise the element declares ns with `prefix`, or, when that prefix is bound
    // to another namespace there, with `prefix` followed by the smallest number that makes it free ("xsi1").
    support::result<void> set_attribute_in(element e, std::string_view ns, std::string_view local_name,
                                           std::string_view value, std::string_view prefix);
    // Removes that attribute; no error when there is none.
    support::result<void> remove_attribute(element e, std::string_view local_name);
    // Replaces everything inside the element (children and text) with the text.
    support::result<void> set_text(element e, std::string_view text);

private:
    friend struct detail::access;
    explicit document(detail::opaque_document* doc) noexcept : doc_(doc) {}
    detail::opaque_document* doc_ = nullptr;
};

// Errors: too_large (bytes or depth), not_well_formed (syntax, encoding, DOCTYPE/entities), each with the line
// number and libxml2's message.
support::result<document> parse(std::string_view bytes, const parse_limits& limits = {});

// Text escaped for a double-quoted attribute value (also safe as element content).
std::string escape_attribute(std::string_view value);

// Installs the process-wide libxml2 settings the parser relies on (no network, no external entity loading
// except the embedded schemas). Idempotent and thread-safe; parse() calls it.
void initialize();

} // namespace mcprov::xml
