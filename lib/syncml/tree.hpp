#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/result.hpp"
#include "mcprov/syncml/message.hpp"

// The element tree both representations of a message share (lib/syncml only): XML and WBXML are read into it and
// written from it; the message is read from it and written to it in one place.
namespace mcprov::syncml::detail {

struct node {
    std::string name;    // the element's local name
    bool metinf = false; // of the MetInf DTD (namespace syncml:metinf, WBXML code page 1)
    std::string text{};  // its character data (text, CDATA or WBXML strings and opaque data), in order
    std::vector<node> children{};
    unsigned line = 0; // of the start tag, for XML; 0 for WBXML

    const node* child(std::string_view local_name) const {
        for (const auto& c : children) {
            if (c.name == local_name) {
                return &c;
            }
        }
        return nullptr;
    }
};

support::result<message> message_from_tree(const node& root, const decode_limits& limits);
node tree_from_message(const message& m);

// Whether an element of this name is one of MetInf's (written in its namespace or code page).
bool is_metinf_element(std::string_view name);

} // namespace mcprov::syncml::detail
