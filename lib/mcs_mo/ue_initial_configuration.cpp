#include "mcprov/mcs_mo/ue_initial_configuration.hpp"

#include <charconv>

#include "mcprov/xml/document.hpp"
#include "mcprov/xml/schema.hpp"
#include "mcprov/xml/writer.hpp"

namespace mcprov::mcs_mo {
namespace {

using support::errc;
using support::make_error;
using support::result;

std::string flag(bool b) {
    return b ? "true" : "false";
}

} // namespace

result<std::string> checked_against(std::string document, std::string_view schema_path) {
    auto doc = xml::parse(document);
    if (!doc) {
        return std::move(doc).err();
    }
    auto schema = xml::load_embedded_schema(schema_path);
    if (!schema) {
        return std::move(schema).err();
    }
    if (auto valid = (*schema)->validate(*doc); !valid) {
        return std::move(valid).err();
    }
    return document;
}

std::vector<mo_leaf> to_mo_leaves(const ue_initial_configuration& c) {
    std::vector<mo_leaf> out{{"Name", "chr", c.name}};
    if (c.default_user) {
        out.push_back({"DefaultUserProfile/UserID", "chr", *c.default_user});
        out.push_back({"DefaultUserProfile/UserProfileIndex", "int", "0"});
    }
    for (const auto& [name, value] : {std::pair{"T100", c.t100}, {"T101", c.t101}, {"T103", c.t103},
                                      {"T104", c.t104}, {"T132", c.t132}}) {
        out.push_back({std::string("OnNetwork/Timers/") + name, "int", std::to_string(value)});
    }
    out.push_back({"OnNetwork/HPLMN/PLMN", "chr", c.hplmn});
    out.push_back({"OnNetwork/HPLMN/Service/MCPTTToConRef", "chr", c.mcptt_to_con_ref});
    out.push_back({"OnNetwork/HPLMN/Service/MCCommonCoreToConRef", "chr", c.mc_common_core_to_con_ref});
    out.push_back({"OnNetwork/HPLMN/Service/MCIDToConRef", "chr", c.mc_id_to_con_ref});
    for (const auto& [name, value] : {std::pair{"IDMSAuthEndpoint", &c.idms_auth_endpoint},
                                      {"IDMSTokenEndpoint", &c.idms_token_endpoint},
                                      {"HTTPProxy", &c.http_proxy},
                                      {"GMS", &c.gms},
                                      {"CMS", &c.cms},
                                      {"KMS", &c.kms}}) {
        out.push_back({std::string("OnNetwork/AppServerInfo/") + name, "chr", *value});
    }
    out.push_back({"OnNetwork/AppServerInfo/TLSTunnelAuthMethod/MutualAuthentication", "bool",
                   flag(c.tls_mutual_authentication)});
    out.push_back({"OnNetwork/GMSURI", "chr", c.gms_uri});
    out.push_back({"OnNetwork/GroupCreationXUI", "chr", c.group_creation_xui});
    out.push_back({"OnNetwork/GMSXCAPRootURI", "chr", c.gms_xcap_root_uri});
    out.push_back({"OnNetwork/CMSXCAPRootURI", "chr", c.cms_xcap_root_uri});
    out.push_back({"OnNetwork/IntegrityProtectionEnabled", "bool", flag(c.integrity_protection)});
    out.push_back({"OnNetwork/ConfidentialityProtectionEnabled", "bool", flag(c.confidentiality_protection)});
    out.push_back({"Ext/Domain", "chr", c.domain});
    return out;
}

result<ue_initial_configuration> from_mo_leaves(const std::map<std::string, std::string>& leaves) {
    ue_initial_configuration c;
    std::string missing;
    auto text = [&](const std::string& path, std::string& into) {
        auto it = leaves.find(path);
        if (it == leaves.end()) {
            missing = path;
            return;
        }
        into = it->second;
    };
    auto number = [&](const std::string& path, unsigned& into) {
        std::string t;
        text(path, t);
        unsigned n = 0;
        auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
        if (missing.empty() && (ec != std::errc() || end != t.data() + t.size() || n > 255)) {
            missing = path;
        }
        into = n;
    };
    auto boolean = [&](const std::string& path, bool& into) {
        std::string t;
        text(path, t);
        if (missing.empty() && t != "true" && t != "false") {
            missing = path;
        }
        into = t == "true";
    };
    if (auto it = leaves.find("DefaultUserProfile/UserID"); it != leaves.end()) {
        c.default_user = it->second;
    }
    text("Name", c.name);
    number("OnNetwork/Timers/T100", c.t100);
    number("OnNetwork/Timers/T101", c.t101);
    number("OnNetwork/Timers/T103", c.t103);
    number("OnNetwork/Timers/T104", c.t104);
    number("OnNetwork/Timers/T132", c.t132);
    text("OnNetwork/HPLMN/PLMN", c.hplmn);
    text("OnNetwork/HPLMN/Service/MCPTTToConRef", c.mcptt_to_con_ref);
    text("OnNetwork/HPLMN/Service/MCCommonCoreToConRef", c.mc_common_core_to_con_ref);
    text("OnNetwork/HPLMN/Service/MCIDToConRef", c.mc_id_to_con_ref);
    text("OnNetwork/AppServerInfo/IDMSAuthEndpoint", c.idms_auth_endpoint);
    text("OnNetwork/AppServerInfo/IDMSTokenEndpoint", c.idms_token_endpoint);
    text("OnNetwork/AppServerInfo/HTTPProxy", c.http_proxy);
    text("OnNetwork/AppServerInfo/GMS", c.gms);
    text("OnNetwork/AppServerInfo/CMS", c.cms);
    text("OnNetwork/AppServerInfo/KMS", c.kms);
    boolean("OnNetwork/AppServerInfo/TLSTunnelAuthMethod/MutualAuthentication", c.tls_mutual_authentication);
    text("OnNetwork/GMSURI", c.gms_uri);
    text("OnNetwork/GroupCreationXUI", c.group_creation_xui);
    text("OnNetwork/GMSXCAPRootURI", c.gms_xcap_root_uri);
    text("OnNetwork/CMSXCAPRootURI", c.cms_xcap_root_uri);
    boolean("OnNetwork/IntegrityProtectionEnabled", c.integrity_protection);
    boolean("OnNetwork/ConfidentialityProtectionEnabled", c.confidentiality_protection);
    text("Ext/Domain", c.domain);
    if (!missing.empty()) {
        return make_error(errc::invalid_argument, "the MCS UE initial configuration lacks a proper " + missing);
    }
    return c;
}

result<std::string> to_document(const ue_initial_configuration& c) {
    xml::writer w({.indent = true});
    w.start_in(ue_initial_configuration_namespace, "mcptt-UE-initial-configuration").attribute("domain", c.domain);
    w.start("name").text(c.name).end();
    if (c.default_user) {
        w.start("Default-user-profile").attribute("User-ID", *c.default_user).attribute("user-profile-index", "0").end();
    }
    w.start("on-network");
    w.start("Timers");
    for (const auto& [name, value] : {std::pair{"T100", c.t100}, {"T101", c.t101}, {"T103", c.t103},
                                      {"T104", c.t104}, {"T132", c.t132}}) {
        w.leaf(name, std::to_string(value));
    }
    w.end();
    w.start("HPLMN").attribute("PLMN", c.hplmn);
    w.start("service")
        .leaf("MCPTT-to-con-ref", c.mcptt_to_con_ref)
        .leaf("MC-common-core-to-con-ref", c.mc_common_core_to_con_ref)
        .leaf("MC-ID-to-con-ref", c.mc_id_to_con_ref)
        .end();
    w.end();
    w.start("App-Server-Info")
        .leaf("idms-auth-endpoint", c.idms_auth_endpoint)
        .leaf("idms-token-endpoint", c.idms_token_endpoint)
        .leaf("http-proxy", c.http_proxy)
        .leaf("gms", c.gms)
        .leaf("cms", c.cms)
        .leaf("kms", c.kms);
    w.start("tls-tunnel-auth-method").leaf("mutual-authentication", flag(c.tls_mutual_authentication)).end();
    w.end();
    w.leaf("GMS-URI", c.gms_uri)
        .leaf("group-creation-XUI", c.group_creation_xui)
        .leaf("GMS-XCAP-root-URI", c.gms_xcap_root_uri)
        .leaf("CMS-XCAP-root-URI", c.cms_xcap_root_uri)
        .leaf("integrity-protection-enabled", flag(c.integrity_protection))
        .leaf("confidentiality-protection-enabled", flag(c.confidentiality_protection));
    w.end();
    w.end();
    auto text = w.finish();
    if (!text) {
        return text;
    }
    return checked_against(std::move(text).value(), ue_initial_configuration_schema);
}

} // namespace mcprov::mcs_mo
