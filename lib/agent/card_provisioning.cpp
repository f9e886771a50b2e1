#include "mcprov/agent/card_provisioning.hpp"
#include "mcprov/support/json.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace mcprov::agent {
namespace {

namespace json = boost::json;
using support::errc;
using support::make_error;
using support::result;

bool flag(const json::object& o, std::string_view k) {
    const auto* v = o.if_contains(k);
    return v && v->is_bool() && v->as_bool();
}

// "./A/B" -> "./A" -> "."; anything without a '/' is a child of the root.
std::string parent_of(std::string_view uri) {
    const auto slash = uri.rfind('/');
    return slash == std::string_view::npos ? std::string(".") : std::string(uri.substr(0, slash));
}

// Remembers the interior nodes missing on the way to `uri` (not uri itself), which putting it in will make.
void note_missing_parents(const management_tree& tree, std::string_view uri, card_state& state) {
    for (std::string at = parent_of(uri); at != "." && at.size() > 1 && !tree.exists(at); at = parent_of(at))
        if (std::find(state.created.begin(), state.created.end(), at) == state.created.end())
            state.created.push_back(at);
}

// Takes out the nodes the card's insertions made that hold nothing now, the deepest first.
support::result<void> prune(management_tree& tree, card_state& state) {
    std::sort(state.created.begin(), state.created.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    std::vector<std::string> still;
    for (const auto& at : state.created) {
        if (!tree.exists(at))
            continue;
        if (!tree.children(at).empty()) {
            still.push_back(at);
            continue;
        }
        if (auto erased = tree.erase(at); !erased)
            return erased;
    }
    state.created = std::move(still);
    return {};
}

std::string object_node(std::size_t index) {
    return std::string(smart_card_node) + "/Objects/" + std::to_string(index + 1);
}

// The SmartCard node as the state is: replaced whole, and gone with the nodes it made when nothing is left to show.
result<void> describe(management_tree& tree, card_state& state, const std::vector<std::optional<bool>>& ota) {
    if (tree.exists(smart_card_node))
        if (auto erased = tree.erase(smart_card_node); !erased)
            return erased;
    if (state.objects.empty() && !state.switched_on)
        return prune(tree, state);
    note_missing_parents(tree, smart_card_node, state);
    if (auto made = tree.install_interior(smart_card_node, {}, "Get=*", false); !made)
        return made;
    auto leaf = [&](const std::string& uri, std::string value, std::string format, std::string_view acl) {
        return tree.install_leaf(uri, {.format = std::move(format), .type = "text/plain", .data = std::move(value)},
                                 acl, false);
    };
    for (auto [name, value] : {std::pair{"ICCID", state.iccid}, std::pair{"IMSI", state.imsi}})
        if (auto made = leaf(std::string(smart_card_node) + "/" + name, value, "chr", {}); !made)
            return made;
    if (auto made = leaf(std::string(smart_card_node) + "/SwitchedOn", state.switched_on ? "true" : "false", "bool",
                         {});
        !made)
        return made;
    if (auto made = tree.install_interior(std::string(smart_card_node) + "/Objects", {}, {}, false); !made)
        return made;
    for (std::size_t i = 0; i < state.objects.size(); ++i) {
        const auto& o = state.objects[i];
        const std::string at = object_node(i);
        if (auto made = tree.install_interior(at, {}, {}, false); !made)
            return made;
        if (auto made = leaf(at + "/URI", o.uri, "chr", {}); !made)
            return made;
        if (auto made = leaf(at + "/Source", o.source, "chr", {}); !made)
            return made;
        const bool persist = i < ota.size() && ota[i] ? *ota[i] : o.persistent;
        if (auto made = leaf(at + "/Persist", persist ? "true" : "false", "bool", "Get=*&Replace=*"); !made)
            return made;
    }
    return {};
}

// The Persist values the operator may have changed, by object.
std::vector<std::optional<bool>> persist_nodes(const management_tree& tree, const card_state& state) {
    std::vector<std::optional<bool>> out;
    for (std::size_t i = 0; i < state.objects.size(); ++i) {
        const auto v = tree.value(object_node(i) + "/Persist");
        out.push_back(v ? std::optional<bool>(v->data == "true" || v->data == "1") : std::nullopt);
    }
    return out;
}

} // namespace

std::string to_json(const card_state& state) {
    json::array objects;
    for (const auto& o : state.objects) {
        json::object e{{"uri", o.uri}, {"source", o.source}, {"persistent", o.persistent}};
        if (o.shadow)
            e["shadow"] = *o.shadow;
        objects.push_back(std::move(e));
    }
    json::object out{{"iccid", state.iccid},
                     {"imsi", state.imsi},
                     {"switched_on", state.switched_on},
                     {"objects", std::move(objects)}};
    json::array created;
    for (const auto& c : state.created)
        created.emplace_back(c);
    out["created"] = std::move(created);
    return json::serialize(out);
}

result<card_state> card_state_from_json(std::string_view content) {
    boost::system::error_code ec;
    const auto v = json::parse(content, ec);
    if (ec || !v.is_object())
        return make_error(errc::invalid_argument, "the stored card state does not read");
    const auto& o = v.as_object();
    card_state state{.iccid = support::json_text(o, "iccid"), .imsi = support::json_text(o, "imsi"), .switched_on = flag(o, "switched_on"),
                     .objects = {}, .created = {}};
    if (const auto* created = o.if_contains("created"); created && created->is_array())
        for (const auto& c : created->as_array())
            if (c.is_string() && c.as_string().starts_with("./"))
                state.created.emplace_back(c.as_string());
    const auto* objects = o.if_contains("objects");
    if (objects && !objects->is_array())
        return make_error(errc::invalid_argument, "the stored card state's objects are not a list");
    for (const auto& e : objects ? objects->as_array() : json::array{}) {
        if (!e.is_object())
            return make_error(errc::invalid_argument, "a stored card object is not an object");
        const auto& eo = e.as_object();
        inserted_object io{.uri = support::json_text(eo, "uri"), .source = support::json_text(eo, "source"), .persistent = flag(eo, "persistent"),
                           .shadow = std::nullopt};
        if (eo.contains("shadow"))
            io.shadow = support::json_text(eo, "shadow");
        if (io.uri.empty() || io.uri[0] != '.')
            return make_error(errc::invalid_argument, "a stored card object without its URI");
        state.objects.push_back(std::move(io));
    }
    return state;
}

bool keeps_at_switch_off(const management_tree& tree, const card_state& state, std::size_t index) {
    const auto ota = persist_nodes(tree, state);
    return index < ota.size() && ota[index] ? *ota[index] : state.objects.at(index).persistent;
}

result<void> withdraw(management_tree& tree, card_state& state, bool keep_persistent) {
    auto ota = persist_nodes(tree, state);
    std::vector<inserted_object> kept;
    std::vector<std::optional<bool>> kept_ota;
    for (std::size_t n = state.objects.size(); n-- > 0;) {
        const auto& o = state.objects[n];
        const bool keep = keep_persistent && (ota[n] ? *ota[n] : o.persistent);
        if (keep) {
            kept.insert(kept.begin(), o);
            kept_ota.insert(kept_ota.begin(), ota[n]);
            continue;
        }
        if (o.shadow) {
            if (auto restored = tree.put_subtree(o.uri, *o.shadow); !restored)
                return restored;
        } else if (tree.exists(o.uri)) {
            if (auto erased = tree.erase(o.uri); !erased)
                return erased;
        }
    }
    state.objects = std::move(kept);
    if (auto described = describe(tree, state, kept_ota); !described)
        return described;
    return prune(tree, state);
}

result<void> insert(management_tree& tree, card_state& state, const std::vector<card_object>& objects) {
    auto ota = persist_nodes(tree, state);
    for (const auto& object : objects) {
        if (!object.uri.starts_with("./") || object.uri.find("//") != std::string::npos)
            return make_error(errc::invalid_argument, "'" + object.uri + "' is not a node's URI (./...)");
        if (object.uri.starts_with(smart_card_node))
            return make_error(errc::invalid_argument, object.uri + ": the card may not write the device's own record of it");
        inserted_object io{.uri = object.uri, .source = object.source, .persistent = object.persistent,
                           .shadow = tree.subtree_json(object.uri)};
        note_missing_parents(tree, object.uri, state);
        if (auto put = tree.put_subtree(object.uri, object.subtree); !put)
            return put;
        state.objects.push_back(std::move(io));
        ota.emplace_back();
    }
    return describe(tree, state, ota);
}

} // namespace mcprov::agent
