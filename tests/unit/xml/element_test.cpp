#include <gtest/gtest.h>

#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "mcprov/xml/document.hpp"

namespace mcprov::xml {
namespace {

using support::errc;

constexpr std::string_view ns_a = "urn:a";
constexpr std::string_view ns_b = "urn:b";

document parsed(std::string_view text) {
    auto doc = parse(text);
    EXPECT_TRUE(doc) << doc.err().message;
    return std::move(doc).value();
}

std::vector<std::string> names(element_range range) {
    std::vector<std::string> out;
    for (element e : range) {
        out.emplace_back(e.local_name());
    }
    return out;
}

constexpr std::string_view sample = R"(<?xml version="1.0" encoding="UTF-8"?>
<a:root xmlns:a="urn:a" xmlns:b="urn:b" plain="1" b:qualified="2">
  <!-- a comment -->
  <a:first>one</a:first>
  text between
  <b:first>two</b:first>
  <a:first>three<![CDATA[ & four]]><a:inner>five</a:inner></a:first>
  <?pi data?>
  <none xmlns="">six</none>
</a:root>)";

TEST(xml_element, when_root_is_read_then_name_namespace_and_line_are_reported) {
    auto doc = parsed(sample);
    element root = doc.root();
    ASSERT_TRUE(root);
    EXPECT_EQ(root.local_name(), "root");
    EXPECT_EQ(root.namespace_uri(), ns_a);
    EXPECT_TRUE(root.is(ns_a, "root"));
    EXPECT_FALSE(root.is(ns_b, "root"));
    EXPECT_EQ(root.line(), 2u);
    EXPECT_FALSE(root.parent());
}

TEST(xml_element, when_children_are_iterated_then_only_elements_come_in_document_order) {
    auto doc = parsed(sample);
    element root = doc.root();
    EXPECT_EQ(names(root.children()), (std::vector<std::string>{"first", "first", "first", "none"}));
    EXPECT_EQ(root.child_count(), 4u);
    EXPECT_EQ(root.child_count(ns_a, "first"), 2u);
    EXPECT_EQ(root.child_count(ns_b, "first"), 1u);
    EXPECT_EQ(root.child_count("", "none"), 1u);
    std::vector<std::string> texts;
    for (element e : root.children(ns_a, "first")) {
        texts.push_back(e.text());
        EXPECT_EQ(e.parent(), root);
    }
    EXPECT_EQ(texts, (std::vector<std::string>{"one", "three & fourfive"}));
    EXPECT_TRUE(root.children(ns_b, "absent").empty());
    EXPECT_EQ(root.children().to_vector().size(), 4u);
}

TEST(xml_element, when_first_child_is_looked_up_then_namespace_and_name_both_count) {
    auto doc = parsed(sample);
    element root = doc.root();
    EXPECT_EQ(root.first_child(ns_b, "first").text(), "two");
    EXPECT_EQ(root.first_child(ns_a, "first").text(), "one");
    EXPECT_EQ(root.first_child().text(), "one");
    EXPECT_EQ(root.first_child("", "none").text(), "six");
    EXPECT_FALSE(root.first_child("urn:other", "first"));
    EXPECT_FALSE(root.first_child(ns_a, "inner")) << "children, not descendants";
    EXPECT_EQ(root.first_child(ns_a, "first").next_sibling(ns_a, "first").line(), 7u);
    EXPECT_EQ(root.first_child(ns_a, "first").next_sibling().namespace_uri(), ns_b);
}

TEST(xml_element, when_text_is_read_then_descendants_own_text_and_trimming_are_distinguished) {
    auto doc = parsed("<r> <x>  a <y>b</y> c  </x></r>");
    element x = doc.root().first_child("", "x");
    EXPECT_EQ(x.text(), "  a b c  ");
    EXPECT_EQ(x.trimmed_text(), "a b c");
    EXPECT_EQ(x.own_text(), "  a  c  ");
    EXPECT_EQ(doc.root().first_child("", "absent").text(), "");
}

TEST(xml_element, when_text_exceeds_the_bound_then_too_large) {
    auto doc = parsed("<r><x>0123456789</x><y>ab<z>cd</z></y></r>");
    element x = doc.root().first_child("", "x");
    auto within = x.text(10);
    ASSERT_TRUE(within);
    EXPECT_EQ(*within, "0123456789");
    auto beyond = x.text(9);
    ASSERT_FALSE(beyond);
    EXPECT_EQ(beyond.err().code, errc::too_large);
    EXPECT_EQ(beyond.err().message.rfind("line 1: ", 0), 0u) << beyond.err().message;
    EXPECT_FALSE(doc.root().first_child("", "y").text(3));
    EXPECT_TRUE(doc.root().first_child("", "y").text(4));
}

TEST(xml_element, when_attributes_are_read_then_namespace_decides_and_declarations_are_not_attributes) {
    auto doc = parsed(sample);
    element root = doc.root();
    EXPECT_EQ(root.attribute("plain"), "1");
    EXPECT_EQ(root.attribute("", "plain"), "1");
    EXPECT_EQ(root.attribute("qualified"), std::nullopt);
    EXPECT_EQ(root.attribute(ns_b, "qualified"), "2");
    EXPECT_EQ(root.attribute(ns_a, "qualified"), std::nullopt);
    const auto all = root.attributes();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].namespace_uri, "");
    EXPECT_EQ(all[0].local_name, "plain");
    EXPECT_EQ(all[1].namespace_uri, ns_b);
    EXPECT_EQ(all[1].value, "2");
}

