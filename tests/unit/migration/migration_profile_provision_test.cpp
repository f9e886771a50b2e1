#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "mcprov/migration/migration_profile_provision.hpp"
#include "mcprov/xcap/application_usage.hpp"

namespace mcprov::migration {
namespace {

using namespace std::chrono_literals;
using support::errc;

const std::string alice = "sip:alice@police.mcx-a.example.org";
const std::string bob = "sip:bob@fire.mcx-a.example.org";
const std::string mcx_b = "mcx-b.example.org";
const std::string mcx_c = "mcx-c.example.org";
const std::string mcx_d = "mcx-d.example.org";

std::string migration_profile(const std::string& user, unsigned index, const std::string& label,
                              const std::string& migration_for) {
    return "<mcptt-user-profile xmlns=\"urn:3gpp:mcptt:user-profile:1.0\" XUI-URI=\"" + user +
           "\" user-profile-index=\"" + std::to_string(index) + "\"><Name>" + label +
           "</Name><migration-for xmlns=\"urn:mcprov:migration:1\" " + migration_for + "/></mcptt-user-profile>";
}

class migration_profile_provision_test : public ::testing::Test {
protected:
    void SetUp() override {
        auto opened = store::create_sqlite_document_store(dir.path() / "cms.db");
        ASSERT_TRUE(opened) << opened.err().message;
        documents = std::move(opened).value();
        serving = std::make_shared<serving_register>(documents, clock);
        provision = std::make_unique<migration_profile_provision>(documents, serving);
        // alice: one profile for mcx-b (and mcx-d), and a default.
        etag_for_b = put(alice, "migration-profile-1.xml",
                         migration_profile(alice, 1, "for-b", "partners=\"" + mcx_b + " " + mcx_d + "\""));
        etag_default =
            put(alice, "migration-profile-2.xml", migration_profile(alice, 2, "default", "default=\"true\""));
        // bob: a profile for mcx-c only, and a home profile.
        put(bob, "migration-profile-1.xml", migration_profile(bob, 1, "for-c", "partners=\"" + mcx_c + "\""));
        ASSERT_TRUE(documents->put({"org.3gpp.mcptt.user-profile", bob, "mcptt-user-profile-1.xml"},
                                   "<mcptt-user-profile xmlns=\"urn:3gpp:mcptt:user-profile:1.0\"/>", {}));
    }

    std::string put(const std::string& user, const std::string& name, const std::string& content) {
        auto written = documents->put({std::string(xcap::migration_profile_auid), user, name}, content, {});
        EXPECT_TRUE(written) << written.err().message;
        return written ? written->etag : std::string();
    }

    support::result<provision_outcome> run(const std::string& user, const std::string& partner,
                                           std::optional<std::string> if_none_match = std::nullopt,
                                           const std::string& cid = "cid-1") {
        return provision->run({user, xcap::mc_service::mcptt, partner, std::move(if_none_match), cid});
    }

    testing::temp_dir dir;
    std::shared_ptr<support::manual_clock> clock =
        std::make_shared<support::manual_clock>(support::parse_utc("2026-11-23T19:13:24Z").value());
    std::shared_ptr<store::document_store> documents;
    std::shared_ptr<serving_register> serving;
    std::unique_ptr<migration_profile_provision> provision;
    std::string etag_for_b;
    std::string etag_default;
};

TEST_F(migration_profile_provision_test, when_a_profile_names_the_partner_then_it_is_provided_and_recorded) {
    auto outcome = run(alice, mcx_b, std::nullopt, "cid-7");
    ASSERT_TRUE(outcome) << outcome.err().message;
    EXPECT_FALSE(outcome->not_modified);
    EXPECT_EQ(outcome->profile.name, "migration-profile-1.xml");
    EXPECT_EQ(outcome->profile.etag, etag_for_b);
    EXPECT_NE(outcome->profile.content.find("<Name>for-b</Name>"), std::string::npos);
    EXPECT_TRUE(outcome->partners_to_release.empty());

    auto records = serving->records(alice).value();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].partner, mcx_b);
    EXPECT_EQ(records[0].state, serving_state::serving);
    ASSERT_EQ(records[0].profiles.size(), 1u);
    EXPECT_EQ(records[0].profiles[0].service, "mcptt");
    EXPECT_EQ(records[0].profiles[0].profile_name, "migration-profile-1.xml");
    EXPECT_EQ(records[0].profiles[0].profile_etag, etag_for_b);
    EXPECT_EQ(records[0].correlation_id, "cid-7");
}

