#include <string>

#include <gtest/gtest.h>

#include "mcprov/support/log.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::support {
namespace {

TEST(printable, when_text_is_plain_ascii_then_it_is_kept) {
    EXPECT_EQ(printable("GET /kms/v1/keyprov?x=1 HTTP/1.1"), "GET /kms/v1/keyprov?x=1 HTTP/1.1");
    EXPECT_EQ(printable(""), "");
}

TEST(printable, when_text_holds_cr_lf_then_no_new_line_can_be_forged) {
    auto out = printable("/x\r\n2026-12-06T10:00:00Z info [http] admin logged in");
    EXPECT_EQ(out, "/x\\x0d\\x0a2026-12-06T10:00:00Z info [http] admin logged in");
    EXPECT_EQ(out.find('\n'), std::string::npos);
    EXPECT_EQ(out.find('\r'), std::string::npos);
}

TEST(printable, when_text_holds_controls_del_or_a_backslash_then_they_are_escaped) {
    EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
    EXPECT_EQ(printable("\x1b[31mred"), "\\x1b[31mred");
    EXPECT_EQ(printable("\t\x7f"), "\\x09\\x7f");
    // The backslash is escaped too, so that an escape in the log always means an escaped byte.
    EXPECT_EQ(printable("a\\x0a"), "a\\x5cx0a");
}

TEST(printable, when_text_is_valid_utf8_then_it_is_kept) {
    EXPECT_EQ(printable("CN=J\xc3\xbcrgen M\xc3\xbcller,O=\xe6\x9d\xb1\xe4\xba\xac"),
              "CN=J\xc3\xbcrgen M\xc3\xbcller,O=\xe6\x9d\xb1\xe4\xba\xac");
    EXPECT_EQ(printable("\xf0\x9f\x94\x91"), "\xf0\x9f\x94\x91"); // U+1F511
}

TEST(printable, when_bytes_are_not_valid_utf8_then_each_is_escaped) {
    EXPECT_EQ(printable("\xff\xfe"), "\\xff\\xfe");
    EXPECT_EQ(printable("\xc3"), "\\xc3");                            // truncated sequence
    EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");                   // overlong '/'
    EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");          // a UTF-16 surrogate
    EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); // above U+10FFFF
    EXPECT_EQ(printable("\xc2\x85"), "\\xc2\\x85");                   // NEL, a C1 control
}

TEST(printable, when_text_is_longer_than_the_limit_then_it_is_cut_and_its_length_named) {
    EXPECT_EQ(printable(std::string(300, 'a'), 4), "aaaa...(300 bytes)");
    EXPECT_EQ(printable("abc", 4), "abc");
    // Not inside a character: the two-byte \xc3\xbc stays whole or goes whole.
    EXPECT_EQ(printable("ab\xc3\xbc"
                        "cd",
                        3),
              "ab...(6 bytes)");
}

TEST(errc_names, when_storage_is_full_then_it_has_a_name) {
    EXPECT_STREQ(to_string(errc::storage_full), "storage-full");
}

} // namespace
} // namespace mcprov::support
