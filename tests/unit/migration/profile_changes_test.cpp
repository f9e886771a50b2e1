#include <gtest/gtest.h>

#include "mcprov/migration/migration_template.hpp"
#include "mcprov/migration/profile_changes.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::migration {
namespace {

using support::errc;
using lines = std::vector<std::string>;

std::string read(const std::string& relative) {
    return support::read_file(MCPROV_TEST_DATA "/" + relative).value();
}

// A migration profile as the primary MC system provides it: groups, an emergency and an imminent-peril call, a
// group-call priority, authorisations, and the primary's <migration-for>.
std::string primary_profile() {
    return R"(<?xml version="1.0" encoding="UTF-8"?>
<mcptt-user-profile xmlns="urn:3gpp:mcptt:user-profile:1.0" XUI-URI="sip:alice@police.mcx-a.example.org" user-profile-index="5">
  <Name>Alice</Name>
  <Common index="c">
    <MCPTTUserID><uri-entry>sip:alice@police.mcx-a.example.org</uri-entry></MCPTTUserID>
    <MCPTT-group-call>
      <EmergencyCall><MCPTTGroupInitiation><entry><uri-entry>sip:patrol-internal-1@groups.example.org</uri-entry></entry></MCPTTGroupInitiation></EmergencyCall>
      <ImminentPerilCall><MCPTTGroupInitiation><entry><uri-entry>sip:patrol-north@groups.example.org</uri-entry></entry></MCPTTGroupInitiation></ImminentPerilCall>
      <Priority>7</Priority>
    </MCPTT-group-call>
    <anyExt>
      <allow-private-call>true</allow-private-call>
      <allow-regroup>true</allow-regroup>
      <allow-override-of-transmission>true</allow-override-of-transmission>
      <allow-presence-status>true</allow-presence-status>
    </anyExt>
  </Common>
  <OnNetwork index="o">
    <MCPTTGroupInfo>
      <entry index="g1"><uri-entry>sip:patrol-north@groups.example.org</uri-entry></entry>
      <entry index="g2"><uri-entry>sip:patrol-internal-7@groups.example.org</uri-entry></entry>
      <entry index="g3"><uri-entry>sip:cid@groups.example.org</uri-entry><display-name>CID</display-name></entry>
      <entry index="g4"><uri-entry>sip:all@groups.example.org</uri-entry></entry>
    </MCPTTGroupInfo>
  </OnNetwork>
  <migration-for xmlns="urn:mcprov:migration:1" default="true"/>
</mcptt-user-profile>
)";
}

// What the partner does besides applying the template: drops <migration-for>, stamps <served-by> and signs. The
// signature carries a Priority in a ds:Object to show that nothing under it counts.
std::string as_served(std::string combined) {
    if (auto start = combined.find("<migration-for"); start != std::string::npos) {
        combined.erase(start, combined.find("/>", start) + 2 - start);
    }
    const std::string stamp_and_signature =
        R"(<served-by xmlns="urn:mcprov:migration:1" system="mcx-b.example.org" primary-system="mcx-a.example.org" template="mcx-a-police" valid-from="2024-01-01T00:00:00Z" valid-until="2024-01-02T00:00:00Z"/>)"
        R"(<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:Reference URI="">)"
        R"(<ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>BBBB</ds:SignatureValue>)"
        R"(<ds:Object><Priority xmlns="urn:3gpp:mcptt:user-profile:1.0">1</Priority></ds:Object></ds:Signature>)";
    combined.insert(combined.rfind("</mcptt-user-profile>"), stamp_and_signature);
    return combined;
}

migration_template police_template() {
    auto parsed = parse_migration_template(read("templates/police-visitors.xml"));
    EXPECT_TRUE(parsed) << parsed.err().message;
    return parsed ? std::move(parsed).value() : migration_template{};
}

std::string served(const migration_template& t, const std::string& profile) {
    auto combined = apply_template(t, profile);
    EXPECT_TRUE(combined) << combined.err().message;
    return combined ? as_served(std::move(combined).value()) : std::string();
}

lines describe(std::string_view before, std::string_view after) {
    auto changes = describe_profile_changes(before, after);
    EXPECT_TRUE(changes) << changes.err().message;
    return changes ? std::move(changes).value() : lines{"<error>"};
}

