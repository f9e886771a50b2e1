#include <gtest/gtest.h>

#include "mcprov/cmc/served_profile_check.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/xml/signature.hpp"

namespace mcprov::cmc {
namespace {

using namespace std::chrono_literals;
using support::errc;

const std::string alice = "sip:alice@police.mcx-a.example.org";
const std::string partner = "mcx-b.example.org";

std::string profile_of(const std::string& xui) {
    return R"(<?xml version="1.0" encoding="UTF-8"?>)"
           R"(<mcptt-user-profile xmlns="urn:3gpp:mcptt:user-profile:1.0")" +
           (xui.empty() ? std::string() : " XUI-URI=\"" + xui + "\"") +
           R"( user-profile-index="1"><Name>alice</Name></mcptt-user-profile>)";
}

// A CA of the partner system, the certificate its CMS signs visitors' profiles with (naming the system), and
// another certificate of the same CA, for one of the system's hosts.
struct partner_keys {
    http::certificate_and_key ca;
    xml::signing_key signer;
    xml::signing_key host;

    explicit partner_keys(const std::string& name) {
        ca = http::create_certificate_authority(name + " CA", 24h).value();
        auto cert = http::issue_certificate(ca, name, {name}, {}, http::certificate_usage::server, 24h).value();
        signer = {cert.private_key_pem, cert.certificate_pem};
        auto other =
            http::issue_certificate(ca, "cms." + name, {"cms." + name}, {}, http::certificate_usage::server, 24h)
                .value();
        host = {other.private_key_pem, other.certificate_pem};
    }
};

class served_profile_check_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        b_ = new partner_keys(partner);
        other_ = new partner_keys("mcx-c.example.org");
    }
    static void TearDownTestSuite() {
        delete b_;
        delete other_;
    }

    static migration::serving_stamp stamp(const std::string& serving = partner) {
        return {serving, "mcx-a.example.org", "mcx-a-police", "migration-profile-1.xml", from_, from_ + 24h};
    }

    // What the partner serves: the profile, stamped and signed.
    static std::string served(const std::string& xui = alice, const migration::serving_stamp& s = stamp(),
                              const partner_keys* keys = b_) {
        auto stamped = migration::stamp_for_serving(profile_of(xui), s).value();
        return xml::sign_enveloped(stamped, keys->signer).value();
    }

    static support::result<checked_profile> check(const std::string& profile,
                                                  std::chrono::system_clock::time_point now = from_ + 1h,
                                                  const std::string& user = alice) {
        return check_served_profile(profile, b_->ca.certificate_pem, {partner, user}, now);
    }

    static inline const std::chrono::system_clock::time_point from_ =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) - 2h;
    static partner_keys* b_;
    static partner_keys* other_;
};

partner_keys* served_profile_check_test::b_ = nullptr;
partner_keys* served_profile_check_test::other_ = nullptr;

TEST_F(served_profile_check_test, when_the_profile_is_signed_stamped_current_and_the_users_then_it_is_valid_here) {
    auto checked = check(served());
    ASSERT_TRUE(checked) << checked.err().message;
    EXPECT_EQ(checked->stamp.serving_system, partner);
    EXPECT_EQ(checked->stamp.primary_system, "mcx-a.example.org");
    EXPECT_EQ(checked->stamp.template_name, "mcx-a-police");
    EXPECT_EQ(checked->stamp.source_profile, "migration-profile-1.xml");
    EXPECT_EQ(checked->signer_subject, "CN=mcx-b.example.org");
    EXPECT_EQ(checked->unsigned_document.find("Signature"), std::string::npos) << checked->unsigned_document;
    EXPECT_NE(checked->unsigned_document.find("<Name>alice</Name>"), std::string::npos);
}

TEST_F(served_profile_check_test, when_the_profile_is_not_signed_by_the_partners_ca_then_it_is_refused) {
    auto unsigned_profile = migration::stamp_for_serving(profile_of(alice), stamp()).value();
    auto not_signed = check(unsigned_profile);
    ASSERT_FALSE(not_signed);
    EXPECT_EQ(not_signed.err().code, errc::unauthenticated);

    auto by_another = check(served(alice, stamp(), other_));
    ASSERT_FALSE(by_another);
    EXPECT_EQ(by_another.err().code, errc::unauthenticated);
}

TEST_F(served_profile_check_test, when_the_signer_is_not_the_serving_system_itself_then_it_is_refused) {
    // The partner's CA vouches for it, but it names one of the partner's hosts, not the system.
    auto stamped = migration::stamp_for_serving(profile_of(alice), stamp()).value();
    auto checked = check(xml::sign_enveloped(stamped, b_->host).value());
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.err().code, errc::forbidden);
    EXPECT_EQ(checked.err().message, "the profile is signed by CN=cms.mcx-b.example.org, not by mcx-b.example.org");
}

TEST_F(served_profile_check_test, when_the_signed_profile_has_no_stamp_then_it_is_refused) {
    auto unstamped = xml::sign_enveloped(profile_of(alice), b_->signer).value();
    auto checked = check(unstamped);
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.err().code, errc::not_found);
}

TEST_F(served_profile_check_test, when_the_profile_is_for_another_system_then_it_is_refused) {
    auto checked = check(served(alice, stamp("mcx-c.example.org")));
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.err().code, errc::forbidden);
    EXPECT_EQ(checked.err().message, "the profile is for mcx-c.example.org, not mcx-b.example.org");
}

TEST_F(served_profile_check_test, when_now_is_outside_the_stamps_validity_then_it_is_refused) {
    const auto profile = served();
    EXPECT_TRUE(check(profile, from_));
    auto early = check(profile, from_ - 1s);
    ASSERT_FALSE(early);
    EXPECT_EQ(early.err().code, errc::forbidden);
    EXPECT_EQ(early.err().message, "the profile is valid from " + support::format_utc(from_) + " until " +
                                       support::format_utc(from_ + 24h) + ", not now");
    auto late = check(profile, from_ + 24h);
    ASSERT_FALSE(late);
    EXPECT_EQ(late.err().code, errc::forbidden);
}

TEST_F(served_profile_check_test, when_the_profile_is_another_users_then_it_is_refused) {
    const auto bob = "sip:bob@fire.mcx-a.example.org";
    auto others = check(served(), from_ + 1h, bob);
    ASSERT_FALSE(others);
    EXPECT_EQ(others.err().code, errc::forbidden);
    EXPECT_EQ(others.err().message, "the profile is of " + alice + ", not " + bob);

    auto nobodys = check(served(""));
    ASSERT_FALSE(nobodys);
    EXPECT_EQ(nobodys.err().message, "the profile is of no user (no XUI-URI), not " + alice);
}

} // namespace
} // namespace mcprov::cmc
