#include <gtest/gtest.h>

#include "mcprov/agent/management_tree.hpp"

namespace mcprov::agent {
namespace {

const std::string dms_a = "dms.mcx-a.example.org";
const std::string dms_b = "dms.other.example.org";

node_value chr(std::string data) {
    return {"chr", "text/plain", std::move(data)};
}

class management_tree_test : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(tree.install_interior("./DevInfo", "urn:oma:mo:oma-dm-devinfo:1.0", "Get=*"));
        ASSERT_TRUE(tree.install_leaf("./DevInfo/DevId", chr("IMEI:493005100592800")));
        ASSERT_TRUE(tree.install_leaf("./DevInfo/Man", chr("mcprov")));
        // A vendor subtree that mcx-a's server manages, and one leaf of it anybody may read.
        ASSERT_TRUE(tree.install_interior("./Vendor", {}, "Add=" + dms_a + "&Delete=" + dms_a + "&Get=" + dms_a +
                                                             "&Replace=" + dms_a + "&Exec=" + dms_a,
                                          false));
        ASSERT_TRUE(tree.install_leaf("./Vendor/Timeout", {"int", "text/plain", "30"}, {}, false));
        ASSERT_TRUE(tree.install_leaf("./Vendor/Banner", chr("hello"), "Get=*", false));
    }

    management_tree tree;
};

TEST_F(management_tree_test, when_a_leaf_is_read_then_its_value_format_and_type_come_back) {
    auto got = tree.get("./DevInfo/DevId", dms_b);
    EXPECT_EQ(got.status, dm_status::ok);
    ASSERT_TRUE(got.value);
    EXPECT_EQ(got.value->data, "IMEI:493005100592800");
    EXPECT_EQ(got.value->format, "chr");
    EXPECT_EQ(tree.get("DevInfo/Man", dms_b).value->data, "mcprov") << "the ./ prefix may be left out";
}

TEST_F(management_tree_test, when_an_interior_node_is_read_then_its_children_are_listed) {
    auto got = tree.get("./DevInfo", dms_a);
    ASSERT_EQ(got.status, dm_status::ok);
    EXPECT_EQ(got.value->format, "node");
    EXPECT_EQ(got.value->type, "urn:oma:mo:oma-dm-devinfo:1.0");
    EXPECT_EQ(got.value->data, "DevId/Man");
}

TEST_F(management_tree_test, when_a_node_has_no_acl_then_its_parents_decides) {
    EXPECT_EQ(tree.get("./Vendor/Timeout", dms_a).status, dm_status::ok);
    EXPECT_EQ(tree.get("./Vendor/Timeout", dms_b).status, dm_status::permission_denied);
    EXPECT_EQ(tree.replace("./Vendor/Timeout", {"int", "text/plain", "45"}, dms_a), dm_status::ok);
    EXPECT_EQ(tree.replace("./Vendor/Timeout", {"int", "text/plain", "46"}, dms_b), dm_status::permission_denied);
    EXPECT_EQ(tree.value("./Vendor/Timeout")->data, "45");
    // Banner's own ACL names Get only: Replace is still decided by ./Vendor's.
    EXPECT_EQ(tree.get("./Vendor/Banner", dms_b).status, dm_status::ok);
    EXPECT_EQ(tree.replace("./Vendor/Banner", chr("x"), dms_b), dm_status::permission_denied);
    EXPECT_EQ(tree.replace("./Vendor/Banner", chr("x"), dms_a), dm_status::ok);
    // Nothing up to the root names Replace for DevInfo: nobody may.
    EXPECT_EQ(tree.replace("./DevInfo/Man", chr("x"), dms_a), dm_status::permission_denied);
}

TEST_F(management_tree_test, when_a_node_is_added_then_missing_interior_nodes_are_made) {
    EXPECT_EQ(tree.add("./Vendor/MCS/Server/URI", chr("https://cms.mcx-a.example.org"), dms_a), dm_status::ok);
    EXPECT_EQ(tree.get("./Vendor/MCS/Server", dms_a).value->data, "URI");
    EXPECT_EQ(tree.get("./Vendor/MCS/Server/URI", dms_a).value->data, "https://cms.mcx-a.example.org");
    EXPECT_EQ(tree.add("./Vendor/Apps", {"node", "urn:example:apps", ""}, dms_a), dm_status::ok);
    EXPECT_EQ(tree.get("./Vendor/Apps?prop=Format", dms_a).value->data, "node");
    EXPECT_EQ(tree.get("./Vendor/Apps?prop=Type", dms_a).value->data, "urn:example:apps");
    EXPECT_EQ(tree.size(), 11u) << "the root, DevInfo and 2 leaves, Vendor and 2 leaves, MCS/Server/URI, Apps";
}

