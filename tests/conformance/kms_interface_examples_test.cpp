// TS 33.180 Annex D documents in tests/data/kms/ (see the README there: shaped like the Annex D examples, with the
// RFC 6507 / RFC 6508 test vectors as keys) decode with mcprov::kms, and what mcprov encodes from them reads back the
// same.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "mcprov/kms_interface/kms_documents.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/xml/document.hpp"
#include "mcprov/xml/schema.hpp"

namespace mcprov::kms_interface {
namespace {

using namespace std::chrono;

std::string read_example(const std::string& name) {
    std::ifstream in(std::filesystem::path(MCPROV_TEST_DATA) / "kms" / name, std::ios::binary);
    EXPECT_TRUE(in) << name;
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Octets from hex as the RFCs print it, with white space between groups.
std::string from_hex(std::string_view text) {
    std::string digits(text);
    std::erase_if(digits, [](char c) { return c == ' ' || c == '\n'; });
    return support::hex_decode(digits).value();
}

// RFC 6508 Appendix A: Z = [z]P.
const std::string rfc6508_z = from_hex("04"
                                       "5958EF1B 1679BF09 9B3A030D F255AA6A 23C1D8F1 43D4D23F 753E69BD 27A832F3"
                                       "8CB4AD53 DDEF4260 B0FE8BB4 5C4C1FF5 10EFFE30 0367A37B 61F701D9 14AEF097"
                                       "24825FA0 707D61A6 DFF4FBD7 273566CD DE352A0B 04B7C16A 78309BE6 40697DE7"
                                       "47613A5F C195E8B9 F328852A 579DB8F9 9B1D0034 479EA9C5 595F47C4 B2F54FF2"
                                       "1508D375 14DCF7A8 E143A605 8C09A6BF 2C9858CA 37C25806 5AE6BF75 32BC8B5B"
                                       "63383866 E0753C5A C0E72709 F8445F2E 6178E065 857E0EDA 10F68206 B63505ED"
                                       "87E534FB 2831FF95 7FB7DC61 9DAE6130 1EEACC2F DA3680EA 4999258A 833CEA8F"
                                       "C67C6D19 487FB449 059F26CC 8AAB655A B58B7CC7 96E24E9A 39409575 4F5F8BAE");
// RFC 6507 Appendix A.1: KPAK = [KSAK]G.
const std::string rfc6507_kpak = from_hex("04"
                                          "50D4670B DE75244F 28D2838A 0D25558A 7A72686D 4522D4C8 273FB644 2AEBFA93"
                                          "DBDD3755 1AFD263B 5DFD617F 3960C65A 8C298850 FF99F203 66DCE7D4 367217F4");
// RFC 6508 Appendix A: the RSK K_(b,S).
const std::string rfc6508_rsk = from_hex("04"
                                         "93AF67E5 007BA6E6 A80DA793 DA300FA4 B52D0A74 E25E6E7B 2B3D6EE9 D18A9B5C"
                                         "5023597B D82D8062 D3401956 3BA1D25C 0DC56B7B 979D74AA 50F29FBF 11CC2C93"
                                         "F5DFCA61 5E609279 F6175CEA DB00B58C 6BEE1E7A 2A47C4F0 C456F052 59A6FA94"
                                         "A634A40D AE1DF593 D4FECF68 8D5FC678 BE7EFC6D F3D68353 25B83B2C 6E69036B"
                                         "155F0A27 241094B0 4BFB0BDF AC6C670A 65C325D3 9A069F03 659D44CA 27D3BE8D"
                                         "F311172B 55416018 1CBE94A2 A783320C ED590BC4 2644702C F371271E 496BF20F"
                                         "588B78A1 BC01ECBB 6559934B DD2FB65D 2884318A 33D1A42A DF5E33CC 5800280B"
                                         "28356497 F87135BA B9612A17 26042440 9AC15FEE 996B744C 33215123 5DECB0F5");
// RFC 6507 Appendix A.2: SSK and PVT.
const std::string rfc6507_ssk = from_hex("23F374AE 1F4033F3 E9DBDDAA EF20F4CF 0B86BBD5 A138A5AE 9E7E006B 34489A0D");
const std::string rfc6507_pvt = from_hex("04"
                                         "758A1427 79BE89E8 29E71984 CB40EF75 8CC4AD77 5FC5B9A3 E1C8ED52 F6FA36D9"
                                         "A79D2476 92F4EDA3 A6BDAB77 D6AA6474 A464AE49 34663C52 65BA7018 BA091F79");

time_point at(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
    return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
}

void expect_example_certificate(const kms_certificate& c, const std::string& kms_uri) {
    EXPECT_EQ(c.version, "1.1.0");
    EXPECT_EQ(c.kms_uri, kms_uri);
    EXPECT_EQ(c.issuer, "www.example.org");
    EXPECT_EQ(c.valid_from, at(2000, 1, 26, 0, 0, 0)); // no zone designator: UTC
    EXPECT_EQ(c.valid_to, at(2100, 1, 26, 23, 59, 59));
    EXPECT_FALSE(c.revoked);
    EXPECT_EQ(c.user_id_format, "2");
    EXPECT_EQ(c.user_key_period, 2592000);
    EXPECT_EQ(c.user_key_offset, 0);
    EXPECT_EQ(c.pub_enc_key, rfc6508_z);
    EXPECT_EQ(c.pub_auth_key, rfc6507_kpak);
    EXPECT_EQ(c.parameter_set, 1);
}

template <class T> void expect_reencodes(const T& value, auto encode, auto decode) {
    auto text = encode(value);
    ASSERT_TRUE(text) << text.err().message;
    auto again = decode(*text);
    ASSERT_TRUE(again) << again.err().message;
    EXPECT_EQ(*again, value);
}

TEST(kms_interface_examples, when_every_example_is_checked_then_it_validates_against_the_annex_d_schema) {
    auto schema = kms_interface_schema();
    ASSERT_TRUE(schema) << schema.err().message;
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(MCPROV_TEST_DATA) / "kms")) {
        if (entry.path().extension() != ".xml") {
            continue;
        }
        ++count;
        const auto text = read_example(entry.path().filename().string());
        auto doc = xml::parse(text);
        ASSERT_TRUE(doc) << entry.path() << ": " << doc.err().message;
        auto valid = (*schema)->validate(*doc);
        EXPECT_TRUE(valid) << entry.path() << ": " << (valid ? "" : valid.err().message);
    }
    EXPECT_GE(count, 6);
}

TEST(kms_interface_examples, when_the_init_response_is_decoded_then_it_holds_the_root_certificate) {
    auto response = decode_kms_response(read_example("kms-init-response.xml"));
    ASSERT_TRUE(response) << response.err().message;
    EXPECT_EQ(response->user_uri, "user@example.org");
    EXPECT_EQ(response->kms_uri, "kms.example.org");
    EXPECT_EQ(response->time, at(2014, 1, 26, 10, 5, 52));
    EXPECT_EQ(response->kms_id, "KMSProvAuth001");
    EXPECT_EQ(response->client_req_url, "http://kms.example.org/keymanagement/identity/v1/init");
    const auto* init = std::get_if<kms_init>(&response->body);
    ASSERT_NE(init, nullptr);
    expect_example_certificate(init->certificate, "kms.example.org");
    EXPECT_EQ(init->certificate.role, kms_role::root);
    EXPECT_EQ(init->certificate.cert_uri, "cert1.kms.example.org");
    EXPECT_EQ(init->certificate.kms_domain_list,
              (std::vector<std::string>{"sec1.example.org", "sec2.example.org", "sec3.example.org"}));
    expect_reencodes(*response, encode_kms_response, decode_kms_response);
}

TEST(kms_interface_examples, when_the_key_provision_response_is_decoded_then_it_holds_the_rfc_keys) {
    auto response = decode_kms_response(read_example("kms-keyprov-response.xml"));
    ASSERT_TRUE(response) << response.err().message;
    const auto* prov = std::get_if<kms_key_prov>(&response->body);
    ASSERT_NE(prov, nullptr);
    ASSERT_EQ(prov->key_sets.size(), 1u);
    const auto& k = prov->key_sets[0];
    EXPECT_EQ(k.kms_uri, "kms.example.org");
    EXPECT_EQ(k.cert_uri, "cert1.kms.example.org");
    EXPECT_EQ(k.user_uri, "user.pseudonym@example.org");
    EXPECT_EQ(k.user_id.size(), uid_size);
    EXPECT_EQ(k.key_period_no, 1514);
    EXPECT_EQ(k.valid_from, at(2015, 12, 30, 0, 0, 0));
    EXPECT_EQ(k.user_decrypt_key, rfc6508_rsk);
    EXPECT_EQ(k.user_signing_key_ssk, rfc6507_ssk);
    EXPECT_EQ(k.user_pub_token_pvt, rfc6507_pvt);
    expect_reencodes(*response, encode_kms_response, decode_kms_response);
}

TEST(kms_interface_examples, when_the_cert_cache_response_is_decoded_then_it_holds_both_partner_certificates) {
    auto response = decode_kms_response(read_example("kms-certcache-response.xml"));
    ASSERT_TRUE(response) << response.err().message;
    const auto* cache = std::get_if<kms_cert_cache>(&response->body);
    ASSERT_NE(cache, nullptr);
    EXPECT_EQ(cache->cache_num, 2);
    ASSERT_EQ(cache->certificates.size(), 2u);
    expect_example_certificate(cache->certificates[0], "kms.partner1.example.org"); // inside SignedKmsCertificate
    expect_example_certificate(cache->certificates[1], "kms.partner2.example.org");
    EXPECT_EQ(cache->certificates[0].role, kms_role::external);
    expect_reencodes(*response, encode_kms_response, decode_kms_response);
}

TEST(kms_interface_examples, when_the_error_response_is_decoded_then_its_code_is_known) {
    auto response = decode_kms_response(read_example("kms-error-response.xml"));
    ASSERT_TRUE(response) << response.err().message;
    const auto* error = std::get_if<kms_error>(&response->body);
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(kms_error_code_from(error->code), kms_error_code::forbidden);
    EXPECT_EQ(error->message, "not authorised for sip:other@example.org");
    expect_reencodes(*response, encode_kms_response, decode_kms_response);
}

TEST(kms_interface_examples, when_the_request_is_decoded_then_its_fields_are_read) {
    auto request = decode_kms_request(read_example("kms-request.xml"));
    ASSERT_TRUE(request) << request.err().message;
    EXPECT_EQ(request->user_uri, "user@example.org");
    EXPECT_EQ(request->kms_uri, "kms.example.org");
    EXPECT_EQ(request->time, at(2014, 1, 26, 10, 5, 52));
    EXPECT_EQ(request->client_id, "tel:+441111122222");
    EXPECT_EQ(request->device_id, "tel:+441111122222");
    EXPECT_EQ(request->client_req_url, std::string("http://kms.example.org") + std::string(kms_path_init));
    EXPECT_FALSE(request->client_error);
    expect_reencodes(*request, encode_kms_request, decode_kms_request);
}

TEST(kms_interface_examples, when_the_standalone_certificate_is_decoded_then_it_matches_the_one_in_kms_init) {
    auto certificate = decode_kms_certificate(read_example("kms-certificate.xml"));
    ASSERT_TRUE(certificate) << certificate.err().message;
    expect_example_certificate(*certificate, "kms.example.org");
    EXPECT_EQ(certificate->kms_domain_list, std::vector<std::string>{"sec1.example.org"});
    expect_reencodes(*certificate, encode_kms_certificate, decode_kms_certificate);
}

} // namespace
} // namespace mcprov::kms_interface
