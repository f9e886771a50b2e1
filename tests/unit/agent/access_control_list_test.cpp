#include <gtest/gtest.h>

#include "mcprov/agent/access_control_list.hpp"

namespace mcprov::agent {
namespace {

using support::errc;

TEST(access_control_list, when_the_specs_example_is_parsed_then_each_command_names_its_servers) {
    // OMA-TS-DM_TND-V1_2 clause 7.7.1.
    auto acl = access_control_list::parse(
        "Add=www.sonera.fi-8765&Delete=www.sonera.fi-8765&Replace=www.sonera.fi-8765+321_&Get=*");
    ASSERT_TRUE(acl) << acl.err().message;
    EXPECT_TRUE(acl->allows(dm_command::add, "www.sonera.fi-8765"));
    EXPECT_FALSE(acl->allows(dm_command::add, "321_"));
    EXPECT_TRUE(acl->allows(dm_command::replace, "321_"));
    EXPECT_TRUE(acl->allows(dm_command::get, "anyone"));
    EXPECT_FALSE(acl->names(dm_command::exec));
    EXPECT_FALSE(acl->allows(dm_command::exec, "www.sonera.fi-8765"));
    EXPECT_EQ(acl->to_string(),
              "Add=www.sonera.fi-8765&Delete=www.sonera.fi-8765&Get=*&Replace=www.sonera.fi-8765+321_");
    EXPECT_EQ(access_control_list::parse(acl->to_string()).value(), *acl);
}

TEST(access_control_list, when_the_acl_is_empty_then_it_names_nothing) {
    auto acl = access_control_list::parse("");
    ASSERT_TRUE(acl);
    EXPECT_TRUE(acl->empty());
    EXPECT_EQ(acl->to_string(), "");
    EXPECT_FALSE(acl->names(dm_command::get));
}

TEST(access_control_list, when_the_acl_is_malformed_then_invalid_argument) {
    for (const char* text : {"Copy=*", "Get", "Get=a&Get=b", "Get=", "Get=a b", "Get=a+", "Get=a&", "&Get=a",
                             "get=a", "Get=a*b", "Get=a=b", "Get=a\tb"}) {
        auto acl = access_control_list::parse(text);
        ASSERT_FALSE(acl) << text;
        EXPECT_EQ(acl.err().code, errc::invalid_argument) << text;
    }
}

} // namespace
} // namespace mcprov::agent
