#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mcprov/agent/card_objects.hpp"
#include "mcprov/agent/management_tree.hpp"
#include "mcprov/support/result.hpp"

// What a smart card's objects did to the device's tree, and how they are taken back (seed 004): inserted at
// switch-on over whatever the device had at the same nodes, which is kept aside (shadowed), never deleted; withdrawn
// at switch-off, the device's own nodes back exactly as they were, unless the object is to persist. The state is
// stored with the tree in one transaction, so a crash leaves either the state before or the state after.
namespace mcprov::agent {

// Where the device shows what came from the card: ./Vendor/mcprov/SmartCard with ICCID, IMSI and an Objects/<n> entry
// per object (URI, Source, Persist). Persist is the operator's over-the-air persistence indication: a server may
// Replace it with true or false.
inline constexpr std::string_view smart_card_node = "./Vendor/mcprov/SmartCard";

struct inserted_object {
    std::string uri;
    std::string source;
    bool persistent = false;           // the card's indication
    std::optional<std::string> shadow; // the device's own subtree at uri before insertion (management_tree's form)

    friend bool operator==(const inserted_object&, const inserted_object&) = default;
};

struct card_state {
    std::string iccid;
    std::string imsi;
    bool switched_on = false;
    std::vector<inserted_object> objects; // in insertion order
    std::vector<std::string> created; // interior nodes the insertions had to make on the way: gone when empty again

    friend bool operator==(const card_state&, const card_state&) = default;
};

std::string to_json(const card_state& state);
support::result<card_state> card_state_from_json(std::string_view text);

// Whether an object is kept at switch-off: the card said so, or the operator set its Persist node to true (which
// overrides the card's indication either way).
bool keeps_at_switch_off(const management_tree& tree, const card_state& state, std::size_t index);

// Takes the state's objects out of the tree, newest first, each replaced by its shadow (or removed when it had none);
// with keep_persistent the objects that keeps_at_switch_off are left, and stay in the state. The SmartCard node is
// rewritten for what remains. Errors: the tree's (the tree is then not to be used: callers work on a copy).
support::result<void> withdraw(management_tree& tree, card_state& state, bool keep_persistent);

// Puts the objects into the tree over what is there, shadowing it, and writes the SmartCard node. Errors: the tree's.
support::result<void> insert(management_tree& tree, card_state& state, const std::vector<card_object>& objects);

} // namespace mcprov::agent
