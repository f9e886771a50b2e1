#include <gtest/gtest.h>

#include <map>
#include <string>

#include "mcprov/xml/document.hpp"
#include "mcprov/xml/node_selector.hpp"

namespace mcprov::xml {
namespace {

using support::errc;

constexpr const char* up_ns = "urn:3gpp:mcptt:user-profile:1.0";

const char* const sample = R"(<?xml version="1.0" encoding="UTF-8"?>
<mcptt-user-profile xmlns="urn:3gpp:mcptt:user-profile:1.0" xmlns:ext="urn:example:ext" XUI-URI="sip:alice@example.org" user-profile-index="1">
  <ProfileName>Alice</ProfileName>
  <Common index="c1">
    <MCPTTUserID><uri-entry>sip:alice@example.org</uri-entry></MCPTTUserID>
  </Common>
  <Common index="c2"><UserAlias/></Common>
  <OnNetwork index="o1">
    <MCPTTGroupInfo>
      <entry index="g1"><uri-entry>sip:group1@example.org</uri-entry></entry>
      <entry index="g2" entry-info="DedicatedGroup"><uri-entry>sip:group2@example.org</uri-entry></entry>
      <entry index="g3"><uri-entry>a &amp; b</uri-entry></entry>
    </MCPTTGroupInfo>
    <ext:thing ext:flag="yes" plain="p/q">caf&#xE9;</ext:thing>
  </OnNetwork>
  <OnNetwork index="o2"/>
</mcptt-user-profile>
)";

class xml_node_selector : public ::testing::Test {
protected:
    void SetUp() override {
        auto parsed = parse(sample);
        ASSERT_TRUE(parsed) << parsed.err().message;
        doc_.emplace(std::move(*parsed));
    }

    support::result<selection> run(std::string_view text, const std::map<std::string, std::string>& prefixes = {}) {
        auto selector = parse_node_selector(text, prefixes, up_ns);
        if (!selector) {
            return std::move(selector).err();
        }
        return select(*doc_, *selector);
    }

    std::string element(std::string_view text, const std::map<std::string, std::string>& prefixes = {}) {
        auto s = run(text, prefixes);
        if (!s) {
            return "error: " + s.err().message;
        }
        EXPECT_EQ(s->kind, selection_kind::element);
        return s->body;
    }

