#include <gtest/gtest.h>

#include "mcprov/mcs_mo/ue_configuration.hpp"
#include "mcprov/mcs_mo/ue_initial_configuration.hpp"

namespace mcprov::mcs_mo {
namespace {

ue_initial_configuration police() {
    ue_initial_configuration c;
    c.domain = "mcx-a.example.org";
    c.name = "Police of A";
    c.hplmn = "00101";
    c.idms_auth_endpoint = "https://idms.mcx-a.example.org/authorize";
    c.idms_token_endpoint = "https://idms.mcx-a.example.org/token";
    c.http_proxy = "https://proxy.mcx-a.example.org";
    c.gms = c.gms_uri = c.gms_xcap_root_uri = c.group_creation_xui = "https://gms.mcx-a.example.org/xcap";
    c.cms = c.cms_xcap_root_uri = "https://cms.mcx-a.example.org/xcap";
    c.kms = "https://kms.mcx-a.example.org";
    return c;
}

std::map<std::string, std::string> as_map(const std::vector<mo_leaf>& leaves) {
    std::map<std::string, std::string> out;
    for (const auto& l : leaves) {
        out[l.path] = l.value;
    }
    return out;
}

TEST(ue_initial_configuration, when_made_into_the_ts24484_document_then_it_is_valid_and_names_the_servers) {
    auto c = police();
    c.default_user = "sip:alice@mcx-a.example.org";
    auto doc = to_document(c);
    ASSERT_TRUE(doc) << doc.err().message;
    EXPECT_NE(doc->find("<CMS-XCAP-root-URI>https://cms.mcx-a.example.org/xcap</CMS-XCAP-root-URI>"),
              std::string::npos);
    EXPECT_NE(doc->find("User-ID=\"sip:alice@mcx-a.example.org\""), std::string::npos);
    EXPECT_NE(doc->find("domain=\"mcx-a.example.org\""), std::string::npos);
}

TEST(ue_initial_configuration, when_the_leaves_are_read_back_then_the_same_configuration_comes_back) {
    auto c = police();
    c.t103 = 9;
    c.tls_mutual_authentication = true;
    auto back = from_mo_leaves(as_map(to_mo_leaves(c)));
    ASSERT_TRUE(back) << back.err().message;
    EXPECT_EQ(*back, c);
}

TEST(ue_initial_configuration, when_a_leaf_is_missing_or_malformed_then_invalid_argument_names_it) {
    auto leaves = as_map(to_mo_leaves(police()));
    leaves.erase("OnNetwork/AppServerInfo/CMS");
    auto missing = from_mo_leaves(leaves);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.err().message.find("OnNetwork/AppServerInfo/CMS"), std::string::npos);
    leaves = as_map(to_mo_leaves(police()));
    leaves["OnNetwork/Timers/T100"] = "300";
    EXPECT_FALSE(from_mo_leaves(leaves)) << "T100 is an unsignedByte";
    leaves = as_map(to_mo_leaves(police()));
    leaves["OnNetwork/IntegrityProtectionEnabled"] = "yes";
    EXPECT_FALSE(from_mo_leaves(leaves));
}

TEST(ue_initial_configuration, when_a_value_is_not_what_the_schema_allows_then_schema_invalid) {
    auto c = police();
    c.t100 = 300;
    auto doc = to_document(c);
    ASSERT_FALSE(doc) << "T100 is an unsignedByte";
    EXPECT_EQ(doc.err().code, support::errc::schema_invalid);
    c = police();
    c.name = std::string("bad\x01name");
    auto control = to_document(c);
    ASSERT_FALSE(control) << "XML cannot carry a control character";
}

TEST(ue_configuration, when_made_and_read_back_then_the_document_is_valid_and_the_configuration_the_same) {
    ue_configuration c;
    c.domain = "mcx-a.example.org";
    c.name = "Police handsets";
    c.max_group_calls = 3;
    c.prioritized_groups = {{"sip:all-police@groups.mcx-a.example.org", 0},
                            {"sip:patrol-north@groups.mcx-a.example.org", 1}};
    c.relay_service = true;
    auto doc = to_document(c);
    ASSERT_TRUE(doc) << doc.err().message;
    EXPECT_NE(doc->find("<Max-Simul-Call-N4>3</Max-Simul-Call-N4>"), std::string::npos);
    auto back = ue_configuration_from_mo_leaves(as_map(to_mo_leaves(c)));
    ASSERT_TRUE(back) << back.err().message;
    EXPECT_EQ(*back, c);
}

TEST(ue_configuration, when_it_has_no_prioritized_group_then_the_schema_refuses_it) {
    ue_configuration c;
    c.domain = "mcx-a.example.org";
    auto doc = to_document(c);
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.err().code, support::errc::schema_invalid);
}

} // namespace
} // namespace mcprov::mcs_mo
