#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mcprov/mikey/keys.hpp"
#include "mcprov/support/encoding.hpp"

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

// The order q of P-256 and of the SAKKE curve of RFC 6509 (parameter set 1), as full-size octet strings.
const std::string p256_q = from_hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
const std::string sakke_q = from_hex("265EAEC7C2958FF69971846636B4195E905B0338672D20986FA6B8D62CF8068B"
                                     "BD02AAC9F8BF03C6C8A1CC354C69672C39E46CE7FDF222864D5B49FD2999A9B4"
                                     "389B1921CC9AD335144AB173595A07386DABFD2A0C614AA0A9F3CF14870F026A"
                                     "A7E535ABD5A5C7C7FF38FA08E2615F6C203177C42B1EB3A1D99B601EBFAA17FB");
// The prime p of the SAKKE curve.
const std::string sakke_p = from_hex("997ABB1F0A563FDA65C61198DAD0657A416C0CE19CB48261BE9AE358B3E01A2E"
                                     "F40AAB27E2FC0F1B228730D531A59CB0E791B39FF7C88A19356D27F4A666A6D0"
                                     "E26C6487326B4CD4512AC5CD65681CE1B6AFF4A831852A82A7CF3C521C3C09AA"
                                     "9F94D6AF56971F1FFCE3E82389857DB080C5DF10AC7ACE87666D807AFEA85FEB");
// A point of order 4 on the SAKKE curve y^2 = x^3 - 3x (x^2 = -3 mod p; its double is (0, 0)): on the curve, outside
// the subgroup of order q.
const std::string sakke_order_4_point =
    from_hex("04"
             "2AB8B4C0CEBF79166B352BF4351A3F8872A7FE62294530F38AB8B315E326221147F96A70F71B9175D4CC0CF6A006E6DC"
             "2DBC29EF4528780EC61A1BCF5FFC84280C3E47334DD5C19649686DADFBDCADBE7350B93E9024FC510EB314D447D86795"
             "6310DCFA834CEA2A394FE4ED1623E0713373B61F1C09CD10BB681B84C1F826BA8C108284ECAD95F76BE5C8A8D8B08222"
             "084C5204E71657482725CDD6493E0D321E4D1F71E8B2FDDF1CAC9E277889223F9F22978747207482841EBF6EC1D414D0"
             "BCB94D96EBA2340A5682E44B4DCB21AB01CE27ABE021A307C5CE73216DEDBC1F3D215D7CBECA210B9D2B1F271B165814"
             "504EF5D05D4902766E939464D3013E46");

std::string uid_of(char c) {
    return std::string(32, c); // a TS 33.180 UID is 32 octets
}

// Two KMSs and keys for two users of the first, made once: generating them is the slow part.
class mikey_keys : public ::testing::Test {
protected:
    struct kms_state {
        master_secrets secrets;
        public_keys published;
    };

    static kms_state make_kms() {
        auto secrets = generate_master_secrets();
        EXPECT_TRUE(secrets) << secrets.err().message;
        auto published = derive_public_keys(*secrets);
        EXPECT_TRUE(published) << published.err().message;
        return {*secrets, *published};
    }

    static void SetUpTestSuite() {
        kms_a_ = new kms_state(make_kms());
        kms_b_ = new kms_state(make_kms());
        auto a = issue_user_keys(kms_a_->secrets, uid_of('a'));
        ASSERT_TRUE(a) << a.err().message;
        alice_ = new user_keys(*a);
        auto b = issue_user_keys(kms_a_->secrets, uid_of('b'));
        ASSERT_TRUE(b) << b.err().message;
        bob_ = new user_keys(*b);
    }

    static void TearDownTestSuite() {
        delete kms_a_;
        delete kms_b_;
        delete alice_;
        delete bob_;
    }

    static kms_state* kms_a_;
    static kms_state* kms_b_;
    static user_keys* alice_;
    static user_keys* bob_;
};

mikey_keys::kms_state* mikey_keys::kms_a_ = nullptr;
mikey_keys::kms_state* mikey_keys::kms_b_ = nullptr;
user_keys* mikey_keys::alice_ = nullptr;
user_keys* mikey_keys::bob_ = nullptr;

