#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/xcap/xcap_uri.hpp"
#include "mcprov/xml/node_selector.hpp"

// Request targets from the network: the XCAP URI parser, then the node selector it carries.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view target(reinterpret_cast<const char*>(data), size);
    auto uri = mcprov::xcap::parse_xcap_uri(target, "/xcap");
    if (uri && uri->node_selector) {
        (void)mcprov::xml::parse_node_selector(*uri->node_selector, uri->namespace_bindings,
                                               "urn:3gpp:mcptt:user-profile:1.0");
    }
    return 0;
}
