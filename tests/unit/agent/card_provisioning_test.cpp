#include <gtest/gtest.h>

#include <mcprov/agent/card_objects.hpp>
#include <mcprov/agent/card_provisioning.hpp>
#include <mcprov/iso7816/tlv.hpp>
#include <mcprov/mcs_mo/tnds.hpp>
#include <mcprov/syncml/message.hpp>

namespace mcprov::agent {
namespace {

constexpr std::string_view dmacc_tnds = R"(<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD>
  <Node><NodeName>operator</NodeName>
    <RTProperties><ACL>Get=dms.operator.example</ACL><Format><node/></Format>
      <Type><DDFName>urn:oma:mo:oma-dm-dmacc:1.0</DDFName></Type></RTProperties>
    <Node><NodeName>ServerID</NodeName><RTProperties><Format><chr/></Format></RTProperties>
      <Value>dms.operator.example</Value></Node>
    <Node><NodeName>Name</NodeName><Value>Operator</Value></Node>
  </Node></MgmtTree>)";

std::string bootstrap(const std::vector<syncml::command>& commands) {
    syncml::message m;
    m.header.session_id = "0";
    m.header.msg_id = "1";
    m.header.target = "*";
    m.header.source = "card";
    m.commands = commands;
    m.final = true;
    return *syncml::encode_wbxml(m);
}

syncml::command add(std::string target, std::string data, std::optional<std::string> type = std::nullopt,
                    std::optional<std::string> emi = std::nullopt, std::string format = "chr") {
    syncml::command c;
    c.name = syncml::command_name::add;
    c.cmd_id = "1";
    syncml::item i;
    i.target = std::move(target);
    i.data = std::move(data);
    i.meta.type = std::move(type);
    i.meta.format = std::move(format);
    i.meta.emi = std::move(emi);
    c.items.push_back(std::move(i));
    return c;
}

TEST(objects_from_dm_bootstrap, when_tnds_and_leaf_items_then_one_object_each_with_the_cards_indications) {
    const auto contents = objects_from_dm_bootstrap(
        bootstrap({add("./DMAcc", std::string(dmacc_tnds), std::string(tnds_xml_type), "persist", "xml"),
                   add("./Vendor/acme/Proxy", "proxy.example:8080", std::nullopt, "confirm")}),
        nullptr);
    ASSERT_TRUE(contents.has_value()) << contents.err().message;
    ASSERT_EQ(contents->objects.size(), 2u);
    EXPECT_EQ(contents->objects[0].uri, "./DMAcc/operator");
    EXPECT_TRUE(contents->objects[0].persistent);
    EXPECT_FALSE(contents->objects[0].needs_confirmation);
    EXPECT_EQ(contents->objects[1].uri, "./Vendor/acme/Proxy");
    EXPECT_TRUE(contents->objects[1].needs_confirmation);

    management_tree tree;
    ASSERT_TRUE(tree.put_subtree(contents->objects[0].uri, contents->objects[0].subtree).has_value());
    EXPECT_EQ(tree.value("./DMAcc/operator/ServerID")->data, "dms.operator.example");
    const auto acl = tree.get("./DMAcc/operator?prop=ACL", "dms.operator.example");
    ASSERT_TRUE(acl.value.has_value()) << acl.status;
    EXPECT_EQ(acl.value->data, "Get=dms.operator.example");
}

TEST(objects_from_dm_bootstrap, when_encrypted_for_a_class_the_device_has_no_key_for_then_ignored_and_reported) {
    const auto contents =
        objects_from_dm_bootstrap(bootstrap({add("./DMAcc", "AAEC", std::string(cms_enveloped_type), "class=secure-x",
                                                 "b64")}),
                                  [](std::string_view, std::string_view) -> support::result<std::string> {
                                      return support::make_error(support::errc::forbidden, "no key for this class");
                                  });
    ASSERT_TRUE(contents.has_value());
    EXPECT_TRUE(contents->objects.empty());
    ASSERT_EQ(contents->ignored.size(), 1u);
    EXPECT_NE(contents->ignored[0].find("secure-x"), std::string::npos) << contents->ignored[0];
}

TEST(objects_from_dm_bootstrap, when_an_item_targets_no_node_uri_then_it_is_reported_and_insertion_refuses_such_objects) {
    const auto contents = objects_from_dm_bootstrap(bootstrap({add(".ItemDetail", "x"), add("./A//B", "y")}), nullptr);
    ASSERT_TRUE(contents.has_value());
    EXPECT_TRUE(contents->objects.empty());
    EXPECT_EQ(contents->ignored.size(), 2u);
    management_tree tree;
    card_state state;
    const card_object forged{.uri = ".ItemDetail", .subtree = "{}", .source = "dm_bootstrap", .persistent = false,
                             .needs_confirmation = false, .device_class = {}};
    EXPECT_FALSE(insert(tree, state, {forged}).has_value());
}

TEST(objects_from_dm_bootstrap, when_not_a_dm_message_then_refused_whole) {
    EXPECT_FALSE(objects_from_dm_bootstrap("\x03\x01\x6a\x00", nullptr).has_value());
    EXPECT_FALSE(objects_from_dm_bootstrap(std::string(300 * 1024, 'x'), nullptr).has_value());
}

TEST(install_tnds, when_not_a_mgmt_tree_or_nodes_without_names_then_invalid) {
    management_tree tree;
    EXPECT_FALSE(install_tnds(tree, "./A", "<html/>").has_value());
    EXPECT_FALSE(install_tnds(tree, "./A", R"(<MgmtTree><VerDTD>1.2</VerDTD><Node><Value>x</Value></Node></MgmtTree>)")
                     .has_value());
    EXPECT_FALSE(install_tnds(tree, "./A", R"(<MgmtTree><VerDTD>1.1</VerDTD></MgmtTree>)").has_value());
    EXPECT_EQ(tree.size(), 1u);
}

TEST(objects_from_mcs_files, when_service_5_is_on_then_the_ue_initial_configuration_goes_to_mcs) {
    const std::string tnds = R"(<MgmtTree><VerDTD>1.2</VerDTD><Node><NodeName>UEInitConfig</NodeName>
        <Node><NodeName>Name</NodeName><Value>from the card</Value></Node></Node></MgmtTree>)";
    const std::string config = iso7816::encode_tlv(0x84, tnds) + iso7816::encode_tlv(0x86, "<x/>");
    const std::string mst("\x00\x10\x00", 3); // XML; service 5 only
    const auto contents = objects_from_mcs_files(mst, config);
    ASSERT_TRUE(contents.has_value()) << contents.err().message;
    ASSERT_EQ(contents->objects.size(), 1u);
    EXPECT_EQ(contents->objects[0].uri, "./MCS/UEInitConfig");
    EXPECT_EQ(contents->objects[0].source, "usim");

