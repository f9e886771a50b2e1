#include <gtest/gtest.h>

#include "mcprov/sip/mikey_in_body.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::sip {
namespace {

using support::errc;

const std::string mikey = std::string("\x01\x00\x1a\x00", 4) + "an I_MESSAGE's octets";

std::string sdp(const std::string& session_attribute, const std::string& media_attribute = {}) {
    return "v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" + session_attribute +
           "m=audio 49170 RTP/SAVP 96\r\na=rtpmap:96 AMR-WB/16000\r\n" + media_attribute;
}

std::string key_mgmt() {
    return "a=key-mgmt:mikey " + support::base64_encode(mikey) + "\r\n";
}

TEST(mikey_in_body, when_the_sdp_carries_a_key_mgmt_line_then_its_mikey_message_is_found) {
    auto found = find_i_messages("application/sdp", sdp(key_mgmt()));
    ASSERT_TRUE(found) << found.err().message;
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ(found->at(0).octets, mikey);
    EXPECT_EQ(found->at(0).where, "sdp");
}

TEST(mikey_in_body, when_a_private_call_sends_multipart_mixed_then_the_sdp_parts_media_level_line_is_found) {
    const std::string body = "--b1\r\nContent-Type: application/sdp\r\n\r\n" + sdp("", key_mgmt()) +
                             "\r\n--b1\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n"
                             "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"/>\r\n--b1--\r\n";
    auto found = find_i_messages("multipart/mixed; boundary=b1", body);
    ASSERT_TRUE(found) << found.err().message;
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ(found->at(0).octets, mikey);
    EXPECT_EQ(found->at(0).where, "part 1 sdp media 1");
}

TEST(mikey_in_body, when_a_message_carries_application_mikey_then_the_part_is_the_message) {
    auto found = find_i_messages("application/mikey", mikey);
    ASSERT_TRUE(found) << found.err().message;
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ(found->at(0).octets, mikey);
    EXPECT_TRUE(find_i_messages("", "").value().empty());
    EXPECT_TRUE(find_i_messages("text/plain", "hello").value().empty());
    EXPECT_TRUE(find_i_messages("application/sdp", sdp("")).value().empty());
}

TEST(mikey_in_body, when_the_body_is_malformed_then_the_error_says_what) {
    const std::pair<std::string, std::string> invalid[] = {
        {"application/sdp", sdp("a=key-mgmt:mikey ***not base64***\r\n")},
        {"application/sdp", sdp("a=key-mgmt:zrtp AAAA\r\n")},
        {"application/sdp", sdp("a=key-mgmt:mikey\r\n")},
        {"application/sdp", "this is not SDP"},
        {"multipart/mixed", "--b1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b1--\r\n"},
        {"multipart/mixed; boundary=b1",
         "--b1\r\nContent-Type: multipart/mixed; boundary=b2\r\n\r\n--b2\r\n\r\nx\r\n--b2--\r\n--b1--\r\n"},
    };
    for (const auto& [type, body] : invalid) {
        auto found = find_i_messages(type, body);
        ASSERT_FALSE(found) << type << "\n" << body;
        EXPECT_EQ(found.err().code, errc::invalid_argument) << found.err().message;
    }
    EXPECT_EQ(find_i_messages("application/sdp", std::string(max_body_bytes + 1, 'v')).err().code, errc::too_large);
    std::string many;
    for (std::size_t i = 0; i <= max_key_mgmt_lines; ++i)
        many += key_mgmt();
    EXPECT_EQ(find_i_messages("application/sdp", sdp(many)).err().code, errc::too_large);
    EXPECT_EQ(find_i_messages("application/mikey", std::string(9000, 'm')).err().code, errc::too_large);
}

} // namespace
} // namespace mcprov::sip
