#include <gtest/gtest.h>

#include "mcprov/http/tls.hpp"
#include "mcprov/kms_interface/kms_redirect_response.hpp"

namespace mcprov::kms_interface {
namespace {

using namespace std::chrono_literals;
using support::errc;

// TS 33.180 D.4.3's story: processor 1 refuses the responder's KMS and offers two; processor 2 accepts only one.
kms_redirect_response first_krr() {
    return {.time = std::chrono::system_clock::time_point(1'800'000'000s),
            .redirector = "sip:processor.1@example.org",
            .initiator = "sip:initiator@example.org",
            .responder = "sip:receiver@example.org",
            .role = krr_role::responder,
            .rejected_kms = "kms.reject.example.org",
            .acceptable = {"kms.option1.example.org", "kms.option2.example.org"},
            .reason = "the receiver is not in kms.reject.example.org",
            .embedded = std::nullopt};
}

kms_redirect_response narrowing(std::string received) {
    auto k = first_krr();
    k.redirector = "sip:processor.2@example.org";
    k.acceptable = {"kms.option1.example.org"};
    k.reason = "kms.option2.example.org is not permitted here";
    k.embedded = std::move(received);
    return k;
}

struct pki {
    http::certificate_and_key ca;
    http::certificate_and_key other_ca;
    http::certificate_and_key as1;
    http::certificate_and_key as2;
};

const pki& keys() {
    static const pki instance = [] {
        pki out;
        out.ca = http::create_certificate_authority("MC system CA", 48h).value();
        out.other_ca = http::create_certificate_authority("another CA", 48h).value();
        out.as1 = http::issue_certificate(out.ca, "processor.1.example.org", {}, {}, http::certificate_usage::client, 24h)
                      .value();
        out.as2 = http::issue_certificate(out.ca, "processor.2.example.org", {}, {}, http::certificate_usage::client, 24h)
                      .value();
        return out;
    }();
    return instance;
}

xml::signer key_of(const http::certificate_and_key& c) {
    return xml::signer::read({c.private_key_pem, c.certificate_pem}).value();
}

TEST(kms_redirect_response, when_a_krr_is_encoded_then_it_reads_back_the_same) {
    auto text = encode_kms_redirect_response(first_krr());
    ASSERT_TRUE(text) << text.err().message;
    EXPECT_NE(text->find("<KmsRedirectResponse xmlns=\"urn:3gpp:ns:mcsecKMSKRR:1.0\""), std::string::npos) << *text;
    auto back = decode_kms_redirect_response(*text);
    ASSERT_TRUE(back) << back.err().message;
    EXPECT_EQ(back->krr, first_krr());
    EXPECT_FALSE(back->is_signed);
    EXPECT_EQ(back->nesting, 0u);
}

TEST(kms_redirect_response, when_a_server_narrows_a_signed_krr_then_both_signatures_verify_and_the_first_is_intact) {
    auto first = sign_kms_redirect_response(first_krr(), key_of(keys().as1));
    ASSERT_TRUE(first) << first.err().message;
    auto second = sign_kms_redirect_response(narrowing(*first), key_of(keys().as2));
    ASSERT_TRUE(second) << second.err().message;

    auto read = decode_kms_redirect_response(*second);
    ASSERT_TRUE(read) << read.err().message;
    EXPECT_TRUE(read->is_signed);
    EXPECT_EQ(read->nesting, 1u);
    EXPECT_EQ(read->krr.acceptable, (std::vector<std::string>{"kms.option1.example.org"}));
    auto inner = decode_kms_redirect_response(read->krr.embedded.value());
    ASSERT_TRUE(inner) << inner.err().message;
    EXPECT_EQ(inner->krr.acceptable.size(), 2u);

    auto signers = verify_kms_redirect_response(*second, keys().ca.certificate_pem);
    ASSERT_TRUE(signers) << signers.err().message;
    ASSERT_EQ(signers->subjects.size(), 2u);
    EXPECT_NE(signers->subjects[0].find("processor.2.example.org"), std::string::npos);
    EXPECT_NE(signers->subjects[1].find("processor.1.example.org"), std::string::npos);
    EXPECT_NE(second->find("http://www.w3.org/TR/2001/REC-xml-c14n-20010315"), std::string::npos);
}

TEST(kms_redirect_response, when_an_embedded_krr_was_changed_then_verification_says_which) {
    auto first = sign_kms_redirect_response(first_krr(), key_of(keys().as1));
    ASSERT_TRUE(first);
    // Processor 2 "narrows" by editing what it received instead of wrapping it, then signs its own.
    std::string edited = *first;
    edited.replace(edited.find("kms.option2.example.org"), 23, "kms.option3.example.org");
    auto second = sign_kms_redirect_response(narrowing(edited), key_of(keys().as2));
    ASSERT_TRUE(second) << second.err().message;
    auto verified = verify_kms_redirect_response(*second, keys().ca.certificate_pem);
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.err().code, errc::unauthenticated);
    EXPECT_NE(verified.err().message.find("embedded 1 deep"), std::string::npos) << verified.err().message;

    EXPECT_EQ(verify_kms_redirect_response(*first, keys().other_ca.certificate_pem).err().code, errc::unauthenticated);
    EXPECT_EQ(verify_kms_redirect_response(*encode_kms_redirect_response(first_krr()), keys().ca.certificate_pem)
                  .err()
                  .code,
              errc::unauthenticated);
}

TEST(kms_redirect_response, when_krrs_are_embedded_too_deep_then_the_decoder_refuses) {
    auto text = encode_kms_redirect_response(first_krr()).value();
    for (std::size_t i = 0; i < max_krr_nesting; ++i) {
        auto next = encode_kms_redirect_response(narrowing(text));
        ASSERT_TRUE(next) << i << ": " << next.err().message;
        text = *next;
    }
    EXPECT_EQ(decode_kms_redirect_response(text).value().nesting, max_krr_nesting);
    EXPECT_FALSE(encode_kms_redirect_response(narrowing(text)));
}

TEST(kms_redirect_response, when_a_document_is_not_a_krr_then_the_error_is_precise) {
    EXPECT_EQ(decode_kms_redirect_response("<KmsRedirectResponse/>").err().code, errc::invalid_argument);
    EXPECT_EQ(decode_kms_redirect_response("not xml").err().code, errc::not_well_formed);
    EXPECT_EQ(decode_kms_redirect_response(std::string(max_krr_bytes + 1, ' ')).err().code, errc::too_large);
    auto missing = std::string(R"(<KmsRedirectResponse xmlns="urn:3gpp:ns:mcsecKMSKRR:1.0" Version="1.0.0">)"
                               "<Time>2026-12-07T10:00:00Z</Time></KmsRedirectResponse>");
    EXPECT_EQ(decode_kms_redirect_response(missing).err().code, errc::schema_invalid);
    auto bad = first_krr();
    bad.acceptable.push_back("kms with spaces and \x01");
    EXPECT_EQ(encode_kms_redirect_response(bad).err().code, errc::invalid_argument);
    bad = first_krr();
    bad.embedded = "<NotAKrr/>";
    EXPECT_EQ(encode_kms_redirect_response(bad).err().code, errc::invalid_argument);
}

} // namespace
} // namespace mcprov::kms_interface
