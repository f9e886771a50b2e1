#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/result.hpp"
#include "mcprov/xml/document.hpp"

namespace mcprov::xml {

// One location step of an RFC 4825 section 6.3 node selector: a name test ("*" or QName, namespace resolved)
// with an optional position and an optional attribute test.
struct selector_step {
    bool any_name = false;
    std::string namespace_uri; // resolved; for unprefixed names, the application usage's default namespace
    std::string local_name;
    std::optional<unsigned> position;                                  // 1-based
    std::optional<std::pair<std::string, std::string>> attribute_test; // (attribute local name, value)
};

// What the selector ends in: an element, an attribute ("@name") or the namespace bindings ("namespace::*").
struct node_selector {
    std::vector<selector_step> steps;
    std::optional<std::string> attribute; // terminal attribute selector, local name (unqualified attributes)
    bool namespace_bindings = false;
};

// Parses the node selector part of an XCAP URI (already percent-decoded, without the leading "~~/").
// prefixes: bindings from the URI's xmlns() query; default_namespace: the application usage's.
// Errors: invalid_argument with what is wrong.
support::result<node_selector> parse_node_selector(std::string_view text,
                                                   const std::map<std::string, std::string>& prefixes,
                                                   std::string_view default_namespace);

// The selected node as XCAP returns it: an element serialised as an XML fragment (application/xcap-el+xml),
// an attribute's value (application/xcap-att+xml), or the in-scope namespace bindings (application/xcap-ns+xml).
enum class selection_kind { element, attribute, namespaces };
struct selection {
    selection_kind kind;
    std::string body;
};

// not_found when the selector matches no node or more than one.
support::result<selection> select(const document& doc, const node_selector& selector);

} // namespace mcprov::xml
