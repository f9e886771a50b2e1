#include <gtest/gtest.h>

#include "mcprov/syncml/notification.hpp"

namespace mcprov::syncml {
namespace {

using support::errc;

notification sample() {
    notification n;
    n.ui = ui_mode::user_interaction;
    n.initiated_by = initiator::server;
    n.session_id = 0xBEEF;
    n.server_id = "dms.mcx-a.example.org";
    n.vendor_specific = std::string("\x01\x02\x00\xff", 4);
    return n;
}

TEST(syncml_notification, when_encoded_then_decoding_gives_every_field_and_the_digest_checks) {
    auto bytes = encode_notification(sample(), "server-secret", "nonce-1");
    ASSERT_TRUE(bytes) << bytes.err().message;
    EXPECT_EQ(bytes->size(), 16u + 8u + 21u + 4u);
    auto got = decode_notification(*bytes);
    ASSERT_TRUE(got) << got.err().message;
    EXPECT_EQ(got->content.ui, ui_mode::user_interaction);
    EXPECT_EQ(got->content.initiated_by, initiator::server);
    EXPECT_EQ(got->content.session_id, 0xBEEF);
    EXPECT_EQ(got->content.server_id, "dms.mcx-a.example.org");
    EXPECT_EQ(got->content.vendor_specific, std::string("\x01\x02\x00\xff", 4));
    EXPECT_EQ(got->trigger, bytes->substr(16));
    EXPECT_TRUE(digest_matches(*got, "server-secret", "nonce-1"));
    EXPECT_FALSE(digest_matches(*got, "server-secret", "nonce-2")) << "an old nonce does not check";
    EXPECT_FALSE(digest_matches(*got, "another", "nonce-1"));
}

TEST(syncml_notification, when_one_bit_of_the_trigger_changes_then_the_digest_fails) {
    auto bytes = encode_notification(sample(), "s", "n").value();
    for (std::size_t i = 16; i < bytes.size(); ++i) {
        auto changed = bytes;
        changed[i] ^= 0x01;
        auto got = decode_notification(changed);
        if (got) {
            EXPECT_FALSE(digest_matches(*got, "s", "n")) << "byte " << i;
        }
    }
}

TEST(syncml_notification, when_the_session_id_is_shown_then_it_is_upper_case_hex_without_leading_zeros) {
    EXPECT_EQ(session_id_text(0xBEEF), "BEEF");
    EXPECT_EQ(session_id_text(0x00FF), "FF");
    EXPECT_EQ(session_id_text(1), "1");
    EXPECT_EQ(session_id_text(0), "0");
}

TEST(syncml_notification, when_the_message_is_malformed_then_invalid_argument_naming_it) {
    const auto good = encode_notification(sample(), "s", "n").value();
    auto expect_refused = [](const std::string& bytes, const std::string& words) {
        auto got = decode_notification(bytes);
        ASSERT_FALSE(got);
        EXPECT_EQ(got.err().code, errc::invalid_argument);
        EXPECT_NE(got.err().message.find(words), std::string::npos) << got.err().message;
    };
    expect_refused(good.substr(0, 23), "at least 24 bytes");
    expect_refused(good.substr(0, 30), "ends inside its server identifier");
    expect_refused(good + std::string(1024, 'x'), "at most 1024 bytes");
    auto version_12 = good;
    version_12[16] = 0x03; // the version field becomes 15 ("1.5")
    expect_refused(version_12, "not the DM 1.2 one");
    auto future_use = good;
    future_use[19] = 0x01;
    expect_refused(future_use, "future-use bits");
    auto no_id = good.substr(0, 24);
    no_id[23] = 0;
    expect_refused(no_id, "server id");
}

TEST(syncml_notification, when_the_server_id_is_unusable_or_the_message_too_long_then_it_is_not_encoded) {
    auto n = sample();
    n.server_id = "";
    EXPECT_FALSE(encode_notification(n, "s", "n"));
    n.server_id = std::string(256, 'a');
    EXPECT_FALSE(encode_notification(n, "s", "n"));
    n.server_id = "dms\nx";
    EXPECT_FALSE(encode_notification(n, "s", "n"));
    n = sample();
    n.vendor_specific = std::string(1000, 'v');
    auto refused = encode_notification(n, "s", "n");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.err().code, errc::invalid_argument);
}

} // namespace
} // namespace mcprov::syncml
