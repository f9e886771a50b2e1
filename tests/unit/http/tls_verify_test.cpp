#include <gtest/gtest.h>

#include "mcprov/http/tls.hpp"

namespace mcprov::http {
namespace {

using namespace std::chrono_literals;
using support::errc;

class http_verify_certificate : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto a = create_certificate_authority("mcx-b test CA", 1h);
        ASSERT_TRUE(a) << a.err().message;
        auto b = create_certificate_authority("mcx-c test CA", 1h);
        ASSERT_TRUE(b) << b.err().message;
        ca_ = new certificate_and_key(*a);
        other_ca_ = new certificate_and_key(*b);
    }
    static void TearDownTestSuite() {
        delete ca_;
        delete other_ca_;
    }

    static std::string leaf(const certificate_and_key& ca, const std::string& common_name,
                            const std::vector<std::string>& dns_names, std::chrono::hours validity = 1h) {
        auto cert = issue_certificate(ca, common_name, dns_names, {}, certificate_usage::server_and_client, validity);
        EXPECT_TRUE(cert) << cert.err().message;
        return cert ? cert->certificate_pem : std::string();
    }

    static void expect_forbidden(const support::result<void>& r, const std::string& message_start) {
        ASSERT_FALSE(r) << "expected refusal: " << message_start;
        EXPECT_EQ(r.err().code, errc::forbidden) << r.err().message;
        EXPECT_TRUE(r.err().message.starts_with(message_start)) << r.err().message;
    }

    static certificate_and_key* ca_;
    static certificate_and_key* other_ca_;
};

certificate_and_key* http_verify_certificate::ca_ = nullptr;
certificate_and_key* http_verify_certificate::other_ca_ = nullptr;

TEST_F(http_verify_certificate, when_leaf_of_the_ca_names_the_host_then_accepted) {
    auto cert = leaf(*ca_, "cms.mcx-b.example.org", {"cms.mcx-b.example.org", "cscm.mcx-b.example.org"});
    auto r = verify_certificate(cert, ca_->certificate_pem, "cms.mcx-b.example.org");
    EXPECT_TRUE(r) << r.err().message;
    auto second = verify_certificate(cert, ca_->certificate_pem, "cscm.mcx-b.example.org");
    EXPECT_TRUE(second) << second.err().message;
}

TEST_F(http_verify_certificate, when_leaf_names_another_host_then_forbidden) {
    auto cert = leaf(*ca_, "cms.mcx-b.example.org", {"cms.mcx-b.example.org"});
    auto r = verify_certificate(cert, ca_->certificate_pem, "cms.mcx-c.example.org");
    expect_forbidden(r, "the certificate does not name cms.mcx-c.example.org");
    expect_forbidden(verify_certificate(cert, ca_->certificate_pem, "mcx-b.example.org"),
                     "the certificate does not name");
    expect_forbidden(verify_certificate(cert, ca_->certificate_pem, "evil.cms.mcx-b.example.org"),
                     "the certificate does not name");
}

TEST_F(http_verify_certificate, when_leaf_names_the_host_only_by_a_wildcard_then_forbidden) {
    auto by_alt_name = leaf(*ca_, "*.mcx-b.example.org", {"*.mcx-b.example.org"});
    expect_forbidden(verify_certificate(by_alt_name, ca_->certificate_pem, "cms.mcx-b.example.org"),
                     "the certificate does not name cms.mcx-b.example.org");
    auto by_common_name = leaf(*ca_, "*.mcx-b.example.org", {});
    expect_forbidden(verify_certificate(by_common_name, ca_->certificate_pem, "cms.mcx-b.example.org"),
                     "the certificate does not name");
}

TEST_F(http_verify_certificate, when_leaf_names_the_host_in_other_case_then_accepted) {
    auto cert = leaf(*ca_, "CMS.mcx-b.example.org", {"CMS.MCX-B.example.org"});
    auto r = verify_certificate(cert, ca_->certificate_pem, "cms.mcx-b.example.org");
    EXPECT_TRUE(r) << r.err().message;
}