template <class T> void expect_error(const support::result<T>& r, errc code, std::string_view label = {}) {
    ASSERT_FALSE(r) << label;
    EXPECT_EQ(r.err().code, code) << label << ": " << r.err().message;
}

// Master secrets and key issuing.

TEST_F(mikey_keys, when_master_secrets_are_generated_then_they_have_their_sizes_and_differ) {
    EXPECT_EQ(kms_a_->secrets.ksak.size(), ksak_size);
    EXPECT_EQ(kms_a_->secrets.z.size(), sakke_master_secret_size);
    EXPECT_EQ(kms_a_->published.kpak.size(), kpak_size);
    EXPECT_EQ(kms_a_->published.z_t.size(), sakke_public_key_size);
    EXPECT_NE(kms_a_->secrets.ksak, kms_b_->secrets.ksak);
    EXPECT_NE(kms_a_->secrets.z, kms_b_->secrets.z);
    EXPECT_NE(kms_a_->published.kpak, kms_b_->published.kpak);
}

TEST_F(mikey_keys, when_public_keys_are_derived_twice_then_they_are_the_same) {
    auto again = derive_public_keys(kms_a_->secrets);
    ASSERT_TRUE(again) << again.err().message;
    EXPECT_EQ(again->kpak, kms_a_->published.kpak);
    EXPECT_EQ(again->z_t, kms_a_->published.z_t);
}

TEST_F(mikey_keys, when_keys_are_issued_from_generated_secrets_then_they_validate) {
    EXPECT_EQ(alice_->rsk.size(), rsk_size);
    EXPECT_EQ(alice_->ssk.size(), ssk_size);
    EXPECT_EQ(alice_->pvt.size(), pvt_size);
    auto receiver = validate_receiver_key(kms_a_->published, uid_of('a'), alice_->rsk);
    EXPECT_TRUE(receiver) << receiver.err().message;
    auto signing = validate_signing_keys(kms_a_->published, uid_of('a'), alice_->ssk, alice_->pvt);
    EXPECT_TRUE(signing) << signing.err().message;
}

TEST_F(mikey_keys, when_keys_are_issued_twice_then_the_rsk_is_the_same_and_the_signing_keys_differ) {
    auto again = issue_user_keys(kms_a_->secrets, uid_of('a'));
    ASSERT_TRUE(again) << again.err().message;
    EXPECT_EQ(again->rsk, alice_->rsk); // RSK is a function of z and the identifier
    EXPECT_NE(again->pvt, alice_->pvt); // PVT = [v]G for a fresh v
    EXPECT_NE(again->ssk, alice_->ssk);
}

TEST_F(mikey_keys, when_keys_issued_for_one_uid_are_checked_for_another_then_they_do_not_validate) {
    expect_error(validate_receiver_key(kms_a_->published, uid_of('b'), alice_->rsk), errc::unauthenticated);
    expect_error(validate_signing_keys(kms_a_->published, uid_of('b'), alice_->ssk, alice_->pvt),
                 errc::unauthenticated);
}

TEST_F(mikey_keys, when_keys_are_checked_against_another_kms_then_they_do_not_validate) {
    expect_error(validate_receiver_key(kms_b_->published, uid_of('a'), alice_->rsk), errc::unauthenticated);
    expect_error(validate_signing_keys(kms_b_->published, uid_of('a'), alice_->ssk, alice_->pvt),
                 errc::unauthenticated);
}

TEST_F(mikey_keys, when_the_ssk_of_one_user_is_paired_with_the_pvt_of_another_then_they_do_not_validate) {
    expect_error(validate_signing_keys(kms_a_->published, uid_of('a'), bob_->ssk, alice_->pvt), errc::unauthenticated);
}

