#include <gtest/gtest.h>

#include "fake_kms.hpp"
#include "mcprov/kmc/key_establishment.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::kmc::testing {
namespace {

using namespace std::chrono_literals;
using support::errc;

const std::string alice = "sip:alice@police.example.org";
const std::string bob = "sip:bob@fire.example.org";

class key_establishment_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        police_ = new fake_domain("kms.police.example.org");
        fire_ = new fake_domain("kms.fire.example.org");
    }
    static void TearDownTestSuite() {
        delete police_;
        delete fire_;
    }

    // alice of police and bob of fire, each domain permitting the other.
    static key_material alice_material() { return police_->material_of(alice, {fire_->as_external()}); }
    static key_material bob_material() { return fire_->material_of(bob, {police_->as_external()}); }

    static fake_domain* police_;
    static fake_domain* fire_;
};

fake_domain* key_establishment_test::police_ = nullptr;
fake_domain* key_establishment_test::fire_ = nullptr;

TEST_F(key_establishment_test, when_both_domains_permit_the_other_then_the_responder_gets_the_senders_secret) {
    auto sent = send_i_message(alice_material(), bob, "kms.fire.example.org", t0);
    ASSERT_TRUE(sent) << sent.err().message;
    auto received = receive_i_message(bob_material(), sent->bytes, t0 + 5s);
    ASSERT_TRUE(received) << received.err().message;
    EXPECT_EQ(received->ssv, sent->ssv);
    EXPECT_EQ(received->initiator_uri, alice);
    EXPECT_EQ(received->initiator_kms_uri, "kms.police.example.org");
}

TEST_F(key_establishment_test, when_no_responder_kms_is_given_then_the_senders_own_is_used) {
    const auto carol = "sip:carol@police.example.org";
    auto sent = send_i_message(alice_material(), carol, "", t0);
    ASSERT_TRUE(sent) << sent.err().message;
    auto received = receive_i_message(police_->material_of(carol), sent->bytes, t0);
    ASSERT_TRUE(received) << received.err().message;
    EXPECT_EQ(received->ssv, sent->ssv);
}

TEST_F(key_establishment_test, when_the_responders_domain_is_not_permitted_then_no_message_is_built) {
    auto sent = send_i_message(police_->material_of(alice), bob, "kms.fire.example.org", t0);
    ASSERT_FALSE(sent);
    EXPECT_EQ(sent.err().code, errc::forbidden);
    EXPECT_NE(sent.err().message.find("kms.fire.example.org is not permitted by kms.police.example.org"),
              std::string::npos)
        << sent.err().message;
}

TEST_F(key_establishment_test, when_the_initiators_domain_is_revoked_or_unknown_then_the_message_is_refused) {
    auto sent = send_i_message(alice_material(), bob, "kms.fire.example.org", t0);
    ASSERT_TRUE(sent) << sent.err().message;
    auto revoked = receive_i_message(fire_->material_of(bob, {police_->as_external(true)}), sent->bytes, t0);
    ASSERT_FALSE(revoked);
    EXPECT_EQ(revoked.err().code, errc::forbidden);
    EXPECT_NE(revoked.err().message.find("revoked"), std::string::npos) << revoked.err().message;
    auto unknown = receive_i_message(fire_->material_of(bob), sent->bytes, t0);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.err().code, errc::forbidden);
}

TEST_F(key_establishment_test, when_the_message_is_older_than_the_allowed_skew_then_it_is_refused) {
    auto sent = send_i_message(alice_material(), bob, "kms.fire.example.org", t0);
    ASSERT_TRUE(sent) << sent.err().message;
    EXPECT_TRUE(receive_i_message(bob_material(), sent->bytes, t0 + allowed_clock_skew));
    auto late = receive_i_message(bob_material(), sent->bytes, t0 + allowed_clock_skew + 1s);
    ASSERT_FALSE(late);
    EXPECT_EQ(late.err().code, errc::unauthenticated);
}

TEST_F(key_establishment_test,
       when_a_refused_message_names_an_identity_with_a_control_character_then_printable_escapes_it) {
    auto sent = send_i_message(alice_material(), bob, "kms.fire.example.org", t0);
    ASSERT_TRUE(sent) << sent.err().message;
    auto bytes = sent->bytes;
    auto at = bytes.find(alice);
    ASSERT_NE(at, std::string::npos);
    bytes[at + 4] = '\x1b'; // IDRi: sip:\x1blice@..., which the signature no longer covers
    auto refused = receive_i_message(bob_material(), bytes, t0);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.err().message.find('\x1b'), std::string::npos) << "the message quotes the identity as sent";
    auto shown = support::printable(refused.err().message);
    EXPECT_EQ(shown.find('\x1b'), std::string::npos);
    EXPECT_NE(shown.find("sip:\\x1blice@police.example.org"), std::string::npos) << shown;
}

