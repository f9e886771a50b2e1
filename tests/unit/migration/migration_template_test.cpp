#include <gtest/gtest.h>

#include "mcprov/migration/migration_template.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/xcap/application_usage.hpp"
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
    EXPECT_EQ(t.common.allowed_groups.size(), 2u);
    EXPECT_EQ(t.common.denied_groups, std::vector<std::string>{"sip:patrol-internal*"});
    ASSERT_EQ(t.common.added_groups.size(), 1u);
    EXPECT_TRUE(t.common.added_groups[0].implicit_affiliation);
    EXPECT_EQ(t.common.priority, priority_mode::cap);
    EXPECT_EQ(t.common.priority_value, 3u);
    EXPECT_EQ(t.common.withdrawn_authorisations.size(), 3u);
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
    t.common.priority = priority_mode::replace;
    t.common.priority_value = 2;
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

namespace mcprov::migration {
namespace {

// A template for visitors of every service: common rules, and a section each for MCData and MCVideo.
constexpr const char* every_service_template = R"(<migration-template xmlns="urn:mcprov:migration-template:1" name="all">
  <applies-to primary-system="mcx-a.example.org"/>
  <groups>
    <deny pattern="sip:*-internal@*"/>
    <add uri="sip:mutual-aid@groups.mcx-b.example.org" display-name="Mutual aid"/>
  </groups>
  <priority mode="cap" value="3"/>
  <authorisations><withdraw name="allow-regroup"/></authorisations>
  <mcdata>
    <groups><deny pattern="sip:dispatch@*"/></groups>
    <authorisations><withdraw name="allow-group-fd"/></authorisations>
    <limits><cap name="max-data-size-*-bytes" value="4096"/></limits>
  </mcdata>
  <mcvideo>
    <authorisations><withdraw name="allow-request-remote-initiated-ambient-viewing"/></authorisations>
  </mcvideo>
</migration-template>)";

std::string mcdata_profile() {
    return R"(<mcdata-user-profile xmlns="urn:3gpp:ns:mcdata:user-profile:1.0" xmlns:cp="urn:ietf:params:xml:ns:common-policy" XUI-URI="sip:alice@police.mcx-a.example.org" user-profile-index="1">
  <Name>Alice</Name><Status>true</Status>
  <Common index="c"><UserAlias><alias-entry>Alice</alias-entry></UserAlias></Common>
  <OnNetwork index="o">
    <MCDataGroupInfo><MCData-Group-ID><uri-entry>sip:patrol@groups.example.org</uri-entry></MCData-Group-ID></MCDataGroupInfo>
    <MCDataGroupInfo><MCData-Group-ID><uri-entry>sip:police-internal@groups.example.org</uri-entry></MCData-Group-ID></MCDataGroupInfo>
    <MCDataGroupInfo><MCData-Group-ID><uri-entry>sip:dispatch@groups.example.org</uri-entry></MCData-Group-ID></MCDataGroupInfo>
    <ImplicitAffiliations><entry><uri-entry>sip:police-internal@groups.example.org</uri-entry></entry></ImplicitAffiliations>
    <max-data-size-sds-bytes>8192</max-data-size-sds-bytes>
    <max-data-size-fd-bytes>1000</max-data-size-fd-bytes>
  </OnNetwork>
  <cp:ruleset><cp:rule id="r"><cp:actions>
    <allow-group-fd>true</allow-group-fd><allow-group-sds>true</allow-group-sds><allow-regroup>true</allow-regroup>
  </cp:actions></cp:rule></cp:ruleset>
</mcdata-user-profile>)";
}

std::string mcvideo_profile() {
    return R"(<mcvideo-user-profile xmlns="urn:3gpp:ns:mcvideo:user-profile:1.0" xmlns:cp="urn:ietf:params:xml:ns:common-policy" XUI-URI="sip:alice@police.mcx-a.example.org" user-profile-index="1">
  <Name>Alice</Name><Status>true</Status>
  <Common index="c">
    <MCVideo-group-call>
      <EmergencyCall><MCVideoGroupInitiation><entry><uri-entry>sip:police-internal@groups.example.org</uri-entry></entry></MCVideoGroupInitiation></EmergencyCall>
      <Priority>7</Priority>
    </MCVideo-group-call>
  </Common>
  <OnNetwork index="o">
    <MCVideoGroupInfo><MCVideo-Group-ID><uri-entry>sip:patrol@groups.example.org</uri-entry></MCVideo-Group-ID></MCVideoGroupInfo>
    <MCVideoGroupInfo><MCVideo-Group-ID><uri-entry>sip:police-internal@groups.example.org</uri-entry></MCVideo-Group-ID></MCVideoGroupInfo>
    <MCVideoGroupInfo><MCVideo-Group-ID><uri-entry>sip:dispatch@groups.example.org</uri-entry></MCVideo-Group-ID></MCVideoGroupInfo>
  </OnNetwork>
  <cp:ruleset><cp:rule id="r"><cp:actions>
    <allow-revoke-transmit>true</allow-revoke-transmit>
    <allow-request-remote-initiated-ambient-viewing>true</allow-request-remote-initiated-ambient-viewing>
    <allow-regroup>true</allow-regroup>
  </cp:actions></cp:rule></cp:ruleset>
</mcvideo-user-profile>)";
}

