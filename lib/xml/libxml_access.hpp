#pragma once

#include <libxml/tree.h>

#include "mcprov/xml/document.hpp"
#include "mcprov/xml/element.hpp"

namespace mcprov::xml::detail {

// The libxml2 objects behind document and element, for the xml module's own files (schema, signature, node
// selector) and its tests. Nothing outside lib/xml includes this header.
struct access {
    static xmlDocPtr doc(const document& d) noexcept { return d.doc_; }
    static xmlNodePtr node(element e) noexcept { return e.node_; }
    static element wrap(xmlNodePtr n) noexcept { return element(n); }
    static document adopt(xmlDocPtr d) noexcept { return document(d); }
};

inline xmlDocPtr libxml_doc(const document& d) noexcept {
    return access::doc(d);
}

inline xmlNodePtr libxml_node(element e) noexcept {
    return access::node(e);
}

} // namespace mcprov::xml::detail