TEST_F(key_establishment_test, when_verified_from_documents_then_the_certificate_of_the_key_sets_kms_is_the_own_one) {
    auto sent = send_i_message(alice_material(), bob, "kms.fire.example.org", t0);
    ASSERT_TRUE(sent) << sent.err().message;
    auto verified = verify_i_message(fire_->key_set(bob), {police_->certificate, fire_->certificate}, sent->bytes, t0);
    ASSERT_TRUE(verified) << verified.err().message;
    EXPECT_EQ(verified->ssv, sent->ssv);

    auto untrusted = verify_i_message(fire_->key_set(bob), {fire_->certificate}, sent->bytes, t0);
    ASSERT_FALSE(untrusted);
    EXPECT_EQ(untrusted.err().code, errc::forbidden);
    EXPECT_NE(untrusted.err().message.find("kms.police.example.org is not permitted"), std::string::npos)
        << untrusted.err().message;

    auto without_own = verify_i_message(fire_->key_set(bob), {police_->certificate}, sent->bytes, t0);
    ASSERT_FALSE(without_own);
    EXPECT_EQ(without_own.err().code, errc::invalid_argument);
    EXPECT_NE(without_own.err().message.find("kms.fire.example.org"), std::string::npos);
}

TEST_F(key_establishment_test, when_the_key_set_does_not_validate_then_verify_refuses_before_the_message) {
    auto keys = fire_->key_set(bob);
    keys.user_signing_key_ssk = police_->key_set(bob).user_signing_key_ssk;
    auto verified = verify_i_message(keys, {fire_->certificate, police_->certificate}, "not even a message", t0);
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.err().code, errc::unauthenticated);
    EXPECT_NE(verified.err().message.find("SSK"), std::string::npos) << verified.err().message;
}

TEST_F(key_establishment_test, when_the_initiator_is_of_an_external_domain_then_its_use_is_reported) {
    auto bobs = bob_material();
    auto sent = send_i_message(alice_material(), bob, "kms.fire.example.org", t0);
    ASSERT_TRUE(sent) << sent.err().message;
    auto received = receive_i_message(bobs, sent->bytes, t0);
    ASSERT_TRUE(received) << received.err().message;
    EXPECT_TRUE(uses_external_domain(bobs, *received));
    fake_kms_client kms(*fire_, bob);
    auto reported = report_external_domain_use(kms, bobs, *received, t0);
    ASSERT_TRUE(reported) << reported.err().message;
    EXPECT_TRUE(*reported);
    ASSERT_EQ(kms.reports.size(), 1u);
    EXPECT_EQ(kms.reports[0].external_kms_uri, "kms.police.example.org");
    EXPECT_EQ(kms.reports[0].peer_uri, alice);
    EXPECT_EQ(kms.reports[0].used_at, t0);

    kms.errors["report"] = support::make_error(errc::unavailable, "the KMS refused the use report (400)");
    EXPECT_FALSE(report_external_domain_use(kms, bobs, *received, t0));
}

TEST_F(key_establishment_test, when_identities_are_hidden_then_the_use_is_reported_with_the_uid_until_confirmed) {
    auto bobs = bob_material();
    auto sent = send_i_message(alice_material(), bob, "kms.fire.example.org", t0, mikey::identity_form::uid);
    ASSERT_TRUE(sent) << sent.err().message;
    EXPECT_EQ(sent->bytes.find(alice), std::string::npos);
    auto received = receive_i_message(bobs, sent->bytes, t0);
    ASSERT_TRUE(received) << received.err().message;
    EXPECT_EQ(received->ssv, sent->ssv);
    EXPECT_EQ(received->initiator_uri, "");
    fake_kms_client kms(*fire_, bob);
    ASSERT_TRUE(report_external_domain_use(kms, bobs, *received, t0));
    ASSERT_TRUE(mikey::confirm_initiator(*received, alice));
    ASSERT_TRUE(report_external_domain_use(kms, bobs, *received, t0));
    ASSERT_EQ(kms.reports.size(), 2u);
    EXPECT_EQ(kms.reports[0].peer_uri, support::hex_encode(received->initiator_uid));
    EXPECT_EQ(kms.reports[1].peer_uri, alice);
}

TEST_F(key_establishment_test, when_the_initiator_is_of_the_own_domain_then_nothing_is_reported) {
    const auto carol = "sip:carol@fire.example.org";
    auto sent = send_i_message(fire_->material_of(carol), bob, "", t0);
    ASSERT_TRUE(sent) << sent.err().message;
    auto bobs = bob_material();
    auto received = receive_i_message(bobs, sent->bytes, t0);
    ASSERT_TRUE(received) << received.err().message;
    EXPECT_FALSE(uses_external_domain(bobs, *received));
    fake_kms_client kms(*fire_, bob);
    auto reported = report_external_domain_use(kms, bobs, *received, t0);
    ASSERT_TRUE(reported);
    EXPECT_FALSE(*reported);
    EXPECT_TRUE(kms.calls.empty());
}

} // namespace
} // namespace mcprov::kmc::testing
