#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/result.hpp"

namespace mcprov::xml {

class document;
class element;
class element_range;
namespace detail {
struct access;
struct opaque_node; // the node behind an element; only lib/xml knows it (libxml_access.hpp)
} // namespace detail

} // namespace mcprov::xml

template <> struct std::hash<mcprov::xml::element>;

namespace mcprov::xml {

// One attribute of an element, as element::attributes() lists them (namespace declarations are not attributes).
struct attribute_entry {
    std::string namespace_uri; // "" for an unqualified attribute
    std::string local_name;
    std::string value;
};

// A read-only, non-owning handle on one element of a document: cheap to copy, valid while its document lives and
// the element has not been removed from it (document::remove). A default-constructed handle is empty (false); on an
// empty handle every accessor gives the empty answer ("", nullopt, an empty handle, 0, no children). String views
// point into the document and are valid as long as the handle is. Elements are changed through their document.
class element {
public:
    element() noexcept = default;
    explicit operator bool() const noexcept { return node_ != nullptr; }

    std::string_view local_name() const noexcept;
    std::string_view namespace_uri() const noexcept; // "" when the element has no namespace
    std::string_view prefix() const noexcept;        // the prefix of its name, "" when it has none
    bool is(std::string_view ns, std::string_view local_name) const noexcept;

    // The character data of the element and all its descendants (text and CDATA) in document order, as XPath's
    // string value.
    std::string text() const;
    // The same, too_large when it is longer than max_bytes (the check runs while collecting, so a huge element costs
    // no more than max_bytes of memory).
    support::result<std::string> text(std::size_t max_bytes) const;
    // text() without leading and trailing XML white space (space, tab, CR, LF).
    std::string trimmed_text() const;
    // The character data of the element's own text and CDATA children only, not of its descendants.
    std::string own_text() const;

    // The element and everything below it as XML text (no declaration), with the namespace declarations it makes
    // itself; over max_bytes: too_large.
    support::result<std::string> serialize(std::size_t max_bytes) const;

    // The value of the attribute without namespace called local_name.
    std::optional<std::string> attribute(std::string_view local_name) const;
    // The value of the attribute in namespace ns ("" = without namespace) called local_name.
    std::optional<std::string> attribute(std::string_view ns, std::string_view local_name) const;
    // Every attribute, in document order.
    std::vector<attribute_entry> attributes() const;
    // The namespace bound to prefix ("" = the default namespace) where the element stands, nullopt when unbound
    // (for QName-valued content such as xsi:type).
    std::optional<std::string> namespace_for_prefix(std::string_view prefix) const;

    // Element children only: text, comments and processing instructions are skipped.
    element first_child() const noexcept;
    element first_child(std::string_view ns, std::string_view local_name) const noexcept;
    element next_sibling() const noexcept;
    element next_sibling(std::string_view ns, std::string_view local_name) const noexcept;
    element parent() const noexcept; // empty for the root element
    element_range children() const noexcept;
    // The range keeps the two views: the strings they point to must outlive the iteration.
    element_range children(std::string_view ns, std::string_view local_name) const noexcept;
    std::size_t child_count() const noexcept;
    std::size_t child_count(std::string_view ns, std::string_view local_name) const noexcept;

    // The line of the start tag in the parsed text (for error messages), 0 when not known (e.g. a built element).
    unsigned line() const noexcept;

    friend bool operator==(element a, element b) noexcept { return a.node_ == b.node_; }
    // An arbitrary but fixed total order (the identity of the element), for sorting and sets.
    friend std::strong_ordering operator<=>(element a, element b) noexcept {
        return std::compare_three_way{}(a.node_, b.node_);
    }

private:
    friend struct detail::access;
    friend struct std::hash<element>;
    explicit element(detail::opaque_node* node) noexcept : node_(node) {}
    detail::opaque_node* node_ = nullptr;
};

// Forward iteration over element children (optionally only those with a given namespace and local name).
class element_iterator {
public:
    using value_type = element;
    using difference_type = std::ptrdiff_t;
    using reference = element;
    using iterator_category = std::forward_iterator_tag;

    element_iterator() noexcept = default;
    element operator*() const noexcept { return current_; }
    element_iterator& operator++() noexcept;
    element_iterator operator++(int) noexcept {
        auto before = *this;
        ++*this;
        return before;
    }
    friend bool operator==(const element_iterator& a, const element_iterator& b) noexcept {
        return a.current_ == b.current_;
    }

private:
    friend class element_range;
    element_iterator(element current, bool filtered, std::string_view ns, std::string_view name) noexcept
        : current_(current), filtered_(filtered), ns_(ns), name_(name) {}
    element current_;
    bool filtered_ = false;
    std::string_view ns_;
    std::string_view name_;
};

class element_range {
public:
    element_iterator begin() const noexcept;
    element_iterator end() const noexcept { return {}; }
    bool empty() const noexcept { return begin() == end(); }
    // The elements as a vector: for code that changes the document while going through them.
    std::vector<element> to_vector() const;

private:
    friend class element;
    element_range(element parent, bool filtered, std::string_view ns, std::string_view name) noexcept
        : parent_(parent), filtered_(filtered), ns_(ns), name_(name) {}
    element parent_;
    bool filtered_ = false;
    std::string_view ns_;
    std::string_view name_;
};

} // namespace mcprov::xml

template <> struct std::hash<mcprov::xml::element> {
    std::size_t operator()(mcprov::xml::element e) const noexcept { return std::hash<const void*>{}(e.node_); }
};
