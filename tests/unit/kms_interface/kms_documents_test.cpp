#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "mcprov/http/tls.hpp"
#include "mcprov/kms_interface/kms_documents.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/xml/document.hpp"
#include "mcprov/xml/schema.hpp"

namespace mcprov::kms_interface {
namespace {

using support::errc;
using namespace std::chrono;
using namespace std::chrono_literals;

time_point at(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
    return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
}

// An octet string of `size` octets; points begin with 04, as uncompressed points do.
std::string octets(std::size_t size, unsigned char seed, bool point) {
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; ++i) {
        out[i] = static_cast<char>((seed + i * 7) & 0xFF);
    }
    if (point) {
        out[0] = '\x04';
    }
    return out;
}

std::string upper(std::string text) {
    for (auto& c : text) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return text;
}

kms_certificate sample_certificate(std::string kms_uri = "kms.police.example.org") {
    kms_certificate c;
    c.id = "cert-1";
    c.role = kms_role::root;
    c.cert_uri = "cert1." + kms_uri;
    c.kms_uri = kms_uri;
    c.issuer = "www.police.example.org";
    c.valid_from = at(2026, 1, 1);
    c.valid_to = at(2028, 12, 31, 23, 59, 59);
    c.revoked = false;
    c.user_id_format = "2";
    c.user_key_period = 2592000;
    c.user_key_offset = 0;
    c.pub_enc_key = octets(pub_enc_key_size, 1, true);
    c.pub_auth_key = octets(pub_auth_key_size, 2, true);
    c.parameter_set = 1;
    c.kms_domain_list = {"police.example.org", "fire.example.org"};
    return c;
}

kms_key_set sample_key_set(std::int64_t period = 1514) {
    kms_key_set k;
    k.id = "keyset-" + std::to_string(period);
    k.kms_uri = "kms.police.example.org";
    k.cert_uri = "cert1.kms.police.example.org";
    k.issuer = "www.police.example.org";
    k.user_uri = "sip:alice@police.example.org";
    k.user_id = octets(uid_size, 3, false);
    k.valid_from = at(2026, 3, 1);
    k.valid_to = at(2026, 3, 30, 23, 59, 59);
    k.key_period_no = period;
    k.revoked = false;
    k.user_decrypt_key = octets(rsk_size, 4, true);
    k.user_signing_key_ssk = octets(ssk_size, 5, false);
    k.user_pub_token_pvt = octets(pvt_size, 6, true);
    return k;
}

kms_response sample_response(decltype(kms_response::body) body) {
    kms_response r;
    r.user_uri = "sip:alice@police.example.org";
    r.kms_uri = "kms.police.example.org";
    r.time = at(2026, 3, 2, 10, 5, 52);
    r.kms_id = "KMSProvAuth001";
    r.client_req_url = "https://kms.police.example.org/keymanagement/identity/v1/keyprov";
    r.body = std::move(body);
    return r;
}

kms_request sample_request() {
    kms_request r;
    r.user_uri = "sip:alice@police.example.org";
    r.kms_uri = "kms.police.example.org";
    r.time = at(2026, 3, 2, 10, 5, 51);
    r.client_id = "mcprov-client";
    r.device_id = "device-42";
    r.client_req_url = "https://kms.police.example.org/keymanagement/identity/v1/init";
    return r;
}

void expect_schema_valid(const std::string& text) {
    auto doc = xml::parse(text, {max_document_bytes, max_document_depth});
    ASSERT_TRUE(doc) << doc.err().message;
    auto schema = kms_interface_schema();
    ASSERT_TRUE(schema) << schema.err().message;
    auto valid = (*schema)->validate(*doc);
    EXPECT_TRUE(valid) << (valid ? "" : valid.err().message) << "\n" << text;
}

void replace_once(std::string& text, const std::string& from, const std::string& to) {
    const auto at_pos = text.find(from);
    ASSERT_NE(at_pos, std::string::npos) << from;
    text.replace(at_pos, from.size(), to);
}

template <class T> void expect_error(const support::result<T>& r, errc code, const std::string& fragment) {
    ASSERT_FALSE(r) << "expected " << support::to_string(code);
    EXPECT_EQ(r.err().code, code) << r.err().message;
    EXPECT_NE(r.err().message.find(fragment), std::string::npos) << r.err().message;
}

// ---------------------------------------------------------------------------------------------------------------
// The schema

TEST(kms_documents, when_the_schema_is_loaded_then_it_compiles_with_its_imports) {
    auto schema = kms_interface_schema();
    ASSERT_TRUE(schema) << schema.err().message;
}

TEST(kms_documents, when_the_verbatim_interface_schema_is_loaded_alone_then_it_does_not_compile) {
    // Why the bundle exists: kms-interface.xsd imports without schemaLocation.
    EXPECT_FALSE(xml::load_embedded_schema("ts33180/kms-interface.xsd"));
}

// ---------------------------------------------------------------------------------------------------------------
// Round trips

TEST(kms_documents, when_a_certificate_is_encoded_then_it_validates_and_decodes_to_the_same_value) {
    const auto original = sample_certificate();
    auto text = encode_kms_certificate(original);
    ASSERT_TRUE(text) << text.err().message;
    expect_schema_valid(*text);
    EXPECT_NE(text->find("<KmsCertificate xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\" Id=\"cert-1\" "
                         "Version=\"1.1.0\" Role=\"Root\">"),
              std::string::npos)
        << *text;
    EXPECT_NE(text->find("<UserIdFormat>2</UserIdFormat>"), std::string::npos);
    EXPECT_NE(text->find("<PubEncKey>" + upper(support::hex_encode(original.pub_enc_key)) + "</PubEncKey>"),
              std::string::npos);
    auto decoded = decode_kms_certificate(*text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents, when_a_minimal_certificate_is_encoded_then_optional_elements_are_left_out) {
    kms_certificate c;
    c.version = "";
    c.kms_uri = "kms.fire.example.org";
    c.user_key_period = 86400;
    c.pub_enc_key = octets(pub_enc_key_size, 9, true);
    c.pub_auth_key = octets(pub_auth_key_size, 10, true);
    auto text = encode_kms_certificate(c);
    ASSERT_TRUE(text) << text.err().message;
    expect_schema_valid(*text);
    EXPECT_EQ(text->find("CertUri"), std::string::npos);
    EXPECT_EQ(text->find("KmsDomainList"), std::string::npos);
    EXPECT_EQ(text->find("Role="), std::string::npos);
    auto decoded = decode_kms_certificate(*text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, c);
}

TEST(kms_documents, when_an_external_gateway_certificate_is_encoded_then_its_attributes_round_trip) {
    auto c = sample_certificate("kms.fire.example.org");
    c.role = kms_role::external;
    c.is_security_gateway = true;
    c.revoked = true;
    auto text = encode_kms_certificate(c);
    ASSERT_TRUE(text) << text.err().message;
    EXPECT_NE(text->find("Role=\"External\" IsSecurityGateway=\"true\""), std::string::npos) << *text;
    auto decoded = decode_kms_certificate(*text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, c);
}

TEST(kms_documents, when_a_key_set_is_encoded_then_keys_carry_xsi_type_key_content_type) {
    const auto original = sample_key_set();
    auto text = encode_kms_key_set(original);
    ASSERT_TRUE(text) << text.err().message;
    expect_schema_valid(*text);
    EXPECT_NE(text->find("xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""), std::string::npos);
    EXPECT_NE(text->find("<UserDecryptKey xsi:type=\"KeyContentType\">"), std::string::npos) << *text;
    EXPECT_NE(text->find("<UserSigningKeySSK xsi:type=\"KeyContentType\">"), std::string::npos);
    EXPECT_NE(text->find("<UserPubTokenPVT xsi:type=\"KeyContentType\">"), std::string::npos);
    EXPECT_NE(text->find("<UserID>" + upper(support::hex_encode(original.user_id)) + "</UserID>"), std::string::npos);
    EXPECT_NE(text->find("Version=\"1.1.0\""), std::string::npos);
    auto decoded = decode_kms_key_set(*text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents, when_a_request_is_encoded_then_it_validates_and_round_trips) {
    auto original = sample_request();
    original.client_error = kms_error{400, "the previous response did not verify"};
    auto text = encode_kms_request(original);
    ASSERT_TRUE(text) << text.err().message;
    expect_schema_valid(*text);
    EXPECT_NE(text->find("<KmsRequest xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\" Version=\"1.1.0\">"),
              std::string::npos)
        << *text;
    EXPECT_NE(text->find("<Time>2026-03-02T10:05:51Z</Time>"), std::string::npos);
    auto decoded = decode_kms_request(*text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents, when_a_minimal_request_is_encoded_then_the_optional_elements_are_left_out) {
    kms_request r;
    r.user_uri = "sip:bob@fire.example.org";
    r.kms_uri = "kms.fire.example.org";
    r.time = at(2026, 5, 1);
    r.client_req_url = "https://kms.fire.example.org/keymanagement/identity/v1/certcache";
    auto text = encode_kms_request(r);
    ASSERT_TRUE(text) << text.err().message;
    expect_schema_valid(*text);
    EXPECT_EQ(text->find("ClientId"), std::string::npos);
    auto decoded = decode_kms_request(*text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, r);
}

TEST(kms_documents, when_an_init_response_is_encoded_then_it_is_a_signed_kms_response_that_round_trips) {
    const auto original = sample_response(kms_init{sample_certificate()});
    auto text = encode_kms_response(original);
    ASSERT_TRUE(text) << text.err().message;
    expect_schema_valid(*text);
    EXPECT_NE(text->find("<SignedKmsResponse xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\""), std::string::npos);
    EXPECT_NE(text->find("<KmsResponse Version=\"1.0.0\">"), std::string::npos);
    EXPECT_NE(text->find("<KmsInit Version=\"1.0.0\">"), std::string::npos);
    auto decoded = decode_kms_response(*text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents, when_a_key_provision_response_is_encoded_then_every_key_set_round_trips) {
    const auto original = sample_response(kms_key_prov{{sample_key_set(1514), sample_key_set(1515)}});
    auto text = encode_kms_response(original);
    ASSERT_TRUE(text) << text.err().message;
    expect_schema_valid(*text);
    auto decoded = decode_kms_response(*text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents, when_a_key_provision_response_holds_no_key_set_then_it_still_round_trips) {
    const auto original = sample_response(kms_key_prov{});
    auto text = encode_kms_response(original);
    ASSERT_TRUE(text) << text.err().message;
    expect_schema_valid(*text);
    auto decoded = decode_kms_response(*text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents, when_a_cert_cache_response_is_encoded_then_certificates_and_cache_number_round_trip) {
    auto fire = sample_certificate("kms.fire.example.org");
    fire.role = kms_role::external;
    auto ems = sample_certificate("kms.ems.example.org");
    ems.role = kms_role::external;
    const auto original = sample_response(kms_cert_cache{{fire, ems}, 7});
    auto text = encode_kms_response(original);
    ASSERT_TRUE(text) << text.err().message;
    expect_schema_valid(*text);
    EXPECT_NE(text->find("<KmsCertCache Version=\"1.0.0\" CacheNum=\"7\">"), std::string::npos) << *text;
    auto decoded = decode_kms_response(*text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents, when_an_error_response_is_encoded_then_code_and_message_round_trip) {
    auto original = sample_response(kms_error{to_code(kms_error_code::forbidden), "not a member of this domain"});
    original.kms_id.clear();
    auto text = encode_kms_response(original);
    ASSERT_TRUE(text) << text.err().message;
    expect_schema_valid(*text);
    EXPECT_NE(text->find("<ErrorCode>403</ErrorCode>"), std::string::npos);
    EXPECT_EQ(text->find("KmsMessage"), std::string::npos);
    auto decoded = decode_kms_response(*text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents, when_text_needs_escaping_then_it_round_trips_exactly) {
    auto original = sample_response(kms_error{500, "a < b & \"c\" > d\n\ttab\r and \xC3\xA9\xE2\x82\xAC"});
    original.kms_id = " padded id ";
    auto text = encode_kms_response(original);
    ASSERT_TRUE(text) << text.err().message;
    auto decoded = decode_kms_response(*text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

// ---------------------------------------------------------------------------------------------------------------
// Reading what other implementations write

TEST(kms_documents, when_times_carry_no_zone_or_an_offset_then_they_are_read_as_utc) {
    auto text = *encode_kms_key_set(sample_key_set());
    replace_once(text, "<ValidFrom>2026-03-01T00:00:00Z</ValidFrom>", "<ValidFrom>2026-03-01T00:00:00</ValidFrom>");
    replace_once(text, "<ValidTo>2026-03-30T23:59:59Z</ValidTo>", "<ValidTo>2026-03-31T01:59:59.750+02:00</ValidTo>");
    auto decoded = decode_kms_key_set(text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(decoded->valid_from, at(2026, 3, 1));
    EXPECT_EQ(decoded->valid_to, at(2026, 3, 30, 23, 59, 59));
}

TEST(kms_documents, when_hex_is_lower_case_and_padded_with_white_space_then_it_is_read) {
    const auto original = sample_key_set();
    auto text = *encode_kms_key_set(original);
    const auto hex = upper(support::hex_encode(original.user_decrypt_key));
    replace_once(text, ">" + hex + "<", ">\n   " + support::hex_encode(original.user_decrypt_key) + "\n  <");
    auto decoded = decode_kms_key_set(text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(decoded->user_decrypt_key, original.user_decrypt_key);
}

TEST(kms_documents, when_the_key_content_type_is_written_with_a_prefix_then_it_is_read) {
    const auto original = sample_key_set();
    auto text = *encode_kms_key_set(original);
    replace_once(text, "<KmsKeySet xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\"",
                 "<KmsKeySet xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\" "
                 "xmlns:kms=\"urn:3gpp:ns:mcsecKMSInterface:1.0\"");
    replace_once(text, "<UserSigningKeySSK xsi:type=\"KeyContentType\">",
                 "<UserSigningKeySSK xsi:type=\"kms:KeyContentType\">");
    auto decoded = decode_kms_key_set(text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents, when_wrapped_as_signed_certificate_and_signed_request_then_the_inner_document_is_read) {
    const auto certificate = sample_certificate();
    auto cert_text = *encode_kms_certificate(certificate);
    replace_once(cert_text, "<KmsCertificate xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\"",
                 "<SignedKmsCertificate xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\"><KmsCertificate");
    cert_text.insert(cert_text.rfind('\n'), "</SignedKmsCertificate>");
    auto decoded_cert = decode_kms_certificate(cert_text);
    ASSERT_TRUE(decoded_cert) << decoded_cert.err().message << "\n" << cert_text;
    EXPECT_EQ(*decoded_cert, certificate);

    // A SignedKmsRequest needs its ds:Signature; its value is not checked (the D.1 HMAC extension).
    const auto request = sample_request();
    auto request_text = *encode_kms_request(request);
    replace_once(request_text, "<KmsRequest xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\"",
                 "<SignedKmsRequest xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\" "
                 "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><KmsRequest");
    request_text.insert(
        request_text.rfind('\n'),
        "<ds:Signature><ds:SignedInfo>"
        "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
        "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#hmac-sha256\"/>"
        "<ds:Reference URI=\"\"><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
        "<ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo>"
        "<ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature></SignedKmsRequest>");
    auto decoded_request = decode_kms_request(request_text);
    ASSERT_TRUE(decoded_request) << decoded_request.err().message << "\n" << request_text;
    EXPECT_EQ(*decoded_request, request);
}

TEST(kms_documents, when_a_response_carries_an_extension_of_another_namespace_then_it_is_ignored) {
    const auto original = sample_response(kms_init{sample_certificate()});
    auto text = *encode_kms_response(original);
    replace_once(text, "</KmsResponse>", "<ext:Note xmlns:ext=\"urn:example:ext\">hello</ext:Note></KmsResponse>");
    replace_once(text, "</KmsDomainList>", "</KmsDomainList><ext:Hint xmlns:ext=\"urn:example:ext\"/>");
    auto decoded = decode_kms_response(text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents, when_a_bare_kms_response_is_decoded_then_it_is_read) {
    const auto original = sample_response(kms_key_prov{{sample_key_set()}});
    auto text = *encode_kms_response(original);
    replace_once(text,
                 "<SignedKmsResponse xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\" "
                 "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">",
                 "");
    replace_once(text, "</SignedKmsResponse>", "");
    replace_once(text, "<KmsResponse Version=\"1.0.0\">",
                 "<KmsResponse xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\" "
                 "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" Version=\"1.0.0\">");
    auto decoded = decode_kms_response(text);
    ASSERT_TRUE(decoded) << decoded.err().message << "\n" << text;
    EXPECT_EQ(*decoded, original);
}

// ---------------------------------------------------------------------------------------------------------------
// Refusals: encoders

TEST(kms_documents, when_a_key_has_the_wrong_length_then_the_encoder_refuses_it) {
    struct field_case {
        const char* name;
        void (*spoil)(kms_key_set&);
    };
    const field_case cases[] = {
        {"KmsKeySet/UserDecryptKey: 256 octets, expected 257", [](kms_key_set& k) { k.user_decrypt_key.pop_back(); }},
        {"KmsKeySet/UserSigningKeySSK: 33 octets, expected 32", [](kms_key_set& k) { k.user_signing_key_ssk += 'x'; }},
        {"KmsKeySet/UserPubTokenPVT: 64 octets, expected 65", [](kms_key_set& k) { k.user_pub_token_pvt.pop_back(); }},
        {"KmsKeySet/UserID: 31 octets, expected 32", [](kms_key_set& k) { k.user_id.pop_back(); }},
        {"KmsKeySet/UserDecryptKey: not an uncompressed point", [](kms_key_set& k) { k.user_decrypt_key[0] = 2; }},
    };
    for (const auto& c : cases) {
        auto k = sample_key_set();
        c.spoil(k);
        expect_error(encode_kms_key_set(k), errc::invalid_argument, c.name);
    }
    auto cert = sample_certificate();
    cert.pub_enc_key.pop_back();
    expect_error(encode_kms_certificate(cert), errc::invalid_argument, "KmsCertificate/PubEncKey: 256 octets");
    cert = sample_certificate();
    cert.pub_auth_key += '\x01';
    expect_error(encode_kms_certificate(cert), errc::invalid_argument, "KmsCertificate/PubAuthKey: 66 octets");
}

TEST(kms_documents, when_a_key_set_in_a_response_is_wrong_then_the_error_names_its_position) {
    auto second = sample_key_set(2);
    second.user_signing_key_ssk.clear();
    expect_error(encode_kms_response(sample_response(kms_key_prov{{sample_key_set(1), second}})),
                 errc::invalid_argument, "KmsKeyProv/KmsKeySet[2]/UserSigningKeySSK: 0 octets, expected 32");
}

TEST(kms_documents, when_there_are_too_many_key_sets_or_certificates_then_the_encoder_refuses_them) {
    expect_error(encode_kms_response(
                     sample_response(kms_key_prov{std::vector<kms_key_set>(max_key_sets + 1, sample_key_set())})),
                 errc::too_large, "65 key sets, more than 64");
    expect_error(encode_kms_response(sample_response(
                     kms_cert_cache{std::vector<kms_certificate>(max_certificates + 1, sample_certificate()), 1})),
                 errc::too_large, "257 certificates, more than 256");
    auto cert = sample_certificate();
    cert.kms_domain_list.assign(max_kms_domains + 1, "d.example.org");
    expect_error(encode_kms_certificate(cert), errc::too_large, "more than 256 domains");
}

TEST(kms_documents, when_the_maximum_number_of_key_sets_is_encoded_then_it_is_accepted_both_ways) {
    const auto original = sample_response(kms_key_prov{std::vector<kms_key_set>(max_key_sets, sample_key_set())});
    auto text = encode_kms_response(original);
    ASSERT_TRUE(text) << text.err().message;
    auto decoded = decode_kms_response(*text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents, when_the_encoded_document_would_exceed_the_size_limit_then_the_encoder_refuses_it) {
    // 256 certificates (the count limit) of about 1.2 KiB each do not fit in 256 KiB.
    expect_error(encode_kms_response(sample_response(
                     kms_cert_cache{std::vector<kms_certificate>(max_certificates, sample_certificate()), 1})),
                 errc::too_large, "more than 262144");
}

TEST(kms_documents, when_values_are_out_of_range_or_missing_then_the_encoder_refuses_them) {
    auto cert = sample_certificate();
    cert.parameter_set = 2;
    expect_error(encode_kms_certificate(cert), errc::invalid_argument, "ParameterSet: 2 is not supported");
    cert = sample_certificate();
    cert.user_key_period = 0;
    expect_error(encode_kms_certificate(cert), errc::invalid_argument, "UserKeyPeriod: must be positive");
    cert = sample_certificate();
    cert.kms_uri.clear();
    expect_error(encode_kms_certificate(cert), errc::invalid_argument, "KmsCertificate/KmsUri is empty");
    cert = sample_certificate();
    cert.valid_from = at(2030, 1, 1);
    expect_error(encode_kms_certificate(cert), errc::invalid_argument, "ValidFrom is after ValidTo");
    auto key_set = sample_key_set();
    key_set.key_period_no = -1;
    expect_error(encode_kms_key_set(key_set), errc::invalid_argument, "KeyPeriodNo: must not be negative");
    auto request = sample_request();
    request.client_req_url = " ";
    expect_error(encode_kms_request(request), errc::invalid_argument, "KmsRequest/ClientReqUrl is empty");
}

TEST(kms_documents, when_text_holds_characters_xml_cannot_carry_then_the_encoder_refuses_it) {
    auto request = sample_request();
    request.client_id = std::string("bad\x01id");
    expect_error(encode_kms_request(request), errc::invalid_argument, "KmsRequest/ClientId: not UTF-8 text");
    request = sample_request();
    request.device_id = "\xC3\x28";
    expect_error(encode_kms_request(request), errc::invalid_argument, "KmsRequest/DeviceId: not UTF-8 text");
    auto response = sample_response(kms_error{500, "overlong \xC0\xAF"});
    expect_error(encode_kms_response(response), errc::invalid_argument, "KmsError/ErrorMsg: not UTF-8 text");
}

// ---------------------------------------------------------------------------------------------------------------
// Refusals: decoders

TEST(kms_documents, when_a_document_exceeds_256_kib_then_it_is_too_large) {
    auto text = *encode_kms_request(sample_request());
    text.insert(text.rfind("</KmsRequest>"), std::string(max_document_bytes, ' '));
    expect_error(decode_kms_request(text), errc::too_large, "exceeds the limit of 262144 bytes");
    expect_error(decode_kms_response(text), errc::too_large, "262144");
    expect_error(decode_kms_certificate(text), errc::too_large, "262144");
    expect_error(decode_kms_key_set(text), errc::too_large, "262144");
}

TEST(kms_documents, when_a_document_nests_too_deep_then_it_is_too_large) {
    auto text = *encode_kms_request(sample_request());
    std::string deep;
    for (unsigned i = 0; i < max_document_depth; ++i) {
        deep += "<x:a xmlns:x=\"urn:example:deep\">";
    }
    for (unsigned i = 0; i < max_document_depth; ++i) {
        deep += "</x:a>";
    }
    text.insert(text.rfind("</KmsRequest>"), deep);
    expect_error(decode_kms_request(text), errc::too_large, "nesting deeper than 24");
}

TEST(kms_documents, when_a_response_holds_more_than_64_key_sets_then_it_is_too_large) {
    auto text = *encode_kms_response(sample_response(kms_key_prov{std::vector<kms_key_set>(64, sample_key_set())}));
    const auto start = text.find("<KmsKeySet");
    const auto end = text.find("</KmsKeySet>") + std::string("</KmsKeySet>").size();
    text.insert(start, text.substr(start, end - start));
    expect_error(decode_kms_response(text), errc::too_large, "65 key sets, more than 64");
}

TEST(kms_documents, when_a_response_holds_more_than_256_certificates_then_it_is_too_large) {
    // Certificates as small as the schema allows, so that 257 fit in 256 KiB.
    const std::string certificate = "<KmsCertificate><KmsUri>k</KmsUri><UserIdFormat>2</UserIdFormat>"
                                    "<UserKeyPeriod>1</UserKeyPeriod><UserKeyOffset>0</UserKeyOffset><PubEncKey>04" +
                                    std::string(512, '0') + "</PubEncKey><PubAuthKey>04" + std::string(128, '0') +
                                    "</PubAuthKey></KmsCertificate>";
    std::string text = "<SignedKmsResponse xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\"><KmsResponse>"
                       "<UserUri>u</UserUri><KmsUri>k</KmsUri><Time>2026-01-01T00:00:00Z</Time>"
                       "<ClientReqUrl>c</ClientReqUrl><KmsMessage><KmsCertCache>";
    for (std::size_t i = 0; i < max_certificates + 1; ++i) {
        text += certificate;
    }
    text += "</KmsCertCache></KmsMessage></KmsResponse></SignedKmsResponse>";
    ASSERT_LE(text.size(), max_document_bytes);
    expect_error(decode_kms_response(text), errc::too_large, "257 certificates, more than 256");
}

TEST(kms_documents, when_a_key_in_a_received_document_has_the_wrong_length_then_it_is_refused) {
    const auto original = sample_key_set();
    const auto text = *encode_kms_key_set(original);
    struct field_case {
        std::string octets;
        const char* message;
    };
    const field_case cases[] = {
        {original.user_decrypt_key, "KmsKeySet/UserDecryptKey: 256 octets, expected 257"},
        {original.user_signing_key_ssk, "KmsKeySet/UserSigningKeySSK: 31 octets, expected 32"},
        {original.user_pub_token_pvt, "KmsKeySet/UserPubTokenPVT: 64 octets, expected 65"},
        {original.user_id, "KmsKeySet/UserID: 31 octets, expected 32"},
    };
    for (const auto& c : cases) {
        auto spoiled = text;
        const auto hex = upper(support::hex_encode(c.octets));
        replace_once(spoiled, ">" + hex + "<", ">" + hex.substr(2) + "<");
        expect_error(decode_kms_key_set(spoiled), errc::invalid_argument, c.message);
    }
    auto spoiled = text;
    const auto uid_hex = upper(support::hex_encode(original.user_id));
    replace_once(spoiled, ">" + uid_hex + "<", ">" + uid_hex.substr(1) + "<");
    expect_error(decode_kms_key_set(spoiled), errc::invalid_argument, "KmsKeySet/UserID: an odd number of hex digits");
    spoiled = text;
    replace_once(spoiled, ">" + uid_hex + "<", ">" + uid_hex.substr(2) + "ZZ<");
    expect_error(decode_kms_key_set(spoiled), errc::invalid_argument, "KmsKeySet/UserID: not hex digits");

    const auto cert = sample_certificate();
    auto cert_text = *encode_kms_certificate(cert);
    const auto enc_hex = upper(support::hex_encode(cert.pub_enc_key));
    replace_once(cert_text, enc_hex, enc_hex + "00");
    expect_error(decode_kms_certificate(cert_text), errc::invalid_argument,
                 "KmsCertificate/PubEncKey: 258 octets, expected 257");
    cert_text = *encode_kms_certificate(cert);
    const auto auth_hex = upper(support::hex_encode(cert.pub_auth_key));
    replace_once(cert_text, ">" + auth_hex + "<", ">02" + auth_hex.substr(2) + "<");
    expect_error(decode_kms_certificate(cert_text), errc::invalid_argument,
                 "KmsCertificate/PubAuthKey: not an uncompressed point");
}

TEST(kms_documents, when_a_key_set_in_a_response_is_wrong_then_the_decoder_names_its_position) {
    const auto k = sample_key_set();
    auto text = *encode_kms_response(sample_response(kms_key_prov{{k, k, k}}));
    const auto hex = upper(support::hex_encode(k.user_pub_token_pvt));
    const auto third = text.find("<KmsKeySet", text.find("<KmsKeySet", text.find("<KmsKeySet") + 1) + 1);
    text.replace(text.find(hex, third), hex.size(), hex.substr(2));
    expect_error(decode_kms_response(text), errc::invalid_argument,
                 "SignedKmsResponse/KmsResponse/KmsMessage/KmsKeyProv/KmsKeySet[3]/UserPubTokenPVT: 64 octets");
}

TEST(kms_documents, when_keys_are_encrypted_under_a_transport_key_then_they_are_refused) {
    auto text = *encode_kms_key_set(sample_key_set());
    const auto start = text.find("<UserDecryptKey");
    const auto end = text.find("</UserDecryptKey>") + std::string("</UserDecryptKey>").size();
    text.replace(start, end - start,
                 "<UserDecryptKey xsi:type=\"EncKeyContentType\">"
                 "<xenc:EncryptedKey xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\">"
                 "<xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#kw-aes256\"/>"
                 "<xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData>"
                 "</xenc:EncryptedKey></UserDecryptKey>");
    expect_error(decode_kms_key_set(text), errc::invalid_argument,
                 "KmsKeySet/UserDecryptKey: the key is encrypted under a transport key");
}

// Key elements without xsi:type, as some KMSs write them (the interface schema makes their type abstract): plain key
// content, read as KeyContentType.
std::string without_key_types(std::string text) {
    for (const auto* key : {"UserDecryptKey", "UserSigningKeySSK", "UserPubTokenPVT"}) {
        std::string typed = std::string("<") + key + " xsi:type=\"KeyContentType\">";
        for (auto at = text.find(typed); at != std::string::npos; at = text.find(typed, at)) {
            text.replace(at, typed.size(), std::string("<") + key + ">");
        }
    }
    return text;
}

TEST(kms_documents, when_keys_carry_no_xsi_type_then_they_are_read_as_plain_key_content) {
    const auto original = sample_key_set();
    auto text = without_key_types(*encode_kms_key_set(original));
    replace_once(text, " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"", "");
    ASSERT_EQ(text.find("xsi"), std::string::npos) << text;
    auto decoded = decode_kms_key_set(text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
    // One key typed, the others not.
    auto mixed = *encode_kms_key_set(original);
    replace_once(mixed, "<UserSigningKeySSK xsi:type=\"KeyContentType\">", "<UserSigningKeySSK>");
    decoded = decode_kms_key_set(mixed);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents, when_untyped_keys_stand_under_a_prefixed_namespace_then_they_are_read_too) {
    const auto original = sample_key_set();
    // The KMS namespace under the prefix k, and xsi bound to another namespace: the type must name k:KeyContentType
    // and find another prefix for the XML Schema instance namespace.
    std::string text = without_key_types(*encode_kms_key_set(original));
    replace_once(text,
                 "<KmsKeySet xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\" "
                 "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"",
                 "<k:KmsKeySet xmlns:k=\"urn:3gpp:ns:mcsecKMSInterface:1.0\" xmlns:xsi=\"urn:example:not-xsi\"");
    for (const auto* name : {"KmsUri", "CertUri", "Issuer", "UserUri", "UserID", "ValidFrom", "ValidTo", "KeyPeriodNo",
                             "Revoked", "UserDecryptKey", "UserSigningKeySSK", "UserPubTokenPVT"}) {
        replace_once(text, std::string("<") + name + ">", std::string("<k:") + name + ">");
        replace_once(text, std::string("</") + name + ">", std::string("</k:") + name + ">");
    }
    replace_once(text, "</KmsKeySet>", "</k:KmsKeySet>");
    auto decoded = decode_kms_key_set(text);
    ASSERT_TRUE(decoded) << decoded.err().message << "\n" << text;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents, when_key_sets_in_a_response_carry_untyped_keys_then_every_one_is_read) {
    const auto k = sample_key_set();
    const auto response = sample_response(kms_key_prov{{k, sample_key_set(1515)}});
    auto decoded = decode_kms_response(without_key_types(*encode_kms_response(response)));
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, response);
}

TEST(kms_documents, when_a_key_names_a_type_that_is_not_key_content_then_it_is_still_refused) {
    auto text = *encode_kms_key_set(sample_key_set());
    replace_once(text, "<UserSigningKeySSK xsi:type=\"KeyContentType\">",
                 "<UserSigningKeySSK xsi:type=\"abstractKeyContentType\">");
    expect_error(decode_kms_key_set(text), errc::schema_invalid, "UserSigningKeySSK");
}

TEST(kms_documents, when_the_root_element_is_another_then_the_decoder_says_which_it_expected) {
    const auto request = *encode_kms_request(sample_request());
    expect_error(decode_kms_response(request), errc::invalid_argument,
                 "the root element is {urn:3gpp:ns:mcsecKMSInterface:1.0}KmsRequest, expected SignedKmsResponse or "
                 "KmsResponse");
    expect_error(decode_kms_certificate("<KmsCertificate/>"), errc::invalid_argument,
                 "the root element is KmsCertificate, expected KmsCertificate or SignedKmsCertificate");
    expect_error(decode_kms_key_set(request), errc::invalid_argument, "expected KmsKeySet");
}

TEST(kms_documents, when_a_document_is_not_xml_or_has_a_doctype_then_it_is_not_well_formed) {
    expect_error(decode_kms_request("<KmsRequest"), errc::not_well_formed, "line 1");
    expect_error(decode_kms_request(""), errc::not_well_formed, "empty");
    expect_error(decode_kms_request("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e \"x\">]>"
                                    "<KmsRequest xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\"/>"),
                 errc::not_well_formed, "DOCTYPE");
}

TEST(kms_documents, when_a_document_breaks_the_schema_then_the_schema_error_is_returned) {
    auto text = *encode_kms_request(sample_request());
    replace_once(text, "<Time>2026-03-02T10:05:51Z</Time>", "");
    expect_error(decode_kms_request(text), errc::schema_invalid, "line");
    text = *encode_kms_request(sample_request());
    replace_once(text, "Version=\"1.1.0\"", "Version=\"2.0.0\"");
    expect_error(decode_kms_request(text), errc::schema_invalid, "Version");
    text = *encode_kms_certificate(sample_certificate());
    replace_once(text, "Role=\"Root\"", "Role=\"Partner\"");
    expect_error(decode_kms_certificate(text), errc::schema_invalid, "Role");
}

TEST(kms_documents, when_a_response_holds_neither_message_nor_error_then_it_is_refused) {
    auto text = *encode_kms_response(sample_response(kms_error{500, "x"}));
    const auto start = text.find("<KmsError>");
    const auto end = text.find("</KmsError>") + std::string("</KmsError>").size();
    auto neither = text;
    neither.erase(start, end - start);
    expect_error(decode_kms_response(neither), errc::invalid_argument, "neither KmsMessage nor KmsError");
    auto both = text;
    both.insert(start, "<KmsMessage><KmsKeyProv/></KmsMessage>");
    expect_error(decode_kms_response(both), errc::invalid_argument, "both KmsMessage and KmsError");
    auto empty_message = neither;
    empty_message.insert(start, "<KmsMessage/>");
    expect_error(decode_kms_response(empty_message), errc::invalid_argument,
                 "KmsMessage: no KmsInit, KmsKeyProv or KmsCertCache");
}

TEST(kms_documents, when_received_values_are_out_of_range_then_they_are_refused) {
    const auto cert = *encode_kms_certificate(sample_certificate());
    auto text = cert;
    replace_once(text, "<ParameterSet>1</ParameterSet>", "<ParameterSet>2</ParameterSet>");
    expect_error(decode_kms_certificate(text), errc::invalid_argument,
                 "KmsCertificate/ParameterSet: 2 is not supported");
    text = cert;
    replace_once(text, "<UserKeyPeriod>2592000</UserKeyPeriod>", "<UserKeyPeriod>0</UserKeyPeriod>");
    expect_error(decode_kms_certificate(text), errc::invalid_argument, "UserKeyPeriod: must be positive");
    text = cert;
    replace_once(text, "<UserKeyPeriod>2592000</UserKeyPeriod>", "<UserKeyPeriod>99999999999999999999</UserKeyPeriod>");
    expect_error(decode_kms_certificate(text), errc::invalid_argument, "UserKeyPeriod: out of range");
    text = cert;
    replace_once(text, "<ValidTo>2028-12-31T23:59:59Z</ValidTo>", "<ValidTo>9999-12-31T23:59:59Z</ValidTo>");
    expect_error(decode_kms_certificate(text), errc::invalid_argument, "ValidTo: year out of the supported range");
    text = cert;
    replace_once(text, "<ValidTo>2028-12-31T23:59:59Z</ValidTo>", "<ValidTo>2261-12-31T23:59:59-14:00</ValidTo>");
    expect_error(decode_kms_certificate(text), errc::invalid_argument, "ValidTo: year out of the supported range");
    text = cert;
    replace_once(text, "<ValidFrom>2026-01-01T00:00:00Z</ValidFrom>",
                 "<ValidFrom>1678-01-01T00:00:00+00:01</ValidFrom>");
    expect_error(decode_kms_certificate(text), errc::invalid_argument, "ValidFrom: year out of the supported range");
    text = cert;
    replace_once(text, "<ValidTo>2028-12-31T23:59:59Z</ValidTo>", "<ValidTo>2261-12-31T23:59:59+14:00</ValidTo>");
    EXPECT_TRUE(decode_kms_certificate(text));
    text = cert;
    replace_once(text, "<UserIdFormat>2</UserIdFormat>", "<UserIdFormat> </UserIdFormat>");
    expect_error(decode_kms_certificate(text), errc::invalid_argument, "UserIdFormat is empty");
    text = cert;
    replace_once(text, "<ValidTo>2028-12-31T23:59:59Z</ValidTo>", "<ValidTo>2025-12-31T23:59:59Z</ValidTo>");
    expect_error(decode_kms_certificate(text), errc::invalid_argument, "ValidFrom is after ValidTo");
    text = cert;
    replace_once(text, "<KmsUri>kms.police.example.org</KmsUri>", "<KmsUri> </KmsUri>");
    expect_error(decode_kms_certificate(text), errc::invalid_argument, "KmsCertificate/KmsUri is empty");
    text = cert;
    replace_once(text, "<KmsDomain>fire.example.org</KmsDomain>", "<KmsDomain></KmsDomain>");
    expect_error(decode_kms_certificate(text), errc::invalid_argument, "KmsDomainList/KmsDomain[2] is empty");
}

// ---------------------------------------------------------------------------------------------------------------
// Signatures

struct test_pki {
    http::certificate_and_key ca;
    http::certificate_and_key other_ca;
    http::certificate_and_key signer;
};

const test_pki& pki() {
    static const test_pki instance = [] {
        test_pki out;
        auto ca = http::create_certificate_authority("mcprov kms test CA", 48h);
        auto other_ca = http::create_certificate_authority("mcprov other CA", 48h);
        EXPECT_TRUE(ca && other_ca);
        out.ca = *ca;
        out.other_ca = *other_ca;
        auto signer =
            http::issue_certificate(out.ca, "kms.police.example.org", {}, {}, http::certificate_usage::client, 24h);
        EXPECT_TRUE(signer);
        out.signer = *signer;
        return out;
    }();
    return instance;
}

xml::signer signer_key() {
    return xml::signer::read({pki().signer.private_key_pem, pki().signer.certificate_pem}).value();
}

TEST(kms_documents, when_a_response_is_signed_then_the_signature_follows_the_kms_response_and_verifies) {
    const auto original = sample_response(kms_key_prov{{sample_key_set()}});
    auto unsigned_text = encode_kms_response(original);
    ASSERT_TRUE(unsigned_text) << unsigned_text.err().message;
    auto signed_text = sign_kms_response(*unsigned_text, signer_key());
    ASSERT_TRUE(signed_text) << signed_text.err().message;
    expect_schema_valid(*signed_text);

    // ds:Signature is the second child of SignedKmsResponse, as SignedKmsResponseType has it.
    auto doc = xml::parse(*signed_text);
    ASSERT_TRUE(doc);
    std::vector<std::string> children;
    for (xml::element child : doc->root().children()) {
        children.emplace_back(child.local_name());
    }
    EXPECT_EQ(children, (std::vector<std::string>{"KmsResponse", "Signature"}));

    auto verified = verify_kms_response(*signed_text, pki().ca.certificate_pem);
    ASSERT_TRUE(verified) << verified.err().message;
    EXPECT_EQ(verified->response, original);
    EXPECT_NE(verified->signer_subject.find("kms.police.example.org"), std::string::npos) << verified->signer_subject;

    // A signed response is still an ordinary one to decode_kms_response.
    auto decoded = decode_kms_response(*signed_text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents, when_a_signed_response_is_altered_then_it_does_not_verify) {
    const auto k = sample_key_set();
    auto signed_text = *sign_kms_response(*encode_kms_response(sample_response(kms_key_prov{{k}})), signer_key());
    replace_once(signed_text, "<KeyPeriodNo>1514</KeyPeriodNo>", "<KeyPeriodNo>1515</KeyPeriodNo>");
    expect_error(verify_kms_response(signed_text, pki().ca.certificate_pem), errc::unauthenticated, "");
}

TEST(kms_documents, when_a_response_is_unsigned_or_signed_by_an_untrusted_key_then_it_does_not_verify) {
    const auto unsigned_text = *encode_kms_response(sample_response(kms_init{sample_certificate()}));
    expect_error(verify_kms_response(unsigned_text, pki().ca.certificate_pem), errc::unauthenticated, "no signature");
    const auto signed_text = *sign_kms_response(unsigned_text, signer_key());
    expect_error(verify_kms_response(signed_text, pki().other_ca.certificate_pem), errc::unauthenticated, "trusted");
}

TEST(kms_documents, when_signing_something_other_than_an_unsigned_signed_kms_response_then_it_is_refused) {
    expect_error(sign_kms_response(*encode_kms_request(sample_request()), signer_key()), errc::invalid_argument,
                 "expected SignedKmsResponse");
    const auto signed_text =
        *sign_kms_response(*encode_kms_response(sample_response(kms_init{sample_certificate()})), signer_key());
    expect_error(sign_kms_response(signed_text, signer_key()), errc::invalid_argument, "already signed");
}

// ---------------------------------------------------------------------------------------------------------------
// Paths and error codes

TEST(kms_documents, when_request_paths_are_built_then_they_follow_clause_d_2) {
    EXPECT_EQ(kms_path_init, "/keymanagement/identity/v1/init");
    EXPECT_EQ(kms_path_keyprov, "/keymanagement/identity/v1/keyprov");
    EXPECT_EQ(kms_path_certcache, "/keymanagement/identity/v1/certcache");
    EXPECT_EQ(keyprov_path("sip:user@example.org"), "/keymanagement/identity/v1/keyprov/sip%3Auser%40example.org");
    // The example of TS 33.180 D.2: keys for 2014-02-23T08:39:14Z.
    const std::uint64_t ntp_seconds = 1393144754ULL + 2208988800ULL;
    EXPECT_EQ(keyprov_path("sip:user@example.org", ntp_seconds << 32),
              "/keymanagement/identity/v1/keyprov/sip%3Auser%40example.org/D6B4323200000000");
    EXPECT_EQ(certcache_path(12), "/keymanagement/identity/v1/certcache/12");
}

TEST(kms_documents, when_error_codes_are_mapped_then_they_are_http_status_numbers) {
    EXPECT_EQ(to_code(kms_error_code::bad_request), 400);
    EXPECT_EQ(to_code(kms_error_code::unavailable), 503);
    EXPECT_EQ(kms_error_code_from(404), kms_error_code::not_found);
    EXPECT_EQ(kms_error_code_from(418), std::nullopt);
    EXPECT_EQ(kms_error_code_for(errc::schema_invalid), kms_error_code::bad_request);
    EXPECT_EQ(kms_error_code_for(errc::too_large), kms_error_code::payload_too_large);
    EXPECT_EQ(kms_error_code_for(errc::unauthenticated), kms_error_code::unauthorized);
    EXPECT_EQ(kms_error_code_for(errc::io), kms_error_code::internal_error);
}

} // namespace
} // namespace mcprov::kms_interface
