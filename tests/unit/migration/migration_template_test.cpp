#include <gtest/gtest.h>

#include "mcprov/migration/migration_template.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/xml/node_selector.hpp"
#include "mcprov/xml/schema.hpp"

namespace mcprov::migration {
namespace {

using support::errc;

const std::string mcptt_ns = "urn:3gpp:mcptt:user-profile:1.0";

std::string read(const std::string& relative) { return support::read_file(MCPROV_TEST_DATA "/" + relative).value(); }

std::string migration_profile() {
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
      <entry index="g3"><uri-entry>sip:cid@groups.example.org</uri-entry></entry>
      <entry index="g4"><uri-entry>sip:all@groups.example.org</uri-entry></entry>
    </MCPTTGroupInfo>
  </OnNetwork>
</mcptt-user-profile>
)";
}

// The text (or attribute value) a node selector picks out of a document, "" when it picks nothing.
std::string pick(const std::string& doc_text, const std::string& selector) {
    auto doc = xml::parse(doc_text);
    auto sel = xml::parse_node_selector(selector, {{"mt", "urn:mcprov:migration-template:1"}}, mcptt_ns);
    if (!doc || !sel) {
        return "<unparsable>";
    }
    auto selected = xml::select(*doc, *sel);
    return selected ? selected->body : "";
}

class migration_template_test : public ::testing::Test {
protected:
    void SetUp() override {
        auto parsed = parse_migration_template(read("templates/police-visitors.xml"));
        ASSERT_TRUE(parsed) << parsed.err().message;
        t = std::move(parsed).value();
        auto combined = apply_template(t, migration_profile());
        ASSERT_TRUE(combined) << combined.err().message;
        result = std::move(combined).value();
    }