TEST_F(mikey_keys, when_master_secrets_are_out_of_range_then_they_are_refused) {
    const std::string good_ksak = kms_a_->secrets.ksak;
    const std::string good_z = kms_a_->secrets.z;
    const std::vector<master_secrets> bad = {
        {.ksak = std::string(ksak_size, '\0'), .z = good_z},                     // KSAK = 0
        {.ksak = p256_q, .z = good_z},                                           // KSAK = q
        {.ksak = std::string(ksak_size, '\xFF'), .z = good_z},                   // KSAK > q
        {.ksak = good_ksak, .z = std::string(sakke_master_secret_size, '\0')},   // z = 0
        {.ksak = good_ksak, .z = sakke_q},                                       // z = q
        {.ksak = good_ksak, .z = std::string(sakke_master_secret_size, '\xFF')}, // z > q
        {.ksak = good_ksak.substr(1), .z = good_z},                              // sizes
        {.ksak = good_ksak, .z = good_z + '\0'},
    };
    for (std::size_t i = 0; i < bad.size(); ++i) {
        expect_error(derive_public_keys(bad[i]), errc::invalid_argument, "derive " + std::to_string(i));
        expect_error(issue_user_keys(bad[i], uid_of('a')), errc::invalid_argument, "issue " + std::to_string(i));
    }
}

TEST_F(mikey_keys, when_a_master_secret_is_refused_then_the_message_carries_no_secret_octets) {
    master_secrets bad{.ksak = std::string(ksak_size, '\xFF'), .z = kms_a_->secrets.z};
    auto derived = derive_public_keys(bad);
    ASSERT_FALSE(derived);
    EXPECT_EQ(derived.err().message, "KSAK: out of range, it must lie in [1, q - 1]");
}

// Identifiers.

TEST_F(mikey_keys, when_uid_is_empty_or_too_long_then_every_operation_refuses_it) {
    const std::string empty;
    const std::string too_long(max_uid_size + 1, 'x');
    const auto& kms = kms_a_->published;
    for (const std::string& uid : {empty, too_long}) {
        const std::string label = "uid of " + std::to_string(uid.size()) + " octets";
        expect_error(issue_user_keys(kms_a_->secrets, uid), errc::invalid_argument, label);
        expect_error(validate_receiver_key(kms, uid, alice_->rsk), errc::invalid_argument, label);
        expect_error(validate_signing_keys(kms, uid, alice_->ssk, alice_->pvt), errc::invalid_argument, label);
        expect_error(eccsi_identifier_hash(kms, uid, alice_->pvt), errc::invalid_argument, label);
        expect_error(eccsi_sign(kms, uid, *alice_, "m"), errc::invalid_argument, label);
        expect_error(eccsi_verify(kms, uid, "m", std::string(eccsi_signature_size, '\1')), errc::invalid_argument,
                     label);
        expect_error(sakke_encapsulate(kms, uid), errc::invalid_argument, label);
        expect_error(sakke_decapsulate(kms, uid, alice_->rsk, std::string(sakke_encapsulated_size, '\4')),
                     errc::invalid_argument, label);
    }
}

TEST_F(mikey_keys, when_uid_has_the_longest_size_then_keys_validate_sign_and_decapsulate) {
    const std::string uid(max_uid_size, '\xFF'); // as an integer, above q: wolfcrypt reduces it
    auto keys = issue_user_keys(kms_a_->secrets, uid);
    ASSERT_TRUE(keys) << keys.err().message;
    auto receiver = validate_receiver_key(kms_a_->published, uid, keys->rsk);
    EXPECT_TRUE(receiver) << receiver.err().message;
    auto signature = eccsi_sign(kms_a_->published, uid, *keys, "message");
    ASSERT_TRUE(signature) << signature.err().message;
    auto verified = eccsi_verify(kms_a_->published, uid, "message", *signature);
    EXPECT_TRUE(verified) << verified.err().message;
    auto encapsulated = sakke_encapsulate(kms_a_->published, uid);
    ASSERT_TRUE(encapsulated) << encapsulated.err().message;
    auto ssv = sakke_decapsulate(kms_a_->published, uid, keys->rsk, encapsulated->encapsulated);
    ASSERT_TRUE(ssv) << ssv.err().message;
    EXPECT_EQ(*ssv, encapsulated->ssv);
}

TEST_F(mikey_keys, when_identifier_hash_is_computed_then_it_has_32_octets_and_depends_on_the_uid) {
    auto a = eccsi_identifier_hash(kms_a_->published, uid_of('a'), alice_->pvt);
    ASSERT_TRUE(a) << a.err().message;
    EXPECT_EQ(a->size(), 32u);
    auto b = eccsi_identifier_hash(kms_a_->published, uid_of('b'), alice_->pvt);
    ASSERT_TRUE(b) << b.err().message;
    EXPECT_NE(*a, *b);
}

