#include <gtest/gtest.h>

#include "mcprov/lookup/central_lookup.hpp"

namespace mcprov::lookup {
namespace {

TEST(user_domains_answer, when_the_lookup_answers_then_each_domain_is_read_with_what_it_permits) {
    auto read = read_user_domains(R"({"user":"sip:bob@example.org","domains":[
        {"kms_uri":"kms.fire.example.org","permitted_external":["kms.police.example.org"]},
        {"kms_uri":"kms.ambulance.example.org","permitted_external":[]}]})");
    ASSERT_TRUE(read) << read.err().message;
    EXPECT_EQ(*read, (std::vector<supported_domain>{{"kms.fire.example.org", {"kms.police.example.org"}},
                                                    {"kms.ambulance.example.org", {}}}));
    auto unknown = read_user_domains(R"({"user":"sip:zoe@example.org","domains":[]})");
    ASSERT_TRUE(unknown);
    EXPECT_TRUE(unknown->empty());
}

TEST(user_domains_answer, when_the_answer_is_not_the_lookups_then_it_is_refused_and_says_what_is_wrong) {
    for (const auto* body : {"", "[]", "{\"domains\":{}}", "{\"domains\":[{\"permitted_external\":[]}]}",
                             "{\"domains\":[{\"kms_uri\":\"k\",\"permitted_external\":[1]}]}",
                             "{\"domains\":[{\"kms_uri\":\"k\",\"permitted_external\":\"k2\"}]}",
                             "{\"domains\":[[[[[[[[[[]]]]]]]]]]}"}) {
        auto read = read_user_domains(body);
        ASSERT_FALSE(read) << body;
        EXPECT_EQ(read.err().code, support::errc::invalid_argument) << body;
    }
    std::string many = "{\"domains\":[";
    for (int i = 0; i < 257; ++i)
        many += std::string(i ? "," : "") + "{\"kms_uri\":\"k" + std::to_string(i) + "\"}";
    EXPECT_FALSE(read_user_domains(many + "]}"));
    EXPECT_FALSE(read_user_domains("{\"domains\":[{\"kms_uri\":\"" + std::string(1025, 'k') + "\"}]}"));
}

} // namespace
} // namespace mcprov::lookup
