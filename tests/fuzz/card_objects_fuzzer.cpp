#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/agent/card_objects.hpp"
#include "mcprov/agent/card_provisioning.hpp"

// What a card's EF(DM_Bootstrap) holds (a WBXML DM message with TNDS objects), its DF_MCS files, and a TNDS object on
// its own, as the device decodes them: no crash, limits held, and whatever decodes goes into a tree and comes out
// again leaving the tree as it was.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mcprov::agent;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    management_tree scratch;
    (void)install_tnds(scratch, "./A", input);
    if (input.size() > 2)
        (void)objects_from_mcs_files(input.substr(0, 2), input.substr(2));
    auto contents = objects_from_dm_bootstrap(input, nullptr);
    if (!contents)
        return 0;
    management_tree tree;
    const auto before = tree.to_json();
    card_state state;
    state.switched_on = true;
    if (!insert(tree, state, contents->objects))
        return 0;
    state.switched_on = false;
    if (!withdraw(tree, state, false) || tree.to_json() != before)
        __builtin_trap();
    return 0;
}
