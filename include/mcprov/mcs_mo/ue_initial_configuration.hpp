#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/result.hpp"

// The MCS UE initial configuration (3GPP TS 24.483 clause 8, the management object; TS 24.484 clause 7.2, the XML
// document mcptt-UE-initial-configuration it mirrors): what a device needs to find its MC system's servers. Both ends
// use it: the DM server provisions it as management object leaves, the device hands it to its MC client as the
// TS 24.484 document.
//
// The MO's node names follow the convention of TS 24.483 (the XML names without hyphens, in CamelCase: on-network is
// OnNetwork, App-Server-Info is AppServerInfo); the off-network part is not provisioned. The root attribute "domain",
// which has no node of its own that could be confirmed, travels in Ext/Domain. docs/dms.md lists every node.
namespace mcprov::mcs_mo {

inline constexpr std::string_view ue_initial_configuration_mo = "urn:oma:mo:ext-3gpp-mcs-ue-init-config:1.0";
inline constexpr std::string_view ue_initial_configuration_namespace = "urn:3gpp:mcptt:mcpttUEinitConfig:1.0";
inline constexpr std::string_view ue_initial_configuration_schema = "ts24484-rel13/ue-init-config.xsd";

struct ue_initial_configuration {
    std::string domain;
    std::string name;
    std::optional<std::string> default_user; // Default-user-profile User-ID (index 0)
    unsigned t100 = 2, t101 = 2, t103 = 5, t104 = 2, t132 = 3; // on-network timers, seconds
    std::string hplmn;                                         // MCC and MNC, e.g. 00101
    std::string mcptt_to_con_ref = "mcptt";
    std::string mc_common_core_to_con_ref = "mcptt";
    std::string mc_id_to_con_ref = "mcptt";
    std::string idms_auth_endpoint;
    std::string idms_token_endpoint;
    std::string http_proxy;
    std::string gms;
    std::string cms;
    std::string kms;
    bool tls_mutual_authentication = false;
    std::string gms_uri;
    std::string group_creation_xui;
    std::string gms_xcap_root_uri;
    std::string cms_xcap_root_uri;
    bool integrity_protection = true;
    bool confidentiality_protection = true;

    friend bool operator==(const ue_initial_configuration&, const ue_initial_configuration&) = default;
};

// One leaf of the MO: its path below the MO's root, its DM format (chr, int, bool) and value.
struct mo_leaf {
    std::string path;
    std::string format;
    std::string value;
};

std::vector<mo_leaf> to_mo_leaves(const ue_initial_configuration& c);
// From the leaves the device holds (path below the root -> value). Errors: invalid_argument naming a missing or
// malformed leaf.
support::result<ue_initial_configuration> from_mo_leaves(const std::map<std::string, std::string>& leaves);

// Checks a document against one of the embedded schemas (schemas/<path>) and gives it back. Errors: not_well_formed,
// schema_invalid.
support::result<std::string> checked_against(std::string document, std::string_view schema_path);

// The TS 24.484 document, checked against its schema (ue-init-config.xsd). Errors: schema_invalid naming the
// violation, invalid_argument (a value XML cannot carry).
support::result<std::string> to_document(const ue_initial_configuration& c);

} // namespace mcprov::mcs_mo