// ECCSI signatures.

TEST_F(mikey_keys, when_a_signs_then_the_signature_verifies_for_a) {
    auto signature = eccsi_sign(kms_a_->published, uid_of('a'), *alice_, "I_MESSAGE");
    ASSERT_TRUE(signature) << signature.err().message;
    EXPECT_EQ(signature->size(), eccsi_signature_size);
    EXPECT_EQ(signature->substr(64), alice_->pvt);
    auto verified = eccsi_verify(kms_a_->published, uid_of('a'), "I_MESSAGE", *signature);
    EXPECT_TRUE(verified) << verified.err().message;
}

TEST_F(mikey_keys, when_the_message_is_empty_then_it_signs_and_verifies) {
    auto signature = eccsi_sign(kms_a_->published, uid_of('a'), *alice_, "");
    ASSERT_TRUE(signature) << signature.err().message;
    auto verified = eccsi_verify(kms_a_->published, uid_of('a'), "", *signature);
    EXPECT_TRUE(verified) << verified.err().message;
    expect_error(eccsi_verify(kms_a_->published, uid_of('a'), std::string(1, '\0'), *signature), errc::unauthenticated);
}

TEST_F(mikey_keys, when_the_message_changes_then_the_signature_is_refused) {
    auto signature = eccsi_sign(kms_a_->published, uid_of('a'), *alice_, "I_MESSAGE");
    ASSERT_TRUE(signature) << signature.err().message;
    expect_error(eccsi_verify(kms_a_->published, uid_of('a'), "I_MESSAGf", *signature), errc::unauthenticated);
    expect_error(eccsi_verify(kms_a_->published, uid_of('a'), "I_MESSAGE ", *signature), errc::unauthenticated);
}

TEST_F(mikey_keys, when_the_uid_changes_then_the_signature_is_refused) {
    auto signature = eccsi_sign(kms_a_->published, uid_of('a'), *alice_, "I_MESSAGE");
    ASSERT_TRUE(signature) << signature.err().message;
    expect_error(eccsi_verify(kms_a_->published, uid_of('b'), "I_MESSAGE", *signature), errc::unauthenticated);
}

TEST_F(mikey_keys, when_verified_under_another_kms_then_the_signature_is_refused) {
    auto signature = eccsi_sign(kms_a_->published, uid_of('a'), *alice_, "I_MESSAGE");
    ASSERT_TRUE(signature) << signature.err().message;
    expect_error(eccsi_verify(kms_b_->published, uid_of('a'), "I_MESSAGE", *signature), errc::unauthenticated);
}

TEST_F(mikey_keys, when_a_signature_carries_another_users_pvt_then_it_is_refused) {
    auto signature = eccsi_sign(kms_a_->published, uid_of('a'), *alice_, "I_MESSAGE");
    ASSERT_TRUE(signature) << signature.err().message;
    std::string swapped = signature->substr(0, 64) + bob_->pvt;
    expect_error(eccsi_verify(kms_a_->published, uid_of('a'), "I_MESSAGE", swapped), errc::unauthenticated);
}

TEST_F(mikey_keys, when_signing_with_keys_of_another_uid_then_it_is_refused) {
    expect_error(eccsi_sign(kms_a_->published, uid_of('b'), *alice_, "I_MESSAGE"), errc::unauthenticated);
    expect_error(eccsi_sign(kms_b_->published, uid_of('a'), *alice_, "I_MESSAGE"), errc::unauthenticated);
}

// wolfcrypt 5.5.4 accepts r = s = 0 (with any PVT on the curve) for any message: the wrapper must not.
TEST_F(mikey_keys, when_signature_r_and_s_are_zero_then_it_is_refused) {
    std::string forged = std::string(64, '\0') + alice_->pvt;
    expect_error(eccsi_verify(kms_a_->published, uid_of('a'), "anything", forged), errc::invalid_argument);
}

