#include <gtest/gtest.h>

#include "mcprov/migration/template_catalogue.hpp"

#include "../temp_dir.hpp"
#include "mcprov/support/file.hpp"

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

// load_template_directory over a temp folder, with tests/data/templates/police-visitors.xml as the model document.
class template_directory : public ::testing::Test {
protected:
    void SetUp() override {
        auto text = support::read_file(MCPROV_TEST_DATA "/templates/police-visitors.xml");
        ASSERT_TRUE(text) << text.err().message;
        police = *text;
        fire = replaced(replaced(police, "name=\"mcx-a-police\"", "name=\"mcx-c-fire\""),
                        "primary-system=\"mcx-a.example.org\" organisation=\"police\"",
                        "primary-system=\"mcx-c.example.org\" organisation=\"fire\"");
        ASSERT_NE(fire, police);
    }

    static std::string replaced(std::string text, const std::string& what, const std::string& with) {
        auto at = text.find(what);
        EXPECT_NE(at, std::string::npos) << what;
        if (at != std::string::npos) {
            text.replace(at, what.size(), with);
        }
        return text;
    }

    void write(const std::string& name, const std::string& content) {
        ASSERT_TRUE(support::write_file(dir.path() / name, content)) << name;
    }

    testing::temp_dir dir;
    std::string police;
    std::string fire;
};

TEST_F(template_directory, when_folder_has_two_templates_then_both_load_sorted_by_file_name) {
    write("b-police.xml", police);
    write("a-fire.xml", fire);
    auto catalogue = load_template_directory(dir.path());
    ASSERT_TRUE(catalogue) << catalogue.err().message;
    ASSERT_EQ(catalogue->templates().size(), 2u);
    EXPECT_EQ(catalogue->templates()[0].name, "mcx-c-fire");
    EXPECT_EQ(catalogue->templates()[1].name, "mcx-a-police");
    ASSERT_NE(catalogue->select("mcx-a.example.org", "police"), nullptr);
    EXPECT_EQ(catalogue->select("mcx-a.example.org", "police")->name, "mcx-a-police");
    ASSERT_NE(catalogue->select("mcx-c.example.org", "fire"), nullptr);
    EXPECT_EQ(catalogue->select("mcx-c.example.org", "fire")->name, "mcx-c-fire");
    EXPECT_EQ(catalogue->select("mcx-a.example.org", "fire"), nullptr);
    EXPECT_NE(catalogue->templates()[0].digest, catalogue->templates()[1].digest);
}

TEST_F(template_directory, when_folder_is_empty_then_catalogue_is_empty) {
    auto catalogue = load_template_directory(dir.path());
    ASSERT_TRUE(catalogue) << catalogue.err().message;
    EXPECT_TRUE(catalogue->templates().empty());
}

TEST_F(template_directory, when_a_file_is_broken_then_invalid_argument_names_it) {
    write("a-police.xml", police);
    write("b-broken.xml", "<migration-template");
    auto catalogue = load_template_directory(dir.path());
    ASSERT_FALSE(catalogue);
    EXPECT_EQ(catalogue.err().code, support::errc::invalid_argument);
    EXPECT_TRUE(catalogue.err().message.starts_with((dir.path() / "b-broken.xml").string() + ": "))
        << catalogue.err().message;

    // Well-formed but not a template (schema): also named.
    write("b-broken.xml", replaced(fire, "<priority mode=\"cap\" value=\"3\"/>", "<priority mode=\"sometimes\"/>"));
    auto schema = load_template_directory(dir.path());
    ASSERT_FALSE(schema);
    EXPECT_EQ(schema.err().code, support::errc::invalid_argument);
    EXPECT_TRUE(schema.err().message.starts_with((dir.path() / "b-broken.xml").string() + ": "))
        << schema.err().message;
}

TEST_F(template_directory, when_files_are_not_xml_then_they_are_ignored) {
    write("police.xml", police);
    write("README.txt", "not a template");
    write("police.xml.bak", "<broken");
    write("fire.XML~", "<broken");
    std::filesystem::create_directory(dir.path() / "old.xml"); // a folder, not a file
    ASSERT_TRUE(support::write_file(dir.path() / "old.xml" / "nested.xml", fire));
    auto catalogue = load_template_directory(dir.path());
    ASSERT_TRUE(catalogue) << catalogue.err().message;
    ASSERT_EQ(catalogue->templates().size(), 1u);
    EXPECT_EQ(catalogue->templates()[0].name, "mcx-a-police");
}

TEST_F(template_directory, when_folder_is_missing_then_io_error_names_it) {
    auto missing = dir.path() / "no-such-folder";
    auto catalogue = load_template_directory(missing);
    ASSERT_FALSE(catalogue);
    EXPECT_EQ(catalogue.err().code, support::errc::io);
    EXPECT_NE(catalogue.err().message.find(missing.string()), std::string::npos) << catalogue.err().message;
}

TEST_F(template_directory, when_two_files_apply_to_the_same_system_and_organisation_then_refused) {
    write("police.xml", police);
    write("police-copy.xml", replaced(police, "name=\"mcx-a-police\"", "name=\"mcx-a-police-2\""));
    auto catalogue = load_template_directory(dir.path());
    ASSERT_FALSE(catalogue);
    EXPECT_EQ(catalogue.err().code, support::errc::invalid_argument);
    EXPECT_TRUE(catalogue.err().message.starts_with(dir.path().string() + ": ")) << catalogue.err().message;
    EXPECT_NE(catalogue.err().message.find("mcx-a-police-2 and mcx-a-police both apply to visitors from "
                                           "mcx-a.example.org of police"),
              std::string::npos)
        << catalogue.err().message;
}

} // namespace
} // namespace mcprov::migration