    const std::string all_services("\x00\xff\x07", 3);
    const auto more = objects_from_mcs_files(all_services, config);
    ASSERT_TRUE(more.has_value());
    EXPECT_EQ(more->objects.size(), 1u);
    ASSERT_EQ(more->ignored.size(), 1u); // service 7 (MCData user profile): no application for it
}

class card_provisioning : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(tree_.install_leaf("./MCS/UEInitConfig/Name", {.format = "chr", .type = "text/plain",
                                                                   .data = "the device's own"})
                        .has_value());
        own_ = tree_.to_json();
        const auto contents = objects_from_dm_bootstrap(
            bootstrap({add("./DMAcc", std::string(dmacc_tnds), std::string(tnds_xml_type), "persist", "xml"),
                       add("./MCS/UEInitConfig/Name", "the card's")}),
            nullptr);
        ASSERT_TRUE(contents.has_value());
        objects_ = contents->objects;
    }

    management_tree tree_;
    std::string own_;
    std::vector<card_object> objects_;
};

TEST_F(card_provisioning, when_inserted_then_the_cards_values_shadow_the_devices_and_the_card_is_described) {
    card_state state{.iccid = "8949000000000000017", .imsi = "001010000000017", .switched_on = true, .objects = {}, .created = {}};
    ASSERT_TRUE(insert(tree_, state, objects_).has_value());
    EXPECT_EQ(tree_.value("./MCS/UEInitConfig/Name")->data, "the card's");
    EXPECT_EQ(tree_.value("./Vendor/mcprov/SmartCard/ICCID")->data, "8949000000000000017");
    EXPECT_EQ(tree_.value("./Vendor/mcprov/SmartCard/Objects/2/URI")->data, "./MCS/UEInitConfig/Name");
    ASSERT_EQ(state.objects.size(), 2u);
    EXPECT_FALSE(state.objects[0].shadow.has_value());
    EXPECT_TRUE(state.objects[1].shadow.has_value());
}

