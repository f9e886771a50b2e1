#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/agent/management_tree.hpp"

// What a DM server sends a device's management tree: an ACL (Replace ?prop=ACL) and node URIs with values. An ACL that
// parses prints to one that parses to the same; no URI or value breaks the tree's bookkeeping.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mcprov::agent;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    if (auto acl = access_control_list::parse(input)) {
        auto again = access_control_list::parse(acl->to_string());
        if (!again || !(*again == *acl)) {
            __builtin_trap();
        }
    }
    // A stored tree (the agent's own storage, read back at start): one that reads back stores the same way.
    if (input.starts_with("{")) {
        if (auto stored = management_tree::from_json(input, {.max_nodes = 64})) {
            auto again = management_tree::from_json(stored->to_json(), {.max_nodes = 64});
            if (!again || again->to_json() != stored->to_json()) {
                __builtin_trap();
            }
        }
        return 0;
    }
    management_tree tree({.max_nodes = 64});
    (void)tree.install_interior("./Vendor", {}, "Add=*&Get=*&Replace=*&Delete=*");
    // The input is a list of operations: a byte for the operation, then a URI up to the next NUL.
    std::string_view rest = input;
    while (!rest.empty()) {
        const auto op = static_cast<unsigned char>(rest.front()) % 5;
        rest.remove_prefix(1);
        const auto end = rest.find('\0');
        const auto uri = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        const node_value v{op == 1 ? "node" : "chr", "text/plain", std::string(uri.substr(0, 8))};
        switch (op) {
        case 0: (void)tree.get(uri, "s"); break;
        case 1:
        case 2: (void)tree.add(uri, v, "s"); break;
        case 3: (void)tree.replace(uri, v, "s"); break;
        default: (void)tree.remove(uri, "s"); break;
        }
        if (tree.size() > 64 || tree.size() < 2) {
            __builtin_trap();
        }
    }
    return 0;
}
