#include <gtest/gtest.h>

#include "kms_fixture.hpp"
#include "mcprov/kms/certificate_cache.hpp"
#include "mcprov/kms/external_domain_use_report.hpp"
#include "mcprov/kms/key_provisioning.hpp"
#include "mcprov/kms/kms_init.hpp"
#include "mcprov/kms/security_domain_policy.hpp"
#include "mcprov/mikey/user_identifier.hpp"

namespace mcprov::kms {
namespace {

using namespace testing;
using support::errc;
using namespace std::chrono_literals;

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

using kms_procedure_test = kms_domain_fixture;

TEST_F(kms_procedure_test, when_init_runs_then_it_gives_the_domains_root_certificate_to_anyone) {
    auto init = kms_init(domain_).run(mallory);
    EXPECT_EQ(init.certificate, domain_->certificate());
    EXPECT_EQ(init.certificate.role, kms_interface::kms_role::root);
    EXPECT_EQ(init.certificate.kms_uri, police);
}

TEST_F(kms_procedure_test, when_a_member_asks_for_keys_then_one_key_set_of_the_current_period_is_issued) {
    auto prov = key_provisioning(domain_).run(alice, std::nullopt, std::nullopt);
    ASSERT_TRUE(prov) << prov.err().message;
    ASSERT_EQ(prov->key_sets.size(), 1u);
    const auto& set = prov->key_sets.front();
    EXPECT_EQ(set.user_uri, alice);
    EXPECT_EQ(static_cast<std::uint64_t>(set.key_period_no), domain_->current_key_period().value());
    EXPECT_EQ(set.valid_from, mikey::key_period_start(set.key_period_no, domain_->periods()).value());

    auto own = key_provisioning(domain_).run(alice, alice, std::nullopt);
    ASSERT_TRUE(own) << own.err().message;
}

TEST_F(kms_procedure_test, when_the_time_names_the_next_period_then_its_keys_are_issued_and_later_ones_refused) {
    key_provisioning keyprov(domain_);
    auto ntp = [](std::chrono::system_clock::time_point t) { return mikey::to_ntp_timestamp(t).value(); };
    auto next = keyprov.run(alice, alice, ntp(test_start() + 1h));
    ASSERT_TRUE(next) << next.err().message;
    EXPECT_EQ(static_cast<std::uint64_t>(next->key_sets.front().key_period_no),
              domain_->current_key_period().value() + 1);
    for (auto when : {test_start() + 3h, test_start() - 2h}) {
        auto refused = keyprov.run(alice, alice, ntp(when));
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.err().code, errc::invalid_argument);
    }
}

TEST_F(kms_procedure_test, when_keys_of_another_uri_or_for_a_non_member_are_asked_then_they_are_forbidden) {
    key_provisioning keyprov(domain_);
    auto other = keyprov.run(alice, std::string("sip:group-7@police.example.org"), std::nullopt);
    ASSERT_FALSE(other);
    EXPECT_EQ(other.err().code, errc::forbidden);
    EXPECT_TRUE(contains(other.err().message, "group keys")) << other.err().message;
    auto outsider = keyprov.run(mallory, std::nullopt, std::nullopt);
    ASSERT_FALSE(outsider);
    EXPECT_EQ(outsider.err().code, errc::forbidden);
    EXPECT_TRUE(contains(outsider.err().message, "not a member of " + police)) << outsider.err().message;
}

TEST_F(kms_procedure_test, when_a_uri_in_the_path_has_control_characters_then_the_refusal_shows_them_escaped) {
    auto refused = key_provisioning(domain_).run(alice, std::string("sip:x\r\n\x01@y"), std::nullopt);
    ASSERT_FALSE(refused);
    EXPECT_FALSE(contains(refused.err().message, "\r\n"));
    EXPECT_TRUE(contains(refused.err().message, "sip:x\\x0d\\x0a\\x01@y")) << refused.err().message;
}

TEST_F(kms_procedure_test, when_the_cache_number_is_current_then_the_cache_holds_no_certificates) {
    ASSERT_TRUE(domain_->store().permit("kms.fire.example.org", external_certificate("kms.fire.example.org")));
    ASSERT_TRUE(
        domain_->store().permit("kms.ambulance.example.org", external_certificate("kms.ambulance.example.org")));
    ASSERT_TRUE(domain_->store().revoke("kms.fire.example.org", "misuse", test_start()));
    certificate_cache certcache(std::make_shared<security_domain_store>(documents_), police);

    auto full = certcache.run(alice, std::nullopt);
    ASSERT_TRUE(full) << full.err().message;
    EXPECT_EQ(full->cache_num, 3);
    ASSERT_EQ(full->certificates.size(), 2u);
    EXPECT_EQ(full->certificates[0].kms_uri, "kms.ambulance.example.org");
    EXPECT_FALSE(full->certificates[0].revoked);
    EXPECT_EQ(full->certificates[1].kms_uri, "kms.fire.example.org");
    EXPECT_TRUE(full->certificates[1].revoked);
    for (const auto& c : full->certificates) {
        EXPECT_EQ(c.role, kms_interface::kms_role::external);
    }
    auto older = certcache.run(alice, 2);
    ASSERT_TRUE(older);
    EXPECT_EQ(older->certificates.size(), 2u);
    auto current = certcache.run(alice, 3);
    ASSERT_TRUE(current);
    EXPECT_EQ(current->cache_num, 3);
    EXPECT_TRUE(current->certificates.empty());
}

TEST_F(kms_procedure_test, when_a_non_member_asks_for_the_certificate_cache_then_it_is_forbidden) {
    auto refused = certificate_cache(std::make_shared<security_domain_store>(documents_), police).run(mallory, {});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.err().code, errc::forbidden);
}

