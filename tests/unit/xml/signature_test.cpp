#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <libxml/c14n.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "../temp_dir.hpp"
#include "libxml_access.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/xml/document.hpp"
#include "mcprov/xml/schema.hpp"
#include "mcprov/xml/signature.hpp"

namespace mcprov::xml {
namespace {

using support::errc;
using namespace std::chrono_literals;

// ---------------------------------------------------------------------------------------------------------------
// Test PKI. The common case uses the project's own helpers (http::create_certificate_authority / issue_certificate);
// what they cannot make (an intermediate CA, an expired or RSA certificate, a second certificate for the same key)
// comes from OpenSSL directly.

template <auto free_function> struct deleter {
    template <class T> void operator()(T* p) const noexcept { free_function(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<&EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<&X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<&BIO_free>>;

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(length));
}

std::string pem_of(X509* cert) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), cert);
    return bio_text(bio.get());
}

std::string pem_of(EVP_PKEY* key) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    return bio_text(bio.get());
}

pkey_ptr read_key(const std::string& pem) {
    bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return pkey_ptr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

x509_ptr read_cert(const std::string& pem) {
    bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return x509_ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

pkey_ptr new_ec_key() {
    return pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

pkey_ptr new_rsa_key(unsigned bits) {
    return pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    ASSERT_NE(ext, nullptr);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

// A certificate for `key`, signed by issuer_key (self-signed when issuer is null), valid from now + not_before to
// now + not_after.
x509_ptr make_certificate(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                          std::chrono::seconds not_before = -5min, std::chrono::seconds not_after = 24h) {
    x509_ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(not_before.count()));
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(not_after.count()));
    X509_set_pubkey(cert.get(), key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
    X509* signer = issuer != nullptr ? issuer : cert.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
    add_extension(cert.get(), signer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_extension(cert.get(), signer, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256());
    return cert;
}

// ---------------------------------------------------------------------------------------------------------------
// Documents.

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string alice_profile() {
    return read_file(
        std::string(MCPROV_TEST_DATA) +
        "/profiles/org.3gpp.mcptt.user-profile/users/sip:alice@police.example.org/mcptt-user-profile-1.xml");
}

// `text` with the first occurrence of `from` replaced; fails the test when `from` is absent.
std::string replace_once(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << "\"" << from << "\" not found in:\n" << text;
    if (at != std::string::npos) {
        text.replace(at, from.size(), to);
    }
    return text;
}

// The <ds:Signature>...</ds:Signature> block of a signed document.
std::string signature_block(const std::string& signed_xml) {
    const auto begin = signed_xml.find("<ds:Signature");
    const auto end = signed_xml.find("</ds:Signature>");
    EXPECT_NE(begin, std::string::npos);
    EXPECT_NE(end, std::string::npos);
    if (begin == std::string::npos || end == std::string::npos) {
        return {};
    }
    return signed_xml.substr(begin, end + std::strlen("</ds:Signature>") - begin);
}

std::string text_between(const std::string& text, const std::string& open, const std::string& close) {
    const auto begin = text.find(open);
    const auto end = begin == std::string::npos ? std::string::npos : text.find(close, begin + open.size());
    if (end == std::string::npos) {
        return {};
    }
    return text.substr(begin + open.size(), end - begin - open.size());
}

std::vector<unsigned char> base64_decode(std::string text) {
    std::erase_if(text, [](char c) { return c == '\n' || c == '\r' || c == ' ' || c == '\t'; });
    std::vector<unsigned char> out(text.size());
    const int length =
        EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (length < 0) {
        return {};
    }
    std::size_t size = static_cast<std::size_t>(length);
    if (text.size() >= 1 && text[text.size() - 1] == '=') {
        --size;
    }
    if (text.size() >= 2 && text[text.size() - 2] == '=') {
        --size;
    }
    out.resize(size);
    return out;
}

// ---------------------------------------------------------------------------------------------------------------

class xml_signature : public ::testing::Test {
protected:
    struct pki {
        http::certificate_and_key ca;
        http::certificate_and_key signer;
        http::certificate_and_key other_ca;
        http::certificate_and_key other_signer;
    };

    static const pki& keys() {
        static const pki instance = [] {
            pki out;
            auto ca = http::create_certificate_authority("mcprov test CA", 48h);
            auto other_ca = http::create_certificate_authority("mcprov other CA", 48h);
            EXPECT_TRUE(ca && other_ca);
            out.ca = *ca;
            out.other_ca = *other_ca;
            auto signer =
                http::issue_certificate(out.ca, "provisioning signer", {}, {}, http::certificate_usage::client, 24h);
            auto other_signer = http::issue_certificate(out.other_ca, "provisioning signer", {}, {},
                                                        http::certificate_usage::client, 24h);
            EXPECT_TRUE(signer && other_signer);
            out.signer = *signer;
            out.other_signer = *other_signer;
            return out;
        }();
        return instance;
    }

    static signing_key signer_key() { return {keys().signer.private_key_pem, keys().signer.certificate_pem}; }
    static const std::string& trusted() { return keys().ca.certificate_pem; }

    static std::string signed_profile() {
        auto signed_xml = sign_enveloped(alice_profile(), signer_key());
        EXPECT_TRUE(signed_xml) << signed_xml.err().message;
        return signed_xml ? *signed_xml : std::string{};
    }

    static void expect_unauthenticated(const std::string& xml, const std::string& message_part,
                                       const std::string& trusted_pem = trusted()) {
        auto verified = verify_enveloped(xml, trusted_pem);
        ASSERT_FALSE(verified) << "accepted:\n" << xml;
        EXPECT_EQ(verified.err().code, errc::unauthenticated) << verified.err().message;
        EXPECT_NE(verified.err().message.find(message_part), std::string::npos) << verified.err().message;
    }
};

TEST_F(xml_signature, when_signed_then_verifies_and_reports_the_signer) {
    const std::string signed_xml = signed_profile();
    ASSERT_FALSE(signed_xml.empty());
    EXPECT_TRUE(signed_xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")) << signed_xml;
    auto verified = verify_enveloped(signed_xml, trusted());
    ASSERT_TRUE(verified) << verified.err().message << "\n" << signed_xml;
    EXPECT_EQ(verified->signer_subject, "CN=provisioning signer");
}

TEST_F(xml_signature, when_signed_then_the_signature_is_the_last_child_of_the_root_with_the_expected_algorithms) {
    const std::string signed_xml = signed_profile();
    auto doc = parse(signed_xml);
    ASSERT_TRUE(doc) << doc.err().message;
    element last;
    for (element child : doc->root().children()) {
        last = child;
    }
    ASSERT_TRUE(last);
    EXPECT_EQ(last.local_name(), "Signature");
    EXPECT_EQ(last.namespace_uri(), "http://www.w3.org/2000/09/xmldsig#");
    for (const char* expected : {
             R"(<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>)",
             R"(<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>)",
             R"(<ds:Reference URI="">)",
             R"(<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>)",
             R"(<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>)",
             R"(<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>)",
             "<ds:X509Certificate>",
         }) {
        EXPECT_NE(signed_xml.find(expected), std::string::npos) << expected << "\n" << signed_xml;
    }
}

TEST_F(xml_signature, when_verified_then_the_unsigned_document_equals_the_original) {
    const std::string original = alice_profile();
    auto verified = verify_enveloped(signed_profile(), trusted());
    ASSERT_TRUE(verified) << verified.err().message;
    auto original_doc = parse(original);
    ASSERT_TRUE(original_doc);
    EXPECT_EQ(verified->unsigned_document, original_doc->serialize());
    auto reparsed = parse(verified->unsigned_document);
    ASSERT_TRUE(reparsed) << reparsed.err().message;
    EXPECT_EQ(reparsed->root_name(), "mcptt-user-profile");
    EXPECT_EQ(verified->unsigned_document.find("Signature"), std::string::npos);
}

TEST_F(xml_signature, when_profile_signed_then_it_still_validates_against_the_rel13_schema) {
    auto schema = load_embedded_schema("ts24484-rel13/mcptt-user-profile.xsd");
    ASSERT_TRUE(schema) << schema.err().message;
    auto doc = parse(signed_profile());
    ASSERT_TRUE(doc) << doc.err().message;
    auto valid = (*schema)->validate(*doc);
    EXPECT_TRUE(valid) << valid.err().message;
}

TEST_F(xml_signature, when_element_text_or_attribute_changed_after_signing_then_unauthenticated) {
    const std::string signed_xml = signed_profile();
    const std::vector<std::pair<std::string, std::string>> edits = {
        {"<Name>Alice</Name>", "<Name>Mallory</Name>"},
        {"<Priority>5</Priority>", "<Priority>1</Priority>"},
        {"XUI-URI=\"sip:alice@police.example.org\"", "XUI-URI=\"sip:mallory@police.example.org\""},
        {"<entry index=\"g2\">", "<entry index=\"g3\">"},
        {"<allow-regroup>false</allow-regroup>", "<allow-regroup>true</allow-regroup>"},
        {"</MCPTTGroupInfo>",
         "<entry index=\"g9\"><uri-entry>sip:extra@groups.example.org</uri-entry></entry></MCPTTGroupInfo>"},
        {"<display-name>Patrol</display-name>", ""},
        {"xmlns=\"urn:3gpp:mcptt:user-profile:1.0\"", "xmlns=\"urn:3gpp:mcptt:user-profile:2.0\""},
    };
    for (const auto& [from, to] : edits) {
        SCOPED_TRACE(from + " -> " + to);
        expect_unauthenticated(replace_once(signed_xml, from, to),
                               "the signature does not verify: the document does not match its digest");
    }
}

TEST_F(xml_signature, when_signature_value_or_signed_info_changed_then_the_signature_does_not_verify) {
    const std::string signed_xml = signed_profile();
    const std::string value = text_between(signed_xml, "<ds:SignatureValue>", "</ds:SignatureValue>");
    ASSERT_GT(value.size(), 8u);
    std::string flipped = value;
    flipped[4] = flipped[4] == 'A' ? 'B' : 'A';
    expect_unauthenticated(replace_once(signed_xml, value, flipped), "the signature does not verify");

    const std::string digest = text_between(signed_xml, "<ds:DigestValue>", "</ds:DigestValue>");
    ASSERT_GT(digest.size(), 8u);
    std::string other_digest = digest;
    other_digest[2] = other_digest[2] == 'A' ? 'B' : 'A';
    expect_unauthenticated(replace_once(signed_xml, digest, other_digest), "the signature does not verify");
}

TEST_F(xml_signature, when_signed_by_a_certificate_of_another_ca_then_not_trusted) {
    auto signed_xml =
        sign_enveloped(alice_profile(), {keys().other_signer.private_key_pem, keys().other_signer.certificate_pem});
    ASSERT_TRUE(signed_xml) << signed_xml.err().message;
    expect_unauthenticated(*signed_xml, "the signer's certificate is not trusted");
    // ... and accepted once that CA is trusted too (a bundle of several CAs).
    auto verified = verify_enveloped(*signed_xml, keys().ca.certificate_pem + keys().other_ca.certificate_pem);
    EXPECT_TRUE(verified) << verified.err().message;
}

TEST_F(xml_signature, when_signed_with_an_untrusted_self_signed_certificate_then_not_trusted) {
    auto signed_xml =
        sign_enveloped(alice_profile(), {keys().other_ca.private_key_pem, keys().other_ca.certificate_pem});
    ASSERT_TRUE(signed_xml) << signed_xml.err().message;
    expect_unauthenticated(*signed_xml, "the signer's certificate is not trusted");
}

TEST_F(xml_signature, when_the_signer_chains_only_to_a_ca_of_the_system_trust_store_then_not_trusted) {
    // xmlsec 1.2's X509 store also loads OpenSSL's default trust store (X509_STORE_set_default_paths); a CA found
    // there must not count. SSL_CERT_FILE stands in for the system store here.
    testing::temp_dir dir;
    const auto bundle = dir.path() / "system-ca.pem";
    std::ofstream(bundle) << keys().other_ca.certificate_pem;
    const char* previous = std::getenv("SSL_CERT_FILE");
    const std::string saved = previous != nullptr ? previous : "";
    ASSERT_EQ(setenv("SSL_CERT_FILE", bundle.c_str(), 1), 0);
    auto signed_xml =
        sign_enveloped(alice_profile(), {keys().other_signer.private_key_pem, keys().other_signer.certificate_pem});
    ASSERT_TRUE(signed_xml) << signed_xml.err().message;
    auto verified = verify_enveloped(*signed_xml, trusted());
    if (previous != nullptr) {
        setenv("SSL_CERT_FILE", saved.c_str(), 1);
    } else {
        unsetenv("SSL_CERT_FILE");
    }
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.err().code, errc::unauthenticated);
    EXPECT_NE(verified.err().message.find("the signer's certificate is not trusted"), std::string::npos)
        << verified.err().message;
}

TEST_F(xml_signature, when_key_info_carries_a_trusted_certificate_of_another_key_then_unauthenticated) {
    // Signed with an untrusted key, then the trusted signer's certificate put in KeyInfo instead of its own.
    auto signed_xml =
        sign_enveloped(alice_profile(), {keys().other_signer.private_key_pem, keys().other_signer.certificate_pem});
    ASSERT_TRUE(signed_xml);
    const std::string theirs = text_between(*signed_xml, "<ds:X509Certificate>", "</ds:X509Certificate>");
    const std::string trusted_block = text_between(signed_profile(), "<ds:X509Certificate>", "</ds:X509Certificate>");
    ASSERT_FALSE(theirs.empty());
    ASSERT_FALSE(trusted_block.empty());
    expect_unauthenticated(replace_once(*signed_xml, theirs, trusted_block), "the signature does not verify");
}

TEST_F(xml_signature, when_no_signature_then_unauthenticated) {
    expect_unauthenticated(alice_profile(), "no signature");
}

TEST_F(xml_signature, when_two_signatures_then_refused) {
    const std::string signed_xml = signed_profile();
    const std::string block = signature_block(signed_xml);
    ASSERT_FALSE(block.empty());
    expect_unauthenticated(replace_once(signed_xml, block, block + block), "more than one signature");
}

TEST_F(xml_signature, when_the_signature_is_not_a_child_of_the_root_then_refused) {
    const std::string signed_xml = signed_profile();
    const std::string block = signature_block(signed_xml);
    ASSERT_FALSE(block.empty());
    const std::string moved = replace_once(replace_once(signed_xml, block, ""), "<Common index=\"common\">",
                                           "<Common index=\"common\">" + block);
    expect_unauthenticated(moved, "not a child of the root element");
}

TEST_F(xml_signature, when_the_reference_uri_is_a_fragment_then_refused) {
    const std::string signed_xml = signed_profile();
    const std::string with_id = replace_once(signed_xml, "<Name>Alice</Name>", "<Name Id=\"x\">Alice</Name>");
    expect_unauthenticated(replace_once(with_id, "<ds:Reference URI=\"\">", "<ds:Reference URI=\"#x\">"),
                           "the reference must be to the whole document");
    expect_unauthenticated(replace_once(signed_xml, "<ds:Reference URI=\"\">", "<ds:Reference>"),
                           "the reference must be to the whole document");
    expect_unauthenticated(
        replace_once(signed_xml, "<ds:Reference URI=\"\">", "<ds:Reference URI=\"http://127.0.0.1:1/x.xml\">"),
        "the reference must be to the whole document");
}

TEST_F(xml_signature, when_a_second_reference_is_added_then_refused) {
    const std::string signed_xml = signed_profile();
    const std::string reference = "<ds:Reference URI=\"\">" +
                                  text_between(signed_xml, "<ds:Reference URI=\"\">", "</ds:Reference>") +
                                  "</ds:Reference>";
    expect_unauthenticated(replace_once(signed_xml, reference, reference + reference), "exactly one reference");
}

TEST_F(xml_signature, when_an_xpath_or_xslt_transform_is_added_then_refused) {
    const std::string signed_xml = signed_profile();
    const std::string enveloped =
        R"(<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>)";
    const std::string xpath = R"(<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116">)"
                              R"(<ds:XPath>not(ancestor-or-self::*[local-name()='Name'])</ds:XPath></ds:Transform>)";
    expect_unauthenticated(replace_once(signed_xml, enveloped, enveloped + xpath), "is not allowed");
    const std::string xslt = R"(<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116">)"
                             R"(<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0"/>)"
                             R"(</ds:Transform>)";
    expect_unauthenticated(replace_once(signed_xml, enveloped, enveloped + xslt), "is not allowed");
    const std::string filter2 = R"(<ds:Transform Algorithm="http://www.w3.org/2002/06/xmldsig-filter2">)"
                                R"(<dsig-xpath:XPath xmlns:dsig-xpath="http://www.w3.org/2002/06/xmldsig-filter2" )"
                                R"(Filter="subtract">//*[local-name()='Name']</dsig-xpath:XPath></ds:Transform>)";
    expect_unauthenticated(replace_once(signed_xml, enveloped, enveloped + filter2), "is not allowed");
}

TEST_F(xml_signature, when_the_enveloped_transform_is_removed_then_refused) {
    const std::string signed_xml = signed_profile();
    expect_unauthenticated(
        replace_once(signed_xml, R"(<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>)",
                     ""),
        "not enveloped");
}

TEST_F(xml_signature, when_a_weaker_digest_or_signature_algorithm_is_named_then_refused) {
    const std::string signed_xml = signed_profile();
    expect_unauthenticated(
        replace_once(signed_xml, "http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2000/09/xmldsig#sha1"),
        "the digest method");
    expect_unauthenticated(replace_once(signed_xml, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
                                        "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"),
                           "the signature method");
}

TEST_F(xml_signature, when_key_info_has_no_certificate_then_refused) {
    const std::string signed_xml = signed_profile();
    const std::string key_info =
        "<ds:KeyInfo>" + text_between(signed_xml, "<ds:KeyInfo>", "</ds:KeyInfo>") + "</ds:KeyInfo>";
    expect_unauthenticated(replace_once(signed_xml, key_info, ""), "carries no certificate");
}

TEST_F(xml_signature, when_signing_an_already_signed_document_then_invalid_argument) {
    auto again = sign_enveloped(signed_profile(), signer_key());
    ASSERT_FALSE(again);
    EXPECT_EQ(again.err().code, errc::invalid_argument);
    EXPECT_NE(again.err().message.find("already signed"), std::string::npos) << again.err().message;
}

TEST_F(xml_signature, when_signing_with_unusable_keys_then_invalid_argument) {
    const auto expect_invalid = [](const signing_key& key, const std::string& message_part) {
        auto signed_xml = sign_enveloped(alice_profile(), key);
        ASSERT_FALSE(signed_xml);
        EXPECT_EQ(signed_xml.err().code, errc::invalid_argument) << signed_xml.err().message;
        EXPECT_NE(signed_xml.err().message.find(message_part), std::string::npos) << signed_xml.err().message;
    };
    expect_invalid({"not a key", keys().signer.certificate_pem}, "private key");
    expect_invalid({keys().signer.private_key_pem, "not a certificate"}, "no PEM certificate");
    expect_invalid({keys().other_signer.private_key_pem, keys().signer.certificate_pem}, "does not match");

    // An encrypted key is refused, never prompted for.
    auto key = read_key(keys().signer.private_key_pem);
    ASSERT_TRUE(key);
    bio_ptr bio(BIO_new(BIO_s_mem()));
    ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                            const_cast<char*>("secret")),
              1);
    expect_invalid({bio_text(bio.get()), keys().signer.certificate_pem}, "private key");

    // Other curves, short RSA keys and Ed25519 are refused.
    pkey_ptr p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
    auto p384_cert = make_certificate(p384.get(), "p384", nullptr, nullptr, false);
    expect_invalid({pem_of(p384.get()), pem_of(p384_cert.get())}, "P-256");
    auto rsa1024 = new_rsa_key(1024);
    auto rsa1024_cert = make_certificate(rsa1024.get(), "rsa1024", nullptr, nullptr, false);
    expect_invalid({pem_of(rsa1024.get()), pem_of(rsa1024_cert.get())}, "2048");
    pkey_ptr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    expect_invalid({pem_of(ed.get()), keys().signer.certificate_pem}, "neither EC P-256 nor RSA");

    // An expired signer certificate.
    auto ca_key = read_key(keys().ca.private_key_pem);
    auto ca_cert = read_cert(keys().ca.certificate_pem);
    auto leaf_key = new_ec_key();
    auto expired = make_certificate(leaf_key.get(), "expired", ca_cert.get(), ca_key.get(), false, -48h, -24h);
    expect_invalid({pem_of(leaf_key.get()), pem_of(expired.get())}, "expired");
}

