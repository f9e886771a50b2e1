#include <gtest/gtest.h>

#include "mcprov/sip_as/security_domain_check.hpp"

namespace mcprov::sip_as {
namespace {

using kms_interface::krr_role;
using namespace std::chrono_literals;

const std::string police = "kms.police.example.org";
const std::string fire = "kms.fire.example.org";
const std::string ambulance = "kms.ambulance.example.org";

std::shared_ptr<lookup::security_domain_lookup> domains() {
    auto l = std::make_shared<lookup::security_domain_lookup>();
    l->update({.kms_uri = police, .members = {"sip:alice@example.org", "sip:bob@example.org"}, .permitted_external = {fire}});
    l->update({.kms_uri = fire, .members = {"sip:carol@example.org"}, .permitted_external = {police}});
    l->update({.kms_uri = ambulance, .members = {"sip:dave@example.org", "sip:bob@example.org"}, .permitted_external = {}});
    return l;
}

key_management_parties call(const std::string& from, const std::string& to, const std::string& kmsi,
                            const std::string& kmsr) {
    return {.initiator = from, .responder = to, .initiator_kms = kmsi, .responder_kms = kmsr};
}

domain_verdict judged(const security_domain_check& check, const key_management_parties& parties) {
    auto v = check.judge(parties);
    EXPECT_TRUE(v) << v.err().message;
    return v ? *v : domain_verdict{};
}

// A lookup that cannot answer, as the central service does when it cannot be reached.
class unreachable_lookup final : public lookup::user_domains {
public:
    support::result<std::vector<lookup::supported_domain>> domains_of(std::string_view) const override {
        return support::make_error(support::errc::unavailable, "the central lookup cannot answer: connection refused");
    }
};

TEST(security_domain_check, when_the_lookup_cannot_answer_then_the_check_says_so_rather_than_let_it_through) {
    security_domain_check check(std::make_shared<unreachable_lookup>(), {});
    auto v = check.judge(call("sip:alice@example.org", "sip:bob@example.org", police, police));
    ASSERT_FALSE(v);
    EXPECT_EQ(v.err().code, support::errc::unavailable);
    EXPECT_NE(v.err().message.find("connection refused"), std::string::npos);
}

TEST(security_domain_check, when_both_kmss_are_the_responders_or_permitted_then_the_request_goes_on) {
    security_domain_check check(domains(), {});
    EXPECT_TRUE(judged(check, call("sip:alice@example.org", "sip:bob@example.org", police, police)).forward);
    EXPECT_TRUE(judged(check, call("sip:carol@example.org", "sip:bob@example.org", fire, police)).forward);
    // A responder this lookup does not know is another server's to judge.
    EXPECT_TRUE(judged(check, call("sip:alice@example.org", "sip:zoe@other.example", police, police)).forward);
}

TEST(security_domain_check, when_the_responder_is_not_in_the_responder_kms_then_its_domains_are_offered) {
    security_domain_check check(domains(), {});
    auto v = judged(check, call("sip:alice@example.org", "sip:carol@example.org", police, police));
    EXPECT_FALSE(v.forward);
    EXPECT_EQ(v.role, krr_role::responder);
    EXPECT_EQ(v.rejected_kms, police);
    EXPECT_EQ(v.acceptable, (std::vector<std::string>{fire}));
    // Bob is in two domains: the one that accepts the initiator's KMS comes first.
    v = judged(check, call("sip:carol@example.org", "sip:bob@example.org", fire, fire));
    EXPECT_EQ(v.acceptable, (std::vector<std::string>{police, ambulance}));
}

TEST(security_domain_check, when_the_responders_domain_does_not_permit_the_initiators_kms_then_its_own_are_offered) {
    security_domain_check check(domains(), {});
    auto v = judged(check, call("sip:carol@example.org", "sip:dave@example.org", fire, ambulance));
    EXPECT_FALSE(v.forward);
    EXPECT_EQ(v.role, krr_role::initiator);
    EXPECT_EQ(v.rejected_kms, fire);
    EXPECT_EQ(v.acceptable, (std::vector<std::string>{ambulance}));
    EXPECT_NE(v.reason.find("does not permit"), std::string::npos);
}

TEST(security_domain_check, when_this_servers_policy_refuses_a_domain_then_it_redirects_to_what_it_allows) {
    security_domain_check check(domains(), {.allowed_kms = {police}});
    EXPECT_TRUE(judged(check, call("sip:alice@example.org", "sip:bob@example.org", police, police)).forward);
    auto v = judged(check, call("sip:carol@example.org", "sip:bob@example.org", fire, police));
    EXPECT_FALSE(v.forward);
    EXPECT_EQ(v.role, krr_role::initiator);
    EXPECT_EQ(v.acceptable, (std::vector<std::string>{police}));
    v = judged(check, call("sip:alice@example.org", "sip:bob@example.org", police, ambulance));
    EXPECT_EQ(v.role, krr_role::responder);
    EXPECT_EQ(v.acceptable, (std::vector<std::string>{police}));
}

TEST(security_domain_check, when_an_i_message_names_its_parties_by_uid_then_the_request_names_them) {
    mikey::i_message m;
    m.identities = {{.role = mikey::id_role::initiator, .type = mikey::id_type::byte_string, .data = std::string(32, 'u')},
                    {.role = mikey::id_role::initiator_kms, .type = mikey::id_type::uri, .data = police},
                    {.role = mikey::id_role::responder_kms, .type = mikey::id_type::uri, .data = fire}};
    auto p = parties_of(m, "sip:alice@example.org", "sip:carol@example.org");
    ASSERT_TRUE(p) << p.err().message;
    EXPECT_EQ(p->initiator, "sip:alice@example.org");
    EXPECT_EQ(p->responder, "sip:carol@example.org");
    EXPECT_EQ(p->responder_kms, fire);
    m.identities.pop_back();
    auto missing = parties_of(m, "a", "b");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.err().message.find("IDRkmsr"), std::string::npos);
}

TEST(krr_narrowing, when_a_downstream_krr_offers_a_domain_this_server_refuses_then_a_new_krr_embeds_it) {
    const auto now = std::chrono::system_clock::time_point(1'800'000'000s);
    security_domain_check terminating(domains(), {});
    const auto parties = call("sip:carol@example.org", "sip:bob@example.org", fire, fire);
    auto verdict = judged(terminating, parties);
    auto received = redirect_krr(verdict, parties, "sip:as.terminating.example.org", now, std::nullopt);
    ASSERT_TRUE(received) << received.err().message;

    auto untouched = narrow_krr(*received, {}, "sip:as.originating.example.org", now, std::nullopt, "");
    ASSERT_TRUE(untouched) << untouched.err().message;
    EXPECT_FALSE(untouched->narrowed);

    auto narrowed = narrow_krr(*received, {.allowed_kms = {police, fire}}, "sip:as.originating.example.org", now,
                               std::nullopt, "");
    ASSERT_TRUE(narrowed) << narrowed.err().message;
    ASSERT_TRUE(narrowed->narrowed);
    EXPECT_EQ(narrowed->acceptable, (std::vector<std::string>{police}));
    auto read = kms_interface::decode_kms_redirect_response(narrowed->body);
    ASSERT_TRUE(read) << read.err().message;
    EXPECT_EQ(read->nesting, 1u);
    EXPECT_EQ(read->krr.redirector, "sip:as.originating.example.org");
    EXPECT_EQ(kms_interface::decode_kms_redirect_response(*read->krr.embedded).value().krr.acceptable,
              (std::vector<std::string>{police, ambulance}));

    EXPECT_FALSE(narrow_krr("<not-a-krr/>", {}, "sip:as", now, std::nullopt, ""));
}

} // namespace
} // namespace mcprov::sip_as
