#include <gtest/gtest.h>

#include "fake_kms.hpp"
#include "mcprov/kmc/key_material_fetch.hpp"

namespace mcprov::kmc::testing {
namespace {

using support::errc;

const std::string alice = "sip:alice@police.example.org";

class key_material_fetch_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        police_ = new fake_domain("kms.police.example.org");
        fire_ = new fake_domain("kms.fire.example.org");
    }
    static void TearDownTestSuite() {
        delete police_;
        delete fire_;
    }

    static fake_domain* police_;
    static fake_domain* fire_;
};

fake_domain* key_material_fetch_test::police_ = nullptr;
fake_domain* key_material_fetch_test::fire_ = nullptr;

TEST_F(key_material_fetch_test, when_the_kms_answers_then_init_keyprov_and_certcache_give_validated_material) {
    fake_kms_client kms(*police_, alice);
    kms.cache.certificates = {fire_->as_external()};
    kms.cache.cache_num = 7;
    auto fetched = fetch_key_material(kms);
    ASSERT_TRUE(fetched) << fetched.err().message;
    EXPECT_EQ(kms.calls, (std::vector<std::string>{"init", "keyprov", "certcache"}));
    EXPECT_EQ(fetched->material.own, police_->certificate);
    EXPECT_EQ(fetched->material.keys.user_uri, alice);
    ASSERT_EQ(fetched->material.external.size(), 1u);
    EXPECT_EQ(fetched->material.external[0].kms_uri, "kms.fire.example.org");
    EXPECT_EQ(fetched->cache_num, 7);
}

TEST_F(key_material_fetch_test, when_a_step_fails_then_the_error_names_it_and_the_later_steps_do_not_run) {
    fake_kms_client kms(*police_, alice);
    kms.errors["keyprov"] = support::make_error(errc::forbidden, "KmsError 403: not a member");
    auto fetched = fetch_key_material(kms);
    ASSERT_FALSE(fetched);
    EXPECT_EQ(fetched.err().code, errc::forbidden);
    EXPECT_EQ(fetched.err().message, "keyprov: KmsError 403: not a member");
    EXPECT_EQ(kms.calls, (std::vector<std::string>{"init", "keyprov"}));

    fake_kms_client unreachable(*police_, alice);
    unreachable.errors["init"] = support::make_error(errc::unavailable, "connection refused");
    EXPECT_EQ(fetch_key_material(unreachable).err().message, "init: connection refused");
    fake_kms_client no_cache(*police_, alice);
    no_cache.errors["certcache"] = support::make_error(errc::unavailable, "timed out");
    EXPECT_EQ(fetch_key_material(no_cache).err().message, "certcache: timed out");
}

TEST_F(key_material_fetch_test, when_the_keys_are_not_those_of_the_kms_certificate_then_nothing_is_fetched) {
    fake_kms_client kms(*police_, alice);
    kms.key_set = fire_->key_set(alice);
    kms.key_set->kms_uri = police_->certificate.kms_uri; // claims police, issued by fire's secrets
    auto fetched = fetch_key_material(kms);
    ASSERT_FALSE(fetched);
    EXPECT_EQ(fetched.err().code, errc::unauthenticated);
    EXPECT_EQ(fetched.err().message.rfind("keyprov: ", 0), 0u) << fetched.err().message;
    EXPECT_EQ(kms.calls, (std::vector<std::string>{"init", "keyprov"}));
}

} // namespace
} // namespace mcprov::kmc::testing