TEST_F(xml_signature, when_the_document_is_not_well_formed_then_the_parse_error_is_returned) {
    auto signed_xml = sign_enveloped("<a><b></a>", signer_key());
    ASSERT_FALSE(signed_xml);
    EXPECT_EQ(signed_xml.err().code, errc::not_well_formed);
    auto verified = verify_enveloped("<a><b></a>", trusted());
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.err().code, errc::not_well_formed);
    auto doctype = verify_enveloped("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", trusted());
    ASSERT_FALSE(doctype);
    EXPECT_EQ(doctype.err().code, errc::not_well_formed);
    auto big = verify_enveloped("<a>" + std::string(2 * 1024 * 1024, 'x') + "</a>", trusted());
    ASSERT_FALSE(big);
    EXPECT_EQ(big.err().code, errc::too_large);
}

TEST_F(xml_signature, when_trusted_ca_pem_holds_no_certificate_then_invalid_argument) {
    auto verified = verify_enveloped(signed_profile(), "garbage");
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.err().code, errc::invalid_argument);
}

TEST_F(xml_signature, when_signed_with_rsa_then_rsa_sha256_is_used_and_verifies) {
    auto ca_key = read_key(keys().ca.private_key_pem);
    auto ca_cert = read_cert(keys().ca.certificate_pem);
    auto rsa = new_rsa_key(2048);
    auto cert = make_certificate(rsa.get(), "rsa signer", ca_cert.get(), ca_key.get(), false);
    auto signed_xml = sign_enveloped(alice_profile(), {pem_of(rsa.get()), pem_of(cert.get())});
    ASSERT_TRUE(signed_xml) << signed_xml.err().message;
    EXPECT_NE(signed_xml->find("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"), std::string::npos);
    auto verified = verify_enveloped(*signed_xml, trusted());
    ASSERT_TRUE(verified) << verified.err().message;
    EXPECT_EQ(verified->signer_subject, "CN=rsa signer");
}

