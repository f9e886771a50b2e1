#include <gtest/gtest.h>

#include "mcprov/cscm/resources.hpp"

namespace mcprov::cscm {
namespace {

using support::errc;

TEST(cscm_resources, when_a_path_is_built_then_it_parses_back_to_the_same_resource) {
    for (auto kind : {resource_kind::migration_profile, resource_kind::delivery_reports, resource_kind::visitor}) {
        resource r{kind, "sip:alice/x y@mcx-a.example.org"};
        auto parsed = parse_resource(path_of(r));
        ASSERT_TRUE(parsed) << path_of(r);
        EXPECT_EQ(parsed->kind, kind);
        EXPECT_EQ(parsed->user, r.user);
    }
}

TEST(cscm_resources, when_the_user_is_percent_encoded_then_the_path_has_no_slash_in_it) {
    EXPECT_EQ(path_of({resource_kind::visitor, "a/b"}), "/cscm-x/v1/visitors/a%2Fb");
    EXPECT_EQ(path_of({resource_kind::migration_profile, "sip:a@b"}),
              "/cscm-x/v1/users/sip%3Aa%40b/migration-profile/mcptt");
}

TEST(cscm_resources, when_a_migration_profile_names_a_service_then_it_is_that_services) {
    for (auto service : services) {
        auto path = path_of({resource_kind::migration_profile, "sip:a@b", std::string(service)});
        EXPECT_EQ(path, "/cscm-x/v1/users/sip%3Aa%40b/migration-profile/" + std::string(service));
        auto parsed = parse_resource(path);
        ASSERT_TRUE(parsed) << path;
        EXPECT_EQ(parsed->service, service);
        EXPECT_EQ(migration_profile_media_type(service),
                  "application/vnd.3gpp." + std::string(service) + "-user-profile+xml");
    }
    auto bare = parse_resource("/cscm-x/v1/users/sip%3Aa%40b/migration-profile");
    ASSERT_TRUE(bare);
    EXPECT_EQ(bare->service, "mcptt") << "the first version's path is MCPTT's";
    for (const char* target :
         {"/cscm-x/v1/users/u/migration-profile/", "/cscm-x/v1/users/u/migration-profile/mcx",
          "/cscm-x/v1/users/u/migration-profile/MCPTT", "/cscm-x/v1/users/u/migration-profile/mcptt/x",
          "/cscm-x/v1/users/u/migration-profiles", "/cscm-x/v1/users/u/migration-profilemcdata"}) {
        auto parsed = parse_resource(target);
        ASSERT_FALSE(parsed) << target;
        EXPECT_EQ(parsed.err().code, errc::not_found) << target;
    }
}

TEST(cscm_resources, when_the_target_names_no_resource_then_not_found) {
    for (const char* target : {"/", "/cscm-x/v1/users/sip%3Aa%40b", "/cscm-x/v1/users/sip%3Aa%40b/other",
                               "/cscm-x/v2/visitors/x", "/xcap/x"}) {
        auto parsed = parse_resource(target);
        ASSERT_FALSE(parsed) << target;
        EXPECT_EQ(parsed.err().code, errc::not_found) << target;
    }
}

TEST(cscm_resources, when_the_user_segment_is_empty_undecodable_or_has_control_characters_then_invalid_argument) {
    for (const std::string& target : std::vector<std::string>{
             "/cscm-x/v1/visitors/", "/cscm-x/v1/users//migration-profile", "/cscm-x/v1/visitors/a%zz",
             "/cscm-x/v1/visitors/a%0Db", "/cscm-x/v1/visitors/a/b", "/cscm-x/v1/visitors/" + std::string(1025, 'a')}) {
        auto parsed = parse_resource(target);
        ASSERT_FALSE(parsed) << target;
        EXPECT_EQ(parsed.err().code, errc::invalid_argument) << target;
    }
}

TEST(cscm_resources, when_a_correlation_id_is_made_then_it_is_usable_and_fresh) {
    auto a = new_correlation_id();
    EXPECT_EQ(a.size(), 16u);
    EXPECT_TRUE(is_correlation_id(a));
    EXPECT_NE(a, new_correlation_id());
    EXPECT_FALSE(is_correlation_id(""));
    EXPECT_FALSE(is_correlation_id(std::string(65, 'a')));
    EXPECT_FALSE(is_correlation_id("a\r\nb"));
}

} // namespace
} // namespace mcprov::cscm