class kms_use_report_test : public kms_domain_fixture {
protected:
    void SetUp() override {
        kms_domain_fixture::SetUp();
        ASSERT_TRUE(domain_->store().permit("kms.fire.example.org", external_certificate("kms.fire.example.org")));
    }
    external_domain_use_report procedure() {
        return external_domain_use_report(std::make_shared<security_domain_store>(documents_), police, clock_);
    }
};

TEST_F(kms_use_report_test, when_a_member_reports_then_the_report_is_kept_with_the_clocks_time_and_the_policy) {
    clock_->advance(90s);
    auto kept = procedure().run(alice, R"({"external_kms_uri":"kms.fire.example.org",)"
                                       R"("peer_uri":"sip:bob@fire.example.org","used_at":"2026-11-29T11:59:00Z"})");
    ASSERT_TRUE(kept) << kept.err().message;
    EXPECT_TRUE(kept->permitted);
    auto stored = domain_->store().uses(alice).value();
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0].reporter, alice);
    EXPECT_EQ(stored[0].peer_uri, "sip:bob@fire.example.org");
    EXPECT_EQ(stored[0].used_at, test_start() - 60s);
    EXPECT_EQ(stored[0].received_at, test_start() + 90s);
    EXPECT_TRUE(stored[0].permitted);
}

TEST_F(kms_use_report_test, when_the_domain_is_revoked_or_unknown_then_the_report_is_kept_as_not_permitted) {
    ASSERT_TRUE(domain_->store().revoke("kms.fire.example.org", "misuse", test_start()));
    for (const auto* domain : {"kms.fire.example.org", "kms.rogue.example.org"}) {
        auto kept = procedure().run(alice, std::string(R"({"external_kms_uri":")") + domain +
                                               R"(","peer_uri":"sip:eve@x","used_at":"2026-11-29T11:00:00Z"})");
        ASSERT_TRUE(kept) << kept.err().message;
        EXPECT_FALSE(kept->permitted);
        EXPECT_EQ(kept->revoked, std::string(domain) == "kms.fire.example.org");
    }
    EXPECT_EQ(domain_->store().uses(alice)->size(), 2u);
}

