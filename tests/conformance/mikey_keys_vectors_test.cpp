#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "mcprov/mikey/keys.hpp"
#include "mcprov/support/encoding.hpp"

// The published test data of RFC 6507 Appendix A (ECCSI) and RFC 6508 Appendix A (SAKKE), reproduced through the
// mikey key interface (not through wolfcrypt directly).
//
// Provenance: the values are written as the RFCs print them, in groups of four octets. The RFC texts themselves could
// not be read in full from this workplace (only their opening pages), so the values were taken from public code that
// quotes the two appendices, and every derived value was then recomputed here from the published inputs (KSAK, v, j,
// the message, z, the SSV, the identifier) with an independent big-integer implementation of the RFC formulas over
// the curve parameters of RFC 6509 (P-256, and the 1024-bit curve with its pairing base g): KPAK = [KSAK]G, PVT = [v]G,
// HS, SSK, r = x([j]G), s, Z = [z]P, RSK = [(a + z)^-1]P, r = HashToIntegerRange(SSV || b, q), R_(b,S), g^r and H.
// All of them agree with the values below.
//
// Where the wrapper draws a random itself (v when issuing SSK and PVT, j when signing), the published outputs that
// depend on it are checked the other way round: the published SSK and PVT validate, the published signature verifies,
// and a one-bit change is refused.
namespace mcprov::mikey {
namespace {

using support::errc;

// Octets from hex as the RFCs print it, with white space between groups.
std::string from_hex(std::string_view text) {
    std::string digits(text);
    std::erase_if(digits, [](char c) { return c == ' ' || c == '\n'; });
    return support::hex_decode(digits).value();
}

std::string flip_bit(std::string bytes, std::size_t index, int bit = 0) {
    bytes[index] = static_cast<char>(bytes[index] ^ (1 << bit));
    return bytes;
}

// Both appendices use the same identifier: "2011-02\0tel:+447700900123\0" (RFC 6507 A.1 ID, RFC 6508 A b).
const std::string rfc_id("2011-02\0tel:+447700900123\0", 26);

// RFC 6507 Appendix A.1: KSAK = 0x12345, written as the 32 octets of a P-256 scalar.
const std::string rfc6507_ksak = from_hex("00000000 00000000 00000000 00000000"
                                          "00000000 00000000 00000000 00012345");

// RFC 6507 Appendix A.1: KPAK = [KSAK]G.
const std::string rfc6507_kpak = from_hex("04"
                                          "50D4670B DE75244F 28D2838A 0D25558A"
                                          "7A72686D 4522D4C8 273FB644 2AEBFA93"
                                          "DBDD3755 1AFD263B 5DFD617F 3960C65A"
                                          "8C298850 FF99F203 66DCE7D4 367217F4");

// RFC 6507 Appendix A.2: v = 0x23456, PVT = [v]G.
const std::string rfc6507_pvt = from_hex("04"
                                         "758A1427 79BE89E8 29E71984 CB40EF75"
                                         "8CC4AD77 5FC5B9A3 E1C8ED52 F6FA36D9"
                                         "A79D2476 92F4EDA3 A6BDAB77 D6AA6474"
                                         "A464AE49 34663C52 65BA7018 BA091F79");

// RFC 6507 Appendix A.2: HS = hash(G || KPAK || ID || PVT).
const std::string rfc6507_hs = from_hex("490F3FEB BC1C902F 6289723D 7F8CBF79"
                                        "DB889308 49D19F38 F0295B5C 276C14D1");

// RFC 6507 Appendix A.2: SSK = (KSAK + HS * v) mod q.
const std::string rfc6507_ssk = from_hex("23F374AE 1F4033F3 E9DBDDAA EF20F4CF"
                                         "0B86BBD5 A138A5AE 9E7E006B 34489A0D");

// RFC 6507 Appendix A.3: the message M = "message\0" (6D657373 61676500), signed with j = 0x34567: the signature
// r || s || PVT.
const std::string rfc6507_message("message\0", 8);
const std::string rfc6507_signature = from_hex("269D4C8F DEB66A74 E4EF8C0D 5DCC597D" // r
                                               "DFE6029C 2AFFC493 6008CD2C C1045D81"
                                               "E09B528D 0EF8D6DF 1AA3ECBF 80110CFC" // s
                                               "EC9FC682 52CEBB67 9F413484 6940CCFD") +
                                      rfc6507_pvt;

// RFC 6508 Appendix A: the KMS master secret z = AFF429D3 5F84B110 D094803B 3595A6E2 998BC99F, written as the 128
// octets of a scalar below q.
const std::string rfc6508_z = std::string(108, '\0') + from_hex("AFF429D3 5F84B110 D094803B 3595A6E2 998BC99F");

// RFC 6508 Appendix A: the KMS Public Key Z = [z]P.
const std::string rfc6508_z_t = from_hex("04"
                                         "5958EF1B 1679BF09 9B3A030D F255AA6A" // Zx
                                         "23C1D8F1 43D4D23F 753E69BD 27A832F3"
                                         "8CB4AD53 DDEF4260 B0FE8BB4 5C4C1FF5"
                                         "10EFFE30 0367A37B 61F701D9 14AEF097"
                                         "24825FA0 707D61A6 DFF4FBD7 273566CD"
                                         "DE352A0B 04B7C16A 78309BE6 40697DE7"
                                         "47613A5F C195E8B9 F328852A 579DB8F9"
                                         "9B1D0034 479EA9C5 595F47C4 B2F54FF2"
                                         "1508D375 14DCF7A8 E143A605 8C09A6BF" // Zy
                                         "2C9858CA 37C25806 5AE6BF75 32BC8B5B"
                                         "63383866 E0753C5A C0E72709 F8445F2E"
                                         "6178E065 857E0EDA 10F68206 B63505ED"
                                         "87E534FB 2831FF95 7FB7DC61 9DAE6130"
                                         "1EEACC2F DA3680EA 4999258A 833CEA8F"
                                         "C67C6D19 487FB449 059F26CC 8AAB655A"
                                         "B58B7CC7 96E24E9A 39409575 4F5F8BAE");

// RFC 6508 Appendix A: the Receiver Secret Key K_(b,S) = [(b + z)^-1]P.
const std::string rfc6508_rsk = from_hex("04"
                                         "93AF67E5 007BA6E6 A80DA793 DA300FA4" // Kbx
                                         "B52D0A74 E25E6E7B 2B3D6EE9 D18A9B5C"
                                         "5023597B D82D8062 D3401956 3BA1D25C"
                                         "0DC56B7B 979D74AA 50F29FBF 11CC2C93"
                                         "F5DFCA61 5E609279 F6175CEA DB00B58C"
                                         "6BEE1E7A 2A47C4F0 C456F052 59A6FA94"
                                         "A634A40D AE1DF593 D4FECF68 8D5FC678"
                                         "BE7EFC6D F3D68353 25B83B2C 6E69036B"
                                         "155F0A27 241094B0 4BFB0BDF AC6C670A" // Kby
                                         "65C325D3 9A069F03 659D44CA 27D3BE8D"
                                         "F311172B 55416018 1CBE94A2 A783320C"
                                         "ED590BC4 2644702C F371271E 496BF20F"
                                         "588B78A1 BC01ECBB 6559934B DD2FB65D"
                                         "2884318A 33D1A42A DF5E33CC 5800280B"
                                         "28356497 F87135BA B9612A17 26042440"
                                         "9AC15FEE 996B744C 33215123 5DECB0F5");

// RFC 6508 Appendix A: the SSV, and the Encapsulated Data R_(b,S) || H it gives for b under Z.
const std::string rfc6508_ssv = from_hex("12345678 9ABCDEF0 12345678 9ABCDEF0");
const std::string rfc6508_encapsulated = from_hex("04"
                                                  "44E8AD44 AB8592A6 A5A3DDCA 5CF896C7" // Rbx
                                                  "18043606 A01D650D EF37A01F 37C228C3"
                                                  "32FC3173 54E2C274 D4DAF8AD 001054C7"
                                                  "6CE57971 C6F4486D 57230432 61C506EB"
                                                  "F5BE438F 53DE04F0 67C776E0 DD3B71A6"
                                                  "29013328 3725A532 F21AF145 126DC1D7"
                                                  "77ECC27B E50835BD 28098B8A 73D9F801"
                                                  "D893793A 41FF5C49 B87E79F2 BE4D56CE"
                                                  "557E134A D85BB1D4 B9CE4F8B E4B08A12" // Rby
                                                  "BABF55B1 D6F1D7A6 38019EA2 8E15AB1C"
                                                  "9F76375F DD1210D4 F4351B9A 009486B7"
                                                  "F3ED46C9 65DED2D8 0DADE4F3 8C6721D5"
                                                  "2C3AD103 A10EBD29 59248B4E F006836B"
                                                  "F097448E 6107C9ED EE9FB704 823DF199"
                                                  "F832C905 AE45F8A2 47A072D8 EF729EAB"
                                                  "C5E27574 B07739B3 4BE74A53 2F747B86"
                                                  "89E0BC66 1AA1E916 38E6ACC8 4E496507"); // H

const master_secrets rfc_secrets{.ksak = rfc6507_ksak, .z = rfc6508_z};
const public_keys rfc_kms{.kpak = rfc6507_kpak, .z_t = rfc6508_z_t};

TEST(mikey_keys_vectors, when_rfc_master_secrets_then_published_kpak_and_z) {
    auto derived = derive_public_keys(rfc_secrets);
    ASSERT_TRUE(derived) << derived.err().message;
    EXPECT_EQ(derived->kpak, rfc6507_kpak); // RFC 6507 A.1
    EXPECT_EQ(derived->z_t, rfc6508_z_t);   // RFC 6508 A
}

TEST(mikey_keys_vectors, when_rfc6507_id_and_pvt_then_published_hs) {
    auto hs = eccsi_identifier_hash(rfc_kms, rfc_id, rfc6507_pvt);
    ASSERT_TRUE(hs) << hs.err().message;
    EXPECT_EQ(*hs, rfc6507_hs);
}

TEST(mikey_keys_vectors, when_rfc6507_ssk_and_pvt_then_they_validate) {
    auto validated = validate_signing_keys(rfc_kms, rfc_id, rfc6507_ssk, rfc6507_pvt);
    EXPECT_TRUE(validated) << validated.err().message;
}

TEST(mikey_keys_vectors, when_rfc6507_ssk_has_one_bit_changed_then_the_pair_does_not_validate) {
    auto validated = validate_signing_keys(rfc_kms, rfc_id, flip_bit(rfc6507_ssk, 31), rfc6507_pvt);
    ASSERT_FALSE(validated);
    EXPECT_EQ(validated.err().code, errc::unauthenticated);
}

TEST(mikey_keys_vectors, when_rfc6507_pair_is_checked_for_another_id_then_it_does_not_validate) {
    auto validated = validate_signing_keys(rfc_kms, flip_bit(rfc_id, 24), rfc6507_ssk, rfc6507_pvt);
    ASSERT_FALSE(validated);
    EXPECT_EQ(validated.err().code, errc::unauthenticated);
}

TEST(mikey_keys_vectors, when_rfc6507_signature_then_it_verifies) {
    auto verified = eccsi_verify(rfc_kms, rfc_id, rfc6507_message, rfc6507_signature);
    EXPECT_TRUE(verified) << verified.err().message;
}

TEST(mikey_keys_vectors, when_rfc6507_message_has_one_bit_changed_then_the_signature_is_refused) {
    auto verified = eccsi_verify(rfc_kms, rfc_id, flip_bit(rfc6507_message, 0), rfc6507_signature);
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.err().code, errc::unauthenticated);
}

TEST(mikey_keys_vectors, when_rfc6507_signature_r_or_s_has_one_bit_changed_then_it_is_refused) {
    for (std::size_t index : {std::size_t{31}, std::size_t{63}}) { // the last octet of r, then of s
        auto verified = eccsi_verify(rfc_kms, rfc_id, rfc6507_message, flip_bit(rfc6507_signature, index));
        ASSERT_FALSE(verified) << index;
        EXPECT_EQ(verified.err().code, errc::unauthenticated) << index;
    }
}

TEST(mikey_keys_vectors, when_rfc6507_signature_is_checked_for_another_id_then_it_is_refused) {
    auto verified = eccsi_verify(rfc_kms, flip_bit(rfc_id, 24), rfc6507_message, rfc6507_signature);
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.err().code, errc::unauthenticated);
}

