#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "mcprov/mikey/user_identifier.hpp"

// TS 33.180 Annex F.2.1, Generation of MIKEY-SAKKE UID.
//
// The clause publishes the construction and example parameter values (KMS identifier secgroup1.kms.example.org, key
// period length 2592000, offset 0, current key period number 553) but no UID computed from them, so these vectors were
// computed independently of this code: the input S written out octet by octet with printf and hashed with the OpenSSL
// command line (OpenSSL 3.0), e.g. for the first one
//
//   printf '\x00MIKEY-SAKKE-UID\x00\x0ftel:+447700900123\x00\x11kms.example.org\x00\x0f'
//          '\x27\x8d\x00\x00\x03\x00\x00\x01\x02\x29\x00\x02' | openssl dgst -sha256
//   (one printf argument, written on two lines here)
//
// The encodings they fix: FC = 0x00; every Pi followed by its two-octet big-endian length Li (TS 33.220 B.2); the
// integers P3..P5 big-endian in the fewest octets, zero as one octet 0x00; the UID is SHA-256(S) in full (the NOTE of
// F.2.1: the TS 33.220 KDF is not run, the FC is a dummy).
namespace mcprov::mikey {
namespace {

std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 0x0F];
    }
    return out;
}

TEST(mikey_uid_vectors, when_spec_example_parameters_then_input_s_is_exactly_the_f21_encoding) {
    const auto s = mikey_sakke_uid_input("tel:+447700900123", "kms.example.org", 2'592'000, 0, 553);
    // clang-format off
    EXPECT_EQ(hex(s), "00"                                       // FC
                      "4d494b45592d53414b4b452d554944" "000f"    // P0 "MIKEY-SAKKE-UID", L0 = 15
                      "74656c3a2b343437373030393030313233" "0011" // P1 "tel:+447700900123", L1 = 17
                      "6b6d732e6578616d706c652e6f7267" "000f"    // P2 "kms.example.org", L2 = 15
                      "278d00" "0003"                            // P3 2592000, L3 = 3
                      "00" "0001"                                // P4 0, L4 = 1
                      "0229" "0002");                            // P5 553, L5 = 2
    // clang-format on
}

TEST(mikey_uid_vectors, when_tel_uri_under_kms_example_org_then_uid_matches_independent_sha256) {
    EXPECT_EQ(hex(mikey_sakke_uid("tel:+447700900123", "kms.example.org", 2'592'000, 0, 553)),
              "7619874b3c7c14ce4700a47b78278ff02a8d77b109ed2db2766dbe72d36f8078");
}

TEST(mikey_uid_vectors, when_sip_uri_under_spec_example_kms_with_offset_then_uid_matches_independent_sha256) {
    // P2 the F.2.1 example KMS identifier; P4 3600 (0x0e10) and P5 1505 (0x05e1) take two octets each.
    EXPECT_EQ(hex(mikey_sakke_uid_input("sip:alice@example.org", "secgroup1.kms.example.org", 2'592'000, 3600, 1505)),
              "004d494b45592d53414b4b452d554944000f7369703a616c696365406578616d706c652e6f7267001573656367726f7570312e"
              "6b6d732e6578616d706c652e6f72670019278d0000030e10000205e10002");
    EXPECT_EQ(hex(mikey_sakke_uid("sip:alice@example.org", "secgroup1.kms.example.org", 2'592'000, 3600, 1505)),
              "211969eb8494c2ab132a709139f22a42d07fac6f73413c3d625760e1b4551357");
}

TEST(mikey_uid_vectors, when_integers_need_more_octets_then_each_takes_the_fewest_big_endian_octets) {
    const auto tail = [](std::uint64_t period, std::uint64_t offset, std::uint64_t number) {
        const auto s = mikey_sakke_uid_input("a", "b", period, offset, number);
        return hex(s.substr(1 + 17 + 3 + 3)); // past FC, P0 L0, P1 L1, P2 L2
    };
    // clang-format off
    EXPECT_EQ(tail(1, 0, 0), "01000100000100" "0001");
    EXPECT_EQ(tail(255, 256, 65'536), "ff0001" "01000002" "010000" "0003");
    EXPECT_EQ(tail(0xFFFF'FFFF'FFFF'FFFF, 0x0100'0000'0000'0000, 0x1'0000'0000),
              "ffffffffffffffff0008" "01000000000000000008" "0100000000" "0005");
    // clang-format on
}

TEST(mikey_uid_vectors, when_any_parameter_changes_then_the_uid_changes) {
    const auto base = mikey_sakke_uid("tel:+447700900123", "kms.example.org", 2'592'000, 0, 553);
    ASSERT_EQ(base.size(), uid_size);
    EXPECT_NE(base, mikey_sakke_uid("tel:+447700900124", "kms.example.org", 2'592'000, 0, 553));
    EXPECT_NE(base, mikey_sakke_uid("tel:+447700900123", "kms.example.com", 2'592'000, 0, 553));
    EXPECT_NE(base, mikey_sakke_uid("tel:+447700900123", "kms.example.org", 2'592'001, 0, 553));
    EXPECT_NE(base, mikey_sakke_uid("tel:+447700900123", "kms.example.org", 2'592'000, 1, 553));
    EXPECT_NE(base, mikey_sakke_uid("tel:+447700900123", "kms.example.org", 2'592'000, 0, 554));
    // The lengths keep the boundary between P1 and P2: moving a character across it changes the input.
    EXPECT_NE(mikey_sakke_uid("ab", "c", 1, 0, 0), mikey_sakke_uid("a", "bc", 1, 0, 0));
}

TEST(mikey_uid_vectors, when_a_uri_does_not_fit_a_two_octet_length_then_there_is_no_uid) {
    const std::string longest(0xFFFF, 'u');
    EXPECT_EQ(mikey_sakke_uid(longest, "kms.example.org", 2'592'000, 0, 553).size(), uid_size);
    EXPECT_TRUE(mikey_sakke_uid(longest + "u", "kms.example.org", 2'592'000, 0, 553).empty());
    EXPECT_TRUE(mikey_sakke_uid("tel:+447700900123", longest + "u", 2'592'000, 0, 553).empty());
}

} // namespace
} // namespace mcprov::mikey