    migration_template t;
    std::string result;
};

TEST_F(migration_template_test, when_template_is_read_then_every_rule_is_there) {
    EXPECT_EQ(t.name, "mcx-a-police");
    EXPECT_EQ(t.primary_system, "mcx-a.example.org");
    EXPECT_EQ(t.organisation, "police");
    EXPECT_EQ(t.allowed_groups.size(), 2u);
    EXPECT_EQ(t.denied_groups, std::vector<std::string>{"sip:patrol-internal*"});
    ASSERT_EQ(t.added_groups.size(), 1u);
    EXPECT_TRUE(t.added_groups[0].implicit_affiliation);
    EXPECT_EQ(t.priority, priority_mode::cap);
    EXPECT_EQ(t.priority_value, 3u);
    EXPECT_EQ(t.withdrawn_authorisations.size(), 3u);
    ASSERT_EQ(t.operating_area.size(), 2u);
    EXPECT_DOUBLE_EQ(t.operating_area[0].radius_metres, 25000);
    EXPECT_EQ(t.operating_area[1].polygon.size(), 3u);
}

TEST_F(migration_template_test, when_applied_then_result_validates_against_release_13_schema) {
    auto doc = xml::parse(result);
    ASSERT_TRUE(doc);
    auto schema = xml::load_embedded_schema("ts24484-rel13/mcptt-user-profile.xsd");
    ASSERT_TRUE(schema);
    EXPECT_TRUE(schema.value()->validate(*doc));
}

TEST_F(migration_template_test, when_applied_then_only_allowed_groups_remain_and_partner_group_is_added) {
    const std::string groups = "mcptt-user-profile/OnNetwork/MCPTTGroupInfo/";
    EXPECT_NE(pick(result, groups + "entry[@index=\"g1\"]"), "");
    EXPECT_EQ(pick(result, groups + "entry[@index=\"g2\"]"), "") << "denied by pattern";
    EXPECT_EQ(pick(result, groups + "entry[@index=\"g3\"]"), "") << "not in the allow list";
    EXPECT_NE(pick(result, groups + "entry[@index=\"g4\"]"), "");
    EXPECT_NE(pick(result, groups + "entry[@index=\"partner-group-1\"]").find("sip:mutual-aid@groups.mcx-b"),
              std::string::npos);
    EXPECT_NE(pick(result, "mcptt-user-profile/OnNetwork/ImplicitAffiliations/entry").find("mutual-aid"),
              std::string::npos);
}

TEST_F(migration_template_test, when_emergency_call_targets_denied_group_then_it_is_removed) {
    EXPECT_EQ(pick(result, "mcptt-user-profile/Common/MCPTT-group-call/EmergencyCall"), "");
    EXPECT_NE(pick(result, "mcptt-user-profile/Common/MCPTT-group-call/ImminentPerilCall"), "");
}

TEST_F(migration_template_test, when_priority_is_capped_then_higher_values_come_down) {
    EXPECT_NE(pick(result, "mcptt-user-profile/Common/MCPTT-group-call/Priority").find(">3<"), std::string::npos);
}

TEST_F(migration_template_test, when_authorisations_withdrawn_then_they_read_false_and_others_stay) {
    const std::string ext = "mcptt-user-profile/Common/anyExt/";
    EXPECT_NE(pick(result, ext + "allow-regroup").find(">false<"), std::string::npos);
    EXPECT_NE(pick(result, ext + "allow-override-of-transmission").find(">false<"), std::string::npos);
    EXPECT_NE(pick(result, ext + "allow-presence-status").find(">false<"), std::string::npos);
    EXPECT_NE(pick(result, ext + "allow-private-call").find(">true<"), std::string::npos);
}

TEST_F(migration_template_test, when_area_limited_then_profile_carries_it) {
    EXPECT_EQ(pick(result, "mcptt-user-profile/mt:operating-area/mt:circle/@radius-metres"), "25000");
    EXPECT_EQ(pick(result, "mcptt-user-profile/mt:operating-area/mt:polygon/mt:point[3]/@longitude"), "-0.8");
}

TEST_F(migration_template_test, when_applied_twice_then_result_is_the_same) {
    auto again = apply_template(t, result);
    ASSERT_TRUE(again) << again.err().message;
    EXPECT_EQ(*again, result);
}

TEST(migration_template, when_priority_replaced_and_profile_has_none_then_one_is_added) {
    migration_template t;
    t.name = "replace";
    t.priority = priority_mode::replace;
    t.priority_value = 2;
    auto combined = apply_template(t, R"(<mcptt-user-profile xmlns="urn:3gpp:mcptt:user-profile:1.0" XUI-URI="sip:a@b.org" user-profile-index="1"><Name>A</Name></mcptt-user-profile>)");
    ASSERT_TRUE(combined) << combined.err().message;
    EXPECT_NE(pick(*combined, "mcptt-user-profile/Common/MCPTT-group-call/Priority").find(">2<"), std::string::npos);
}

TEST(migration_template, when_template_breaks_schema_then_error_names_line) {
    auto bad = parse_migration_template(R"(<migration-template xmlns="urn:mcprov:migration-template:1" name="x">
  <applies-to primary-system="a.example.org"/>
  <priority mode="lower" value="3"/>
</migration-template>)");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.err().code, errc::schema_invalid);
    EXPECT_TRUE(bad.err().message.starts_with("line 3:")) << bad.err().message;
}

TEST(migration_template, when_the_name_is_not_printable_ascii_then_the_template_is_refused) {
    // A delivery report could not carry it: every report of every profile made with it would fail.
    for (const char* name : {"Polic\u00eda", "x&#x7F;", "&#x2028;"}) {
        auto bad = parse_migration_template(std::string(R"(<migration-template xmlns="urn:mcprov:migration-template:1" name=")") +
                                            name + R"("><applies-to primary-system="a.example.org"/></migration-template>)");
        ASSERT_FALSE(bad) << name;
        EXPECT_EQ(bad.err().code, errc::schema_invalid) << name;
    }
    auto fine = parse_migration_template(R"(<migration-template xmlns="urn:mcprov:migration-template:1" name="Police (mutual aid) #2">
  <applies-to primary-system="a.example.org"/></migration-template>)");
    ASSERT_TRUE(fine) << fine.err().message;
    EXPECT_EQ(fine->name, "Police (mutual aid) #2");
}

TEST(migration_template, when_template_has_wrong_root_or_is_malformed_then_refused) {
    EXPECT_EQ(parse_migration_template("<template/>").err().code, errc::schema_invalid);
    EXPECT_EQ(parse_migration_template("<migration-template").err().code, errc::not_well_formed);
    auto withdraw = parse_migration_template(R"(<migration-template xmlns="urn:mcprov:migration-template:1" name="x">
  <applies-to primary-system="a"/><authorisations><withdraw name="priority"/></authorisations></migration-template>)");
    ASSERT_FALSE(withdraw);
    EXPECT_EQ(withdraw.err().code, errc::schema_invalid);
}

TEST(migration_template, when_profile_is_not_mcptt_then_refused) {
    migration_template t;
    EXPECT_EQ(apply_template(t, "<x/>").err().code, errc::schema_invalid);
    EXPECT_EQ(apply_template(t, "<x").err().code, errc::not_well_formed);
}

TEST(pattern_matches, when_wildcards_then_glob_semantics) {
    EXPECT_TRUE(pattern_matches("sip:*@groups.example.org", "sip:a@groups.example.org"));
    EXPECT_TRUE(pattern_matches("*", ""));
    EXPECT_TRUE(pattern_matches("a?c", "abc"));
    EXPECT_FALSE(pattern_matches("a?c", "ac"));
    EXPECT_TRUE(pattern_matches("allow-*-call*", "allow-emergency-private-call"));
    EXPECT_FALSE(pattern_matches("sip:*@a.org", "sip:x@a.org.evil"));
    EXPECT_TRUE(pattern_matches("*a*a*a*a*a*b", std::string(200, 'a') + "b"));
    EXPECT_FALSE(pattern_matches("*a*a*a*a*a*b", std::string(2000, 'a')));
}

} // namespace
} // namespace mcprov::migration