TEST(mikey_keys_vectors, when_rfc6507_keys_sign_then_the_signature_verifies) {
    user_keys keys{.rsk = rfc6508_rsk, .ssk = rfc6507_ssk, .pvt = rfc6507_pvt};
    auto signature = eccsi_sign(rfc_kms, rfc_id, keys, rfc6507_message);
    ASSERT_TRUE(signature) << signature.err().message;
    ASSERT_EQ(signature->size(), eccsi_signature_size);
    EXPECT_EQ(signature->substr(64), rfc6507_pvt); // r and s depend on the fresh j; the PVT is the signer's
    auto verified = eccsi_verify(rfc_kms, rfc_id, rfc6507_message, *signature);
    EXPECT_TRUE(verified) << verified.err().message;
}

TEST(mikey_keys_vectors, when_rfc6508_master_secret_then_rsk_is_exactly_the_published_one) {
    auto issued = issue_user_keys(rfc_secrets, rfc_id);
    ASSERT_TRUE(issued) << issued.err().message;
    EXPECT_EQ(issued->rsk, rfc6508_rsk);
    // SSK and PVT come from a fresh v, so they differ from Appendix A of RFC 6507 but must validate all the same.
    auto validated = validate_signing_keys(rfc_kms, rfc_id, issued->ssk, issued->pvt);
    EXPECT_TRUE(validated) << validated.err().message;
}