    std::optional<document> doc_;
};

TEST_F(xml_node_selector, when_selected_by_name_then_element_with_inherited_default_namespace) {
    EXPECT_EQ(element("mcptt-user-profile/ProfileName"),
              "<ProfileName xmlns=\"urn:3gpp:mcptt:user-profile:1.0\">Alice</ProfileName>");
}

TEST_F(xml_node_selector, when_selected_by_position_then_that_sibling) {
    EXPECT_EQ(element("mcptt-user-profile/Common[2]"),
              "<Common xmlns=\"urn:3gpp:mcptt:user-profile:1.0\" index=\"c2\"><UserAlias/></Common>");
}

TEST_F(xml_node_selector, when_selected_by_attribute_then_matching_element) {
    EXPECT_EQ(element("mcptt-user-profile/OnNetwork/MCPTTGroupInfo/entry[@index=\"g2\"]/uri-entry"),
              "<uri-entry xmlns=\"urn:3gpp:mcptt:user-profile:1.0\">sip:group2@example.org</uri-entry>");
    EXPECT_EQ(element("mcptt-user-profile/OnNetwork/MCPTTGroupInfo/entry[@index='g3']/uri-entry"),
              "<uri-entry xmlns=\"urn:3gpp:mcptt:user-profile:1.0\">a &amp; b</uri-entry>");
}

TEST_F(xml_node_selector, when_attribute_value_has_references_or_slash_then_decoded) {
    auto s = run("mcptt-user-profile/OnNetwork/ext:thing[@plain=\"p/q\"]/@plain", {{"ext", "urn:example:ext"}});
    ASSERT_TRUE(s) << s.err().message;
    EXPECT_EQ(s->body, "p/q");
    auto r = run("mcptt-user-profile/OnNetwork/MCPTTGroupInfo/entry[@index=\"&#x67;&#51;\"]/@index");
    ASSERT_TRUE(r) << r.err().message;
    EXPECT_EQ(r->body, "g3");
}

TEST_F(xml_node_selector, when_selected_by_position_and_attribute_then_both_must_hold) {
    auto both = run("mcptt-user-profile/OnNetwork[1][@index=\"o1\"]/MCPTTGroupInfo/entry[2][@index=\"g2\"]/@index");
    ASSERT_TRUE(both) << both.err().message;
    EXPECT_EQ(both->body, "g2");
    auto s = run("mcptt-user-profile/OnNetwork/MCPTTGroupInfo/entry[2][@index=\"g2\"]/@entry-info");
    ASSERT_TRUE(s) << s.err().message;
    EXPECT_EQ(s->kind, selection_kind::attribute);
    EXPECT_EQ(s->body, "DedicatedGroup");
    auto miss = run("mcptt-user-profile/OnNetwork/MCPTTGroupInfo/entry[2][@index=\"g1\"]");
    ASSERT_FALSE(miss);
    EXPECT_EQ(miss.err().code, errc::not_found);
}

TEST_F(xml_node_selector, when_wildcard_then_any_element_child_counts) {
    EXPECT_EQ(element("*/*[1]"), "<ProfileName xmlns=\"urn:3gpp:mcptt:user-profile:1.0\">Alice</ProfileName>");
    auto s = run("*/*[@index=\"o2\"]/@index");
    ASSERT_TRUE(s) << s.err().message;
    EXPECT_EQ(s->body, "o2");
}

TEST_F(xml_node_selector, when_prefixed_name_with_binding_then_namespace_declared_on_fragment) {
    const std::map<std::string, std::string> prefixes{{"up", up_ns}, {"x", "urn:example:ext"}};
    EXPECT_EQ(element("up:mcptt-user-profile/up:OnNetwork[@index=\"o1\"]/x:thing", prefixes),
              "<ext:thing xmlns:ext=\"urn:example:ext\" ext:flag=\"yes\" plain=\"p/q\">caf\xC3\xA9</ext:thing>");
}

TEST_F(xml_node_selector, when_prefix_bound_to_other_namespace_then_not_found) {
    auto s = run("x:mcptt-user-profile", {{"x", "urn:example:other"}});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.err().code, errc::not_found);
}

TEST_F(xml_node_selector, when_terminal_attribute_then_value_unescaped) {
    auto s = run("mcptt-user-profile/@XUI-URI");
    ASSERT_TRUE(s) << s.err().message;
    EXPECT_EQ(s->kind, selection_kind::attribute);
    EXPECT_EQ(s->body, "sip:alice@example.org");
}

TEST_F(xml_node_selector, when_terminal_attribute_missing_then_not_found) {
    auto s = run("mcptt-user-profile/@nope");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.err().code, errc::not_found);
}

TEST_F(xml_node_selector, when_namespace_selector_then_empty_element_with_in_scope_bindings) {
    auto s = run("mcptt-user-profile/OnNetwork[1]/namespace::*");
    ASSERT_TRUE(s) << s.err().message;
    EXPECT_EQ(s->kind, selection_kind::namespaces);
    EXPECT_EQ(s->body, "<OnNetwork xmlns=\"urn:3gpp:mcptt:user-profile:1.0\" xmlns:ext=\"urn:example:ext\"/>");
    auto thing = run("mcptt-user-profile/OnNetwork[1]/ext:thing/namespace::*", {{"ext", "urn:example:ext"}});
    ASSERT_TRUE(thing) << thing.err().message;
    EXPECT_EQ(thing->body, "<ext:thing xmlns=\"urn:3gpp:mcptt:user-profile:1.0\" xmlns:ext=\"urn:example:ext\"/>");
}