TEST_F(mikey_keys, when_signature_r_or_s_is_not_below_q_then_it_is_refused) {
    auto signature = eccsi_sign(kms_a_->published, uid_of('a'), *alice_, "I_MESSAGE");
    ASSERT_TRUE(signature) << signature.err().message;
    std::string r_is_q = p256_q + signature->substr(32);
    expect_error(eccsi_verify(kms_a_->published, uid_of('a'), "I_MESSAGE", r_is_q), errc::invalid_argument);
    std::string s_is_q = signature->substr(0, 32) + p256_q + signature->substr(64);
    expect_error(eccsi_verify(kms_a_->published, uid_of('a'), "I_MESSAGE", s_is_q), errc::invalid_argument);
    std::string s_is_zero = signature->substr(0, 32) + std::string(32, '\0') + signature->substr(64);
    expect_error(eccsi_verify(kms_a_->published, uid_of('a'), "I_MESSAGE", s_is_zero), errc::invalid_argument);
}

// SAKKE.

TEST_F(mikey_keys, when_a_fresh_ssv_is_encapsulated_then_the_receiver_decapsulates_it) {
    auto encapsulated = sakke_encapsulate(kms_a_->published, uid_of('b'));
    ASSERT_TRUE(encapsulated) << encapsulated.err().message;
    EXPECT_EQ(encapsulated->ssv.size(), ssv_size);
    EXPECT_EQ(encapsulated->encapsulated.size(), sakke_encapsulated_size);
    auto ssv = sakke_decapsulate(kms_a_->published, uid_of('b'), bob_->rsk, encapsulated->encapsulated);
    ASSERT_TRUE(ssv) << ssv.err().message;
    EXPECT_EQ(*ssv, encapsulated->ssv);
}

TEST_F(mikey_keys, when_a_given_ssv_is_encapsulated_then_it_round_trips_and_is_deterministic) {
    const std::string chosen = from_hex("000102030405060708090A0B0C0D0E0F");
    auto first = sakke_encapsulate(kms_a_->published, uid_of('b'), chosen);
    ASSERT_TRUE(first) << first.err().message;
    auto second = sakke_encapsulate(kms_a_->published, uid_of('b'), chosen);
    ASSERT_TRUE(second) << second.err().message;
    EXPECT_EQ(first->encapsulated, second->encapsulated); // r = HashToIntegerRange(SSV || b, q)
    auto ssv = sakke_decapsulate(kms_a_->published, uid_of('b'), bob_->rsk, first->encapsulated);
    ASSERT_TRUE(ssv) << ssv.err().message;
    EXPECT_EQ(*ssv, chosen);
}

// Encapsulated by wolfcrypt (wc_MakeSakkeEncapsulatedSSV), decapsulated by mcprov's own receiver: two
// implementations that agree on every random SSV, and on nothing once one octet of H changes.
TEST_F(mikey_keys, when_many_fresh_ssvs_are_encapsulated_then_each_decapsulates_to_its_own_and_no_other) {
    for (int i = 0; i < 24; ++i) {
        auto encapsulated = sakke_encapsulate(kms_a_->published, uid_of('b'));
        ASSERT_TRUE(encapsulated) << encapsulated.err().message;
        auto ssv = sakke_decapsulate(kms_a_->published, uid_of('b'), bob_->rsk, encapsulated->encapsulated);
        ASSERT_TRUE(ssv) << i << ": " << ssv.err().message;
        EXPECT_EQ(*ssv, encapsulated->ssv) << i;
        const std::size_t octet = rsk_size + static_cast<std::size_t>(i) % ssv_size;
        expect_error(sakke_decapsulate(kms_a_->published, uid_of('b'), bob_->rsk,
                                       flip_bit(encapsulated->encapsulated, octet, i % 8)),
                     errc::unauthenticated, "H changed at " + std::to_string(octet));
    }
}

