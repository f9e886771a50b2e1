// The exact bytes the encoders write: the layout (two spaces per level, one element a line), the order of attributes
// and namespace declarations, how empty elements and escaped characters are written. Peers may compare or store these
// documents, so a change here is a change of the wire format, never a side effect of a refactoring.
#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <string>
#include <vector>

#include "mcprov/kms_interface/kms_documents.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::kms_interface {
namespace {

using namespace std::chrono;

time_point at(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
    return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
}

std::string octets(std::size_t size, unsigned char seed, bool point) {
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; ++i) {
        out[i] = static_cast<char>((seed + i * 3) & 0xFF);
    }
    if (point) {
        out[0] = '\x04';
    }
    return out;
}

std::string hex(std::string_view raw) {
    std::string out = support::hex_encode(raw);
    for (auto& c : out) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

// The lines of a document, each followed by a new line, after the XML declaration.
std::string document(std::initializer_list<std::string> lines) {
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    for (const auto& line : lines) {
        out += line;
        out += '\n';
    }
    return out;
}

const std::string ns = "xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\"";
const std::string xsi = "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";

kms_certificate certificate() {
    kms_certificate c;
    c.id = "cert-1";
    c.role = kms_role::external;
    c.is_security_gateway = false;
    c.cert_uri = "cert1.kms.fire.example.org";
    c.kms_uri = "kms.fire.example.org";
    c.issuer = "www.fire.example.org";
    c.valid_from = at(2026, 1, 1);
    c.valid_to = at(2027, 12, 31, 23, 59, 59);
    c.user_key_period = 2592000;
    c.user_key_offset = 3600;
    c.pub_enc_key = octets(pub_enc_key_size, 1, true);
    c.pub_auth_key = octets(pub_auth_key_size, 2, true);
    c.kms_domain_list = {"fire.example.org", "ems.example.org"};
    return c;
}

// The lines of certificate() at `depth`, its start tag carrying `namespaces` first.
std::vector<std::string> certificate_lines(int depth, const std::string& namespaces) {
    const std::string in(static_cast<std::size_t>(depth) * 2, ' ');
    const auto c = certificate();
    return {
        in + "<KmsCertificate " + namespaces + (namespaces.empty() ? "" : " ") +
            "Id=\"cert-1\" Version=\"1.1.0\" Role=\"External\" IsSecurityGateway=\"false\">",
        in + "  <CertUri>cert1.kms.fire.example.org</CertUri>",
        in + "  <KmsUri>kms.fire.example.org</KmsUri>",
        in + "  <Issuer>www.fire.example.org</Issuer>",
        in + "  <ValidFrom>2026-01-01T00:00:00Z</ValidFrom>",
        in + "  <ValidTo>2027-12-31T23:59:59Z</ValidTo>",
        in + "  <Revoked>false</Revoked>",
        in + "  <UserIdFormat>2</UserIdFormat>",
        in + "  <UserKeyPeriod>2592000</UserKeyPeriod>",
        in + "  <UserKeyOffset>3600</UserKeyOffset>",
        in + "  <PubEncKey>" + hex(c.pub_enc_key) + "</PubEncKey>",
        in + "  <PubAuthKey>" + hex(c.pub_auth_key) + "</PubAuthKey>",
        in + "  <ParameterSet>1</ParameterSet>",
        in + "  <KmsDomainList>",
        in + "    <KmsDomain>fire.example.org</KmsDomain>",
        in + "    <KmsDomain>ems.example.org</KmsDomain>",
        in + "  </KmsDomainList>",
        in + "</KmsCertificate>",
    };
}

kms_key_set key_set() {
    kms_key_set k;
    k.id = "ks-1514";
    k.kms_uri = "kms.police.example.org";
    k.cert_uri = "cert1.kms.police.example.org";
    k.issuer = "www.police.example.org";
    k.user_uri = "sip:alice@police.example.org";
    k.user_id = octets(uid_size, 3, false);
    k.valid_from = at(2026, 3, 1);
    k.valid_to = at(2026, 3, 30, 23, 59, 59);
    k.key_period_no = 1514;
    k.revoked = true;
    k.user_decrypt_key = octets(rsk_size, 4, true);
    k.user_signing_key_ssk = octets(ssk_size, 5, false);
    k.user_pub_token_pvt = octets(pvt_size, 6, true);
    return k;
}

std::vector<std::string> key_set_lines(int depth, const std::string& namespaces) {
    const std::string in(static_cast<std::size_t>(depth) * 2, ' ');
    const auto k = key_set();
    return {
        in + "<KmsKeySet " + namespaces + (namespaces.empty() ? "" : " ") + "Id=\"ks-1514\" Version=\"1.1.0\">",
        in + "  <KmsUri>kms.police.example.org</KmsUri>",
        in + "  <CertUri>cert1.kms.police.example.org</CertUri>",
        in + "  <Issuer>www.police.example.org</Issuer>",
        in + "  <UserUri>sip:alice@police.example.org</UserUri>",
        in + "  <UserID>" + hex(k.user_id) + "</UserID>",
        in + "  <ValidFrom>2026-03-01T00:00:00Z</ValidFrom>",
        in + "  <ValidTo>2026-03-30T23:59:59Z</ValidTo>",
        in + "  <KeyPeriodNo>1514</KeyPeriodNo>",
        in + "  <Revoked>true</Revoked>",
        in + "  <UserDecryptKey xsi:type=\"KeyContentType\">" + hex(k.user_decrypt_key) + "</UserDecryptKey>",
        in + "  <UserSigningKeySSK xsi:type=\"KeyContentType\">" + hex(k.user_signing_key_ssk) + "</UserSigningKeySSK>",
        in + "  <UserPubTokenPVT xsi:type=\"KeyContentType\">" + hex(k.user_pub_token_pvt) + "</UserPubTokenPVT>",
        in + "</KmsKeySet>",
    };
}

kms_response response(decltype(kms_response::body) body) {
    kms_response r;
    r.user_uri = "sip:alice@police.example.org";
    r.kms_uri = "kms.police.example.org";
    r.time = at(2026, 3, 2, 10, 5, 52);
    r.kms_id = "KMSProvAuth001";
    r.client_req_url = "https://kms.police.example.org/keymanagement/identity/v1/keyprov";
    r.body = std::move(body);
    return r;
}

// A SignedKmsResponse with response()'s envelope around the lines of its body.
std::string response_document(const std::vector<std::string>& body) {
    std::vector<std::string> lines{
        "<SignedKmsResponse " + ns + " " + xsi + ">",
        "  <KmsResponse Version=\"1.0.0\">",
        "    <UserUri>sip:alice@police.example.org</UserUri>",
        "    <KmsUri>kms.police.example.org</KmsUri>",
        "    <Time>2026-03-02T10:05:52Z</Time>",
        "    <KmsId>KMSProvAuth001</KmsId>",
        "    <ClientReqUrl>https://kms.police.example.org/keymanagement/identity/v1/keyprov</ClientReqUrl>",
    };
    lines.insert(lines.end(), body.begin(), body.end());
    lines.emplace_back("  </KmsResponse>");
    lines.emplace_back("</SignedKmsResponse>");
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    for (const auto& line : lines) {
        out += line + '\n';
    }
    return out;
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

void expect_bytes(const support::result<std::string>& text, const std::string& expected) {
    ASSERT_TRUE(text) << text.err().message;
    EXPECT_EQ(*text, expected);
}

TEST(kms_documents_bytes, when_a_certificate_is_encoded_then_every_byte_is_as_written_before) {
    std::string expected = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    for (const auto& line : certificate_lines(0, ns)) {
        expected += line + '\n';
    }
    expect_bytes(encode_kms_certificate(certificate()), expected);
}

TEST(kms_documents_bytes, when_a_minimal_certificate_is_encoded_then_only_the_required_elements_are_written) {
    kms_certificate c;
    c.version = "";
    c.kms_uri = "kms.fire.example.org";
    c.user_key_period = 86400;
    c.pub_enc_key = octets(pub_enc_key_size, 9, true);
    c.pub_auth_key = octets(pub_auth_key_size, 10, true);
    expect_bytes(encode_kms_certificate(c), document({
                                                "<KmsCertificate " + ns + ">",
                                                "  <KmsUri>kms.fire.example.org</KmsUri>",
                                                "  <Revoked>false</Revoked>",
                                                "  <UserIdFormat>2</UserIdFormat>",
                                                "  <UserKeyPeriod>86400</UserKeyPeriod>",
                                                "  <UserKeyOffset>0</UserKeyOffset>",
                                                "  <PubEncKey>" + hex(c.pub_enc_key) + "</PubEncKey>",
                                                "  <PubAuthKey>" + hex(c.pub_auth_key) + "</PubAuthKey>",
                                                "  <ParameterSet>1</ParameterSet>",
                                                "</KmsCertificate>",
                                            }));
}

TEST(kms_documents_bytes, when_a_key_set_is_encoded_then_every_byte_is_as_written_before) {
    std::string expected = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    for (const auto& line : key_set_lines(0, ns + " " + xsi)) {
        expected += line + '\n';
    }
    expect_bytes(encode_kms_key_set(key_set()), expected);
}

TEST(kms_documents_bytes, when_a_request_is_encoded_then_every_byte_is_as_written_before) {
    kms_request r;
    r.user_uri = "sip:alice@police.example.org";
    r.kms_uri = "kms.police.example.org";
    r.time = at(2026, 3, 2, 10, 5, 51);
    r.client_id = "mcprov-client";
    r.device_id = "device-42";
    r.client_req_url = "https://kms.police.example.org/keymanagement/identity/v1/init";
    r.client_error = kms_error{-7, "the previous response did not verify"};
    expect_bytes(encode_kms_request(r),
                 document({
                     "<KmsRequest " + ns + " Version=\"1.1.0\">",
                     "  <UserUri>sip:alice@police.example.org</UserUri>",
                     "  <KmsUri>kms.police.example.org</KmsUri>",
                     "  <Time>2026-03-02T10:05:51Z</Time>",
                     "  <ClientId>mcprov-client</ClientId>",
                     "  <DeviceId>device-42</DeviceId>",
                     "  <ClientReqUrl>https://kms.police.example.org/keymanagement/identity/v1/init</ClientReqUrl>",
                     "  <ClientError>",
                     "    <ErrorCode>-7</ErrorCode>",
                     "    <ErrorMsg>the previous response did not verify</ErrorMsg>",
                     "  </ClientError>",
                     "</KmsRequest>",
                 }));
    r.client_id.clear();
    r.device_id.clear();
    r.client_error.reset();
    expect_bytes(encode_kms_request(r),
                 document({
                     "<KmsRequest " + ns + " Version=\"1.1.0\">",
                     "  <UserUri>sip:alice@police.example.org</UserUri>",
                     "  <KmsUri>kms.police.example.org</KmsUri>",
                     "  <Time>2026-03-02T10:05:51Z</Time>",
                     "  <ClientReqUrl>https://kms.police.example.org/keymanagement/identity/v1/init</ClientReqUrl>",
                     "</KmsRequest>",
                 }));
}

TEST(kms_documents_bytes, when_an_init_response_is_encoded_then_every_byte_is_as_written_before) {
    const auto body =
        concat(concat({"    <KmsMessage>", "      <KmsInit Version=\"1.0.0\">"}, certificate_lines(4, "")),
               {"      </KmsInit>", "    </KmsMessage>"});
    expect_bytes(encode_kms_response(response(kms_init{certificate()})), response_document(body));
}

TEST(kms_documents_bytes, when_a_key_provision_response_is_encoded_then_every_byte_is_as_written_before) {
    const auto body = concat(concat({"    <KmsMessage>", "      <KmsKeyProv Version=\"1.0.0\">"},
                                    concat(key_set_lines(4, ""), key_set_lines(4, ""))),
                             {"      </KmsKeyProv>", "    </KmsMessage>"});
    expect_bytes(encode_kms_response(response(kms_key_prov{{key_set(), key_set()}})), response_document(body));
}

TEST(kms_documents_bytes, when_a_key_provision_response_is_empty_then_its_end_tag_stands_on_its_own_line) {
    expect_bytes(encode_kms_response(response(kms_key_prov{})),
                 response_document({"    <KmsMessage>", "      <KmsKeyProv Version=\"1.0.0\">", "      </KmsKeyProv>",
                                    "    </KmsMessage>"}));
}

TEST(kms_documents_bytes, when_a_cert_cache_response_is_encoded_then_every_byte_is_as_written_before) {
    const auto body = concat(concat({"    <KmsMessage>", "      <KmsCertCache Version=\"1.0.0\" CacheNum=\"-3\">"},
                                    concat(certificate_lines(4, ""), certificate_lines(4, ""))),
                             {"      </KmsCertCache>", "    </KmsMessage>"});
    expect_bytes(encode_kms_response(response(kms_cert_cache{{certificate(), certificate()}, -3})),
                 response_document(body));
}

TEST(kms_documents_bytes, when_a_cert_cache_response_is_empty_then_its_end_tag_stands_on_its_own_line) {
    expect_bytes(encode_kms_response(response(kms_cert_cache{})),
                 response_document({"    <KmsMessage>", "      <KmsCertCache Version=\"1.0.0\">",
                                    "      </KmsCertCache>", "    </KmsMessage>"}));
}

TEST(kms_documents_bytes, when_an_error_message_is_empty_then_it_is_written_with_start_and_end_tags) {
    auto r = response(kms_error{500, ""});
    r.kms_id.clear();
    const std::string expected = response_document(
        {"    <KmsError>", "      <ErrorCode>500</ErrorCode>", "      <ErrorMsg></ErrorMsg>", "    </KmsError>"});
    std::string without_kms_id = expected;
    without_kms_id.erase(without_kms_id.find("    <KmsId>KMSProvAuth001</KmsId>\n"),
                         std::string("    <KmsId>KMSProvAuth001</KmsId>\n").size());
    expect_bytes(encode_kms_response(r), without_kms_id);
}

TEST(kms_documents_bytes, when_text_needs_escaping_then_quotes_and_white_space_are_written_as_references) {
    // Text is escaped as attribute values are: '"', tab, LF and CR become references, '<', '&' and '>' entities.
    auto r = response(kms_error{400, "a < b & \"c\" > 'd'\n\ttab\r end \xC3\xA9"});
    expect_bytes(encode_kms_response(r),
                 response_document({"    <KmsError>", "      <ErrorCode>400</ErrorCode>",
                                    "      <ErrorMsg>a &lt; b &amp; &quot;c&quot; &gt; 'd'&#10;&#9;tab&#13; end "
                                    "\xC3\xA9</ErrorMsg>",
                                    "    </KmsError>"}));
}

TEST(kms_documents_bytes, when_an_attribute_value_needs_escaping_then_it_is_written_with_references) {
    auto c = certificate();
    c.id = "a\"b<c&d>e\tf\ng\rh'i";
    c.version = "1.1.0 \"draft\"";
    auto text = encode_kms_certificate(c);
    ASSERT_TRUE(text) << text.err().message;
    EXPECT_NE(text->find("<KmsCertificate " + ns +
                         " Id=\"a&quot;b&lt;c&amp;d&gt;e&#9;f&#10;g&#13;h'i\" Version=\"1.1.0 &quot;draft&quot;\" "
                         "Role=\"External\" IsSecurityGateway=\"false\">\n"),
              std::string::npos)
        << *text;
    auto decoded = decode_kms_certificate(*text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, c);
}

TEST(kms_documents_bytes, when_a_uri_holds_an_ampersand_then_it_is_written_as_an_entity_and_read_back) {
    auto r = response(kms_init{certificate()});
    r.user_uri = "sip:alice@police.example.org;tag=a&b";
    r.client_req_url = "https://kms.police.example.org/keymanagement/identity/v1/init?x=1&y='2'";
    auto text = encode_kms_response(r);
    ASSERT_TRUE(text) << text.err().message;
    EXPECT_NE(text->find("<UserUri>sip:alice@police.example.org;tag=a&amp;b</UserUri>"), std::string::npos) << *text;
    EXPECT_NE(text->find("<ClientReqUrl>https://kms.police.example.org/keymanagement/identity/v1/init?x=1&amp;y='2'"
                         "</ClientReqUrl>"),
              std::string::npos)
        << *text;
    auto decoded = decode_kms_response(*text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, r);
}

} // namespace
} // namespace mcprov::kms_interface
