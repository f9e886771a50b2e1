#include <gtest/gtest.h>

#include "mcprov/lookup/security_domain_lookup.hpp"

namespace mcprov::lookup {
namespace {

class security_domain_lookup_test : public ::testing::Test {
protected:
    void SetUp() override {
        lookup_.update({"kms.police.example.org",
                        {"sip:alice@police.example.org", "sip:dave@example.org"},
                        {"kms.fire.example.org"}});
        lookup_.update({"kms.fire.example.org", {"sip:bob@fire.example.org", "sip:dave@example.org"}, {}});
    }
    security_domain_lookup lookup_;
};

TEST_F(security_domain_lookup_test, when_a_user_belongs_to_several_domains_then_each_is_listed_with_what_it_permits) {
    EXPECT_EQ(lookup_.lookup("sip:dave@example.org"),
              (std::vector<supported_domain>{{"kms.fire.example.org", {}},
                                             {"kms.police.example.org", {"kms.fire.example.org"}}}));
    EXPECT_EQ(lookup_.lookup("sip:alice@police.example.org").size(), 1u);
    EXPECT_TRUE(lookup_.lookup("sip:nobody@example.org").empty());
}

TEST_F(security_domain_lookup_test, when_the_target_domain_permits_the_initiators_then_the_request_goes_on) {
    auto own = lookup_.decide("kms.police.example.org", "sip:alice@police.example.org");
    EXPECT_TRUE(own.forward) << own.reason;
    auto permitted = lookup_.decide("kms.fire.example.org", "sip:alice@police.example.org");
    EXPECT_TRUE(permitted.forward) << permitted.reason;
}

TEST_F(security_domain_lookup_test, when_no_domain_of_the_target_accepts_the_initiators_then_a_redirect_lists_its_own) {
    auto refused = lookup_.decide("kms.police.example.org", "sip:bob@fire.example.org");
    EXPECT_FALSE(refused.forward);
    EXPECT_EQ(refused.acceptable_domains, std::vector<std::string>{"kms.fire.example.org"});
    auto narrowed = lookup_.decide("kms.police.example.org", "sip:bob@fire.example.org",
                                   std::vector<std::string>{"kms.police.example.org"});
    EXPECT_FALSE(narrowed.forward);
    EXPECT_TRUE(narrowed.acceptable_domains.empty());
    auto unknown = lookup_.decide("kms.police.example.org", "sip:nobody@example.org");
    EXPECT_FALSE(unknown.forward);
    EXPECT_NE(unknown.reason.find("no security domain supports"), std::string::npos);
}

TEST_F(security_domain_lookup_test, when_a_policy_is_replaced_or_removed_then_lookups_follow) {
    lookup_.update({"kms.fire.example.org", {"sip:bob@fire.example.org"}, {"kms.police.example.org"}});
    EXPECT_TRUE(lookup_.decide("kms.police.example.org", "sip:bob@fire.example.org").forward);
    EXPECT_EQ(lookup_.lookup("sip:dave@example.org").size(), 1u);
    lookup_.remove("kms.fire.example.org");
    EXPECT_TRUE(lookup_.lookup("sip:bob@fire.example.org").empty());
    EXPECT_EQ(lookup_.lookup("sip:dave@example.org"),
              (std::vector<supported_domain>{{"kms.police.example.org", {"kms.fire.example.org"}}}));
}

} // namespace
} // namespace mcprov::lookup