// Receivers are prepared once and kept (a few of them): more receivers than are kept, in turn, each decapsulating
// only what was encapsulated to it, under two KMSs with the same UIDs.
TEST_F(mikey_keys, when_more_receivers_take_turns_than_are_kept_prepared_then_each_decapsulates_only_its_own) {
    struct receiver {
        const kms_state* kms;
        std::string uid;
        std::string rsk;
    };
    std::vector<receiver> receivers;
    for (const kms_state* kms : {kms_a_, kms_b_}) {
        for (char c : {'c', 'd', 'e'}) {
            auto keys = issue_user_keys(kms->secrets, uid_of(c));
            ASSERT_TRUE(keys) << keys.err().message;
            receivers.push_back({kms, uid_of(c), keys->rsk});
        }
    }
    for (int round = 0; round < 2; ++round) {
        for (std::size_t i = 0; i < receivers.size(); ++i) {
            const receiver& to = receivers[i];
            const receiver& other = receivers[(i + 1) % receivers.size()];
            auto encapsulated = sakke_encapsulate(to.kms->published, to.uid);
            ASSERT_TRUE(encapsulated) << encapsulated.err().message;
            auto ssv = sakke_decapsulate(to.kms->published, to.uid, to.rsk, encapsulated->encapsulated);
            ASSERT_TRUE(ssv) << ssv.err().message;
            EXPECT_EQ(*ssv, encapsulated->ssv);
            expect_error(sakke_decapsulate(other.kms->published, other.uid, other.rsk, encapsulated->encapsulated),
                         errc::unauthenticated, "another receiver");
        }
    }
}

TEST_F(mikey_keys, when_two_fresh_ssvs_are_encapsulated_then_they_differ) {
    auto first = sakke_encapsulate(kms_a_->published, uid_of('b'));
    auto second = sakke_encapsulate(kms_a_->published, uid_of('b'));
    ASSERT_TRUE(first && second);
    EXPECT_NE(first->ssv, second->ssv);
    EXPECT_NE(first->encapsulated, second->encapsulated);
}

TEST_F(mikey_keys, when_decapsulated_with_the_wrong_rsk_then_it_is_refused) {
    auto encapsulated = sakke_encapsulate(kms_a_->published, uid_of('b'));
    ASSERT_TRUE(encapsulated) << encapsulated.err().message;
    expect_error(sakke_decapsulate(kms_a_->published, uid_of('b'), alice_->rsk, encapsulated->encapsulated),
                 errc::unauthenticated);
}

TEST_F(mikey_keys, when_decapsulated_for_another_uid_or_kms_then_it_is_refused) {
    auto encapsulated = sakke_encapsulate(kms_a_->published, uid_of('b'));
    ASSERT_TRUE(encapsulated) << encapsulated.err().message;
    expect_error(sakke_decapsulate(kms_a_->published, uid_of('a'), bob_->rsk, encapsulated->encapsulated),
                 errc::unauthenticated);
    expect_error(sakke_decapsulate(kms_b_->published, uid_of('b'), bob_->rsk, encapsulated->encapsulated),
                 errc::unauthenticated);
}

TEST_F(mikey_keys, when_the_encapsulation_is_tampered_then_it_is_refused) {
    auto encapsulated = sakke_encapsulate(kms_a_->published, uid_of('b'));
    ASSERT_TRUE(encapsulated) << encapsulated.err().message;
    const std::string& data = encapsulated->encapsulated;
    // A changed H.
    for (std::size_t index : {rsk_size, sakke_encapsulated_size - 1}) {
        expect_error(sakke_decapsulate(kms_a_->published, uid_of('b'), bob_->rsk, flip_bit(data, index, 7)),
                     errc::unauthenticated, "H octet " + std::to_string(index));
    }
    // Another valid R_(b,S): the one of another encapsulation, with this H.
    auto other = sakke_encapsulate(kms_a_->published, uid_of('b'));
    ASSERT_TRUE(other) << other.err().message;
    std::string spliced = other->encapsulated.substr(0, rsk_size) + data.substr(rsk_size);
    expect_error(sakke_decapsulate(kms_a_->published, uid_of('b'), bob_->rsk, spliced), errc::unauthenticated);
    // A changed R_(b,S) is no longer on the curve.
    expect_error(sakke_decapsulate(kms_a_->published, uid_of('b'), bob_->rsk, flip_bit(data, 100)),
                 errc::invalid_argument);
}

// Sizes and points.

