#include <gtest/gtest.h>

#include <string>

#include "mcprov/xml/document.hpp"

namespace mcprov::xml {
namespace {

using support::errc;

TEST(xml_parse, when_well_formed_then_root_name_and_namespace_are_reported) {
    auto doc = parse(R"(<?xml version="1.0" encoding="UTF-8"?><a:root xmlns:a="urn:test"><child/></a:root>)");
    ASSERT_TRUE(doc) << doc.err().message;
    EXPECT_EQ(doc->root_name(), "root");
    EXPECT_EQ(doc->root_namespace(), "urn:test");
    EXPECT_TRUE(doc->root());
}

TEST(xml_parse, when_no_namespace_then_root_namespace_is_empty) {
    auto doc = parse("<root/>");
    ASSERT_TRUE(doc) << doc.err().message;
    EXPECT_EQ(doc->root_name(), "root");
    EXPECT_EQ(doc->root_namespace(), "");
}

TEST(xml_parse, when_serialized_then_utf8_declaration_and_content_are_kept) {
    auto doc = parse("<r xmlns=\"urn:x\" a=\"1\"><c>caf\xC3\xA9 &amp; more</c></r>");
    ASSERT_TRUE(doc) << doc.err().message;
    const std::string out = doc->serialize();
    EXPECT_EQ(out.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u) << out;
    EXPECT_NE(out.find("<r xmlns=\"urn:x\" a=\"1\"><c>caf\xC3\xA9 &amp; more</c></r>"), std::string::npos) << out;
}

TEST(xml_parse, when_moved_then_the_source_is_empty) {
    auto doc = parse("<root/>");
    ASSERT_TRUE(doc);
    document moved = std::move(*doc);
    EXPECT_FALSE(doc->root());
    EXPECT_EQ(moved.root_name(), "root");
    auto other = parse("<other/>");
    ASSERT_TRUE(other);
    moved = std::move(*other);
    EXPECT_EQ(moved.root_name(), "other");
}

TEST(xml_parse, when_malformed_then_not_well_formed_with_line_number) {
    auto doc = parse("<root>\n  <a>\n  </b>\n</root>");
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.err().code, errc::not_well_formed);
    EXPECT_EQ(doc.err().message.rfind("line 3: ", 0), 0u) << doc.err().message;
    EXPECT_NE(doc.err().message.back(), '\n');
}

TEST(xml_parse, when_empty_then_not_well_formed) {
    auto doc = parse("");
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.err().code, errc::not_well_formed);
}

TEST(xml_parse, when_undeclared_entity_then_not_well_formed) {
    auto doc = parse("<root>&nope;</root>");
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.err().code, errc::not_well_formed);
}

TEST(xml_parse, when_doctype_present_then_refused) {
    auto doc = parse("<?xml version=\"1.0\"?>\n<!DOCTYPE root>\n<root/>");
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.err().code, errc::not_well_formed);
    EXPECT_EQ(doc.err().message, "line 2: DOCTYPE is not allowed");
}

TEST(xml_parse, when_billion_laughs_then_refused) {
    std::string text = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n";
    text += "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n";
    for (int i = 2; i <= 9; ++i) {
        const std::string prev = "&lol" + std::to_string(i - 1) + ";";
        text += "<!ENTITY lol" + std::to_string(i) + " \"";
        for (int j = 0; j < 10; ++j) {
            text += prev;
        }
        text += "\">\n";
    }
    text += "]>\n<lolz>&lol9;</lolz>";
    auto doc = parse(text);
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.err().code, errc::not_well_formed);
    EXPECT_NE(doc.err().message.find("DOCTYPE is not allowed"), std::string::npos) << doc.err().message;
}

TEST(xml_parse, when_external_entity_then_refused_and_file_never_read) {
    const std::string text = "<?xml version=\"1.0\"?>\n"
                             "<!DOCTYPE root [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
                             "<root>&xxe;</root>";
    auto doc = parse(text);
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.err().code, errc::not_well_formed);
    EXPECT_EQ(doc.err().message.find("root:"), std::string::npos) << doc.err().message;
}

TEST(xml_parse, when_external_dtd_then_refused) {
    auto doc = parse("<!DOCTYPE root SYSTEM \"file:///etc/passwd\"><root/>");
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.err().code, errc::not_well_formed);
    EXPECT_EQ(doc.err().message, "line 1: DOCTYPE is not allowed");
}

TEST(xml_parse, when_larger_than_max_bytes_then_too_large) {
    parse_limits limits;
    limits.max_bytes = 16;
    auto doc = parse("<root>0123456789</root>", limits);
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.err().code, errc::too_large);
}

TEST(xml_parse, when_exactly_max_bytes_then_accepted) {
    const std::string text = "<root>0123</root>";
    parse_limits limits;
    limits.max_bytes = text.size();
    EXPECT_TRUE(parse(text, limits));
}

std::string nested(unsigned depth) {
    std::string text;
    for (unsigned i = 0; i < depth; ++i) {
        text += "<e>";
    }
    for (unsigned i = 0; i < depth; ++i) {
        text += "</e>";
    }
    return text;
}

TEST(xml_parse, when_deeper_than_max_depth_then_too_large) {
    parse_limits limits;
    limits.max_depth = 5;
    EXPECT_TRUE(parse(nested(5), limits));
    auto doc = parse(nested(6), limits);
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.err().code, errc::too_large);
    EXPECT_NE(doc.err().message.find("nesting deeper than 5"), std::string::npos) << doc.err().message;
}

TEST(xml_parse, when_extremely_deep_then_too_large_without_recursion) {
    parse_limits limits;
    limits.max_bytes = 10 * 1024 * 1024;
    limits.max_depth = 100000;
    auto doc = parse(nested(200000), limits);
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.err().code, errc::too_large);
}

TEST(xml_parse, when_deep_siblings_then_depth_counts_the_deepest_branch) {
    parse_limits limits;
    limits.max_depth = 3;
    EXPECT_TRUE(parse("<a><b><c/></b><b><c/><c/></b><!-- x --><b/></a>", limits));
    auto doc = parse("<a><b><c/></b><b><c><d/></c></b></a>", limits);
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.err().code, errc::too_large);
}

TEST(xml_parse, when_non_utf8_encoding_declared_then_refused) {
    auto doc = parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<root>caf\xE9</root>");
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.err().code, errc::not_well_formed);
    auto doc2 = parse("<?xml version='1.0' encoding = 'windows-1252' ?><root/>");
    ASSERT_FALSE(doc2);
    EXPECT_EQ(doc2.err().code, errc::not_well_formed);
}

TEST(xml_parse, when_utf8_declared_in_any_case_then_accepted) {
    EXPECT_TRUE(parse("<?xml version=\"1.0\" encoding=\"utf-8\"?><root/>"));
    EXPECT_TRUE(parse("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?><root/>"));
}

TEST(xml_parse, when_utf16_then_refused) {
    const std::string text("\xFF\xFE<\0r\0/\0>\0", 10);
    auto doc = parse(text);
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.err().code, errc::not_well_formed);
}

TEST(xml_parse, when_invalid_utf8_bytes_then_refused) {
    auto doc = parse("<root>\xC3\x28</root>");
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.err().code, errc::not_well_formed);
}

} // namespace
} // namespace mcprov::xml
