#include <gtest/gtest.h>

#include "mcprov/gba/bootstrapping.hpp"

namespace mcprov::gba {
namespace {

using namespace std::chrono_literals;

TEST(bootstrapping, when_bootstrapping_info_is_formatted_then_it_parses_back) {
    const auto when = std::chrono::system_clock::time_point(1'800'000'000s);
    const auto xml = format_bootstrapping_info({.btid = "AAAA@bsf.example.org", .lifetime = when});
    EXPECT_NE(xml.find("uri:3gpp-gba"), std::string::npos);
    auto parsed = parse_bootstrapping_info(xml);
    ASSERT_TRUE(parsed.has_value()) << parsed.err().message;
    EXPECT_EQ(parsed->btid, "AAAA@bsf.example.org");
    EXPECT_EQ(parsed->lifetime, when);
}

TEST(bootstrapping, when_bootstrapping_info_is_not_right_then_it_is_refused) {
    for (const std::string& bad : std::vector<std::string>{"<BootstrappingInfo xmlns=\"urn:other\"><btid>a@b</btid><lifetime>2027-01-01T00:00:00Z</lifetime>"
          "</BootstrappingInfo>",
          "<BootstrappingInfo xmlns=\"uri:3gpp-gba\"><btid>a@b</btid></BootstrappingInfo>",
          "<BootstrappingInfo xmlns=\"uri:3gpp-gba\"><btid>no-at</btid><lifetime>2027-01-01T00:00:00Z</lifetime>"
          "</BootstrappingInfo>",
          "<BootstrappingInfo xmlns=\"uri:3gpp-gba\"><btid>a@b</btid><lifetime>tomorrow</lifetime>"
          "</BootstrappingInfo>",
          "<BootstrappingInfo", std::string(9000, ' ')})
        EXPECT_FALSE(parse_bootstrapping_info(bad).has_value()) << bad;
}

TEST(bootstrapping, when_zn_messages_are_formatted_then_they_parse_back) {
    const std::string naf_id = std::string("dms.example.org") + std::string("\x01\x00\x00\x00\x02", 5);
    auto request = parse_zn_request(format_zn_request({.btid = "AAAA@bsf", .naf_id = naf_id}));
    ASSERT_TRUE(request.has_value()) << request.err().message;
    EXPECT_EQ(request->naf_id, naf_id);
    const auto t = std::chrono::system_clock::time_point(1'800'000'000s);
    auto answer = parse_zn_answer(format_zn_answer({.impi = "i", .ks_naf = std::string(32, 'k'), .bootstrap_time = t,
                                                    .key_lifetime = t + 1h, .authentication = "3GPP AKA"}));
    ASSERT_TRUE(answer.has_value()) << answer.err().message;
    EXPECT_EQ(answer->ks_naf, std::string(32, 'k'));
    EXPECT_EQ(answer->key_lifetime, t + 1h);
    EXPECT_FALSE(parse_zn_request(R"({"btid":"a@b","naf_id":"!!"})").has_value());
    EXPECT_FALSE(parse_zn_request(R"({"naf_id":"ZG1zLmV4YW1wbGUub3JnAQAAAAI="})").has_value());
    EXPECT_FALSE(parse_zn_request("[1,2]").has_value());
    EXPECT_FALSE(parse_zn_answer(R"({"impi":"i","ks_naf":"c2hvcnQ=","bootstrap_time":"x","key_lifetime":"y"})")
                     .has_value());
}

} // namespace
} // namespace mcprov::gba