TEST_F(management_tree_test, when_an_add_cannot_be_done_then_the_precise_status) {
    EXPECT_EQ(tree.add("./Vendor/Timeout", chr("1"), dms_a), dm_status::already_exists);
    EXPECT_EQ(tree.add("./Vendor/Timeout/Sub", chr("1"), dms_a), dm_status::not_allowed) << "below a leaf";
    EXPECT_EQ(tree.add("./Vendor/New", chr("1"), dms_b), dm_status::permission_denied);
    EXPECT_EQ(tree.add("./DevInfo/Ext", chr("1"), dms_b), dm_status::ok) << "DevInfo names no Add: the root's decides";
    EXPECT_EQ(tree.add("./Elsewhere", chr("1"), dms_b), dm_status::ok) << "the root lets any server add";
    EXPECT_EQ(tree.add("./Vendor/Flag", {"bool", "text/plain", "yes"}, dms_a), dm_status::bad_request);
    EXPECT_EQ(tree.add("./Vendor/Count", {"int", "text/plain", "-1"}, dms_a), dm_status::bad_request);
    EXPECT_EQ(tree.add("./Vendor/Blob", {"jpeg", "image/jpeg", "x"}, dms_a), dm_status::unsupported_format);
    EXPECT_EQ(tree.add("./Vendor/X?prop=Title", chr("t"), dms_a), dm_status::not_allowed);
    EXPECT_FALSE(tree.exists("./Vendor/Flag"));
}

TEST_F(management_tree_test, when_a_node_is_deleted_then_its_subtree_goes_unless_permanent) {
    ASSERT_EQ(tree.add("./Vendor/MCS/Server/URI", chr("u"), dms_a), dm_status::ok);
    const auto before = tree.size();
    EXPECT_EQ(tree.remove("./Vendor/MCS", dms_b), dm_status::permission_denied);
    EXPECT_EQ(tree.remove("./Vendor/MCS", dms_a), dm_status::ok);
    EXPECT_EQ(tree.size(), before - 3);
    EXPECT_FALSE(tree.exists("./Vendor/MCS/Server/URI"));
    EXPECT_EQ(tree.remove("./Vendor/MCS", dms_a), dm_status::not_found);
    EXPECT_EQ(tree.remove(".", dms_a), dm_status::not_allowed) << "never the root";
    ASSERT_TRUE(tree.install_interior("./Vendor/Fixed", {}, {}, true));
    EXPECT_EQ(tree.remove("./Vendor", dms_a), dm_status::not_allowed) << "it holds a permanent node";
    EXPECT_TRUE(tree.exists("./Vendor/Timeout"));
}

TEST_F(management_tree_test, when_properties_are_read_and_replaced_then_the_tnd_rules_hold) {
    EXPECT_EQ(tree.get("./Vendor/Banner?prop=ACL", dms_b).value->data, "Get=*");
    EXPECT_EQ(tree.get("./Vendor/Banner?prop=Size", dms_b).value->data, "5");
    EXPECT_EQ(tree.get("./Vendor/Banner?prop=Name", dms_b).value->data, "Banner");
    EXPECT_EQ(tree.get("./DevInfo?prop=Size", dms_b).status, dm_status::not_supported) << "interior nodes have none";
    EXPECT_EQ(tree.get("./DevInfo?prop=VerNo", dms_b).status, dm_status::not_supported);
    EXPECT_EQ(tree.get("./DevInfo?list=Struct", dms_b).status, dm_status::not_supported);
    // A leaf's ACL is governed by its parent's Replace right.
    EXPECT_EQ(tree.replace("./Vendor/Banner?prop=ACL", chr("Get=" + dms_a), dms_b), dm_status::permission_denied);
    EXPECT_EQ(tree.replace("./Vendor/Banner?prop=ACL", chr("Get=" + dms_a), dms_a), dm_status::ok);
    EXPECT_EQ(tree.get("./Vendor/Banner", dms_b).status, dm_status::permission_denied);
    EXPECT_EQ(tree.replace("./Vendor/Banner?prop=ACL", chr("Get=a b"), dms_a), dm_status::bad_request);
    EXPECT_EQ(tree.replace("./Vendor/Banner?prop=Format", chr("int"), dms_a), dm_status::not_allowed);
    // Renaming.
    EXPECT_EQ(tree.replace("./Vendor/Banner?prop=Name", chr("Timeout"), dms_a), dm_status::already_exists);
    EXPECT_EQ(tree.replace("./Vendor/Banner?prop=Name", chr("Motd"), dms_a), dm_status::ok);
    EXPECT_TRUE(tree.exists("./Vendor/Motd"));
    EXPECT_EQ(tree.replace("./DevInfo/Man?prop=Title", chr("Manufacturer"), dms_a), dm_status::permission_denied);
}

TEST_F(management_tree_test, when_the_root_acl_would_become_empty_then_not_allowed) {
    ASSERT_TRUE(tree.install_interior(".", {}, "Add=*&Get=*&Replace=" + dms_a));
    EXPECT_EQ(tree.replace(".?prop=ACL", chr(""), dms_a), dm_status::not_allowed);
    EXPECT_EQ(tree.replace(".?prop=ACL", chr("Add=*&Get=*&Replace=" + dms_a + "&Exec=*"), dms_a), dm_status::ok);
}