TEST(mikey_keys_vectors, when_rfc6508_rsk_then_it_validates) {
    auto validated = validate_receiver_key(rfc_kms, rfc_id, rfc6508_rsk);
    EXPECT_TRUE(validated) << validated.err().message;
}

TEST(mikey_keys_vectors, when_rfc6508_rsk_is_checked_for_another_id_then_it_does_not_validate) {
    auto validated = validate_receiver_key(rfc_kms, flip_bit(rfc_id, 24), rfc6508_rsk);
    ASSERT_FALSE(validated);
    EXPECT_EQ(validated.err().code, errc::unauthenticated);
}

TEST(mikey_keys_vectors, when_rfc6508_ssv_is_encapsulated_then_exactly_the_published_r_and_h) {
    auto encapsulated = sakke_encapsulate(rfc_kms, rfc_id, rfc6508_ssv);
    ASSERT_TRUE(encapsulated) << encapsulated.err().message;
    EXPECT_EQ(encapsulated->ssv, rfc6508_ssv);
    EXPECT_EQ(encapsulated->encapsulated.substr(0, rsk_size), rfc6508_encapsulated.substr(0, rsk_size)); // R_(b,S)
    EXPECT_EQ(encapsulated->encapsulated.substr(rsk_size), rfc6508_encapsulated.substr(rsk_size));       // H
}