TEST_F(xml_signature, when_the_chain_has_an_intermediate_then_it_verifies_against_the_root) {
    auto root_key = new_ec_key();
    auto root = make_certificate(root_key.get(), "root", nullptr, nullptr, true);
    auto intermediate_key = new_ec_key();
    auto intermediate = make_certificate(intermediate_key.get(), "intermediate", root.get(), root_key.get(), true);
    auto leaf_key = new_ec_key();
    auto leaf = make_certificate(leaf_key.get(), "leaf", intermediate.get(), intermediate_key.get(), false);

    auto signed_xml =
        sign_enveloped(alice_profile(), {pem_of(leaf_key.get()), pem_of(leaf.get()) + pem_of(intermediate.get())});
    ASSERT_TRUE(signed_xml) << signed_xml.err().message;
    auto verified = verify_enveloped(*signed_xml, trusted() + pem_of(root.get()));
    ASSERT_TRUE(verified) << verified.err().message;
    EXPECT_EQ(verified->signer_subject, "CN=leaf");

    // Without the intermediate in KeyInfo the chain cannot be built.
    auto leaf_only = sign_enveloped(alice_profile(), {pem_of(leaf_key.get()), pem_of(leaf.get())});
    ASSERT_TRUE(leaf_only) << leaf_only.err().message;
    expect_unauthenticated(*leaf_only, "the signer's certificate is not trusted", pem_of(root.get()));
}