TEST_F(card_provisioning, when_withdrawn_whole_then_the_tree_is_exactly_the_devices_own_again) {
    card_state state{.iccid = "8949000000000000017", .imsi = "001010000000017", .switched_on = true, .objects = {}, .created = {}};
    ASSERT_TRUE(insert(tree_, state, objects_).has_value());
    state.switched_on = false;
    ASSERT_TRUE(withdraw(tree_, state, false).has_value());
    EXPECT_EQ(tree_.to_json(), own_);
    EXPECT_TRUE(state.objects.empty());
}

TEST_F(card_provisioning, when_switched_off_then_only_what_persists_stays_and_the_operator_can_override_the_card) {
    card_state state{.iccid = "8949000000000000017", .imsi = "001010000000017", .switched_on = true, .objects = {}, .created = {}};
    ASSERT_TRUE(insert(tree_, state, objects_).has_value());
    state.switched_on = false;
    ASSERT_TRUE(withdraw(tree_, state, true).has_value());
    EXPECT_TRUE(tree_.exists("./DMAcc/operator"));                            // the card said persist
    EXPECT_EQ(tree_.value("./MCS/UEInitConfig/Name")->data, "the device's own"); // back
    ASSERT_EQ(state.objects.size(), 1u);

    // Over the air, the operator clears the persistence indication; at the next switch-off it goes.
    EXPECT_EQ(tree_.replace("./Vendor/mcprov/SmartCard/Objects/1/Persist",
                            {.format = "bool", .type = "text/plain", .data = "false"}, "dms.operator.example"),
              dm_status::ok);
    ASSERT_TRUE(withdraw(tree_, state, true).has_value());
    EXPECT_FALSE(tree_.exists("./DMAcc/operator"));
    EXPECT_EQ(tree_.to_json(), own_);
}

TEST_F(card_provisioning, when_state_stored_as_json_then_it_reads_back_the_same) {
    card_state state{.iccid = "8949000000000000017", .imsi = "001010000000017", .switched_on = true, .objects = {}, .created = {}};
    ASSERT_TRUE(insert(tree_, state, objects_).has_value());
    const auto back = card_state_from_json(to_json(state));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, state);
    EXPECT_FALSE(card_state_from_json("[]").has_value());
    EXPECT_FALSE(card_state_from_json(R"({"objects":[{"uri":""}]})").has_value());
}

TEST_F(card_provisioning, when_an_object_targets_the_devices_record_of_the_card_then_refused) {
    card_state state;
    const auto forged = objects_from_dm_bootstrap(bootstrap({add("./Vendor/mcprov/SmartCard/ICCID", "1")}), nullptr);
    ASSERT_TRUE(forged.has_value());
    EXPECT_FALSE(insert(tree_, state, forged->objects).has_value());
}

} // namespace
} // namespace mcprov::agent

namespace mcprov::agent {
namespace {

TEST(install_tnds, when_an_mc_object_is_serialised_by_mcs_mo_then_the_device_reads_the_same_configuration_back) {
    mcs_mo::ue_initial_configuration c;
    c.domain = "mcx-a.example.org";
    c.name = "Police of A";
    c.hplmn = "00101";
    c.idms_auth_endpoint = "https://idms.mcx-a.example.org/authorize";
    c.idms_token_endpoint = "https://idms.mcx-a.example.org/token";
    c.http_proxy = "https://proxy.mcx-a.example.org";
    c.gms = c.gms_uri = c.gms_xcap_root_uri = c.group_creation_xui = "https://gms.mcx-a.example.org/xcap";
    c.cms = c.cms_xcap_root_uri = "https://cms.mcx-a.example.org/xcap";
    c.kms = "https://kms.mcx-a.example.org";
    const auto tnds = mcs_mo::to_tnds("UEInitConfig", mcs_mo::ue_initial_configuration_mo, mcs_mo::to_mo_leaves(c));
    management_tree tree;
    const auto tops = install_tnds(tree, "./MCS", tnds);
    ASSERT_TRUE(tops.has_value()) << tops.err().message;
    ASSERT_EQ(*tops, std::vector<std::string>{"./MCS/UEInitConfig"});
    std::map<std::string, std::string> leaves;
    for (const auto& leaf : mcs_mo::to_mo_leaves(c)) {
        const auto v = tree.value("./MCS/UEInitConfig/" + leaf.path);
        ASSERT_TRUE(v.has_value()) << leaf.path;
        EXPECT_EQ(v->format, leaf.format.empty() ? "chr" : leaf.format);
        leaves[leaf.path] = v->data;
    }
    EXPECT_EQ(*mcs_mo::from_mo_leaves(leaves), c);
}

} // namespace
} // namespace mcprov::agent