TEST(xml_element, when_attribute_holds_references_then_the_value_is_decoded) {
    auto doc = parsed(R"(<r v="a &amp; b &lt;c&gt; &quot;d&quot; &#x9;e&#10;"/>)");
    EXPECT_EQ(doc.root().attribute("v"), "a & b <c> \"d\" \te\n");
}

TEST(xml_element, when_prefix_is_looked_up_then_the_binding_in_scope_is_returned) {
    auto doc = parsed(sample);
    element none = doc.root().first_child("", "none");
    EXPECT_EQ(none.namespace_for_prefix("b"), ns_b);
    EXPECT_EQ(none.namespace_for_prefix(""), std::nullopt) << "xmlns=\"\" undeclares";
    EXPECT_EQ(none.namespace_for_prefix("c"), std::nullopt);
    EXPECT_EQ(none.namespace_for_prefix("xml"), "http://www.w3.org/XML/1998/namespace");
    auto with_default = parsed(R"(<r xmlns="urn:d"><s/></r>)");
    EXPECT_EQ(with_default.root().first_child().namespace_for_prefix(""), "urn:d");
}

TEST(xml_element, when_handle_is_empty_then_every_answer_is_empty) {
    element e;
    EXPECT_FALSE(e);
    EXPECT_EQ(e.local_name(), "");
    EXPECT_EQ(e.text(), "");
    EXPECT_EQ(e.attribute("x"), std::nullopt);
    EXPECT_FALSE(e.first_child());
    EXPECT_TRUE(e.children().empty());
    EXPECT_EQ(e.child_count(), 0u);
    EXPECT_EQ(e.line(), 0u);
}

TEST(xml_element, when_elements_are_compared_then_identity_counts) {
    auto doc = parsed("<r><a/><a/></r>");
    auto all = doc.root().children().to_vector();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_NE(all[0], all[1]);
    EXPECT_EQ(all[0], doc.root().first_child());
    std::set<element> set(all.begin(), all.end());
    set.insert(doc.root().first_child());
    EXPECT_EQ(set.size(), 2u);
}

// ---------------------------------------------------------------------------------------------------------------
// Changing a document.

TEST(xml_document_edit, when_element_is_removed_then_the_blank_text_after_it_goes_too) {
    auto doc = parsed("<r>\n  <a/>\n  <b/>\n</r>");
    ASSERT_TRUE(doc.remove(doc.root().first_child("", "a")));
    EXPECT_NE(doc.serialize().find("<r>\n  <b/>\n</r>"), std::string::npos) << doc.serialize();
}

TEST(xml_document_edit, when_root_or_a_foreign_element_is_removed_then_invalid_argument) {
    auto doc = parsed("<r><a/></r>");
    auto other = parsed("<r><a/></r>");
    auto root = doc.remove(doc.root());
    ASSERT_FALSE(root);
    EXPECT_EQ(root.err().code, errc::invalid_argument);
    EXPECT_FALSE(doc.remove(other.root().first_child()));
    EXPECT_FALSE(doc.remove(element{}));
    EXPECT_TRUE(other.root().first_child()) << "nothing changed";
}

TEST(xml_document_edit, when_element_is_appended_in_the_parents_namespace_then_it_keeps_the_prefix) {
    auto doc = parsed(R"(<p:r xmlns:p="urn:a"/>)");
    auto added = doc.append_element(doc.root(), ns_a, "child", "text & <more>");
    ASSERT_TRUE(added) << added.err().message;
    EXPECT_TRUE(added->is(ns_a, "child"));
    EXPECT_EQ(added->parent(), doc.root());
    EXPECT_NE(doc.serialize().find(R"(<p:r xmlns:p="urn:a"><p:child>text &amp; &lt;more&gt;</p:child></p:r>)"),
              std::string::npos)
        << doc.serialize();
}

TEST(xml_document_edit, when_element_is_appended_in_a_new_namespace_then_it_declares_it) {
    auto doc = parsed(R"(<r xmlns="urn:a"/>)");
    ASSERT_TRUE(doc.append_element(doc.root(), ns_b, "prefixed", {}, "mt"));
    ASSERT_TRUE(doc.append_element(doc.root(), ns_b, "defaulted"));
    ASSERT_TRUE(doc.append_element(doc.root(), "", "plain"));
    const auto out = doc.serialize();
    EXPECT_NE(out.find(R"(<mt:prefixed xmlns:mt="urn:b"/>)"), std::string::npos) << out;
    EXPECT_NE(out.find(R"(<defaulted xmlns="urn:b"/>)"), std::string::npos) << out;
    EXPECT_NE(out.find(R"(<plain xmlns=""/>)"), std::string::npos) << out;
    auto again = parsed(out);
    EXPECT_EQ(again.root().child_count(ns_b, "prefixed"), 1u);
    EXPECT_EQ(again.root().child_count(ns_b, "defaulted"), 1u);
    EXPECT_EQ(again.root().child_count("", "plain"), 1u);
}

TEST(xml_document_edit, when_binding_is_in_scope_then_no_new_declaration_is_made) {
    auto doc = parsed(R"(<r xmlns="urn:a" xmlns:b="urn:b"><c/></r>)");
    auto c = doc.root().first_child();
    auto nested = doc.append_element(c, ns_b, "x");
    ASSERT_TRUE(nested);
    ASSERT_TRUE(doc.append_element(*nested, ns_b, "y", "z"));
    EXPECT_NE(doc.serialize().find("<c><b:x><b:y>z</b:y></b:x></c>"), std::string::npos) << doc.serialize();
}

TEST(xml_element, when_elements_are_kept_in_a_hashed_set_then_each_is_there_once) {
    const auto doc = parsed(sample);
    std::unordered_set<element> seen;
    for (element child : doc.root().children()) {
        EXPECT_TRUE(seen.insert(child).second) << child.local_name();
    }
    EXPECT_EQ(seen.size(), 4u);
    for (element child : doc.root().children()) {
        EXPECT_FALSE(seen.insert(child).second) << child.local_name();
        EXPECT_TRUE(seen.contains(child));
    }
    EXPECT_FALSE(seen.contains(doc.root()));
    EXPECT_FALSE(seen.contains(element{}));
}

TEST(xml_document_edit, when_element_is_inserted_before_a_sibling_then_it_stands_there) {
    auto doc = parsed("<r><a/><c/></r>");
    ASSERT_TRUE(doc.insert_element_before(doc.root().first_child("", "c"), "", "b", "2"));
    EXPECT_EQ(names(doc.root().children()), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_FALSE(doc.insert_element_before(doc.root(), "", "x")) << "nothing beside the root";
}

TEST(xml_document_edit, when_attribute_is_set_then_hostile_values_survive_the_round_trip) {
    auto doc = parsed(R"(<r a="old"/>)");
    const std::string hostile = "\"<&>' ]]> \t\r\n end";
    ASSERT_TRUE(doc.set_attribute(doc.root(), "a", hostile));
    ASSERT_TRUE(doc.set_attribute(doc.root(), "b", "new"));
    auto again = parsed(doc.serialize());
    EXPECT_EQ(again.root().attribute("a"), hostile) << doc.serialize();
    EXPECT_EQ(again.root().attribute("b"), "new");
    ASSERT_TRUE(doc.remove_attribute(doc.root(), "b"));
    ASSERT_TRUE(doc.remove_attribute(doc.root(), "never-there"));
    EXPECT_EQ(doc.root().attribute("b"), std::nullopt);
}

TEST(xml_element, when_prefix_is_read_then_the_names_own_prefix_comes_back) {
    auto doc = parsed(sample);
    EXPECT_EQ(doc.root().prefix(), "a");
    EXPECT_EQ(doc.root().first_child("", "none").prefix(), "");
    auto with_default = parsed(R"(<r xmlns="urn:d"/>)");
    EXPECT_EQ(with_default.root().prefix(), "");
    EXPECT_EQ(element{}.prefix(), "");
}

constexpr std::string_view xsi = "http://www.w3.org/2001/XMLSchema-instance";

TEST(xml_document_edit, when_namespaced_attribute_is_set_without_a_binding_then_the_element_declares_one) {
    auto doc = parsed(R"(<r xmlns="urn:a"><k>00</k></r>)");
    element k = doc.root().first_child();
    ASSERT_TRUE(doc.set_attribute_in(k, xsi, "type", "KeyContentType", "xsi"));
    EXPECT_EQ(k.attribute(xsi, "type"), "KeyContentType");
    EXPECT_NE(
        doc.serialize().find(R"(<k xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="KeyContentType">)"),
        std::string::npos)
        << doc.serialize();
    auto again = parsed(doc.serialize());
    EXPECT_EQ(again.root().first_child().attribute(xsi, "type"), "KeyContentType");
}

TEST(xml_document_edit, when_namespaced_attribute_is_set_with_a_binding_in_scope_then_it_is_used_or_replaced) {
    auto doc = parsed(R"(<r xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><k i:type="old"/></r>)");
    element k = doc.root().first_child();
    ASSERT_TRUE(doc.set_attribute_in(k, xsi, "type", "new", "xsi"));
    EXPECT_EQ(k.attribute(xsi, "type"), "new");
    EXPECT_NE(doc.serialize().find(R"(<k i:type="new"/>)"), std::string::npos) << doc.serialize();
}

TEST(xml_document_edit, when_the_prefix_is_bound_elsewhere_or_the_namespace_is_only_default_then_a_free_one_is_taken) {
    // "xsi" is bound to another namespace, "xsi1" too; the namespace itself is only the default one, which an
    // attribute cannot use.
    auto doc = parsed(R"(<xsi:r xmlns:xsi="urn:a" xmlns:xsi1="urn:b">)"
                      R"(<k xmlns="http://www.w3.org/2001/XMLSchema-instance"/></xsi:r>)");
    element k = doc.root().first_child();
    ASSERT_TRUE(doc.set_attribute_in(k, xsi, "type", "T", "xsi"));
    EXPECT_NE(doc.serialize().find(R"(xmlns:xsi2="http://www.w3.org/2001/XMLSchema-instance" xsi2:type="T")"),
              std::string::npos)
        << doc.serialize();
    auto again = parsed(doc.serialize());
    EXPECT_EQ(again.root().first_child().attribute(xsi, "type"), "T");
    EXPECT_EQ(again.root().namespace_uri(), ns_a) << "the element's own binding is untouched";
}

TEST(xml_document_edit, when_namespaced_attribute_is_invalid_then_invalid_argument_and_nothing_changes) {
    auto doc = parsed("<r/>");
    const std::string before = doc.serialize();
    EXPECT_FALSE(doc.set_attribute_in(doc.root(), "", "type", "v", "p")) << "no namespace";
    EXPECT_FALSE(doc.set_attribute_in(doc.root(), xsi, "a:b", "v", "p"));
    EXPECT_FALSE(doc.set_attribute_in(doc.root(), xsi, "type", "v", ""));
    EXPECT_FALSE(doc.set_attribute_in(doc.root(), xsi, "type", "v", "xmlns"));
    EXPECT_FALSE(doc.set_attribute_in(doc.root(), xsi, "type", "\x01", "xsi"));
    EXPECT_FALSE(doc.set_attribute_in(element{}, xsi, "type", "v", "xsi"));
    EXPECT_EQ(doc.serialize(), before);
}

TEST(xml_document_edit, when_text_is_set_then_the_content_is_replaced_and_escaped) {
    auto doc = parsed("<r><x>a<y/>b</x></r>");
    element x = doc.root().first_child();
    ASSERT_TRUE(doc.set_text(x, "1 < 2 && ]]> \r"));
    EXPECT_EQ(x.child_count(), 0u);
    auto again = parsed(doc.serialize());
    EXPECT_EQ(again.root().first_child().text(), "1 < 2 && ]]> \r") << doc.serialize();
    ASSERT_TRUE(doc.set_text(x, ""));
    EXPECT_EQ(x.text(), "");
}

TEST(xml_document_edit, when_names_or_text_are_invalid_then_invalid_argument_and_nothing_changes) {
    auto doc = parsed("<r/>");
    const std::string before = doc.serialize();
    for (std::string_view bad_name : {"", "1x", "a:b", "a b", "-x", "x\xff"}) {
        auto r = doc.append_element(doc.root(), "", bad_name);
        ASSERT_FALSE(r) << bad_name;
        EXPECT_EQ(r.err().code, errc::invalid_argument);
        EXPECT_FALSE(doc.set_attribute(doc.root(), bad_name, "v")) << bad_name;
    }
    for (std::string_view bad_text :
         {std::string_view("a\0b", 3), std::string_view("\x01"), std::string_view("\x1b[0m"), std::string_view("\xc3"),
          std::string_view("\xed\xa0\x80"), std::string_view("\xef\xbf\xbf")}) {
        EXPECT_FALSE(doc.append_element(doc.root(), "", "x", bad_text));
        EXPECT_FALSE(doc.set_attribute(doc.root(), "x", bad_text));
        EXPECT_FALSE(doc.set_text(doc.root(), bad_text));
    }
    EXPECT_FALSE(doc.append_element(doc.root(), "", "x", {}, "p")) << "a prefix needs a namespace";
    EXPECT_FALSE(doc.append_element(doc.root(), "urn:x", "x", {}, "xmlns"));
    EXPECT_EQ(doc.serialize(), before);
}

TEST(xml_document_edit, when_unicode_names_and_text_are_used_then_they_are_accepted) {
    auto doc = parsed("<r/>");
    ASSERT_TRUE(doc.append_element(doc.root(), "", "\xC3\xA9l\xC3\xA9ment", "caf\xC3\xA9 \xF0\x9F\x9A\x92"));
    auto again = parsed(doc.serialize());
    EXPECT_EQ(again.root().first_child().local_name(), "\xC3\xA9l\xC3\xA9ment");
    EXPECT_EQ(again.root().first_child().text(), "caf\xC3\xA9 \xF0\x9F\x9A\x92");
}

} // namespace
} // namespace mcprov::xml