TEST_F(http_verify_certificate, when_leaf_is_of_another_ca_then_not_trusted) {
    auto cert = leaf(*other_ca_, "cms.mcx-b.example.org", {"cms.mcx-b.example.org"});
    expect_forbidden(verify_certificate(cert, ca_->certificate_pem, "cms.mcx-b.example.org"),
                     "certificate not trusted: ");
}

TEST_F(http_verify_certificate, when_bundle_holds_two_cas_then_leaves_of_either_are_accepted) {
    const std::string bundle = ca_->certificate_pem + other_ca_->certificate_pem;
    auto of_first = leaf(*ca_, "cms.mcx-b.example.org", {"cms.mcx-b.example.org"});
    auto of_second = leaf(*other_ca_, "cms.mcx-c.example.org", {"cms.mcx-c.example.org"});
    auto first = verify_certificate(of_first, bundle, "cms.mcx-b.example.org");
    EXPECT_TRUE(first) << first.err().message;
    auto second = verify_certificate(of_second, bundle, "cms.mcx-c.example.org");
    EXPECT_TRUE(second) << second.err().message;
    // Either CA vouches only for its own leaves' names: the bundle does not mix them up.
    expect_forbidden(verify_certificate(of_second, bundle, "cms.mcx-b.example.org"), "the certificate does not name");
}

TEST_F(http_verify_certificate, when_certificate_is_not_pem_then_invalid_argument) {
    for (const std::string& garbage :
         {std::string(), std::string("not a certificate"),
          std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), ca_->private_key_pem}) {
        auto r = verify_certificate(garbage, ca_->certificate_pem, "cms.mcx-b.example.org");
        ASSERT_FALSE(r) << garbage;
        EXPECT_EQ(r.err().code, errc::invalid_argument) << r.err().message;
        EXPECT_EQ(r.err().message, "the certificate is not valid PEM");
    }
}

TEST_F(http_verify_certificate, when_ca_bundle_has_no_certificate_then_invalid_argument) {
    auto cert = leaf(*ca_, "cms.mcx-b.example.org", {"cms.mcx-b.example.org"});
    for (const std::string& bundle : {std::string(), std::string("garbage\n"), ca_->private_key_pem}) {
        auto r = verify_certificate(cert, bundle, "cms.mcx-b.example.org");
        ASSERT_FALSE(r) << bundle;
        EXPECT_EQ(r.err().code, errc::invalid_argument) << r.err().message;
        EXPECT_EQ(r.err().message, "no CA certificate in the trusted bundle");
    }
}

TEST_F(http_verify_certificate, when_certificate_has_no_subject_alt_name_then_its_common_name_is_matched) {
    auto cert = leaf(*ca_, "cms.mcx-b.example.org", {});
    auto r = verify_certificate(cert, ca_->certificate_pem, "cms.mcx-b.example.org");
    EXPECT_TRUE(r) << r.err().message;
    expect_forbidden(verify_certificate(cert, ca_->certificate_pem, "cms.mcx-c.example.org"),
                     "the certificate does not name cms.mcx-c.example.org");
}

TEST_F(http_verify_certificate, when_certificate_has_dns_names_then_its_common_name_is_not_matched) {
    // RFC 6125 6.4.4: with a DNS subjectAltName present, the common name is not a reference identifier.
    auto cert = leaf(*ca_, "legacy.mcx-b.example.org", {"cms.mcx-b.example.org"});
    expect_forbidden(verify_certificate(cert, ca_->certificate_pem, "legacy.mcx-b.example.org"),
                     "the certificate does not name legacy.mcx-b.example.org");
}

TEST_F(http_verify_certificate, when_leaf_has_expired_then_not_trusted) {
    auto cert = leaf(*ca_, "cms.mcx-b.example.org", {"cms.mcx-b.example.org"}, -1h);
    expect_forbidden(verify_certificate(cert, ca_->certificate_pem, "cms.mcx-b.example.org"),
                     "certificate not trusted: ");
}

} // namespace
} // namespace mcprov::http