TEST_F(migration_profile_provision_test, when_an_mcdata_profile_is_asked_then_the_mcdata_migration_profile_is_provided) {
    const auto& usage = xcap::migration_profile_usage(xcap::mc_service::mcdata);
    auto mcdata = documents->put({std::string(usage.auid), alice, "migration-profile-4.xml"},
                                 "<mcdata-user-profile xmlns=\"urn:3gpp:ns:mcdata:user-profile:1.0\" XUI-URI=\"" + alice +
                                     "\" user-profile-index=\"4\"><Name>data-for-b</Name><migration-for "
                                     "xmlns=\"urn:mcprov:migration:1\" partners=\"" + mcx_b + "\"/></mcdata-user-profile>",
                                 {});
    ASSERT_TRUE(mcdata);
    auto outcome = provision->run({alice, xcap::mc_service::mcdata, mcx_b, std::nullopt, "cid-9"});
    ASSERT_TRUE(outcome) << outcome.err().message;
    EXPECT_EQ(outcome->profile.name, "migration-profile-4.xml");
    EXPECT_EQ(outcome->profile.etag, mcdata->etag);
    EXPECT_NE(outcome->profile.content.find("data-for-b"), std::string::npos);
    EXPECT_EQ(outcome->profile.content.find("migration-for"), std::string::npos);
    const auto record = serving->records(alice)->at(0);
    ASSERT_TRUE(record.profile("mcdata"));
    EXPECT_EQ(record.profile("mcdata")->profile_etag, mcdata->etag);
    EXPECT_FALSE(record.profile("mcptt")) << "the MCPTT profile was not provided";

    auto no_video = provision->run({alice, xcap::mc_service::mcvideo, mcx_b, std::nullopt, "cid-10"});
    ASSERT_FALSE(no_video) << "an MCPTT migration profile is never given for another service";
    EXPECT_EQ(no_video.err().code, errc::not_found);
}

TEST_F(migration_profile_provision_test, when_a_profile_is_provided_then_it_does_not_name_the_other_partners) {
    auto outcome = run(alice, mcx_b);
    ASSERT_TRUE(outcome) << outcome.err().message;
    EXPECT_EQ(outcome->profile.content.find("migration-for"), std::string::npos) << outcome->profile.content;
    EXPECT_EQ(outcome->profile.content.find(mcx_d), std::string::npos) << outcome->profile.content;
    EXPECT_NE(outcome->profile.content.find("<Name>for-b</Name>"), std::string::npos);
    EXPECT_NE(outcome->profile.content.find("XUI-URI=\"" + alice + "\""), std::string::npos);
    // The default profile's marker goes as well.
    auto fallback = run(alice, mcx_c);
    ASSERT_TRUE(fallback) << fallback.err().message;
    EXPECT_EQ(fallback->profile.content.find("migration-for"), std::string::npos) << fallback->profile.content;
}

TEST_F(migration_profile_provision_test, when_only_the_partner_list_changes_then_the_entity_tag_still_changes) {
    // What the partner receives is the same, but the stored profile changed: a new entity tag, a fresh copy.
    auto before = run(alice, mcx_b);
    ASSERT_TRUE(before);
    auto etag = put(alice, "migration-profile-1.xml",
                    migration_profile(alice, 1, "for-b", "partners=\"" + mcx_b + " " + mcx_c + "\""));
    EXPECT_NE(etag, etag_for_b);
    auto after = run(alice, mcx_b, etag_for_b);
    ASSERT_TRUE(after);
    EXPECT_FALSE(after->not_modified);
    EXPECT_EQ(after->profile.etag, etag);
    EXPECT_EQ(after->profile.content, before->profile.content);
    auto again = run(alice, mcx_b, etag);
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->not_modified);
}

TEST(without_migration_for, when_the_element_is_on_a_line_of_its_own_then_no_blank_line_is_left) {
    const std::string profile = "<mcptt-user-profile xmlns=\"urn:3gpp:mcptt:user-profile:1.0\" XUI-URI=\"sip:a@b\">\n"
                                "  <migration-for xmlns=\"urn:mcprov:migration:1\" partners=\"x y\"/>\n"
                                "  <Name>n</Name>\n"
                                "</mcptt-user-profile>\n";
    auto out = without_migration_for(profile);
    ASSERT_TRUE(out) << out.err().message;
    EXPECT_EQ(out->find("migration-for"), std::string::npos);
    EXPECT_NE(
        out->find(
            "<mcptt-user-profile xmlns=\"urn:3gpp:mcptt:user-profile:1.0\" XUI-URI=\"sip:a@b\">\n  <Name>n</Name>\n"
            "</mcptt-user-profile>"),
        std::string::npos)
        << *out;
    // An element of that name in another namespace is the profile's own and stays; no element, no change.
    const std::string other = "<p xmlns=\"urn:x\"><migration-for partners=\"x\"/></p>";
    auto kept = without_migration_for(other);
    ASSERT_TRUE(kept);
    EXPECT_EQ(*kept, other);
    EXPECT_FALSE(without_migration_for("<p"));
}