TEST_F(kms_use_report_test, when_a_report_has_an_unknown_member_then_it_is_refused_naming_the_member) {
    auto refused = procedure().run(alice, R"({"external_kms_uri":"kms.fire.example.org","peer_uri":"sip:b@x",)"
                                          R"("used_at":"2026-11-29T11:00:00Z","reporter":"sip:someone@else"})");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.err().code, errc::invalid_argument);
    EXPECT_TRUE(contains(refused.err().message, "\"reporter\"")) << refused.err().message;
    EXPECT_TRUE(domain_->store().uses(alice)->empty());
}

TEST_F(kms_use_report_test, when_a_report_is_not_an_object_with_the_three_fields_then_it_is_refused) {
    for (const std::string& bad :
         {std::string("[]"), std::string("{"), std::string(R"({"external_kms_uri":"x","peer_uri":"y"})"),
          std::string(R"({"external_kms_uri":"x","peer_uri":"y","used_at":"yesterday"})"),
          std::string(R"({"external_kms_uri":7,"peer_uri":"y","used_at":"2026-11-29T11:00:00Z"})"),
          std::string(R"({"external_kms_uri":"a b","peer_uri":"y","used_at":"2026-11-29T11:00:00Z"})")}) {
        auto refused = procedure().run(alice, bad);
        ASSERT_FALSE(refused) << bad;
        EXPECT_EQ(refused.err().code, errc::invalid_argument) << bad;
    }
    EXPECT_TRUE(domain_->store().uses(alice)->empty());
}

TEST_F(kms_use_report_test, when_the_reporter_is_not_a_member_then_it_is_forbidden_before_the_report_is_read) {
    auto refused = procedure().run(mallory, "not even JSON");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.err().code, errc::forbidden);
}

TEST_F(kms_use_report_test, when_the_store_fails_then_the_report_is_unavailable_without_the_cause) {
    documents_->set(breakable_store::mode::fails);
    auto refused = procedure().run(alice, R"({"external_kms_uri":"kms.fire.example.org","peer_uri":"sip:b@x",)"
                                          R"("used_at":"2026-11-29T11:00:00Z"})");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.err().code, errc::unavailable);
    EXPECT_FALSE(contains(refused.err().message, "/var/lib")) << refused.err().message;
}

TEST_F(kms_procedure_test, when_the_policy_is_read_then_it_lists_members_permitted_and_revoked_domains) {
    ASSERT_TRUE(domain_->store().add_member("sip:dave@example.org"));
    ASSERT_TRUE(domain_->store().permit("kms.fire.example.org", external_certificate("kms.fire.example.org")));
    ASSERT_TRUE(
        domain_->store().permit("kms.ambulance.example.org", external_certificate("kms.ambulance.example.org")));
    ASSERT_TRUE(domain_->store().revoke("kms.fire.example.org", "", test_start()));
    auto policy = security_domain_policy(std::make_shared<security_domain_store>(documents_), police).run();
    ASSERT_TRUE(policy) << policy.err().message;
    EXPECT_EQ(policy->kms_uri, police);
    EXPECT_EQ(policy->cache_number, 3);
    EXPECT_EQ(policy->members, (std::vector<std::string>{alice, "sip:dave@example.org"}));
    EXPECT_EQ(policy->permitted_external, std::vector<std::string>{"kms.ambulance.example.org"});
    EXPECT_EQ(policy->revoked_external, std::vector<std::string>{"kms.fire.example.org"});

    documents_->set(breakable_store::mode::fails);
    auto failed = security_domain_policy(std::make_shared<security_domain_store>(documents_), police).run();
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.err().code, errc::unavailable);
    EXPECT_FALSE(contains(failed.err().message, "/var/lib"));
}

} // namespace
} // namespace mcprov::kms
