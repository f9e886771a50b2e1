// Edges of the decoders that other implementations' documents can reach: times in every form xs:dateTime allows,
// names in the wrong namespace, namespace prefixes declared in unusual places, text split by comments and CDATA.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "mcprov/kms_interface/kms_documents.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::kms_interface {
namespace {

using support::errc;
using namespace std::chrono;

time_point at(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
    return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
}

std::string octets(std::size_t size, unsigned char seed, bool point) {
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; ++i) {
        out[i] = static_cast<char>((seed + i * 5) & 0xFF);
    }
    if (point) {
        out[0] = '\x04';
    }
    return out;
}

std::string upper_hex(std::string_view raw) {
    std::string out = support::hex_encode(raw);
    for (auto& c : out) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

kms_certificate certificate() {
    kms_certificate c;
    c.role = kms_role::root;
    c.kms_uri = "kms.police.example.org";
    c.issuer = "www.police.example.org";
    c.valid_from = at(2026, 1, 1);
    c.valid_to = at(2028, 12, 31, 23, 59, 59);
    c.user_key_period = 2592000;
    c.pub_enc_key = octets(pub_enc_key_size, 1, true);
    c.pub_auth_key = octets(pub_auth_key_size, 2, true);
    return c;
}

kms_key_set key_set() {
    kms_key_set k;
    k.kms_uri = "kms.police.example.org";
    k.user_uri = "sip:alice@police.example.org";
    k.user_id = octets(uid_size, 3, false);
    k.key_period_no = 7;
    k.user_decrypt_key = octets(rsk_size, 4, true);
    k.user_signing_key_ssk = octets(ssk_size, 5, false);
    k.user_pub_token_pvt = octets(pvt_size, 6, true);
    return k;
}

kms_request request() {
    kms_request r;
    r.user_uri = "sip:alice@police.example.org";
    r.kms_uri = "kms.police.example.org";
    r.time = at(2026, 3, 2, 10, 5, 51);
    r.client_req_url = "https://kms.police.example.org/keymanagement/identity/v1/init";
    return r;
}

kms_response response(decltype(kms_response::body) body) {
    kms_response r;
    r.user_uri = "sip:alice@police.example.org";
    r.kms_uri = "kms.police.example.org";
    r.time = at(2026, 3, 2, 10, 5, 52);
    r.client_req_url = "https://kms.police.example.org/keymanagement/identity/v1/certcache";
    r.body = std::move(body);
    return r;
}

void replace_once(std::string& text, const std::string& from, const std::string& to) {
    const auto where = text.find(from);
    ASSERT_NE(where, std::string::npos) << from;
    text.replace(where, from.size(), to);
}

template <class T> void expect_error(const support::result<T>& r, errc code, const std::string& fragment) {
    ASSERT_FALSE(r) << "expected " << support::to_string(code);
    EXPECT_EQ(r.err().code, code) << r.err().message;
    EXPECT_NE(r.err().message.find(fragment), std::string::npos) << r.err().message;
}

// The request with its Time element's text replaced.
std::string request_at(const std::string& time_text) {
    auto text = *encode_kms_request(request());
    replace_once(text, "<Time>2026-03-02T10:05:51Z</Time>", "<Time>" + time_text + "</Time>");
    return text;
}

// ---------------------------------------------------------------------------------------------------------------
// Times

TEST(kms_documents_edges, when_a_time_has_a_negative_offset_then_it_is_converted_to_utc) {
    auto decoded = decode_kms_request(request_at("2026-03-02T05:35:51-04:30"));
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(decoded->time, at(2026, 3, 2, 10, 5, 51));
}

TEST(kms_documents_edges, when_a_time_has_a_zero_offset_written_as_minus_then_it_is_utc) {
    auto decoded = decode_kms_request(request_at("2026-03-02T10:05:51-00:00"));
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(decoded->time, at(2026, 3, 2, 10, 5, 51));
}

TEST(kms_documents_edges, when_an_offset_crosses_midnight_and_a_leap_day_then_the_date_changes_too) {
    auto decoded = decode_kms_request(request_at("2028-03-01T01:00:00+14:00"));
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(decoded->time, at(2028, 2, 29, 11, 0, 0));
}

TEST(kms_documents_edges, when_a_time_is_24_00_00_then_it_is_the_start_of_the_next_day) {
    auto decoded = decode_kms_request(request_at("2026-12-31T24:00:00"));
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(decoded->time, at(2027, 1, 1));
    decoded = decode_kms_request(request_at("2026-12-31T24:00:00.000Z"));
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(decoded->time, at(2027, 1, 1));
}

TEST(kms_documents_edges, when_a_time_has_a_fraction_then_it_is_dropped_however_long_it_is) {
    auto decoded = decode_kms_request(request_at("2026-03-02T10:05:51.999999999999Z"));
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(decoded->time, at(2026, 3, 2, 10, 5, 51));
    // Longer than any date-time needs: xs:dateTime sets no limit on the digits, and the schema accepts it.
    decoded = decode_kms_request(request_at("2026-03-02T10:05:51." + std::string(80, '0') + "1+01:00"));
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(decoded->time, at(2026, 3, 2, 9, 5, 51));
}

TEST(kms_documents_edges, when_a_year_is_negative_or_has_five_digits_then_it_is_out_of_the_supported_range) {
    expect_error(decode_kms_request(request_at("-2026-03-02T10:05:51Z")), errc::invalid_argument,
                 "KmsRequest/Time: year out of the supported range (1678 to 2261)");
    expect_error(decode_kms_request(request_at("20260-03-02T10:05:51Z")), errc::invalid_argument,
                 "KmsRequest/Time: year out of the supported range (1678 to 2261)");
    expect_error(decode_kms_request(request_at("0001-01-01T00:00:00+14:00")), errc::invalid_argument,
                 "KmsRequest/Time: year out of the supported range");
    expect_error(decode_kms_request(request_at("9999-12-31T23:59:59-14:00")), errc::invalid_argument,
                 "KmsRequest/Time: year out of the supported range");
}

TEST(kms_documents_edges, when_an_offset_moves_a_time_into_the_supported_years_then_it_is_accepted) {
    auto decoded = decode_kms_request(request_at("1677-12-31T23:00:00-01:00"));
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(decoded->time, at(1678, 1, 1));
    decoded = decode_kms_request(request_at("2262-01-01T00:30:00+01:00"));
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(decoded->time, at(2261, 12, 31, 23, 30, 0));
    expect_error(decode_kms_request(request_at("2262-01-01T00:30:00Z")), errc::invalid_argument,
                 "year out of the supported range");
}

TEST(kms_documents_edges, when_a_time_is_not_an_xsd_date_time_then_the_schema_refuses_it) {
    for (const char* bad : {"2026-03-02 10:05:51Z", "2026-03-02t10:05:51Z", "2026-02-29T10:05:51Z",
                            "2026-03-02T10:05:60Z", "2026-03-02T10:05:51+14:01", "2026-03-02T24:00:00.5"}) {
        expect_error(decode_kms_request(request_at(bad)), errc::schema_invalid, "Time");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Namespaces

TEST(kms_documents_edges, when_an_extension_element_has_a_kms_name_in_another_namespace_then_it_is_ignored) {
    const auto original = request();
    auto text = *encode_kms_request(original);
    replace_once(text, "</KmsRequest>",
                 "<x:UserUri xmlns:x=\"urn:example:ext\">sip:mallory@example.net</x:UserUri>"
                 "<x:ClientError xmlns:x=\"urn:example:ext\"><x:ErrorCode>1</x:ErrorCode></x:ClientError>"
                 "</KmsRequest>");
    auto decoded = decode_kms_request(text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents_edges, when_a_certificate_extension_has_a_kms_name_in_another_namespace_then_it_is_ignored) {
    const auto original = certificate();
    auto text = *encode_kms_certificate(original);
    replace_once(text, "</KmsCertificate>",
                 "<x:Revoked xmlns:x=\"urn:example:ext\">true</x:Revoked>"
                 "<x:PubAuthKey xmlns:x=\"urn:example:ext\">00</x:PubAuthKey></KmsCertificate>");
    auto decoded = decode_kms_certificate(text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents_edges, when_the_root_element_has_the_right_name_in_another_namespace_then_it_is_refused) {
    expect_error(decode_kms_request("<KmsRequest xmlns=\"urn:example:other\"/>"), errc::invalid_argument,
                 "the root element is {urn:example:other}KmsRequest, expected KmsRequest or SignedKmsRequest of "
                 "urn:3gpp:ns:mcsecKMSInterface:1.0");
    expect_error(decode_kms_key_set("<k:KmsKeySet xmlns:k=\"urn:3gpp:ns:mcsecKMSInterface:1.1\"/>"),
                 errc::invalid_argument, "{urn:3gpp:ns:mcsecKMSInterface:1.1}KmsKeySet, expected KmsKeySet");
}

TEST(kms_documents_edges, when_a_document_uses_a_prefix_for_the_kms_namespace_then_it_is_read) {
    const auto original = key_set();
    auto text = *encode_kms_key_set(original);
    // Every element written with prefix k, the prefix declared on the root; xsi:type unprefixed then names no type.
    std::string prefixed;
    for (std::size_t i = 0; i < text.size(); ++i) {
        prefixed += text[i];
        if (text[i] == '<' && i + 1 < text.size() && text[i + 1] != '?') {
            if (text[i + 1] == '/') {
                prefixed += '/';
                ++i;
            }
            prefixed += "k:";
        }
    }
    replace_once(prefixed, "xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\"",
                 "xmlns:k=\"urn:3gpp:ns:mcsecKMSInterface:1.0\"");
    for (const char* key : {"UserDecryptKey", "UserSigningKeySSK", "UserPubTokenPVT"}) {
        replace_once(prefixed, std::string("<k:") + key + " xsi:type=\"KeyContentType\"",
                     std::string("<k:") + key + " xsi:type=\"k:KeyContentType\"");
    }
    auto decoded = decode_kms_key_set(prefixed);
    ASSERT_TRUE(decoded) << decoded.err().message << "\n" << prefixed;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents_edges, when_the_key_type_prefix_is_declared_on_the_key_element_itself_then_it_is_resolved_there) {
    const auto original = key_set();
    auto text = *encode_kms_key_set(original);
    replace_once(text, "<UserPubTokenPVT xsi:type=\"KeyContentType\">",
                 "<UserPubTokenPVT xmlns:t=\"urn:3gpp:ns:mcsecKMSInterface:1.0\" xsi:type=\"t:KeyContentType\">");
    auto decoded = decode_kms_key_set(text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents_edges, when_the_encrypted_key_type_is_named_through_a_prefix_then_it_is_still_refused) {
    auto text = *encode_kms_key_set(key_set());
    const auto start = text.find("<UserSigningKeySSK");
    const auto end = text.find("</UserSigningKeySSK>") + std::string("</UserSigningKeySSK>").size();
    text.replace(start, end - start,
                 "<UserSigningKeySSK xmlns:m=\"urn:3gpp:ns:mcsecKMSInterface:1.0\" xsi:type=\"m:EncKeyContentType\">"
                 "<xenc:EncryptedKey xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\">"
                 "<xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData>"
                 "</xenc:EncryptedKey></UserSigningKeySSK>");
    expect_error(decode_kms_key_set(text), errc::invalid_argument,
                 "KmsKeySet/UserSigningKeySSK: the key is encrypted under a transport key");
}

TEST(kms_documents_edges, when_the_key_type_names_a_type_of_another_namespace_then_the_schema_refuses_it) {
    auto text = *encode_kms_key_set(key_set());
    replace_once(text, "<UserDecryptKey xsi:type=\"KeyContentType\">",
                 "<UserDecryptKey xmlns:o=\"urn:example:other\" xsi:type=\"o:KeyContentType\">");
    expect_error(decode_kms_key_set(text), errc::schema_invalid, "UserDecryptKey");
}

// ---------------------------------------------------------------------------------------------------------------
// Text

TEST(kms_documents_edges, when_text_is_split_by_comments_and_cdata_then_its_pieces_are_joined) {
    auto original = certificate();
    auto text = *encode_kms_certificate(original);
    replace_once(text, "<KmsUri>kms.police.example.org</KmsUri>",
                 "<KmsUri> kms.<!-- a comment -->police<![CDATA[.example]]>.org\n</KmsUri>");
    replace_once(text, "<Issuer>www.police.example.org</Issuer>", "<Issuer><![CDATA[<www> & co]]></Issuer>");
    auto decoded = decode_kms_certificate(text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    original.issuer = "<www> & co";
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents_edges, when_strings_carry_white_space_then_uris_are_trimmed_and_free_text_is_kept) {
    auto original = request();
    original.client_id = "  client one\t";
    auto text = *encode_kms_request(original);
    replace_once(text, "<UserUri>sip:alice@police.example.org</UserUri>",
                 "<UserUri>\n   sip:alice@police.example.org  </UserUri>");
    auto decoded = decode_kms_request(text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents_edges, when_attributes_and_numbers_carry_white_space_or_other_lexical_forms_then_they_are_read) {
    auto text = *encode_kms_response(response(kms_cert_cache{{certificate()}, 12}));
    replace_once(text, "CacheNum=\"12\"", "CacheNum=\" +012 \"");
    replace_once(text, "Role=\"Root\"", "Role=\"Root\" IsSecurityGateway=\"1\"");
    replace_once(text, "<Revoked>false</Revoked>", "<Revoked> 0 </Revoked>");
    replace_once(text, "<UserKeyPeriod>2592000</UserKeyPeriod>", "<UserKeyPeriod>\n+2592000\n</UserKeyPeriod>");
    auto decoded = decode_kms_response(text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    const auto* cache = std::get_if<kms_cert_cache>(&decoded->body);
    ASSERT_NE(cache, nullptr);
    EXPECT_EQ(cache->cache_num, 12);
    ASSERT_EQ(cache->certificates.size(), 1u);
    EXPECT_EQ(cache->certificates[0].is_security_gateway, true);
    EXPECT_FALSE(cache->certificates[0].revoked);
    EXPECT_EQ(cache->certificates[0].user_key_period, 2592000);
}

TEST(kms_documents_edges, when_a_certificate_in_a_cache_is_wrong_then_the_error_names_it_and_its_position) {
    const auto c = certificate();
    auto text = *encode_kms_response(response(kms_cert_cache{{c, c}, 1}));
    // The first certificate wrapped in SignedKmsCertificate (which the schema puts before the bare ones).
    const auto first = text.find("<KmsCertificate");
    const auto first_end = text.find("</KmsCertificate>", first) + std::string("</KmsCertificate>").size();
    text.insert(first_end, "</SignedKmsCertificate>");
    text.insert(first, "<SignedKmsCertificate>");
    const auto auth_hex = upper_hex(c.pub_auth_key);
    auto spoiled = text;
    spoiled.replace(spoiled.find(auth_hex), auth_hex.size(), auth_hex.substr(2));
    expect_error(decode_kms_response(spoiled), errc::invalid_argument,
                 "SignedKmsResponse/KmsResponse/KmsMessage/KmsCertCache/SignedKmsCertificate[1]/KmsCertificate/"
                 "PubAuthKey: 64 octets, expected 65");
    spoiled = text;
    spoiled.replace(spoiled.rfind(auth_hex), auth_hex.size(), auth_hex.substr(2));
    expect_error(decode_kms_response(spoiled), errc::invalid_argument,
                 "SignedKmsResponse/KmsResponse/KmsMessage/KmsCertCache/KmsCertificate[2]/PubAuthKey: 64 octets");
    auto decoded = decode_kms_response(text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, response(kms_cert_cache{{c, c}, 1}));
}

TEST(kms_documents_edges, when_an_error_message_is_empty_then_it_is_read_as_empty) {
    const auto original = response(kms_error{503, ""});
    auto text = encode_kms_response(original);
    ASSERT_TRUE(text) << text.err().message;
    auto decoded = decode_kms_response(*text);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, original);
}

TEST(kms_documents_edges, when_a_uri_is_not_an_any_uri_then_the_encoder_names_the_schema) {
    auto r = request();
    r.user_uri = "sip:alice@police.example.org#a#b";
    expect_error(encode_kms_request(r), errc::invalid_argument, "a value does not fit the schema");
}

TEST(kms_documents_edges, when_a_keyprov_path_is_built_for_a_uri_with_reserved_characters_then_they_are_encoded) {
    EXPECT_EQ(keyprov_path("sip:a b&c/d?e#f%g@example.org"),
              "/keymanagement/identity/v1/keyprov/sip%3Aa%20b%26c%2Fd%3Fe%23f%25g%40example.org");
    EXPECT_EQ(keyprov_path("tel:+1", 0xFFFFFFFFFFFFFFFFULL),
              "/keymanagement/identity/v1/keyprov/tel%3A%2B1/FFFFFFFFFFFFFFFF");
    EXPECT_EQ(certcache_path(-1), "/keymanagement/identity/v1/certcache/-1");
}

} // namespace
} // namespace mcprov::kms_interface
