#include <gtest/gtest.h>

#include "mcprov/xcap/xcap_uri.hpp"

namespace mcprov::xcap {
namespace {

using support::errc;

TEST(xcap_uri, when_document_uri_then_parts_are_decoded) {
    auto uri = parse_xcap_uri("/xcap/org.3gpp.mcptt.user-profile/users/sip%3Aalice%40example.org/"
                              "mcptt-user-profile-1.xml",
                              "/xcap");
    ASSERT_TRUE(uri) << uri.err().message;
    EXPECT_EQ(uri->auid, "org.3gpp.mcptt.user-profile");
    EXPECT_EQ(uri->xui, "sip:alice@example.org");
    EXPECT_EQ(uri->document, "mcptt-user-profile-1.xml");
    EXPECT_FALSE(uri->node_selector);
}

TEST(xcap_uri, when_node_selector_and_xmlns_query_then_both_are_returned) {
    auto uri =
        parse_xcap_uri("/xcap/a/users/sip:u@h/d.xml/~~/p:root/p:child%5B2%5D?xmlns(p=urn:x:y)xmlns(q=urn:z)", "/xcap");
    ASSERT_TRUE(uri) << uri.err().message;
    EXPECT_EQ(uri->node_selector, "p:root/p:child[2]");
    EXPECT_EQ(uri->namespace_bindings.at("p"), "urn:x:y");
    EXPECT_EQ(uri->namespace_bindings.at("q"), "urn:z");
}

TEST(xcap_uri, when_outside_root_or_global_tree_then_not_found) {
    EXPECT_EQ(parse_xcap_uri("/other/a/users/u/d", "/xcap").err().code, errc::not_found);
    EXPECT_EQ(parse_xcap_uri("/xcapx/a/users/u/d", "/xcap").err().code, errc::not_found);
    EXPECT_EQ(parse_xcap_uri("/xcap/a/global/index", "/xcap").err().code, errc::not_found);
    EXPECT_EQ(parse_xcap_uri("/xcap/a/users/u", "/xcap").err().code, errc::not_found);
    EXPECT_EQ(parse_xcap_uri("/xcap/a/users/u/d/extra", "/xcap").err().code, errc::not_found);
}

TEST(xcap_uri, when_segments_are_malformed_then_invalid_argument) {
    for (const char* bad : {"/xcap/a/users/%zz/d", "/xcap/a/users/%00/d", "/xcap/a/users//d", "/xcap/a/users/u/..",
                            "/xcap/a/users/u%2Fv/d", "/xcap/a/users/u/d?xmlns(p=urn:x)",
                            "/xcap/a/users/u/d/~~/x?xmlns(p)", "/xcap/a/users/u/d/~~/x?foo", "/xcap/a/users/u/d/~~/"}) {
        auto uri = parse_xcap_uri(bad, "/xcap");
        ASSERT_FALSE(uri) << bad;
        EXPECT_EQ(uri.err().code, errc::invalid_argument) << bad;
    }
}

TEST(xcap_uri, when_uri_is_over_the_limit_then_uri_too_long) {
    auto uri = parse_xcap_uri("/xcap/a/users/u/" + std::string(max_xcap_uri_bytes, 'd'), "/xcap");
    ASSERT_FALSE(uri);
    EXPECT_EQ(uri.err().code, errc::uri_too_long);
}

} // namespace
} // namespace mcprov::xcap
