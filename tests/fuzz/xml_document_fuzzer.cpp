// libFuzzer target: untrusted bytes through the hardened parser, then, when they parse, schema validation against
// the MCPTT user profile schema.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "mcprov/xml/document.hpp"
#include "mcprov/xml/schema.hpp"

namespace {

const mcprov::xml::schema* profile_schema() {
    static const std::shared_ptr<const mcprov::xml::schema> compiled = [] {
        auto loaded = mcprov::xml::load_embedded_schema("ts24484-rel13/mcptt-user-profile.xsd");
        return loaded ? *loaded : nullptr;
    }();
    return compiled.get();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    mcprov::xml::parse_limits limits;
    limits.max_bytes = 64 * 1024;
    limits.max_depth = 32;
    auto doc = mcprov::xml::parse(std::string_view(reinterpret_cast<const char*>(data), size), limits);
    if (!doc) {
        return 0;
    }
    (void)doc->root_name();
    (void)doc->root_namespace();
    // Every element through the element view, without recursion: names, attributes, bounded text, prefixes.
    const mcprov::xml::element root = doc->root();
    for (mcprov::xml::element e = root; e;) {
        (void)e.local_name();
        (void)e.namespace_uri();
        (void)e.attributes();
        (void)e.text(4096);
        (void)e.own_text();
        (void)e.namespace_for_prefix("");
        (void)e.child_count();
        (void)e.line();
        if (auto child = e.first_child()) {
            e = child;
            continue;
        }
        while (e && e != root && !e.next_sibling()) {
            e = e.parent();
        }
        e = (!e || e == root) ? mcprov::xml::element{} : e.next_sibling();
    }
    (void)doc->serialize();
    if (const auto* schema = profile_schema()) {
        (void)schema->validate(*doc);
    }
    return 0;
}