TEST_F(xml_signature, when_the_signer_certificate_has_expired_then_not_trusted) {
    // Signed while valid; then KeyInfo swapped for an expired certificate of the same key (KeyInfo is not signed).
    auto ca_key = read_key(keys().ca.private_key_pem);
    auto ca_cert = read_cert(keys().ca.certificate_pem);
    auto leaf_key = new_ec_key();
    auto valid = make_certificate(leaf_key.get(), "short-lived", ca_cert.get(), ca_key.get(), false);
    auto expired = make_certificate(leaf_key.get(), "short-lived", ca_cert.get(), ca_key.get(), false, -48h, -1h);
    auto not_yet = make_certificate(leaf_key.get(), "short-lived", ca_cert.get(), ca_key.get(), false, 1h, 48h);
    auto signed_xml = sign_enveloped(alice_profile(), {pem_of(leaf_key.get()), pem_of(valid.get())});
    ASSERT_TRUE(signed_xml) << signed_xml.err().message;
    ASSERT_TRUE(verify_enveloped(*signed_xml, trusted()));

    const auto body = [](X509* cert) {
        std::string pem = pem_of(cert);
        pem = text_between(pem, "-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----");
        std::erase(pem, '\n');
        return pem;
    };
    const std::string in_document = text_between(*signed_xml, "<ds:X509Certificate>", "</ds:X509Certificate>");
    ASSERT_FALSE(in_document.empty());
    expect_unauthenticated(replace_once(*signed_xml, in_document, body(expired.get())), "expired");
    expect_unauthenticated(replace_once(*signed_xml, in_document, body(not_yet.get())), "not yet valid");
}

