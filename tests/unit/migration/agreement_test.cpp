#include <gtest/gtest.h>

#include "mcprov/migration/agreement.hpp"

namespace mcprov::migration {
namespace {

using support::errc;

partner_agreement agreement(std::string system, std::string idms, std::vector<std::string> user_domains = {}) {
    partner_agreement a;
    a.system = std::move(system);
    a.endpoint = "https://cscm." + a.system + ":9443";
    a.idms_issuer = std::move(idms);
    a.user_domains = std::move(user_domains);
    return a;
}

TEST(host_of, when_id_is_a_sip_uri_then_the_host_part_is_returned) {
    EXPECT_EQ(host_of("sip:alice@police.mcx-a.example.org"), "police.mcx-a.example.org");
    EXPECT_EQ(host_of("sips:bob.smith@fire.mcx-a.example.org"), "fire.mcx-a.example.org");
}

TEST(host_of, when_id_has_no_at_sign_then_it_is_empty) {
    EXPECT_EQ(host_of("tel:+441234567890"), "");
    EXPECT_EQ(host_of("police.mcx-a.example.org"), "");
    EXPECT_EQ(host_of(""), "");
}

TEST(host_of, when_id_carries_port_parameters_headers_or_brackets_then_they_are_stripped) {
    EXPECT_EQ(host_of("sip:alice@police.mcx-a.example.org;transport=tls"), "police.mcx-a.example.org");
    EXPECT_EQ(host_of("sip:alice@police.mcx-a.example.org:5061;transport=tls"), "police.mcx-a.example.org");
    EXPECT_EQ(host_of("sip:alice@police.mcx-a.example.org?subject=hello"), "police.mcx-a.example.org");
    EXPECT_EQ(host_of("<sip:alice@police.mcx-a.example.org>"), "police.mcx-a.example.org");
}

TEST(host_of, when_the_at_sign_ends_the_id_then_it_is_empty) {
    EXPECT_EQ(host_of("sip:alice@"), "");
    EXPECT_EQ(host_of("sip:alice@;transport=tls"), "");
}

TEST(host_of, when_the_id_has_two_at_signs_then_the_host_is_after_the_first_and_so_not_a_host) {
    // With the last '@', mcx-a would vouch for a user whose SIP host is mcx-c's.
    EXPECT_EQ(host_of("sip:alice@mcx-c.example.org@police.mcx-a.example.org"), "");
    EXPECT_EQ(host_of("sip:alice@police.mcx-a.example.org@"), "");
    // An escaped '@' belongs to the user part.
    EXPECT_EQ(host_of("sip:alice%40home@police.mcx-a.example.org"), "police.mcx-a.example.org");
}

TEST(host_of, when_a_semicolon_or_question_mark_comes_before_the_host_then_it_is_empty) {
    EXPECT_EQ(host_of("sip:alice;x=y@police.mcx-a.example.org"), "");
    EXPECT_EQ(host_of("sip:alice?subject=x@police.mcx-a.example.org"), "");
    EXPECT_EQ(host_of("sip:;@police.mcx-a.example.org"), "");
    EXPECT_EQ(host_of("sip:@police.mcx-a.example.org"), "") << "no user";
    // After the host they start parameters and headers, which may hold anything.
    EXPECT_EQ(host_of("sip:alice@police.mcx-a.example.org;maddr=evil@mcx-c.example.org"), "police.mcx-a.example.org");
    EXPECT_EQ(host_of("sip:alice@police.mcx-a.example.org?to=bob@mcx-c.example.org"), "police.mcx-a.example.org");
}

TEST(host_of, when_something_odd_follows_the_host_then_it_is_empty) {
    EXPECT_EQ(host_of("sip:alice@police.mcx-a.example.org/x"), "");
    EXPECT_EQ(host_of("sip:alice@police.mcx-a.example.org x"), "");
    EXPECT_EQ(host_of("sip:alice@police.mcx-a.example.org:"), "");
    EXPECT_EQ(host_of("sip:alice@police.mcx-a.example.org:50x"), "");
    EXPECT_EQ(host_of("sip:alice@police.mcx-a.example.org:123456"), "");
    EXPECT_EQ(host_of("sip:alice@police.mcx-a.example.org>"), "") << "a '>' without its '<'";
    EXPECT_EQ(host_of("sip:alice@police%2emcx-a.example.org"), "");
    EXPECT_EQ(host_of("sip:alice@[::1]:5060"), "[::1]");
    EXPECT_EQ(host_of("sip:alice@[::1"), "");
}

TEST(host_of, when_the_id_is_not_a_sip_uri_then_it_is_empty) {
    EXPECT_EQ(host_of("alice@police.mcx-a.example.org"), "");
    EXPECT_EQ(host_of("mailto:alice@police.mcx-a.example.org"), "");
    EXPECT_EQ(host_of("SIP:alice@police.mcx-a.example.org"), "police.mcx-a.example.org") << "schemes ignore case";
}

TEST(is_user_of, when_host_or_pattern_differ_only_in_case_then_the_user_is_the_partners) {
    auto a = agreement("mcx-a.example.org", "https://idms.mcx-a.example.org", {"*.MCX-A.example.org"});
    EXPECT_TRUE(is_user_of(a, "sip:alice@Police.Mcx-A.Example.ORG"));
    EXPECT_TRUE(is_user_of(a, "sip:alice@police.mcx-a.example.org"));
    EXPECT_FALSE(is_user_of(a, "sip:alice@police.MCX-B.example.org"));
}

TEST(is_user_of, when_a_second_at_sign_hides_another_host_then_the_user_is_not_the_partners) {
    auto a = agreement("mcx-a.example.org", "https://idms.mcx-a.example.org", {"*.mcx-a.example.org"});
    EXPECT_FALSE(is_user_of(a, "sip:alice@mcx-c.example.org@police.mcx-a.example.org"));
    EXPECT_FALSE(is_user_of(a, "sip:alice;x@police.mcx-a.example.org"));
}

TEST(is_user_of, when_host_matches_a_wildcard_domain_then_the_user_belongs_to_the_partner) {
    auto a = agreement("mcx-a.example.org", "https://idms.mcx-a.example.org", {"*.mcx-a.example.org"});
    EXPECT_TRUE(is_user_of(a, "sip:alice@police.mcx-a.example.org"));
    EXPECT_TRUE(is_user_of(a, "sip:bob@fire.mcx-a.example.org;transport=tls"));
}

TEST(is_user_of, when_host_only_looks_like_the_domain_then_the_user_is_not_the_partners) {
    auto a = agreement("mcx-a.example.org", "https://idms.mcx-a.example.org", {"*.mcx-a.example.org"});
    EXPECT_FALSE(is_user_of(a, "sip:alice@mcx-a.example.org")) << "the pattern needs a label before the domain";
    EXPECT_FALSE(is_user_of(a, "sip:alice@evil-mcx-a.example.org"));
    EXPECT_FALSE(is_user_of(a, "sip:alice@police.mcx-a.example.org.evil.example.com"));
    EXPECT_FALSE(is_user_of(a, "sip:alice@police.mcx-b.example.org"));
    EXPECT_FALSE(is_user_of(a, "tel:+441234567890"));
    EXPECT_FALSE(is_user_of(a, "sip:alice@"));
}

TEST(is_user_of, when_several_patterns_are_given_then_any_of_them_may_match) {
    auto a = agreement("mcx-a.example.org", "https://idms.mcx-a.example.org",
                       {"mcx-a.example.org", "police-?.mcx-a.example.net"});
    EXPECT_TRUE(is_user_of(a, "sip:alice@mcx-a.example.org"));
    EXPECT_TRUE(is_user_of(a, "sip:alice@police-1.mcx-a.example.net"));
    EXPECT_FALSE(is_user_of(a, "sip:alice@police-12.mcx-a.example.net"));
    EXPECT_FALSE(is_user_of(a, "sip:alice@fire.mcx-a.example.org"));
}

TEST(is_user_of, when_agreement_has_no_user_domains_then_nobody_is_its_user) {
    auto a = agreement("mcx-a.example.org", "https://idms.mcx-a.example.org");
    EXPECT_FALSE(is_user_of(a, "sip:alice@police.mcx-a.example.org"));
}

TEST(agreement_set, when_systems_and_issuers_are_distinct_then_each_is_found) {
    auto set = agreement_set::create({agreement("mcx-a.example.org", "https://idms.mcx-a.example.org"),
                                      agreement("mcx-c.example.org", "https://idms.mcx-c.example.org")});
    ASSERT_TRUE(set) << set.err().message;
    EXPECT_FALSE(set->empty());
    EXPECT_EQ(set->all().size(), 2u);
    ASSERT_NE(set->find_system("mcx-c.example.org"), nullptr);
    EXPECT_EQ(set->find_system("mcx-c.example.org")->idms_issuer, "https://idms.mcx-c.example.org");
    ASSERT_NE(set->find_idms("https://idms.mcx-a.example.org"), nullptr);
    EXPECT_EQ(set->find_idms("https://idms.mcx-a.example.org")->system, "mcx-a.example.org");
}

TEST(agreement_set, when_system_or_issuer_is_unknown_then_nothing_is_found) {
    auto set = agreement_set::create({agreement("mcx-a.example.org", "https://idms.mcx-a.example.org")}).value();
    EXPECT_EQ(set.find_system("mcx-b.example.org"), nullptr);
    EXPECT_EQ(set.find_system("MCX-A.example.org"), nullptr);
    EXPECT_EQ(set.find_system(""), nullptr);
    EXPECT_EQ(set.find_idms("https://idms.mcx-b.example.org"), nullptr);
    EXPECT_EQ(set.find_idms("mcx-a.example.org"), nullptr) << "a system name is not an issuer";
}

TEST(agreement_set, when_there_are_no_agreements_then_the_set_is_empty) {
    auto set = agreement_set::create({});
    ASSERT_TRUE(set);
    EXPECT_TRUE(set->empty());
    EXPECT_EQ(set->find_system("mcx-a.example.org"), nullptr);
}

TEST(agreement_set, when_two_agreements_name_the_same_system_then_refused) {
    auto set = agreement_set::create({agreement("mcx-a.example.org", "https://idms-1.mcx-a.example.org"),
                                      agreement("mcx-c.example.org", "https://idms.mcx-c.example.org"),
                                      agreement("mcx-a.example.org", "https://idms-2.mcx-a.example.org")});
    ASSERT_FALSE(set);
    EXPECT_EQ(set.err().code, errc::invalid_argument);
    EXPECT_NE(set.err().message.find("mcx-a.example.org"), std::string::npos) << set.err().message;
}

TEST(agreement_set, when_two_agreements_trust_the_same_identity_management_server_then_refused) {
    auto set = agreement_set::create({agreement("mcx-a.example.org", "https://idms.shared.example.org"),
                                      agreement("mcx-c.example.org", "https://idms.shared.example.org")});
    ASSERT_FALSE(set);
    EXPECT_EQ(set.err().code, errc::invalid_argument);
    EXPECT_NE(set.err().message.find("https://idms.shared.example.org"), std::string::npos) << set.err().message;
    EXPECT_NE(set.err().message.find("mcx-a.example.org"), std::string::npos);
    EXPECT_NE(set.err().message.find("mcx-c.example.org"), std::string::npos);
}

} // namespace
} // namespace mcprov::migration