TEST_F(xml_node_selector, when_nothing_matches_then_not_found) {
    for (const char* text : {"other-root", "mcptt-user-profile/Missing", "mcptt-user-profile/Common[3]",
                             "mcptt-user-profile/Common[@index=\"c9\"]"}) {
        auto s = run(text);
        ASSERT_FALSE(s) << text;
        EXPECT_EQ(s.err().code, errc::not_found) << text;
    }
}

TEST_F(xml_node_selector, when_two_elements_match_then_not_found) {
    for (const char* text : {"mcptt-user-profile/Common", "mcptt-user-profile/OnNetwork", "*/*/*/entry"}) {
        auto s = run(text);
        ASSERT_FALSE(s) << text;
        EXPECT_EQ(s.err().code, errc::not_found) << text;
    }
}

TEST(xml_node_selector_parse, when_well_formed_then_steps_are_resolved) {
    auto s = parse_node_selector("a/p:b[2]/*[@x='1']/c[3][@y=\"&amp;\"]/@z", {{"p", "urn:p"}}, "urn:d");
    ASSERT_TRUE(s) << s.err().message;
    ASSERT_EQ(s->steps.size(), 4u);
    EXPECT_EQ(s->steps[0].namespace_uri, "urn:d");
    EXPECT_EQ(s->steps[0].local_name, "a");
    EXPECT_EQ(s->steps[1].namespace_uri, "urn:p");
    EXPECT_EQ(s->steps[1].position, 2u);
    EXPECT_TRUE(s->steps[2].any_name);
    EXPECT_EQ(s->steps[2].attribute_test, (std::pair<std::string, std::string>{"x", "1"}));
    EXPECT_EQ(s->steps[3].position, 3u);
    EXPECT_EQ(s->steps[3].attribute_test->second, "&");
    EXPECT_EQ(s->attribute, "z");
    EXPECT_FALSE(s->namespace_bindings);
}

TEST(xml_node_selector_parse, when_malformed_then_invalid_argument) {
    const std::map<std::string, std::string> prefixes{{"p", "urn:p"}};
    for (const char* text : {
             "",                  // empty
             "a/",                // empty trailing step
             "/a",                // empty leading step
             "a//b",              // empty step
             "a[1",               // unbalanced bracket
             "a[@x=\"1\"",        // unbalanced bracket
             "a1]",               // stray bracket
             "a[[1]]",            // nested bracket
             "a[@x=1]",           // unquoted value
             "a[@x=\"1']",        // mismatched quotes
             "a[@x='1]",          // unterminated quote
             "a[@x=\"<\"]",       // '<' in value
             "a[@x=\"&bogus;\"]", // unknown entity
             "a[0]",              // positions start at 1
             "a[99999999999]",    // overflow
             "a[@x=\"1\"][2]",    // attribute test before position
             "q:a",               // unknown prefix
             "a/@",               // attribute without name
             "a/@p:x",            // qualified attribute
             "a/@x/b",            // attribute not last
             "@x",                // no element step
             "namespace::*",      // no element step
             "a/namespace::*/b",  // namespace selector not last
             "a b",               // space
             "a:",                // prefix without local name
             "1a",                // bad name start
         }) {
        auto s = parse_node_selector(text, prefixes, "urn:d");
        ASSERT_FALSE(s) << "'" << text << "' parsed";
        EXPECT_EQ(s.err().code, errc::invalid_argument) << text;
    }
}

TEST(xml_node_selector_parse, when_too_many_steps_or_too_long_then_invalid_argument) {
    std::string steps = "a";
    for (int i = 1; i < 32; ++i) {
        steps += "/a";
    }
    EXPECT_TRUE(parse_node_selector(steps, {}, "urn:d"));
    auto s = parse_node_selector(steps + "/a", {}, "urn:d");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.err().code, errc::invalid_argument);
    auto with_attribute = parse_node_selector(steps + "/@x", {}, "urn:d");
    EXPECT_TRUE(with_attribute);
    auto long_text = parse_node_selector(std::string(5000, 'a'), {}, "urn:d");
    ASSERT_FALSE(long_text);
    EXPECT_EQ(long_text.err().code, errc::invalid_argument);
}

} // namespace
} // namespace mcprov::xml