TEST(mikey_keys_vectors, when_rfc6508_encapsulated_data_is_decapsulated_then_the_published_ssv) {
    auto ssv = sakke_decapsulate(rfc_kms, rfc_id, rfc6508_rsk, rfc6508_encapsulated);
    ASSERT_TRUE(ssv) << ssv.err().message;
    EXPECT_EQ(*ssv, rfc6508_ssv);
}

// R_(b,S) of RFC 6508 Appendix A plus a point T of order 4 (x^2 = -3, y^2 = -6x) or 2 ((0, 0)), computed with
// arbitrary-precision integers from the curve's equation alone: still on the curve, outside the subgroup of order q,
// and the pairing cannot tell it from R_(b,S) (T is in qE). Only the final check of RFC 6508 6.2.2, [r]([b]P + Z_S) =
// R_(b,S), refuses it.
const std::string rfc6508_r_plus_order_4 = from_hex("04"
                                                    "5B6D5DD1 715B3F28 7DC66592 9EC4106D 047B1097 A3735828 F2029BA1 EBF8AA02"
                                                    "DF21BEE2 9784841C DE7873AC 02B27E2D 61520A50 51E8F13F BE4C1DEF 2EE3B261"
                                                    "1C949B7F 48821A43 AF3AECC1 F133B335 5EB2535F DC56CDBE ABC4F421 ECAD4387"
                                                    "8E6A4DD4 1DE21666 6E924AB2 9052A97C 82F0AA7D 78DB0014 F0CAA690 CBB8EF2D"
                                                    "009E3DE7 5B084863 3A5E7B12 808F36D1 17B6E154 8ED42FC6 BF0C5ABF 95D138E8"
                                                    "47EFB75A 346E0667 0136C8B2 0042E1A2 1456AF6B E6C46C96 6642A4D8 CC53DCBA"
                                                    "F89A7B68 F9BAF450 06204AF3 A61A92DB F774C54A 12204838 485810E5 9E9A0F11"
                                                    "07675D65 C63DDFF4 CBA32D9D C1D80925 5CC033A9 4086C6D7 0F4EB3D1 D838EB98");
