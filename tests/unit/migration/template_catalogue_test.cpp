#include <gtest/gtest.h>

#include "mcprov/migration/template_catalogue.hpp"

namespace mcprov::migration {
namespace {

using support::errc;

TEST(organisation_rule, when_id_has_the_rule_shape_then_organisation_is_read) {
    auto rule = organisation_rule::parse("sip:{user}@{org}.mcx-a.example.org");
    ASSERT_TRUE(rule) << rule.err().message;
    EXPECT_EQ(rule->organisation_of("sip:alice@police.mcx-a.example.org"), "police");
    EXPECT_EQ(rule->organisation_of("sip:bob.smith@fire.mcx-a.example.org"), "fire");
}

TEST(organisation_rule, when_id_does_not_fit_then_no_organisation) {
    auto rule = organisation_rule::parse("sip:{user}@{org}.mcx-a.example.org").value();
    EXPECT_EQ(rule.organisation_of("sip:alice@mcx-a.example.org"), std::nullopt);
    EXPECT_EQ(rule.organisation_of("sip:alice@police.mcx-b.example.org"), std::nullopt);
    EXPECT_EQ(rule.organisation_of("sip:@police.mcx-a.example.org"), std::nullopt);
    EXPECT_EQ(rule.organisation_of("tel:+441234"), std::nullopt);
    EXPECT_EQ(rule.organisation_of("sip:alice@police.mcx-a.example.org.evil"), std::nullopt);
    EXPECT_EQ(rule.organisation_of("sip:a@b@police.mcx-a.example.org"), std::nullopt);
}

TEST(organisation_rule, when_org_is_last_then_it_runs_to_the_end) {
    auto rule = organisation_rule::parse("sip:{user}@mcx-a.example.org;{org}");
    ASSERT_TRUE(rule);
    EXPECT_EQ(rule->organisation_of("sip:alice@mcx-a.example.org;ems"), "ems");
}

TEST(organisation_rule, when_pattern_is_unusable_then_refused) {
    for (const char* bad : {"sip:{user}@example.org", "{org}{user}", "sip:{user}@{org}.{org}", "sip:{who}@{org}"}) {
        auto rule = organisation_rule::parse(bad);
        ASSERT_FALSE(rule) << bad;
        EXPECT_EQ(rule.err().code, errc::invalid_argument);
    }
}

migration_template make(std::string name, std::string system, std::optional<std::string> org) {
    migration_template t;
    t.name = std::move(name);
    t.primary_system = std::move(system);
    t.organisation = std::move(org);
    return t;
}

TEST(template_catalogue, when_organisation_has_a_template_then_it_wins_over_the_system_one) {
    auto catalogue = template_catalogue::create(
        {make("a-all", "mcx-a", std::nullopt), make("a-police", "mcx-a", "police"), make("b-all", "mcx-b", {})});
    ASSERT_TRUE(catalogue);
    EXPECT_EQ(catalogue->select("mcx-a", "police")->name, "a-police");
    EXPECT_EQ(catalogue->select("mcx-a", "fire")->name, "a-all");
    EXPECT_EQ(catalogue->select("mcx-a", std::nullopt)->name, "a-all");
    EXPECT_EQ(catalogue->select("mcx-c", "police"), nullptr);
}

TEST(template_catalogue, when_two_templates_apply_to_the_same_visitors_then_refused) {
    auto catalogue = template_catalogue::create({make("one", "mcx-a", "police"), make("two", "mcx-a", "police")});
    ASSERT_FALSE(catalogue);
    EXPECT_NE(catalogue.err().message.find("one and two"), std::string::npos);
}

} // namespace
} // namespace mcprov::migration
