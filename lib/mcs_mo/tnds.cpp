#include "mcprov/mcs_mo/tnds.hpp"

#include <map>
#include <memory>

#include "mcprov/xml/document.hpp"

namespace mcprov::mcs_mo {
namespace {

struct tnds_node {
    std::string format;
    std::string value;
    bool leaf = false;
    std::vector<std::pair<std::string, std::unique_ptr<tnds_node>>> children; // in the leaves' order
};

tnds_node& child(tnds_node& parent, const std::string& name) {
    for (auto& [n, c] : parent.children)
        if (n == name)
            return *c;
    parent.children.emplace_back(name, std::make_unique<tnds_node>());
    return *parent.children.back().second;
}

void write(std::string& out, const std::string& name, const tnds_node& n, std::string_view type) {
    out += "<Node><NodeName>" + xml::escape_attribute(name) + "</NodeName><RTProperties><Format><" +
           (n.leaf ? n.format : std::string("node")) + "/></Format>";
    if (!type.empty())
        out += "<Type><DDFName>" + xml::escape_attribute(type) + "</DDFName></Type>";
    out += "</RTProperties>";
    if (n.leaf)
        out += "<Value>" + xml::escape_attribute(n.value) + "</Value>";
    for (const auto& [child_name, c] : n.children)
        write(out, child_name, *c, {});
    out += "</Node>";
}

} // namespace

std::string to_tnds(std::string_view root_name, std::string_view type, const std::vector<mo_leaf>& leaves) {
    tnds_node root;
    for (const auto& leaf : leaves) {
        tnds_node* at = &root;
        std::string_view path = leaf.path;
        for (auto slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/')) {
            at = &child(*at, std::string(path.substr(0, slash)));
            path.remove_prefix(slash + 1);
        }
        auto& l = child(*at, std::string(path));
        l.leaf = true;
        l.format = leaf.format.empty() ? "chr" : leaf.format;
        l.value = leaf.value;
    }
    std::string out = "<MgmtTree xmlns=\"syncml:dmddf1.2\"><VerDTD>1.2</VerDTD>";
    write(out, std::string(root_name), root, type);
    return out + "</MgmtTree>";
}

} // namespace mcprov::mcs_mo
