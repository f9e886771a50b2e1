#include <gtest/gtest.h>

#include "mcprov/cscm/delivery_report.hpp"
#include "mcprov/support/clock.hpp"

namespace mcprov::cscm {
namespace {

using support::errc;

const std::string digest = "sha-256:" + std::string(64, 'a');

delivery_report sample() {
    return {"\"3q2-7w\"", "sha-256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "mcx-a-police",
            support::parse_utc("2026-11-23T19:13:24Z").value(), "c0ffee-1"};
}

// A report object with one member's raw JSON value replaced (or, with nullopt, left out).
std::string report_with(const std::string& member, std::optional<std::string> raw) {
    std::vector<std::pair<std::string, std::string>> members{{"profile_etag", R"("\"3q2-7w\"")"},
                                                             {"digest", "\"" + digest + "\""},
                                                             {"template", R"("mcx-a-police")"},
                                                             {"delivered_at", R"("2026-11-23T19:13:24Z")"},
                                                             {"correlation_id", R"("c0ffee-1")"},
                                                             {"service", R"("mcdata")"}};
    std::string out = "{";
    for (const auto& [name, value] : members) {
        if (name == member && !raw) {
            continue;
        }
        if (out.size() > 1) {
            out += ",";
        }
        out += "\"" + name + "\":" + (name == member ? *raw : value);
    }
    return out + "}";
}

void expect_refused(const std::string& json, errc code = errc::invalid_argument) {
    auto decoded = decode_delivery_report(json);
    ASSERT_FALSE(decoded) << json;
    EXPECT_EQ(decoded.err().code, code) << json << ": " << decoded.err().message;
}

TEST(delivery_report, when_encoded_then_decoding_gives_every_member_back) {
    auto report = sample();
    auto decoded = decode_delivery_report(encode_delivery_report(report));
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(decoded->profile_etag, report.profile_etag);
    EXPECT_EQ(decoded->digest, report.digest);
    EXPECT_EQ(decoded->template_name, report.template_name);
    EXPECT_EQ(decoded->delivered_at, report.delivered_at);
    EXPECT_EQ(decoded->correlation_id, report.correlation_id);
    EXPECT_EQ(decoded->service, "mcptt");
}

TEST(delivery_report, when_a_report_names_a_service_then_it_is_kept_and_without_one_it_is_mcptt) {
    auto report = sample();
    report.service = "mcvideo";
    auto decoded = decode_delivery_report(encode_delivery_report(report));
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(decoded->service, "mcvideo");
    auto old = decode_delivery_report(report_with("service", std::nullopt));
    ASSERT_TRUE(old) << old.err().message;
    EXPECT_EQ(old->service, "mcptt") << "a partner of the first version sends no service";
    for (const char* bad : {R"("MCDATA")", R"("")", R"("sms")", "7"}) {
        expect_refused(report_with("service", bad));
    }
}

TEST(delivery_report, when_encoded_then_members_have_their_wire_names) {
    auto json = encode_delivery_report(sample());
    for (const char* member : {"\"profile_etag\"", "\"digest\"", "\"template\"", "\"delivered_at\"",
                               "\"correlation_id\"", "\"2026-11-23T19:13:24Z\""}) {
        EXPECT_NE(json.find(member), std::string::npos) << member << " in " << json;
    }
}

TEST(delivery_report, when_a_hand_written_report_is_decoded_then_it_is_accepted) {
    auto decoded = decode_delivery_report(report_with("delivered_at", R"("2026-11-23T19:13:24.250Z")"));
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(decoded->profile_etag, "\"3q2-7w\"");
    EXPECT_EQ(decoded->digest, digest);
    EXPECT_EQ(decoded->template_name, "mcx-a-police");
    EXPECT_EQ(support::format_utc(decoded->delivered_at), "2026-11-23T19:13:24Z");
}

TEST(delivery_report, when_correlation_id_is_left_out_then_the_report_is_accepted) {
    // docs/cscm-x.md: correlation_id is the one optional member.
    auto decoded = decode_delivery_report(report_with("correlation_id", std::nullopt));
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(decoded->correlation_id, "");
}

TEST(delivery_report, when_report_is_exactly_4096_bytes_then_it_is_accepted_and_one_more_byte_is_too_large) {
    auto json = encode_delivery_report(sample());
    json.append(4096 - json.size(), ' ');
    ASSERT_EQ(json.size(), 4096u);
    EXPECT_TRUE(decode_delivery_report(json));
    json += ' ';
    expect_refused(json, errc::too_large);
}

TEST(delivery_report, when_report_is_far_over_the_limit_then_too_large_before_parsing) {
    expect_refused(std::string(1 << 20, '['), errc::too_large);
}

TEST(delivery_report, when_report_is_not_a_json_object_then_refused) {
    for (const char* bad : {"", "null", "[]", "\"report\"", "42", "{", "{\"digest\":}", "not json"}) {
        expect_refused(bad);
    }
}

TEST(delivery_report, when_report_has_an_unknown_member_then_refused) {
    auto json = report_with("correlation_id", R"("c", "extra": "x")");
    auto decoded = decode_delivery_report(json);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.err().code, errc::invalid_argument);
    EXPECT_NE(decoded.err().message.find("extra"), std::string::npos) << decoded.err().message;
}

TEST(delivery_report, when_a_member_is_not_a_string_then_refused) {
    for (const char* member : {"profile_etag", "digest", "template", "delivered_at", "correlation_id"}) {
        for (const char* value : {"42", "null", "true", "[]", "{}"}) {
            expect_refused(report_with(member, value));
        }
    }
}

TEST(delivery_report, when_a_member_is_longer_than_512_characters_then_refused) {
    EXPECT_TRUE(decode_delivery_report(report_with("correlation_id", "\"" + std::string(512, 'c') + "\"")));
    expect_refused(report_with("correlation_id", "\"" + std::string(513, 'c') + "\""));
}

TEST(delivery_report, when_digest_is_malformed_then_refused) {
    const std::string hex64(64, 'a');
    for (const std::string& bad : {"sha-256:" + std::string(64, 'A'),               // uppercase
                                   "sha-256:" + std::string(63, 'a'),               // too short
                                   "sha-256:" + std::string(65, 'a'),               // too long
                                   "sha-256:" + std::string(63, 'a') + "g",         // not hex
                                   "sha-512:" + hex64,                              // wrong algorithm
                                   "SHA-256:" + hex64,                              // wrong prefix case
                                   "sha256:" + hex64,                               // wrong prefix
                                   hex64,                                           // no prefix
                                   std::string(" sha-256:") + std::string(63, 'a'), // padded
                                   std::string()}) {
        expect_refused(report_with("digest", "\"" + bad + "\""));
    }
    expect_refused(report_with("digest", std::nullopt));
}

TEST(delivery_report, when_delivery_time_is_not_rfc3339_utc_then_refused) {
    for (const char* bad : {"\"yesterday\"", "\"\"", "\"2026-11-23T19:13:24+01:00\"", "\"2026-11-23 19:13:24\"",
                            "\"2026-02-30T10:00:00Z\"", "\"2026-11-23T25:13:24Z\"", "\"1795461204\""}) {
        expect_refused(report_with("delivered_at", bad));
    }
    expect_refused(report_with("delivered_at", std::nullopt));
}

// Found by delivery_report_fuzzer: a year the clock cannot hold overflowed the conversion to system_clock
// (undefined behaviour; in practice a report "delivered" in another century).
TEST(delivery_report, when_delivery_time_is_outside_what_the_clock_can_hold_then_refused) {
    for (const char* bad : {"\"1013-11-23T19:13:24Z\"", "\"0000-01-01T00:00:00Z\"", "\"1677-01-01T00:00:00Z\"",
                            "\"2263-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59Z\""}) {
        expect_refused(report_with("delivered_at", bad));
    }
    for (const char* good : {"\"1970-01-01T00:00:00Z\"", "\"1969-12-31T23:59:59Z\"", "\"2199-12-31T23:59:59Z\""}) {
        auto decoded = decode_delivery_report(report_with("delivered_at", good));
        ASSERT_TRUE(decoded) << good;
        EXPECT_EQ("\"" + support::format_utc(decoded->delivered_at) + "\"", good);
    }
}

TEST(delivery_report, when_profile_etag_or_template_is_missing_or_empty_then_refused) {
    for (const char* member : {"profile_etag", "template"}) {
        expect_refused(report_with(member, std::nullopt));
        expect_refused(report_with(member, "\"\""));
    }
}

TEST(delivery_report, when_a_member_holds_a_control_character_then_refused_naming_member_byte_and_offset) {
    struct bad {
        const char* member;
        std::string raw;
        std::string message;
    };
    for (const auto& [member, raw, message] :
         {bad{"template", R"("mcx-a-police\n2026-11-23 info forged log line")",
              "template must be printable ASCII; byte 0x0a at offset 12 is not"},
          bad{"correlation_id", R"("c0ffee\r")",
              "correlation_id must be printable ASCII; byte 0x0d at offset 6 is not"},
          bad{"profile_etag", R"("\"3q2\u001b[31m\"")",
              "profile_etag must be printable ASCII; byte 0x1b at offset 4 is not"},
          bad{"template", R"("police\u0000")", "template must be printable ASCII; byte 0x00 at offset 6 is not"},
          bad{"template", R"("police\t")", "template must be printable ASCII; byte 0x09 at offset 6 is not"},
          bad{"correlation_id", R"("del\u007f")",
              "correlation_id must be printable ASCII; byte 0x7f at offset 3 is not"},
          bad{"template", "\"polic\xc3\xa9\"", "template must be printable ASCII; byte 0xc3 at offset 5 is not"}}) {
        auto decoded = decode_delivery_report(report_with(member, raw));
        ASSERT_FALSE(decoded) << raw;
        EXPECT_EQ(decoded.err().code, errc::invalid_argument);
        EXPECT_EQ(decoded.err().message, message);
    }
}

TEST(delivery_report, when_members_hold_printable_ascii_then_accepted_spaces_and_punctuation_included) {
    auto decoded = decode_delivery_report(report_with("template", R"("mcx-a police ~!@#$%^&*()_+{}|:<>?[];',./`\"")"));
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(decoded->template_name, "mcx-a police ~!@#$%^&*()_+{}|:<>?[];',./`\"");
}

TEST(delivery_report, when_json_is_deeply_nested_then_refused_without_crashing) {
    expect_refused(std::string(2000, '[') + std::string(2000, ']'));
    expect_refused("{\"profile_etag\":" + std::string(1000, '[') + std::string(1000, ']') + "}");
    expect_refused(report_with("template", "[[[[[[\"x\"]]]]]]"));
}

} // namespace
} // namespace mcprov::cscm
