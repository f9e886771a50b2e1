#include "mcprov/agent/card_objects.hpp"

#include "mcprov/iso7816/tlv.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/syncml/message.hpp"
#include "mcprov/xml/document.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace mcprov::agent {
namespace {

using support::errc;
using support::make_error;
using support::result;

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

bool is_tnds(const xml::element& e, std::string_view name) {
    // TNDS names its namespace syncml:dmddf1.2; many documents carry it upper-case or leave it out.
    const std::string ns = lower(e.namespace_uri());
    return e.local_name() == name && (ns.empty() || ns == "syncml:dmddf1.2");
}

xml::element child(const xml::element& e, std::string_view name) {
    for (auto c = e.first_child(); c; c = c.next_sibling())
        if (is_tnds(c, name))
            return c;
    return {};
}

std::string join(std::string_view base, std::string_view name) {
    std::string out(base);
    while (out.size() > 1 && out.back() == '/')
        out.pop_back();
    return out + "/" + std::string(name);
}

result<void> install_node(management_tree& tree, const xml::element& node, const std::string& uri, unsigned depth,
                          const tree_limits& limits) {
    if (depth > limits.max_depth)
        return make_error(errc::too_large, "a TNDS object deeper than the tree allows");
    const auto properties = child(node, "RTProperties");
    std::string acl, format, type;
    if (properties) {
        if (const auto a = child(properties, "ACL"))
            acl = a.trimmed_text();
        if (const auto f = child(properties, "Format"))
            if (const auto which = f.first_child())
                format = std::string(which.local_name());
        if (const auto t = child(properties, "Type")) {
            if (const auto mime = child(t, "MIME"))
                type = mime.trimmed_text();
            else if (const auto ddf = child(t, "DDFName"))
                type = ddf.trimmed_text();
        }
    }
    const auto value = child(node, "Value");
    if (value || (format != "node" && !format.empty() && !child(node, "Node"))) {
        node_value v{.format = format.empty() ? "chr" : format, .type = type.empty() ? "text/plain" : type,
                     .data = value ? value.text() : std::string()};
        if (v.data.size() > limits.max_value_bytes)
            return make_error(errc::too_large, uri + ": a value over the tree's limit");
        if (auto installed = tree.install_leaf(uri, std::move(v), acl, false); !installed)
            return installed;
        if (tree.size() > limits.max_nodes)
            return make_error(errc::too_large, "a TNDS object with more nodes than the tree allows");
        return {};
    }
    if (auto installed = tree.install_interior(uri, type, acl, false); !installed)
        return installed;
    for (auto c = node.first_child(); c; c = c.next_sibling()) {
        if (!is_tnds(c, "Node"))
            continue;
        const auto name = child(c, "NodeName");
        const std::string child_name = name ? name.trimmed_text() : std::string();
        if (child_name.empty() || child_name.find('/') != std::string::npos)
            return make_error(errc::invalid_argument, uri + ": a TNDS node without a proper NodeName");
        if (auto r = install_node(tree, c, join(uri, child_name), depth + 1, limits); !r)
            return r;
        if (tree.size() > limits.max_nodes)
            return make_error(errc::too_large, "a TNDS object with more nodes than the tree allows");
    }
    return {};
}

struct indications {
    bool persistent = false;
    bool needs_confirmation = false;
    std::string device_class;
};

indications read_emi(const std::optional<std::string>& command_emi, const std::optional<std::string>& item_emi) {
    indications out;
    for (const auto* emi : {&command_emi, &item_emi}) {
        if (!*emi)
            continue;
        std::string text = **emi;
        std::replace(text.begin(), text.end(), ',', ' ');
        std::istringstream words(text);
        for (std::string word; words >> word;) {
            if (word == "persist")
                out.persistent = true;
            else if (word == "confirm")
                out.needs_confirmation = true;
            else if (word.starts_with("class="))
                out.device_class = word.substr(6);
        }
    }
    return out;
}

// Each object is built in a tree of its own, so that its subtree carries exactly what the card gave.
result<std::vector<card_object>> objects_of_tnds(std::string_view base, std::string_view xml_text,
                                                 const tree_limits& limits) {
    management_tree scratch(limits);
    auto tops = install_tnds(scratch, base, xml_text);
    if (!tops)
        return std::move(tops).err();
    std::vector<card_object> objects;
    for (const auto& uri : *tops) {
        auto subtree = scratch.subtree_json(uri);
        if (!subtree)
            return make_error(errc::invalid_argument, uri + ": a TNDS object that is not in the tree");
        objects.push_back({.uri = uri, .subtree = std::move(*subtree), .source = {}, .persistent = false,
                           .needs_confirmation = false, .device_class = {}});
    }
    return objects;
}

} // namespace

