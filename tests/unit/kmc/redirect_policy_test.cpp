#include <gtest/gtest.h>

#include "mcprov/kmc/redirect_policy.hpp"

namespace mcprov::kmc {
namespace {

using namespace std::chrono_literals;
using kms_interface::krr_role;

const std::string police = "kms.police.example.org";
const std::string fire = "kms.fire.example.org";
const std::string ambulance = "kms.ambulance.example.org";
const auto now = std::chrono::system_clock::time_point(1'800'000'000s);

kms_interface::kms_certificate certificate(const std::string& uri, bool revoked = false) {
    kms_interface::kms_certificate c;
    c.kms_uri = uri;
    c.revoked = revoked;
    return c;
}

// Alice holds police keys (fire permitted, ambulance revoked) and fire keys (police permitted).
std::vector<key_material> alice() {
    key_material in_police;
    in_police.own = certificate(police);
    in_police.external = {certificate(fire), certificate(ambulance, true)};
    key_material in_fire;
    in_fire.own = certificate(fire);
    in_fire.external = {certificate(police)};
    return {in_police, in_fire};
}

kms_interface::kms_redirect_response krr(krr_role role, std::vector<std::string> acceptable) {
    return {.time = now, .redirector = "sip:as.example.org", .initiator = "sip:alice@example.org",
            .responder = "sip:bob@example.org", .role = role, .rejected_kms = police,
            .acceptable = std::move(acceptable), .reason = {}, .embedded = std::nullopt};
}

TEST(redirect_policy, when_the_responders_kms_is_redirected_then_the_first_offered_usable_one_is_taken) {
    const call_keys first{0, police};
    auto d = follow_redirect(alice(), first, krr(krr_role::responder, {ambulance, fire}), {first}, now);
    ASSERT_TRUE(d.retry) << d.why;
    EXPECT_EQ(*d.retry, (call_keys{0, fire})); // ambulance is revoked for alice's police keys
}

TEST(redirect_policy, when_the_initiators_kms_is_redirected_then_the_keys_of_an_offered_domain_sign) {
    const call_keys first{0, police};
    auto d = follow_redirect(alice(), first, krr(krr_role::initiator, {fire}), {first}, now);
    ASSERT_TRUE(d.retry) << d.why;
    EXPECT_EQ(*d.retry, (call_keys{1, police})); // fire's keys may encapsulate to police
}

TEST(redirect_policy, when_nothing_offered_is_held_or_untried_then_the_client_refuses_and_says_why) {
    const call_keys first{0, police};
    auto none = follow_redirect(alice(), first, krr(krr_role::responder, {}), {first}, now);
    EXPECT_FALSE(none.retry);
    EXPECT_NE(none.why.find("offers no security domain"), std::string::npos);
    auto unknown = follow_redirect(alice(), first, krr(krr_role::responder, {"kms.other.example.org"}), {first}, now);
    EXPECT_FALSE(unknown.retry);
    EXPECT_NE(unknown.why.find("kms.other.example.org"), std::string::npos) << unknown.why;
    // A redirect to a KMS already tried with these keys is taken with other held keys when they may use it, and
    // refused once every combination was tried (servers that keep redirecting cannot keep the client going round).
    auto loop = follow_redirect(alice(), {0, fire}, krr(krr_role::responder, {police}), {first, {0, fire}}, now);
    EXPECT_TRUE(loop.retry); // police through the fire keys is new
    EXPECT_EQ(*loop.retry, (call_keys{1, police}));
    auto exhausted =
        follow_redirect(alice(), {1, police}, krr(krr_role::responder, {police}), {first, {0, fire}, {1, police}}, now);
    EXPECT_FALSE(exhausted.retry);
}

} // namespace
} // namespace mcprov::kmc