TEST(profile_changes, when_police_template_applied_then_every_change_is_listed_in_order) {
    EXPECT_EQ(describe(primary_profile(), served(police_template(), primary_profile())),
              (lines{
                  "group removed: sip:patrol-internal-1@groups.example.org",
                  "group removed: sip:patrol-internal-7@groups.example.org",
                  "group removed: sip:cid@groups.example.org",
                  "group added: sip:mutual-aid@groups.mcx-b.example.org (Mutual aid)",
                  "priority: 7 -> 3",
                  "authorisation withdrawn: allow-regroup",
                  "authorisation withdrawn: allow-override-of-transmission",
                  "authorisation withdrawn: allow-presence-status",
                  "operating area set: 2 areas",
              }));
}

TEST(profile_changes, when_template_meets_stored_profile_then_only_what_it_changed_is_listed) {
    // Both of Alice's groups are allowed and allow-regroup is already false: nothing to say about them.
    const auto profile = read("profiles/org.3gpp.mcptt.user-profile/users/sip:alice@police.example.org/"
                              "mcptt-user-profile-1.xml");
    EXPECT_EQ(describe(profile, served(police_template(), profile)),
              (lines{
                  "group added: sip:mutual-aid@groups.mcx-b.example.org (Mutual aid)",
                  "priority: 5 -> 3",
                  "operating area set: 2 areas",
              }));
}

TEST(profile_changes, when_documents_are_identical_then_nothing_changed) {
    const auto after = served(police_template(), primary_profile());
    EXPECT_EQ(describe(primary_profile(), primary_profile()), lines{});
    EXPECT_EQ(describe(after, after), lines{});
}

TEST(profile_changes, when_only_stamp_signature_and_migration_for_differ_then_nothing_changed) {
    EXPECT_EQ(describe(primary_profile(), as_served(primary_profile())), lines{});
}

TEST(profile_changes, when_compared_the_other_way_then_changes_are_reversed) {
    EXPECT_EQ(describe(served(police_template(), primary_profile()), primary_profile()),
              (lines{
                  "group removed: sip:mutual-aid@groups.mcx-b.example.org",
                  "group added: sip:patrol-internal-1@groups.example.org",
                  "group added: sip:patrol-internal-7@groups.example.org",
                  "group added: sip:cid@groups.example.org (CID)",
                  "priority: 3 -> 7",
                  "authorisation granted: allow-regroup",
                  "authorisation granted: allow-override-of-transmission",
                  "authorisation granted: allow-presence-status",
                  "operating area removed",
              }));
}

TEST(profile_changes, when_operating_area_is_replaced_then_it_is_reported_as_changed) {
    auto narrower = parse_migration_template(R"(<migration-template xmlns="urn:mcprov:migration-template:1" name="area">
  <applies-to primary-system="mcx-a.example.org"/>
  <operating-area><circle latitude="51.5" longitude="-0.1" radius-metres="1000"/></operating-area>
</migration-template>)");
    ASSERT_TRUE(narrower) << narrower.err().message;
    const auto before = served(police_template(), primary_profile());
    EXPECT_EQ(describe(before, served(*narrower, before)), lines{"operating area changed: 1 area"});
}

TEST(profile_changes, when_several_priorities_and_authorisations_then_paths_name_them) {
    const std::string before =
        R"(<mcptt-user-profile xmlns="urn:3gpp:mcptt:user-profile:1.0" XUI-URI="sip:a@b.org" user-profile-index="1">
  <Common index="c1"><MCPTT-group-call><Priority>9</Priority></MCPTT-group-call>
    <anyExt><allow-regroup>true</allow-regroup><allow-private-call>1</allow-private-call><allow-offnetwork>true</allow-offnetwork></anyExt></Common>
  <Common index="c2"><MCPTT-group-call><Priority>4</Priority></MCPTT-group-call><anyExt><allow-regroup>false</allow-regroup></anyExt></Common>
  <OnNetwork index="o"><anyExt><RemoteGroupSelectionURIList><entry><uri-entry>sip:u1@b.org</uri-entry></entry></RemoteGroupSelectionURIList></anyExt></OnNetwork>
</mcptt-user-profile>)";
    const std::string after =
        R"(<mcptt-user-profile xmlns="urn:3gpp:mcptt:user-profile:1.0" XUI-URI="sip:a@b.org" user-profile-index="1">
  <Common index="c1"><MCPTT-group-call><Priority>5</Priority></MCPTT-group-call>
    <anyExt><allow-regroup>false</allow-regroup><allow-private-call>true</allow-private-call><allow-imminent-peril-call>false</allow-imminent-peril-call></anyExt></Common>
  <Common index="c2"><MCPTT-group-call><Priority>04</Priority></MCPTT-group-call><anyExt><allow-regroup>true</allow-regroup></anyExt></Common>
  <Common index="c3"><MCPTT-group-call><Priority>2</Priority></MCPTT-group-call></Common>
  <OnNetwork index="o"><anyExt><RemoteGroupSelectionURIList><entry><uri-entry>sip:u2@b.org</uri-entry></entry></RemoteGroupSelectionURIList></anyExt></OnNetwork>