result<std::vector<std::string>> install_tnds(management_tree& tree, std::string_view base, std::string_view xml_text) {
    auto doc = xml::parse(xml_text, {.max_bytes = 1024 * 1024, .max_depth = 40});
    if (!doc)
        return make_error(errc::invalid_argument, "TNDS: " + doc.err().message);
    const auto root = doc->root();
    if (!is_tnds(root, "MgmtTree"))
        return make_error(errc::invalid_argument, "TNDS: the root element is not MgmtTree");
    if (const auto version = child(root, "VerDTD"); !version || version.trimmed_text() != "1.2")
        return make_error(errc::invalid_argument, "TNDS: VerDTD must be 1.2");
    std::vector<std::string> tops;
    for (auto node = root.first_child(); node; node = node.next_sibling()) {
        if (!is_tnds(node, "Node"))
            continue;
        const auto name = child(node, "NodeName");
        const std::string node_name = name ? name.trimmed_text() : std::string();
        if (node_name.empty() || node_name.find('/') != std::string::npos)
            return make_error(errc::invalid_argument, "TNDS: a node without a proper NodeName");
        const auto path = child(node, "Path");
        const std::string at = path && !path.trimmed_text().empty() ? path.trimmed_text() : std::string(base);
        if (!at.starts_with("./") && at != ".")
            return make_error(errc::invalid_argument, "TNDS: node " + node_name + " has no place in the tree");
        const std::string uri = join(at, node_name);
        if (auto installed = install_node(tree, node, uri, 1, tree_limits{}); !installed)
            return make_error(installed.err().code, "TNDS: " + installed.err().message);
        tops.push_back(uri);
    }
    if (tops.empty())
        return make_error(errc::invalid_argument, "TNDS: a MgmtTree without nodes");
    return tops;
}

