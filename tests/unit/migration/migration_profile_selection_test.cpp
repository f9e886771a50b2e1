#include <gtest/gtest.h>

#include "mcprov/migration/migration_profile_selection.hpp"

namespace mcprov::migration {
namespace {

stored_migration_profile profile(unsigned index, const std::string& migration_for) {
    return {"migration-profile-" + std::to_string(index) + ".xml",
            "<mcptt-user-profile xmlns=\"urn:3gpp:mcptt:user-profile:1.0\" XUI-URI=\"sip:a@b.org\" "
            "user-profile-index=\"" +
                std::to_string(index) + "\"><migration-for xmlns=\"urn:mcprov:migration:1\" " + migration_for +
                "/></mcptt-user-profile>",
            "\"" + std::to_string(index) + "\""};
}

TEST(select_migration_profile, when_a_profile_names_the_partner_then_it_beats_the_default) {
    auto chosen = select_migration_profile(
        {profile(1, "default=\"true\""), profile(4, "partners=\"mcx-c mcx-b\""), profile(3, "partners=\"mcx-c\"")},
        "mcx-b");
    ASSERT_TRUE(chosen) << chosen.err().message;
    EXPECT_EQ(chosen->name, "migration-profile-4.xml");
}

TEST(select_migration_profile, when_none_names_the_partner_then_the_default_applies) {
    auto chosen = select_migration_profile({profile(3, "partners=\"mcx-c\""), profile(2, "default=\"true\"")}, "mcx-b");
    ASSERT_TRUE(chosen);
    EXPECT_EQ(chosen->name, "migration-profile-2.xml");
}

TEST(select_migration_profile, when_several_qualify_then_lowest_index_wins) {
    auto chosen = select_migration_profile(
        {profile(9, "partners=\"mcx-b\""), profile(5, "partners=\"mcx-b\""), profile(7, "partners=\"mcx-b\"")},
        "mcx-b");
    ASSERT_TRUE(chosen);
    EXPECT_EQ(chosen->name, "migration-profile-5.xml");
}

TEST(select_migration_profile, when_nothing_applies_then_not_found) {
    auto chosen = select_migration_profile({profile(3, "partners=\"mcx-c\""), {"migration-profile-1.xml", "<x", ""}},
                                           "mcx-b");
    ASSERT_FALSE(chosen);
    EXPECT_EQ(chosen.err().code, support::errc::not_found);
}

} // namespace
} // namespace mcprov::migration