TEST_F(xml_signature, when_ecdsa_signed_then_the_signature_value_is_raw_r_and_s_that_openssl_verifies) {
    // XMLDSig 1.1 / RFC 4050: r || s, each 32 bytes for P-256, over the exclusive C14N of SignedInfo.
    const std::string signed_xml = signed_profile();
    auto value = base64_decode(text_between(signed_xml, "<ds:SignatureValue>", "</ds:SignatureValue>"));
    ASSERT_EQ(value.size(), 64u);

    auto doc = parse(signed_xml);
    ASSERT_TRUE(doc);
    std::unique_ptr<xmlXPathContext, deleter<&xmlXPathFreeContext>> xpath(xmlXPathNewContext(detail::libxml_doc(*doc)));
    xmlXPathRegisterNs(xpath.get(), BAD_CAST "ds", BAD_CAST "http://www.w3.org/2000/09/xmldsig#");
    std::unique_ptr<xmlXPathObject, deleter<&xmlXPathFreeObject>> nodes(
        xmlXPathEvalExpression(BAD_CAST "(//. | //@* | //namespace::*)[ancestor-or-self::ds:SignedInfo]", xpath.get()));
    ASSERT_TRUE(nodes && nodes->nodesetval);
    xmlChar* c14n = nullptr;
    const int size =
        xmlC14NDocDumpMemory(detail::libxml_doc(*doc), nodes->nodesetval, XML_C14N_EXCLUSIVE_1_0, nullptr, 0, &c14n);
    ASSERT_GT(size, 0);
    const std::string signed_info(reinterpret_cast<char*>(c14n), static_cast<std::size_t>(size));
    xmlFree(c14n);

    ECDSA_SIG* sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(value.data(), 32, nullptr), BN_bin2bn(value.data() + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int der_size = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    ASSERT_GT(der_size, 0);

    auto cert = read_cert(keys().signer.certificate_pem);
    std::unique_ptr<EVP_MD_CTX, deleter<&EVP_MD_CTX_free>> md(EVP_MD_CTX_new());
    ASSERT_EQ(EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(cert.get())), 1);
    const int ok = EVP_DigestVerify(md.get(), der, static_cast<std::size_t>(der_size),
                                    reinterpret_cast<const unsigned char*>(signed_info.data()), signed_info.size());
    OPENSSL_free(der);
    EXPECT_EQ(ok, 1) << signed_info;
}

TEST_F(xml_signature, when_called_from_several_threads_then_each_call_succeeds) {
    const std::string document = alice_profile();
    const signing_key key = signer_key();
    const std::string ca = trusted();
    const std::string other = keys().other_signer.certificate_pem;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                auto signed_xml = sign_enveloped(document, key);
                if (!signed_xml) {
                    ++failures;
                    continue;
                }
                auto verified = verify_enveloped(*signed_xml, ca);
                if (!verified || verified->signer_subject != "CN=provisioning signer") {
                    ++failures;
                }
                // Refusals on other threads at the same time must not leak into this thread's messages.
                if ((t + i) % 2 == 0) {
                    auto refused = verify_enveloped(*signed_xml, other);
                    if (refused || refused.err().message.find("not trusted") == std::string::npos) {
                        ++failures;
                    }
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(failures.load(), 0);
}

} // namespace
} // namespace mcprov::xml