result<card_contents> objects_from_dm_bootstrap(std::string_view wbxml, const object_decryptor& decrypt,
                                                const tree_limits& limits) {
    auto message = syncml::decode_wbxml(wbxml, {.max_bytes = 256 * 1024, .max_depth = 24});
    if (!message)
        return make_error(errc::invalid_argument, "EF(DM_Bootstrap): " + message.err().message);
    card_contents contents;
    for (const auto& command : message->commands) {
        if (command.name != syncml::command_name::add && command.name != syncml::command_name::replace) {
            contents.ignored.push_back("a " + std::string(syncml::to_string(command.name)) +
                                       " command: a bootstrap message only adds and replaces");
            continue;
        }
        for (const auto& item : command.items) {
            const std::string target = item.target.value_or("");
            const auto flags = read_emi(command.meta.emi, item.meta.emi);
            const std::string type = item.meta.type.value_or(command.meta.type.value_or(""));
            const std::string format = item.meta.format.value_or(command.meta.format.value_or("chr"));
            if (!target.starts_with("./") || target.find("//") != std::string::npos) {
                contents.ignored.push_back("an item without a target in the tree (./...)");
                continue;
            }
            std::string data = item.data.value_or("");
            std::string device_class;
            bool tnds = type == tnds_xml_type;
            if (type == cms_enveloped_type) {
                device_class = flags.device_class;
                const auto der = support::base64_decode(data);
                if (!der) {
                    contents.ignored.push_back(target + ": an encrypted object that is not base64");
                    continue;
                }
                auto opened = decrypt ? decrypt(device_class, *der)
                                      : result<std::string>(make_error(errc::forbidden, "no keys"));
                if (!opened) {
                    contents.ignored.push_back(target + ": encrypted for device class \"" + device_class +
                                               "\": " + opened.err().message);
                    continue;
                }
                data = std::move(*opened);
                tnds = true;
            }
            std::vector<card_object> made;
            if (tnds) {
                auto objects = objects_of_tnds(target, data, limits);
                if (!objects) {
                    contents.ignored.push_back(target + ": " + objects.err().message);
                    continue;
                }
                made = std::move(*objects);
            } else {
                management_tree scratch(limits);
                auto installed = format == "node" ? scratch.install_interior(target, type, {}, false)
                                                  : scratch.install_leaf(target,
                                                                         {.format = format,
                                                                          .type = type.empty() ? "text/plain" : type,
                                                                          .data = data},
                                                                         {}, false);
                if (!installed) {
                    contents.ignored.push_back(target + ": " + installed.err().message);
                    continue;
                }
                made.push_back({.uri = target, .subtree = *scratch.subtree_json(target), .source = {},
                                .persistent = false, .needs_confirmation = false, .device_class = {}});
            }
            for (auto& object : made) {
                object.source = "dm_bootstrap";
                object.persistent = flags.persistent;
                object.needs_confirmation = flags.needs_confirmation;
                object.device_class = device_class;
                contents.objects.push_back(std::move(object));
            }
        }
    }
    return contents;
}

result<card_contents> objects_from_mcs_files(std::string_view mst, std::string_view config,
                                             const tree_limits& limits) {
    if (mst.size() < 2)
        return make_error(errc::invalid_argument, "EF_MST is shorter than its coding octet and one service octet");
    if (mst[0] != '\0')
        return make_error(errc::invalid_argument, "EF_MST announces a coding other than XML ('00')");
    auto objects = iso7816::parse_tlvs(config);
    if (!objects)
        return make_error(errc::invalid_argument, "EF_MCS_CONFIG: " + objects.err().message);
    const auto service = [&](unsigned n) {
        const std::size_t octet = 1 + (n - 1) / 8;
        return octet < mst.size() && (static_cast<unsigned char>(mst[octet]) >> ((n - 1) % 8)) & 1;
    };
    card_contents contents;
    struct placed {
        std::uint32_t tag;
        unsigned service;
        std::string_view root;
    };
    constexpr placed supported[] = {{0x80, 1, "./MCS/UEConfig"}, {0x84, 5, "./MCS/UEInitConfig"}};
    for (const auto& object : *objects) {
        if (object.tag < 0x80 || object.tag > 0x8a)
            continue;
        const unsigned n = object.tag - 0x80 + 1;
        if (!service(n))
            continue;
        const auto* where = std::find_if(std::begin(supported), std::end(supported),
                                         [&](const placed& p) { return p.tag == object.tag; });
        if (where == std::end(supported)) {
            contents.ignored.push_back("DF_MCS service " + std::to_string(n) + ": no application on this device uses it");
            continue;
        }
        auto made = objects_of_tnds("./MCS", object.value, limits);
        if (!made) {
            contents.ignored.push_back("DF_MCS service " + std::to_string(n) + ": " + made.err().message);
            continue;
        }
        for (auto& o : *made) {
            if (o.uri != where->root) {
                contents.ignored.push_back("DF_MCS service " + std::to_string(n) + ": its object is at " + o.uri +
                                           ", not " + std::string(where->root));
                continue;
            }
            o.source = "usim";
            contents.objects.push_back(std::move(o));
        }
    }
    return contents;
}

} // namespace mcprov::agent
