#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/cscm/resources.hpp"

// Request targets a partner MC system sends over CSCM-x. A target that parses names a resource whose path parses
// back to the same resource: what the handler acts on is what was asked for.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto parsed = mcprov::cscm::parse_resource(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!parsed) {
        return 0;
    }
    auto again = mcprov::cscm::parse_resource(mcprov::cscm::path_of(*parsed));
    if (!again || again->kind != parsed->kind || again->user != parsed->user || again->service != parsed->service) {
        __builtin_trap();
    }
    return 0;
}
