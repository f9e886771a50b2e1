#include <gtest/gtest.h>

#include "mcprov/xcap/application_usage.hpp"

namespace mcprov::xcap {
namespace {

using support::errc;

const application_usage& mcptt() {
    return *find_application_usage("org.3gpp.mcptt.user-profile");
}

std::string profile(const std::string& xui, const std::string& index) {
    return "<mcptt-user-profile xmlns=\"urn:3gpp:mcptt:user-profile:1.0\" XUI-URI=\"" + xui +
           "\" user-profile-index=\"" + index + "\"><Name>n</Name></mcptt-user-profile>";
}

TEST(application_usage, when_three_user_profile_usages_then_each_has_its_mime_type) {
    ASSERT_NE(find_application_usage("org.3gpp.mcdata.user-profile"), nullptr);
    EXPECT_EQ(find_application_usage("org.3gpp.mcvideo.user-profile")->mime_type,
              "application/vnd.3gpp.mcvideo-user-profile+xml");
    EXPECT_EQ(mcptt().mime_type, "application/vnd.3gpp.mcptt-user-profile+xml");
    EXPECT_EQ(find_application_usage("org.example.other"), nullptr);
}

TEST(application_usage, when_document_name_follows_pattern_then_index_is_read) {
    EXPECT_EQ(profile_index(mcptt(), "mcptt-user-profile-0.xml"), 0u);
    EXPECT_EQ(profile_index(mcptt(), "mcptt-user-profile-255.xml"), 255u);
    for (const char* bad : {"mcptt-user-profile-256.xml", "mcptt-user-profile-01.xml", "mcptt-user-profile-.xml",
                            "mcptt-user-profile-1.txt", "mcdata-user-profile-1.xml", "mcptt-user-profile-1a.xml"}) {
        EXPECT_FALSE(profile_index(mcptt(), bad)) << bad;
    }
}

TEST(application_usage, when_profile_is_valid_and_matches_uri_then_accepted) {
    auto doc = check_profile_document(mcptt(), "sip:a@b.org", "mcptt-user-profile-3.xml", profile("sip:a@b.org", "3"));
    EXPECT_TRUE(doc) << doc.err().message;
}

TEST(application_usage, when_attributes_disagree_with_uri_then_conflict) {
    EXPECT_EQ(check_profile_document(mcptt(), "sip:a@b.org", "mcptt-user-profile-3.xml", profile("sip:x@b.org", "3"))
                  .err()
                  .code,
              errc::conflict);
    EXPECT_EQ(check_profile_document(mcptt(), "sip:a@b.org", "mcptt-user-profile-3.xml", profile("sip:a@b.org", "4"))
                  .err()
                  .code,
              errc::conflict);
}

TEST(application_usage, when_root_is_wrong_then_schema_invalid) {
    auto doc = check_profile_document(mcptt(), "sip:a@b.org", "mcptt-user-profile-1.xml",
                                      "<mcdata-user-profile xmlns=\"urn:3gpp:ns:mcdata:user-profile:1.0\"/>");
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.err().code, errc::schema_invalid);
}

TEST(application_usage, when_mcdata_and_mcvideo_profiles_are_checked_then_their_schemas_apply) {
    for (const auto* auid : {"org.3gpp.mcdata.user-profile", "org.3gpp.mcvideo.user-profile"}) {
        const auto& usage = *find_application_usage(auid);
        const std::string root = std::string(usage.root_element);
        const std::string open = "<" + root + " xmlns=\"" + std::string(usage.default_namespace) +
                                 "\" XUI-URI=\"sip:a@b.org\" user-profile-index=\"1\">";
        const std::string name = std::string(usage.document_prefix) + "1.xml";
        auto valid = check_profile_document(usage, "sip:a@b.org", name,
                                            open + "<Name>a</Name><Status>true</Status></" + root + ">");
        EXPECT_TRUE(valid) << auid << ": " << valid.err().message;
        auto unknown = check_profile_document(usage, "sip:a@b.org", name, open + "<x/></" + root + ">");
        ASSERT_FALSE(unknown) << auid;
        EXPECT_EQ(unknown.err().code, errc::schema_invalid) << auid;
        auto no_user = check_profile_document(usage, "sip:a@b.org", name,
                                              "<" + root + " xmlns=\"" + std::string(usage.default_namespace) +
                                                  "\" user-profile-index=\"1\"><Name>a</Name></" + root + ">");
        ASSERT_FALSE(no_user) << auid;
        EXPECT_EQ(no_user.err().code, errc::schema_invalid) << auid;
    }
}

} // namespace
} // namespace mcprov::xcap

namespace mcprov::xcap {
namespace {

std::string migration_profile(const std::string& migration_for) {
    return "<mcptt-user-profile xmlns=\"urn:3gpp:mcptt:user-profile:1.0\" XUI-URI=\"sip:a@b.org\" "
           "user-profile-index=\"2\"><Name>n</Name>" +
           migration_for + "</mcptt-user-profile>";
}

const application_usage& migration() {
    return *find_application_usage(migration_profile_auid);
}

TEST(migration_profile_usage, when_profile_names_partners_then_accepted_and_targets_read) {
    auto doc = check_profile_document(
        migration(), "sip:a@b.org", "migration-profile-2.xml",
        migration_profile("<migration-for xmlns=\"urn:mcprov:migration:1\" partners=\" mcx-b.org  mcx-c.org \"/>"));
    ASSERT_TRUE(doc) << doc.err().message;
    auto targets = migration_targets_of(*doc);
    ASSERT_TRUE(targets);
    EXPECT_FALSE(targets->is_default);
    EXPECT_EQ(targets->partners, (std::vector<std::string>{"mcx-b.org", "mcx-c.org"}));
}

TEST(migration_profile_usage, when_migration_for_missing_or_empty_then_conflict) {
    EXPECT_EQ(
        check_profile_document(migration(), "sip:a@b.org", "migration-profile-2.xml", migration_profile("")).err().code,
        errc::conflict);
    EXPECT_EQ(check_profile_document(migration(), "sip:a@b.org", "migration-profile-2.xml",
                                     migration_profile("<migration-for xmlns=\"urn:mcprov:migration:1\"/>"))
                  .err()
                  .code,
              errc::conflict);
}

TEST(migration_profile_usage, when_default_then_accepted) {
    auto doc =
        check_profile_document(migration(), "sip:a@b.org", "migration-profile-2.xml",
                               migration_profile("<migration-for xmlns=\"urn:mcprov:migration:1\" default=\"true\"/>"));
    ASSERT_TRUE(doc) << doc.err().message;
    EXPECT_TRUE(migration_targets_of(*doc)->is_default);
}

} // namespace
} // namespace mcprov::xcap