</mcptt-user-profile>)";
    // 4 -> 04 and 1 -> true say the same; the remote group selection list names users, not groups.
    EXPECT_EQ(describe(before, after), (lines{
                                           "priority (Common[1]/MCPTT-group-call/Priority): 9 -> 5",
                                           "priority (Common[3]/MCPTT-group-call/Priority): (none) -> 2",
                                           "authorisation withdrawn: allow-regroup (Common[1]/anyExt/allow-regroup)",
                                           "authorisation removed: allow-offnetwork (was true)",
                                           "authorisation granted: allow-regroup (Common[2]/anyExt/allow-regroup)",
                                           "authorisation added: allow-imminent-peril-call = false",
                                       }));
}

TEST(profile_changes, when_either_document_is_not_well_formed_then_error_says_which) {
    auto bad_before = describe_profile_changes("<mcptt-user-profile", primary_profile());
    ASSERT_FALSE(bad_before);
    EXPECT_EQ(bad_before.err().code, errc::not_well_formed);
    EXPECT_TRUE(bad_before.err().message.starts_with("before: ")) << bad_before.err().message;

    auto bad_after = describe_profile_changes(primary_profile(), "<mcptt-user-profile><Name></mcptt-user-profile>");
    ASSERT_FALSE(bad_after);
    EXPECT_EQ(bad_after.err().code, errc::not_well_formed);
    EXPECT_TRUE(bad_after.err().message.starts_with("after: ")) << bad_after.err().message;
}

} // namespace
} // namespace mcprov::migration

namespace mcprov::migration {
namespace {

TEST(profile_changes, when_an_mcdata_profile_was_adapted_then_its_groups_authorisations_and_limits_are_listed) {
    const std::string before = R"(<mcdata-user-profile xmlns="urn:3gpp:ns:mcdata:user-profile:1.0" xmlns:cp="urn:ietf:params:xml:ns:common-policy" XUI-URI="sip:a@x.org" user-profile-index="1">
  <OnNetwork>
    <MCDataGroupInfo><MCData-Group-ID><uri-entry>sip:patrol@g.org</uri-entry></MCData-Group-ID></MCDataGroupInfo>
    <MCDataGroupInfo><MCData-Group-ID><uri-entry>sip:internal@g.org</uri-entry></MCData-Group-ID></MCDataGroupInfo>
    <max-data-size-sds-bytes>8192</max-data-size-sds-bytes>
    <max-data-size-fd-bytes>1000</max-data-size-fd-bytes>
  </OnNetwork>
  <cp:ruleset><cp:rule id="r"><cp:actions><allow-group-fd>true</allow-group-fd></cp:actions></cp:rule></cp:ruleset>
</mcdata-user-profile>)";
    const std::string after = R"(<mcdata-user-profile xmlns="urn:3gpp:ns:mcdata:user-profile:1.0" xmlns:cp="urn:ietf:params:xml:ns:common-policy" XUI-URI="sip:a@x.org" user-profile-index="0">
  <OnNetwork>
    <MCDataGroupInfo><MCData-Group-ID><uri-entry>sip:patrol@g.org</uri-entry></MCData-Group-ID></MCDataGroupInfo>
    <max-data-size-sds-bytes>4096</max-data-size-sds-bytes>
    <max-data-size-fd-bytes>1000</max-data-size-fd-bytes>
    <MCDataGroupInfo><MCData-Group-ID><uri-entry>sip:aid@g.org</uri-entry><display-name>Aid</display-name></MCData-Group-ID></MCDataGroupInfo>
  </OnNetwork>
  <cp:ruleset><cp:rule id="r"><cp:actions><allow-group-fd>false</allow-group-fd></cp:actions></cp:rule></cp:ruleset>
</mcdata-user-profile>)";
    auto changes = describe_profile_changes(before, after);
    ASSERT_TRUE(changes) << changes.err().message;
    EXPECT_EQ(*changes, (std::vector<std::string>{"group removed: sip:internal@g.org", "group added: sip:aid@g.org (Aid)",
                                                  "authorisation withdrawn: allow-group-fd",
                                                  "limit max-data-size-sds-bytes: 8192 -> 4096"}));
}

} // namespace
} // namespace mcprov::migration
