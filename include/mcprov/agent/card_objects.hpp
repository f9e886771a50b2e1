#pragma once

#include "mcprov/agent/management_tree.hpp"
#include "mcprov/support/result.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

// A smart card's management objects (seed 004's SC MOs) as the device reads them off the card, before it decides
// what to do with them: from EF(DM_Bootstrap) (OMA DM bootstrap: a WBXML DM message whose Add and Replace commands
// carry leaves and TNDS objects) and from DF_MCS (TS 31.102: the MC services' objects of TS 24.483).
namespace mcprov::agent {

inline constexpr std::string_view tnds_xml_type = "application/vnd.syncml.dmtnds+xml";
inline constexpr std::string_view cms_enveloped_type = "application/pkcs7-mime";

struct card_object {
    std::string uri;              // where it goes in the tree, e.g. ./DMAcc/operator
    std::string subtree;          // the node and everything below it, in management_tree::subtree_json's form
    std::string source;           // "dm_bootstrap" (PKCS#15) or "usim" (DF_MCS)
    bool persistent = false;      // the card says: keep it at switch-off
    bool needs_confirmation = false; // the card says: use it only once the user agrees
    std::string device_class{};   // an object that was encrypted: the device class it was for

    friend bool operator==(const card_object&, const card_object&) = default;
};

// What the card holds that the device cannot use, and why (logged and reported, never silently dropped).
struct card_contents {
    std::vector<card_object> objects;
    std::vector<std::string> ignored;
};

// Puts a TNDS MgmtTree (OMA-TS-DM_TNDS 1.2, XML) into `tree`: each top Node at its Path, or under `base` when it has
// none, with its ACL, Format, Type and Value. Returns the URIs of the top nodes. Errors: invalid_argument (not a
// MgmtTree, a node without a name, a value that does not match its format), too_large (over the tree's limits).
support::result<std::vector<std::string>> install_tnds(management_tree& tree, std::string_view base,
                                                       std::string_view xml);

// Opens an object the card carries encrypted (CMS EnvelopedData, DER) for the device class it names: the content, or
// forbidden when this device holds no key for that class, invalid_argument when it does not decrypt.
using object_decryptor = std::function<support::result<std::string>(std::string_view device_class,
                                                                    std::string_view enveloped)>;

// The objects of EF(DM_Bootstrap). The card's indications are the command's or the item's Meta EMI (extended meta
// information), space-separated: "persist", "confirm", and "class=NAME" on an encrypted item (Meta Type
// application/pkcs7-mime, Format b64, Data the base64 of a CMS EnvelopedData whose content is a TNDS MgmtTree).
// Errors: invalid_argument when the message does not decode (the whole file is refused: no object of it is used).
support::result<card_contents> objects_from_dm_bootstrap(std::string_view wbxml, const object_decryptor& decrypt,
                                                         const tree_limits& limits = {});

// The objects of DF_MCS: for each service EF_MST says is there, EF_MCS_CONFIG's data object with the TNDS of its MO
// (tag '84' the MCS UE initial configuration at ./MCS/UEInitConfig, '80' the MCPTT UE configuration at
// ./MCS/UEConfig; the others are reported as not supported by this device).
support::result<card_contents> objects_from_mcs_files(std::string_view mst, std::string_view config,
                                                      const tree_limits& limits = {});

} // namespace mcprov::agent
