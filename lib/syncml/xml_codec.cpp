#include <algorithm>

#include "mcprov/syncml/message.hpp"
#include "mcprov/xml/document.hpp"
#include "mcprov/xml/element.hpp"
#include "mcprov/xml/writer.hpp"
#include "tree.hpp"

namespace mcprov::syncml {
namespace {

using support::errc;
using support::make_error;
using support::result;

constexpr std::string_view syncml_12_public_id = "-//SYNCML//DTD SyncML 1.2//EN";

// Messages from deployed clients (and libwbxml's XML) carry SyncML 1.2's DOCTYPE. The parser takes none, so the one
// without an internal subset is blanked (same length, lines kept); any other DOCTYPE is left for the parser to refuse.
std::string without_syncml_doctype(std::string_view bytes) {
    std::string text(bytes);
    std::size_t at = 0;
    if (text.starts_with("<?xml")) {
        at = text.find("?>");
        if (at == std::string::npos) {
            return text;
        }
        at += 2;
    }
    at = text.find_first_not_of(" \t\r\n", at);
    if (at == std::string::npos || text.compare(at, 9, "<!DOCTYPE") != 0) {
        return text;
    }
    const auto end = text.find('>', at);
    if (end == std::string::npos) {
        return text;
    }
    const std::string_view declaration(text.data() + at, end - at + 1);
    if (declaration.find('[') != std::string_view::npos || declaration.find(syncml_12_public_id) == std::string_view::npos ||
        !declaration.starts_with("<!DOCTYPE SyncML ")) {
        return text;
    }
    std::replace_if(text.begin() + static_cast<std::ptrdiff_t>(at), text.begin() + static_cast<std::ptrdiff_t>(end + 1),
                    [](char c) { return c != '\n'; }, ' ');
    return text;
}

// The element tree of a parsed document. SyncML elements may come in SyncML's namespace or none, MetInf ones in
// syncml:metinf or (from some clients) SyncML's: elements are known by local name.
detail::node tree_of(xml::element e) {
    detail::node n{std::string(e.local_name())};
    n.metinf = e.namespace_uri() == metinf_namespace;
    n.text = e.own_text();
    n.line = e.line();
    for (auto c : e.children()) {
        n.children.push_back(tree_of(c));
    }
    return n;
}

void write(xml::writer& w, const detail::node& n, bool root) {
    if (root) {
        w.start_in(syncml_namespace, n.name);
    } else if (n.metinf) {
        w.start_in(metinf_namespace, n.name);
    } else {
        w.start_in(syncml_namespace, n.name);
    }
    if (!n.text.empty() || n.name == "Data") {
        w.text(n.text);
    }
    for (const auto& c : n.children) {
        write(w, c, false);
    }
    w.end();
}

} // namespace

result<message> decode_xml(std::string_view bytes, const decode_limits& limits) {
    if (bytes.size() > limits.max_bytes) {
        return make_error(errc::too_large, "a message is at most " + std::to_string(limits.max_bytes) + " bytes");
    }
    auto doc = xml::parse(without_syncml_doctype(bytes), {limits.max_bytes, limits.max_depth});
    if (!doc) {
        return std::move(doc).err();
    }
    const auto root = doc->root();
    if (root.namespace_uri() != syncml_namespace && !root.namespace_uri().empty()) {
        return make_error(errc::invalid_argument, "the root element must be SyncML in namespace SYNCML:SYNCML1.2");
    }
    return detail::message_from_tree(tree_of(root), limits);
}

result<std::string> encode_xml(const message& m) {
    xml::writer w;
    write(w, detail::tree_from_message(m), true);
    return w.finish();
}

} // namespace mcprov::syncml
