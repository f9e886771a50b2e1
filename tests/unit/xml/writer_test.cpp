#include <gtest/gtest.h>

#include <string>

#include "mcprov/xml/document.hpp"
#include "mcprov/xml/writer.hpp"

namespace mcprov::xml {
namespace {

using support::errc;

constexpr std::string_view declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

std::string written(writer& w) {
    auto out = w.finish();
    EXPECT_TRUE(out) << out.err().message;
    return out ? *out : std::string{};
}

void expect_refused(writer& w, std::string_view why) {
    auto out = w.finish();
    ASSERT_FALSE(out) << *out;
    EXPECT_EQ(out.err().code, errc::invalid_argument);
    EXPECT_NE(out.err().message.find(why), std::string::npos) << out.err().message;
}

TEST(xml_writer, when_a_document_is_written_then_it_has_a_declaration_and_namespaces_where_needed) {
    writer w;
    w.start_in("urn:a", "root").declare_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance");
    w.attribute("version", "1").attribute_in("http://www.w3.org/2001/XMLSchema-instance", "type", "t");
    w.leaf("child", "text").start("empty").end();
    w.start_in("urn:b", "other", "b").leaf("inner", "x").end();
    w.start_in("", "plain").end();
    w.end();
    EXPECT_EQ(written(w),
              std::string(declaration) +
                  R"(<root xmlns="urn:a" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="1")"
                  R"( xsi:type="t"><child>text</child><empty/><b:other xmlns:b="urn:b"><b:inner>x</b:inner>)"
                  R"(</b:other><plain xmlns=""/></root>)"
                  "\n");
}

TEST(xml_writer, when_hostile_text_is_written_then_it_reads_back_unchanged) {
    const std::string hostile =
        "<script>&amp; \"quoted\" 'single' ]]> ]]]]><![CDATA[x]]> \t\r\n\r caf\xC3\xA9 \xF0\x9F\x9A\x92";
    writer w;
    w.start_in("urn:a", "r").attribute("a", hostile).text(hostile).leaf("c", hostile).end();
    const auto out = written(w);
    EXPECT_EQ(out.find("<script>"), std::string::npos) << out;
    EXPECT_EQ(out.find("]]>"), std::string::npos) << out;
    auto doc = parse(out);
    ASSERT_TRUE(doc) << doc.err().message << "\n" << out;
    EXPECT_EQ(doc->root().attribute("a"), hostile);
    EXPECT_EQ(doc->root().own_text(), hostile);
    EXPECT_EQ(doc->root().first_child("urn:a", "c").text(), hostile);
}

TEST(xml_writer, when_text_holds_control_characters_or_bytes_that_are_not_utf8_then_refused) {
    for (std::string_view bad :
         {std::string_view("a\0b", 3), std::string_view("\x01"), std::string_view("\x08"), std::string_view("\x0b"),
          std::string_view("\x0c"), std::string_view("\x1f"), std::string_view("\x7f\x80"), std::string_view("\xff"),
          std::string_view("\xc3"), std::string_view("\xc0\xaf"), std::string_view("\xed\xa0\x80"),
          std::string_view("\xef\xbf\xbe"), std::string_view("\xf4\x90\x80\x80")}) {
        writer in_text;
        in_text.start("r").text(bad).end();
        expect_refused(in_text, "text in r");
        writer in_attribute;
        in_attribute.start("r").attribute("a", bad).end();
        expect_refused(in_attribute, "attribute a");
    }
    writer del; // U+007F is a Char in XML 1.0
    del.start("r").text("\x7f").end();
    EXPECT_TRUE(del.finish());
}

TEST(xml_writer, when_names_are_not_ncnames_then_refused) {
    for (std::string_view bad : {"", "a:b", "1a", "-a", ".a", "a b", "a>", "a\"", "\xff"}) {
        writer element_name;
        element_name.start(bad).end();
        expect_refused(element_name, "name");
        writer attribute_name;
        attribute_name.start("r").attribute(bad, "v").end();
        expect_refused(attribute_name, "name");
        writer prefix;
        prefix.start_in("urn:x", "r", bad).end();
        if (!bad.empty()) {
            expect_refused(prefix, "prefix");
        }
    }
}

TEST(xml_writer, when_the_structure_is_wrong_then_finish_says_what) {
    writer open;
    open.start("r").start("c");
    expect_refused(open, "2 element(s) not ended, innermost c");
    writer two_roots;
    two_roots.start("a").end().start("b").end();
    expect_refused(two_roots, "one root element");
    writer nothing;
    expect_refused(nothing, "no root element");
    writer stray_end;
    stray_end.end();
    expect_refused(stray_end, "end without");
    writer late_attribute;
    late_attribute.start("r").text("x").attribute("a", "v").end();
    expect_refused(late_attribute, "attribute only right after start");
    writer twice;
    twice.start("r").attribute("a", "1").attribute("a", "2").end();
    expect_refused(twice, "given twice");
    writer undeclared;
    undeclared.start("r").attribute_in("urn:x", "a", "v").end();
    expect_refused(undeclared, "no prefix is declared");
    writer rebinding_own_prefix;
    rebinding_own_prefix.start_in("urn:a", "r", "p").start("c").declare_namespace("p", "urn:b").end().end();
    expect_refused(rebinding_own_prefix, "the element's own namespace");
    writer reserved;
    reserved.start("r").declare_namespace("xmlns", "urn:x").end();
    expect_refused(reserved, "cannot be declared");
}

TEST(xml_writer, when_first_mistake_is_made_then_it_is_the_one_reported) {
    writer w;
    w.start("r").text("\x01").start("bad name").end().end();
    expect_refused(w, "text in r");
}

TEST(xml_writer, when_xml_namespace_attribute_is_written_then_the_xml_prefix_is_used) {
    writer w;
    w.start("r").attribute_in("http://www.w3.org/XML/1998/namespace", "lang", "en").end();
    EXPECT_EQ(written(w), std::string(declaration) + "<r xml:lang=\"en\"/>\n");
}

TEST(xml_writer, when_prefix_is_shadowed_then_the_attribute_uses_a_binding_still_in_scope) {
    writer w;
    w.start("r").declare_namespace("p", "urn:one").declare_namespace("q", "urn:one");
    w.start("c").declare_namespace("p", "urn:two").attribute_in("urn:one", "a", "v").end().end();
    const auto out = written(w);
    EXPECT_NE(out.find(R"(<c xmlns:p="urn:two" q:a="v"/>)"), std::string::npos) << out;
    auto doc = parse(out);
    ASSERT_TRUE(doc);
    EXPECT_EQ(doc->root().first_child().attribute("urn:one", "a"), "v");
}

TEST(xml_writer, when_indenting_then_element_only_content_is_laid_out_and_text_is_untouched) {
    writer w({.indent = true});
    w.start_in("urn:a", "r").start("list").leaf("item", " one ").leaf("item", "two").end().start("mixed").text("a");
    w.leaf("b", "c").end().end();
    EXPECT_EQ(written(w), std::string(declaration) + "<r xmlns=\"urn:a\">\n"
                                                     "  <list>\n"
                                                     "    <item> one </item>\n"
                                                     "    <item>two</item>\n"
                                                     "  </list>\n"
                                                     "  <mixed>a<b>c</b></mixed>\n"
                                                     "</r>\n");
}

TEST(xml_writer, when_text_is_escaped_as_attributes_then_quotes_and_white_space_are_references_and_read_back) {
    const std::string value = "a<b>&\"c\" 'd'\n\te\r";
    writer w({.escape_text_as_attribute = true});
    w.start("r").attribute("a", value).text(value).leaf("c", value).end();
    const auto out = written(w);
    EXPECT_EQ(out, std::string(declaration) +
                       "<r a=\"a&lt;b&gt;&amp;&quot;c&quot; 'd'&#10;&#9;e&#13;\">a&lt;b&gt;&amp;&quot;c&quot; "
                       "'d'&#10;&#9;e&#13;<c>a&lt;b&gt;&amp;&quot;c&quot; 'd'&#10;&#9;e&#13;</c></r>\n");
    auto doc = parse(out);
    ASSERT_TRUE(doc) << doc.err().message;
    EXPECT_EQ(doc->root().attribute("a"), value);
    EXPECT_EQ(doc->root().own_text(), value);
    EXPECT_EQ(doc->root().first_child().text(), value);

    writer plain;
    plain.start("r").text(value).end();
    EXPECT_EQ(written(plain), std::string(declaration) + "<r>a&lt;b&gt;&amp;\"c\" 'd'\n\te&#13;</r>\n");
}

TEST(xml_writer, when_an_element_is_given_empty_text_then_it_is_written_with_an_end_tag) {
    writer w({.indent = true});
    w.start("r").start("a").text("").end().leaf("b", "").start("c").end().end();
    EXPECT_EQ(written(w), std::string(declaration) + "<r>\n"
                                                     "  <a></a>\n"
                                                     "  <b/>\n"
                                                     "  <c/>\n"
                                                     "</r>\n");
}

TEST(xml_writer, when_white_space_is_written_then_it_stands_as_given_and_indentation_still_applies) {
    writer w({.indent = true, .escape_text_as_attribute = true});
    w.start("r").start("empty").white_space("\n  ").end().start("list").white_space(" \t").leaf("item", "x").end();
    w.end();
    EXPECT_EQ(written(w), std::string(declaration) + "<r>\n"
                                                     "  <empty>\n"
                                                     "  </empty>\n"
                                                     "  <list> \t\n"
                                                     "    <item>x</item>\n"
                                                     "  </list>\n"
                                                     "</r>\n");
}

TEST(xml_writer, when_white_space_holds_another_character_or_stands_outside_the_root_then_refused) {
    writer other;
    other.start("r").white_space(" x ").end();
    expect_refused(other, "white space in r holds another character");
    writer carriage_return;
    carriage_return.start("r").white_space("\r\n").end();
    expect_refused(carriage_return, "another character");
    writer outside;
    outside.white_space("\n").start("r").end();
    expect_refused(outside, "white space outside the root element");
    writer too_large({.max_bytes = 60});
    too_large.start("r").white_space(std::string(100, ' ')).end();
    auto out = too_large.finish();
    ASSERT_FALSE(out);
    EXPECT_EQ(out.err().code, errc::too_large);
}

TEST(xml_writer, when_text_is_checked_alone_then_the_answer_is_what_the_writer_would_accept) {
    for (std::string_view good : {std::string_view(""), std::string_view("plain \t\r\n"),
                                  std::string_view("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x92 \xEF\xBF\xBD")}) {
        EXPECT_TRUE(is_xml_text(good)) << good;
        writer w;
        w.start("r").attribute("a", good).text(good).end();
        EXPECT_TRUE(w.finish()) << good;
    }
    for (std::string_view bad :
         {std::string_view("\x01"), std::string_view("a\0b", 3), std::string_view("\xC3\x28"),
          std::string_view("\xC0\xAF"), std::string_view("\xED\xA0\x80"), std::string_view("\xEF\xBF\xBE"),
          std::string_view("\xF4\x90\x80\x80"), std::string_view("\xE2\x82")}) {
        EXPECT_FALSE(is_xml_text(bad));
        writer w;
        w.start("r").text(bad).end();
        EXPECT_FALSE(w.finish());
    }
}

TEST(xml_writer, when_the_document_outgrows_the_limit_then_too_large) {
    writer w({.max_bytes = 100});
    w.start("r").text(std::string(200, 'x')).end();
    auto out = w.finish();
    ASSERT_FALSE(out);
    EXPECT_EQ(out.err().code, errc::too_large);
    writer small({.max_bytes = 100});
    small.start("r").text("x").end();
    EXPECT_TRUE(small.finish());
}

} // namespace
} // namespace mcprov::xml