TEST_F(mikey_keys, when_inputs_have_the_wrong_size_then_they_are_refused) {
    const auto& kms = kms_a_->published;
    const std::string uid = uid_of('a');
    public_keys short_kpak{.kpak = kms.kpak.substr(1), .z_t = kms.z_t};
    public_keys long_z_t{.kpak = kms.kpak, .z_t = kms.z_t + '\0'};
    expect_error(validate_signing_keys(short_kpak, uid, alice_->ssk, alice_->pvt), errc::invalid_argument, "KPAK");
    expect_error(validate_receiver_key(long_z_t, uid, alice_->rsk), errc::invalid_argument, "Z_T");
    expect_error(validate_receiver_key(kms, uid, alice_->rsk + '\0'), errc::invalid_argument, "RSK");
    expect_error(validate_signing_keys(kms, uid, alice_->ssk.substr(1), alice_->pvt), errc::invalid_argument, "SSK");
    expect_error(validate_signing_keys(kms, uid, alice_->ssk, alice_->pvt + '\0'), errc::invalid_argument, "PVT");
    expect_error(eccsi_identifier_hash(kms, uid, alice_->pvt.substr(1)), errc::invalid_argument, "PVT");
    user_keys bad_ssk{.rsk = alice_->rsk, .ssk = alice_->ssk + '\0', .pvt = alice_->pvt};
    expect_error(eccsi_sign(kms, uid, bad_ssk, "m"), errc::invalid_argument, "sign SSK");
    auto signature = eccsi_sign(kms, uid, *alice_, "m");
    ASSERT_TRUE(signature) << signature.err().message;
    expect_error(eccsi_verify(kms, uid, "m", signature->substr(1)), errc::invalid_argument, "signature");
    expect_error(eccsi_verify(kms, uid, "m", *signature + '\0'), errc::invalid_argument, "signature");
    expect_error(sakke_encapsulate(kms, uid, std::string(ssv_size - 1, 'k')), errc::invalid_argument, "SSV");
    expect_error(sakke_encapsulate(kms, uid, std::string(ssv_size + 1, 'k')), errc::invalid_argument, "SSV");
    expect_error(sakke_encapsulate(long_z_t, uid), errc::invalid_argument, "encapsulate Z_T");
    auto encapsulated = sakke_encapsulate(kms, uid);
    ASSERT_TRUE(encapsulated) << encapsulated.err().message;
    expect_error(sakke_decapsulate(kms, uid, alice_->rsk, encapsulated->encapsulated.substr(1)), errc::invalid_argument,
                 "encapsulated");
    expect_error(sakke_decapsulate(kms, uid, alice_->rsk.substr(1), encapsulated->encapsulated), errc::invalid_argument,
                 "decapsulate RSK");
}

TEST_F(mikey_keys, when_points_are_off_the_curve_then_they_are_refused) {
    const auto& kms = kms_a_->published;
    const std::string uid = uid_of('a');
    public_keys bad_kpak{.kpak = flip_bit(kms.kpak, kpak_size - 1), .z_t = kms.z_t};
    public_keys bad_z_t{.kpak = kms.kpak, .z_t = flip_bit(kms.z_t, sakke_public_key_size - 1)};
    expect_error(validate_signing_keys(bad_kpak, uid, alice_->ssk, alice_->pvt), errc::invalid_argument, "KPAK");
    expect_error(eccsi_verify(bad_kpak, uid, "m", std::string(64, '\1') + alice_->pvt), errc::invalid_argument,
                 "verify KPAK");
    expect_error(validate_receiver_key(bad_z_t, uid, alice_->rsk), errc::invalid_argument, "Z_T");
    expect_error(sakke_encapsulate(bad_z_t, uid), errc::invalid_argument, "encapsulate Z_T");
    expect_error(validate_receiver_key(kms, uid, flip_bit(alice_->rsk, rsk_size - 1)), errc::invalid_argument, "RSK");
    expect_error(validate_signing_keys(kms, uid, alice_->ssk, flip_bit(alice_->pvt, pvt_size - 1)),
                 errc::invalid_argument, "PVT");
    user_keys bad_pvt{.rsk = alice_->rsk, .ssk = alice_->ssk, .pvt = flip_bit(alice_->pvt, pvt_size - 1)};
    expect_error(eccsi_sign(kms, uid, bad_pvt, "m"), errc::invalid_argument, "sign PVT");
    expect_error(eccsi_verify(kms, uid, "m", std::string(64, '\1') + bad_pvt.pvt), errc::invalid_argument,
                 "signature PVT");
    auto encapsulated = sakke_encapsulate(kms, uid);
    ASSERT_TRUE(encapsulated) << encapsulated.err().message;
    expect_error(sakke_decapsulate(kms, uid, flip_bit(alice_->rsk, rsk_size - 1), encapsulated->encapsulated),
                 errc::invalid_argument, "decapsulate RSK");
}