const std::string rfc6508_r_plus_order_2 = from_hex("04"
                                                    "4366E173 32ED200C FDF1A630 40EA6E83 D2D6416F 613238FD B91173F9 290CC2BB"
                                                    "0A820209 F62DAFCA 141FF155 7669196F E47BA3CA E76A5DFE 43E1F2E9 15549DFC"
                                                    "F6F9E38F 9E291CDE 0228F7CF 1529C8BF 66384D64 791EFE86 B6BCA250 4B1C80F4"
                                                    "DB9F0BA1 B10ACE21 CDF4EAE4 CB2BE275 4A816733 7FCE89C6 4E59157B 5080A9CB"
                                                    "40FF512B A44F48F5 C98331E9 E8848FCA DA12D21D C5B8B608 79707FD5 ED5B3EC4"
                                                    "D2EB735A F1118B99 78E505B8 34F0A84E 84740371 132CB3D9 80297C3E 26E7CFB0"
                                                    "C9D5C0A4 AECE7831 6309DF70 74B0E2CD BE61C797 70077268 011B7ECF 6F9D3DE6"
                                                    "FDDACC02 D18ECE99 5D750CE4 4F9A2F57 E5CCF304 8D4D053E 0EDAC429 3E5CD58C");

TEST(mikey_keys_vectors, when_rfc6508_r_has_a_component_of_order_4_or_2_then_decapsulation_is_refused) {
    const std::string h = rfc6508_encapsulated.substr(rsk_size);
    for (const std::string* r : {&rfc6508_r_plus_order_4, &rfc6508_r_plus_order_2}) {
        auto ssv = sakke_decapsulate(rfc_kms, rfc_id, rfc6508_rsk, *r + h);
        ASSERT_FALSE(ssv);
        EXPECT_EQ(ssv.err().code, errc::unauthenticated) << ssv.err().message;
    }
}

TEST(mikey_keys_vectors, when_rfc6508_h_has_one_bit_changed_then_decapsulation_is_refused) {
    auto ssv = sakke_decapsulate(rfc_kms, rfc_id, rfc6508_rsk, flip_bit(rfc6508_encapsulated, rsk_size + 15));
    ASSERT_FALSE(ssv);
    EXPECT_EQ(ssv.err().code, errc::unauthenticated);
}

} // namespace
} // namespace mcprov::mikey