TEST_F(management_tree_test, when_a_uri_is_malformed_or_over_a_limit_then_400_or_414) {
    EXPECT_EQ(tree.get("./DevInfo//Man", dms_a).status, dm_status::bad_request);
    EXPECT_EQ(tree.get("./DevInfo/../Vendor", dms_a).status, dm_status::bad_request);
    EXPECT_EQ(tree.get("./DevInfo/", dms_a).status, dm_status::bad_request);
    EXPECT_EQ(tree.get("./DevInfo?prop=", dms_a).status, dm_status::bad_request);
    std::string deep = ".";
    for (int i = 0; i < 17; ++i) {
        deep += "/n";
    }
    EXPECT_EQ(tree.add(deep, chr("x"), dms_b), dm_status::uri_too_long);
    EXPECT_EQ(tree.add("./" + std::string(65, 'a'), chr("x"), dms_b), dm_status::uri_too_long);
    EXPECT_EQ(tree.get("./" + std::string(600, 'a'), dms_b).status, dm_status::uri_too_long);
    EXPECT_EQ(tree.get("./Nothing", dms_b).status, dm_status::not_found);
}

TEST_F(management_tree_test, when_a_node_does_not_take_a_command_then_405_whatever_its_acl) {
    ASSERT_TRUE(tree.set_access_types("./DevInfo", {dm_command::get}));
    ASSERT_TRUE(tree.set_access_types("./Vendor/Timeout", {dm_command::get, dm_command::replace}));
    EXPECT_EQ(tree.add("./DevInfo/Ext", chr("1"), dms_a), dm_status::not_allowed);
    EXPECT_EQ(tree.remove("./Vendor/Timeout", dms_a), dm_status::not_allowed);
    EXPECT_EQ(tree.may_exec("./Vendor/Timeout", dms_a), dm_status::not_allowed);
    EXPECT_EQ(tree.replace("./Vendor/Timeout", {"int", "text/plain", "5"}, dms_a), dm_status::ok);
    EXPECT_EQ(tree.get("./DevInfo", dms_b).status, dm_status::ok);
    EXPECT_FALSE(tree.set_access_types("./Nothing", {dm_command::get}));
}

TEST(management_tree_limits, when_the_tree_is_full_then_device_full_and_large_values_too_large) {
    management_tree tree({.max_nodes = 3, .max_value_bytes = 4});
    EXPECT_EQ(tree.add("./a", chr("1"), "s"), dm_status::ok);
    EXPECT_EQ(tree.add("./b/c", chr("1"), "s"), dm_status::device_full) << "two nodes would be needed";
    EXPECT_EQ(tree.add("./b", chr("12345"), "s"), dm_status::too_large);
    EXPECT_EQ(tree.add("./b", chr("1234"), "s"), dm_status::ok);
    EXPECT_EQ(tree.add("./c", chr("1"), "s"), dm_status::device_full);
}

TEST_F(management_tree_test, when_a_server_may_execute_a_node_then_200_else_the_reason) {
    ASSERT_EQ(tree.add("./Vendor/Reboot", chr(""), dms_a), dm_status::ok);
    EXPECT_EQ(tree.may_exec("./Vendor/Reboot", dms_a), dm_status::ok);
    EXPECT_EQ(tree.may_exec("./Vendor/Reboot", dms_b), dm_status::permission_denied);
    EXPECT_EQ(tree.may_exec("./Vendor/Nothing", dms_a), dm_status::not_found);
    EXPECT_EQ(tree.may_exec("./DevInfo/DevId", dms_a), dm_status::permission_denied);
}

TEST_F(management_tree_test, when_the_tree_is_stored_and_read_back_then_every_node_property_and_byte_is_there) {
    ASSERT_TRUE(tree.install_leaf("./Vendor/Key", {"bin", "application/octet-stream", std::string("\0\xff\x80", 3)},
                                  "Get=a", false));
    ASSERT_TRUE(tree.set_access_types("./Vendor/Key", {dm_command::get}));
    auto back = management_tree::from_json(tree.to_json());
    ASSERT_TRUE(back) << back.err().message;
    EXPECT_EQ(back->size(), tree.size());
    EXPECT_EQ(back->value("./Vendor/Key")->data, std::string("\0\xff\x80", 3));
    EXPECT_EQ(back->get("./Vendor/Key?prop=ACL", "a").value->data, "Get=a");
    EXPECT_EQ(back->replace("./Vendor/Key", {"bin", "application/octet-stream", "x"}, "a"), dm_status::not_allowed);
    EXPECT_EQ(back->to_json(), tree.to_json());
}

TEST(management_tree_storage, when_a_stored_tree_is_damaged_then_invalid_argument) {
    for (std::string text : {"", "[]", R"({"root":{"name":".","acl":"Bogus=1","children":[]}})",
                             R"({"root":{"name":".","acl":"","children":[{"name":"a/b","acl":""}]}})",
                             R"({"root":{"name":".","acl":"","children":[{"name":"x","acl":"","data":"!!"}]}})"}) {
        auto t = management_tree::from_json(text);
        ASSERT_FALSE(t) << text;
        EXPECT_EQ(t.err().code, support::errc::invalid_argument);
    }
}

} // namespace
} // namespace mcprov::agent
