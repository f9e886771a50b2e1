#pragma once

#include <libxml/tree.h>

#include "mcprov/xml/document.hpp"
#include "mcprov/xml/element.hpp"

namespace mcprov::xml::detail {

// The libxml2 objects behind document and element, for the xml module's own files (schema, signature, node
// selector) and its tests. Nothing outside lib/xml includes this header. The public headers hold them as pointers to
// types they only declare (opaque_document, opaque_node), so that no libxml2 type appears there; these casts are the
// only place where one becomes the other.
struct access {
    static xmlDocPtr doc(const document& d) noexcept { return reinterpret_cast<xmlDocPtr>(d.doc_); }
    static xmlNodePtr node(element e) noexcept { return reinterpret_cast<xmlNodePtr>(e.node_); }
    static element wrap(xmlNodePtr n) noexcept { return element(reinterpret_cast<opaque_node*>(n)); }
    static document adopt(xmlDocPtr d) noexcept { return document(reinterpret_cast<opaque_document*>(d)); }
};

inline xmlDocPtr libxml_doc(const document& d) noexcept {
    return access::doc(d);
}

inline xmlNodePtr libxml_node(element e) noexcept {
    return access::node(e);
}

} // namespace mcprov::xml::detail
