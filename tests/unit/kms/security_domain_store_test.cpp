#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "mcprov/kms/security_domain_store.hpp"

namespace mcprov::kms {
namespace {

using support::errc;
using namespace std::chrono_literals;

class security_domain_store_test : public ::testing::Test {
protected:
    void SetUp() override {
        auto db = store::create_sqlite_document_store(dir_.path() / "kms.db");
        ASSERT_TRUE(db) << db.err().message;
        documents_ = std::move(db).value();
        domain_ = std::make_unique<security_domain_store>(documents_);
    }

    testing::temp_dir dir_;
    std::shared_ptr<store::document_store> documents_;
    std::unique_ptr<security_domain_store> domain_;
};

TEST_F(security_domain_store_test, when_master_secrets_are_stored_twice_then_the_second_is_refused) {
    auto none = domain_->sealed_master_secrets();
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
    ASSERT_TRUE(domain_->store_sealed_master_secrets("first"));
    auto second = domain_->store_sealed_master_secrets("second");
    ASSERT_FALSE(second);
    EXPECT_EQ(second.err().code, errc::conflict);
    EXPECT_EQ(domain_->sealed_master_secrets()->value().sealed, "first");
}

TEST_F(security_domain_store_test, when_members_are_added_and_removed_then_membership_follows) {
    ASSERT_TRUE(domain_->add_member("sip:alice@police.example.org"));
    ASSERT_TRUE(domain_->add_member("sip:bob@police.example.org"));
    ASSERT_TRUE(domain_->add_member("sip:alice@police.example.org"));
    EXPECT_TRUE(domain_->is_member("sip:alice@police.example.org").value());
    EXPECT_FALSE(domain_->is_member("sip:carol@police.example.org").value());
    EXPECT_EQ(domain_->members().value(),
              (std::vector<std::string>{"sip:alice@police.example.org", "sip:bob@police.example.org"}));
    ASSERT_TRUE(domain_->remove_member("sip:alice@police.example.org"));
    EXPECT_FALSE(domain_->is_member("sip:alice@police.example.org").value());
    auto again = domain_->remove_member("sip:alice@police.example.org");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.err().code, errc::not_found);
}

TEST_F(security_domain_store_test, when_a_member_uri_has_spaces_or_control_characters_then_it_is_refused) {
    for (const std::string& bad : std::vector<std::string>{"", "sip:a b@x", "sip:a\n@x", std::string(1025, 'a')}) {
        auto added = domain_->add_member(bad);
        ASSERT_FALSE(added) << bad;
        EXPECT_EQ(added.err().code, errc::invalid_argument);
    }
}

TEST_F(security_domain_store_test, when_the_permitted_set_changes_then_the_cache_number_changes) {
    auto empty = domain_->external_domains();
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->domains.empty());
    ASSERT_TRUE(domain_->permit("kms.fire.example.org", "<fire/>"));
    ASSERT_TRUE(domain_->permit("kms.ambulance.example.org", "<ambulance/>"));
    auto two = domain_->external_domains();
    ASSERT_TRUE(two);
    ASSERT_EQ(two->domains.size(), 2u);
    EXPECT_EQ(two->domains[0].kms_uri, "kms.ambulance.example.org");
    EXPECT_EQ(two->domains[1].certificate_xml, "<fire/>");
    EXPECT_GT(two->cache_number, empty->cache_number);

    ASSERT_TRUE(domain_->withdraw("kms.ambulance.example.org"));
    auto one = domain_->external_domains();
    ASSERT_EQ(one->domains.size(), 1u);
    EXPECT_GT(one->cache_number, two->cache_number);
    auto absent = domain_->withdraw("kms.ambulance.example.org");
    ASSERT_FALSE(absent);
    EXPECT_EQ(absent.err().code, errc::not_found);
}

TEST_F(security_domain_store_test, when_a_certificate_is_revoked_then_it_stays_listed_as_revoked) {
    ASSERT_TRUE(domain_->permit("kms.fire.example.org", "<fire/>"));
    auto before = domain_->external_domains()->cache_number;
    auto at = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
    ASSERT_TRUE(domain_->revoke("kms.fire.example.org", "misuse reported", at));
    auto cache = domain_->external_domains();
    ASSERT_EQ(cache->domains.size(), 1u);
    EXPECT_TRUE(cache->domains[0].revoked);
    EXPECT_EQ(cache->domains[0].revoked_at, at);
    EXPECT_EQ(cache->domains[0].revocation_reason, "misuse reported");
    EXPECT_GT(cache->cache_number, before);
    auto twice = domain_->revoke("kms.fire.example.org", "again", at);
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.err().code, errc::conflict);
    auto unknown = domain_->revoke("kms.unknown.example.org", "", at);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.err().code, errc::not_found);
}

TEST_F(security_domain_store_test, when_uses_are_reported_then_they_are_listed_oldest_first_per_reporter) {
    auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
    ASSERT_TRUE(domain_->record_use({"sip:bob@police.example.org", "kms.fire.example.org", "sip:carol@fire.example.org",
                                     t0, t0 + 2s, true, false}));
    ASSERT_TRUE(domain_->record_use({"sip:alice@police.example.org", "kms.evil.example.org",
                                     "sip:mallory@evil.example.org", t0, t0 + 1s, false, false}));
    auto all = domain_->uses();
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].reporter, "sip:alice@police.example.org");
    EXPECT_FALSE((*all)[0].permitted);
    EXPECT_EQ((*all)[0].used_at, t0);
    EXPECT_EQ((*all)[1].external_kms_uri, "kms.fire.example.org");
    EXPECT_TRUE((*all)[1].permitted);
    auto bobs = domain_->uses("sip:bob@police.example.org");
    ASSERT_EQ(bobs->size(), 1u);
    auto bad = domain_->record_use({"sip:bob@police.example.org", "kms.fire\x01", "x", t0, t0, true, false});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.err().code, errc::invalid_argument);
}

} // namespace
} // namespace mcprov::kms