TEST_F(mikey_keys, when_points_are_compressed_zero_or_have_a_coordinate_not_below_p_then_they_are_refused) {
    const auto& kms = kms_a_->published;
    const std::string uid = uid_of('a');
    std::string compressed = alice_->rsk;
    compressed[0] = '\x02';
    expect_error(validate_receiver_key(kms, uid, compressed), errc::invalid_argument, "compressed");
    const std::string zero = '\x04' + std::string(2 * 128, '\0');
    expect_error(validate_receiver_key(kms, uid, zero), errc::invalid_argument, "(0, 0)");
    // (p, y) is congruent to (0, y); the encoding is not canonical.
    const std::string x_is_p = '\x04' + sakke_p + alice_->rsk.substr(1 + 128);
    expect_error(validate_receiver_key(kms, uid, x_is_p), errc::invalid_argument, "x = p");
    const std::string p256_zero = '\x04' + std::string(64, '\0');
    expect_error(validate_signing_keys(kms, uid, alice_->ssk, p256_zero), errc::invalid_argument, "PVT (0, 0)");
}

TEST_F(mikey_keys, when_a_point_of_small_order_is_given_then_it_is_refused) {
    const auto& kms = kms_a_->published;
    const std::string uid = uid_of('a');
    expect_error(validate_receiver_key(kms, uid, sakke_order_4_point), errc::invalid_argument, "RSK");
    public_keys small_z_t{.kpak = kms.kpak, .z_t = sakke_order_4_point};
    expect_error(validate_receiver_key(small_z_t, uid, alice_->rsk), errc::invalid_argument, "Z_T");
    expect_error(sakke_encapsulate(small_z_t, uid), errc::invalid_argument, "encapsulate Z_T");
    auto encapsulated = sakke_encapsulate(kms, uid);
    ASSERT_TRUE(encapsulated) << encapsulated.err().message;
    expect_error(sakke_decapsulate(kms, uid, sakke_order_4_point, encapsulated->encapsulated), errc::invalid_argument,
                 "decapsulate RSK");
    std::string small_r = sakke_order_4_point + encapsulated->encapsulated.substr(rsk_size);
    expect_error(sakke_decapsulate(kms, uid, alice_->rsk, small_r), errc::invalid_argument, "R_(b,S)");
}

TEST_F(mikey_keys, when_ssk_is_out_of_range_then_it_is_refused) {
    const std::string uid = uid_of('a');
    expect_error(validate_signing_keys(kms_a_->published, uid, std::string(ssk_size, '\0'), alice_->pvt),
                 errc::invalid_argument, "SSK = 0");
    expect_error(validate_signing_keys(kms_a_->published, uid, p256_q, alice_->pvt), errc::invalid_argument, "SSK = q");
}

// Thread safety: each call has its own wolfcrypt objects and each thread its own random generator.

TEST_F(mikey_keys, when_used_from_several_threads_at_once_then_every_operation_succeeds) {
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&failures, t] {
            const std::string message = "message " + std::to_string(t);
            for (int i = 0; i < 3; ++i) {
                auto signature = eccsi_sign(kms_a_->published, uid_of('a'), *alice_, message);
                if (!signature || !eccsi_verify(kms_a_->published, uid_of('a'), message, *signature)) {
                    ++failures;
                }
                auto encapsulated = sakke_encapsulate(kms_a_->published, uid_of('b'));
                if (!encapsulated) {
                    ++failures;
                    continue;
                }
                auto ssv = sakke_decapsulate(kms_a_->published, uid_of('b'), bob_->rsk, encapsulated->encapsulated);
                if (!ssv || *ssv != encapsulated->ssv) {
                    ++failures;
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
} // namespace mcprov::mikey