TEST_F(migration_profile_provision_test, when_no_profile_names_the_partner_then_the_default_is_provided) {
    auto outcome = run(alice, mcx_c);
    ASSERT_TRUE(outcome) << outcome.err().message;
    EXPECT_EQ(outcome->profile.name, "migration-profile-2.xml");
    EXPECT_EQ(outcome->profile.etag, etag_default);
}

TEST_F(migration_profile_provision_test, when_if_none_match_has_the_current_etag_then_not_modified) {
    auto outcome = run(alice, mcx_b, etag_for_b);
    ASSERT_TRUE(outcome) << outcome.err().message;
    EXPECT_TRUE(outcome->not_modified);
    EXPECT_EQ(outcome->profile.etag, etag_for_b);
    auto in_a_list = run(alice, mcx_b, "\"other\", " + etag_for_b);
    ASSERT_TRUE(in_a_list);
    EXPECT_TRUE(in_a_list->not_modified);
    EXPECT_EQ(serving->records(alice)->size(), 1u) << "a revalidation is still a provision to the partner";
}

TEST_F(migration_profile_provision_test, when_if_none_match_has_another_etag_then_the_profile_is_provided) {
    auto outcome = run(alice, mcx_b, etag_default);
    ASSERT_TRUE(outcome);
    EXPECT_FALSE(outcome->not_modified);
    EXPECT_EQ(outcome->profile.name, "migration-profile-1.xml");
}

TEST_F(migration_profile_provision_test, when_the_profile_changed_since_the_partner_copy_then_the_new_one_is_provided) {
    put(alice, "migration-profile-1.xml", migration_profile(alice, 1, "for-b-revised", "partners=\"" + mcx_b + "\""));
    auto outcome = run(alice, mcx_b, etag_for_b);
    ASSERT_TRUE(outcome);
    EXPECT_FALSE(outcome->not_modified);
    EXPECT_NE(outcome->profile.etag, etag_for_b);
    EXPECT_NE(outcome->profile.content.find("for-b-revised"), std::string::npos);
    EXPECT_EQ(serving->records(alice)->at(0).profile("mcptt")->profile_etag, outcome->profile.etag);
}

TEST_F(migration_profile_provision_test,
       when_user_is_unknown_or_has_no_profile_for_the_partner_then_the_same_not_found) {
    auto unknown = run("sip:nobody@police.mcx-a.example.org", mcx_b);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.err().code, errc::not_found);
    auto not_for_b = run(bob, mcx_b); // bob has a home profile and a migration profile for mcx-c only
    ASSERT_FALSE(not_for_b);
    EXPECT_EQ(not_for_b.err().code, errc::not_found);
    EXPECT_EQ(unknown.err().message, not_for_b.err().message) << "the answer must not tell whether the user exists";
    EXPECT_TRUE(serving->records()->empty()) << "nothing was provided, so nothing is recorded";
}

TEST_F(migration_profile_provision_test, when_another_partner_was_serving_the_user_then_it_is_to_be_released) {
    ASSERT_TRUE(run(alice, mcx_b));
    clock->advance(1h);
    auto outcome = run(alice, mcx_c);
    ASSERT_TRUE(outcome) << outcome.err().message;
    EXPECT_EQ(outcome->partners_to_release, std::vector<std::string>{mcx_b});
    auto pending = serving->pending_releases().value();
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].partner, mcx_b);
    EXPECT_EQ(pending[0].user, alice);
}

TEST_F(migration_profile_provision_test, when_a_stored_profile_no_longer_parses_then_it_is_skipped) {
    put(alice, "migration-profile-0.xml", "<mcptt-user-profile");
    auto outcome = run(alice, mcx_b);
    ASSERT_TRUE(outcome) << outcome.err().message;
    EXPECT_EQ(outcome->profile.name, "migration-profile-1.xml");
}

} // namespace
} // namespace mcprov::migration