bool has(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

TEST(migration_template_services, when_a_template_has_service_sections_then_each_is_read_apart_from_the_common_rules) {
    auto t = parse_migration_template(every_service_template);
    ASSERT_TRUE(t) << t.err().message;
    EXPECT_EQ(t->common.denied_groups, std::vector<std::string>{"sip:*-internal@*"});
    const auto& data = t->services[static_cast<std::size_t>(xcap::mc_service::mcdata)];
    EXPECT_EQ(data.denied_groups, std::vector<std::string>{"sip:dispatch@*"});
    ASSERT_EQ(data.limits.size(), 1u);
    EXPECT_EQ(data.limits[0].pattern, "max-data-size-*-bytes");
    EXPECT_EQ(data.limits[0].value, 4096u);
    EXPECT_TRUE(t->services[static_cast<std::size_t>(xcap::mc_service::mcptt)].withdrawn_authorisations.empty());
}

TEST(migration_template_services, when_an_mcdata_section_sets_a_priority_then_the_template_is_refused) {
    auto bad = parse_migration_template(R"(<migration-template xmlns="urn:mcprov:migration-template:1" name="x">
  <applies-to primary-system="a.example.org"/><mcdata><priority mode="cap" value="1"/></mcdata></migration-template>)");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.err().code, errc::schema_invalid);
}

TEST(migration_template_services, when_applied_to_an_mcdata_profile_then_groups_authorisations_and_limits_change) {
    auto t = parse_migration_template(every_service_template).value();
    auto combined = apply_template(t, mcdata_profile());
    ASSERT_TRUE(combined) << combined.err().message;
    const auto& r = *combined;
    EXPECT_TRUE(has(r, "sip:patrol@groups.example.org")) << r;
    EXPECT_FALSE(has(r, "police-internal")) << "denied by the common rules, with its implicit affiliation: " << r;
    EXPECT_FALSE(has(r, "sip:dispatch@")) << "denied by the MCData section: " << r;
    EXPECT_TRUE(has(r, "<MCDataGroupInfo><MCData-Group-ID><uri-entry>sip:mutual-aid@groups.mcx-b.example.org"
                       "</uri-entry><display-name>Mutual aid</display-name></MCData-Group-ID></MCDataGroupInfo>"))
        << r;
    EXPECT_TRUE(has(r, "<max-data-size-sds-bytes>4096</max-data-size-sds-bytes>")) << r;
    EXPECT_TRUE(has(r, "<max-data-size-fd-bytes>1000</max-data-size-fd-bytes>")) << "below the cap: kept " << r;
    EXPECT_TRUE(has(r, "<allow-group-fd>false</allow-group-fd>")) << r;
    EXPECT_TRUE(has(r, "<allow-regroup>false</allow-regroup>")) << r;
    EXPECT_TRUE(has(r, "<allow-group-sds>true</allow-group-sds>")) << r;
    auto again = apply_template(t, r);
    ASSERT_TRUE(again) << again.err().message;
    EXPECT_EQ(*again, r) << "applying a template to its own result changes nothing";
}

TEST(migration_template_services, when_applied_to_an_mcvideo_profile_then_its_own_rules_and_the_common_ones_apply) {
    auto t = parse_migration_template(every_service_template).value();
    auto combined = apply_template(t, mcvideo_profile());
    ASSERT_TRUE(combined) << combined.err().message;
    const auto& r = *combined;
    EXPECT_FALSE(has(r, "police-internal")) << r;
    EXPECT_FALSE(has(r, "EmergencyCall")) << "the emergency call on a removed group goes with it: " << r;
    EXPECT_TRUE(has(r, "sip:dispatch@groups.example.org")) << "the MCData section does not apply to video: " << r;
    EXPECT_TRUE(has(r, "<Priority>3</Priority>")) << r;
    EXPECT_TRUE(has(r, "<allow-request-remote-initiated-ambient-viewing>false<")) << r;
    EXPECT_TRUE(has(r, "<allow-regroup>false</allow-regroup>")) << r;
    EXPECT_TRUE(has(r, "<allow-revoke-transmit>true</allow-revoke-transmit>")) << r;
    EXPECT_TRUE(has(r, "sip:mutual-aid@groups.mcx-b.example.org")) << r;
    auto doc = xml::parse(r).value();
    auto schema = xml::load_embedded_schema("ts24484/mcvideo-user-profile.xsd");
    ASSERT_TRUE(schema) << schema.err().message;
    EXPECT_TRUE(schema.value()->validate(doc));
}

TEST(migration_template_services, when_the_profile_is_of_no_service_then_it_is_refused) {
    auto t = parse_migration_template(every_service_template).value();
    auto refused = apply_template(t, "<mcdata-user-profile xmlns=\"urn:example\"/>");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.err().code, errc::schema_invalid);
}

} // namespace
} // namespace mcprov::migration
