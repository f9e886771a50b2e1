#include <gtest/gtest.h>

#include <mcprov/aka/authentication.hpp>
#include <mcprov/support/encoding.hpp>

namespace mcprov::aka {
namespace {

std::string unhex(std::string_view h) {
    return *support::hex_decode(h);
}

milenage subscriber() {
    return *milenage::create(unhex("000102030405060708090a0b0c0d0e0f"), unhex("0f0e0d0c0b0a09080706050403020100"));
}

const std::string rand_a = unhex("00112233445566778899aabbccddeeff");
const std::string rand_b = unhex("ffeeddccbbaa99887766554433221100");
const std::string amf = unhex("8000");

TEST(usim_authenticate, when_network_vector_then_usim_res_ck_ik_match_and_sqn_is_recorded) {
    const auto f = subscriber();
    const auto av = make_authentication_vector(f, rand_a, (7u << 5) | 3, amf);
    sequence_numbers seen;
    const auto answer = usim_authenticate(f, seen, av.rand, av.autn);
    ASSERT_EQ(answer.result, usim_answer::outcome::success);
    EXPECT_EQ(answer.res, av.xres);
    EXPECT_EQ(answer.ck, av.ck);
    EXPECT_EQ(answer.ik, av.ik);
    EXPECT_EQ(seen.highest_sqn, (7u << 5) | 3);
    EXPECT_EQ(seen.seq_by_ind.at(3), 7u);
}

TEST(usim_authenticate, when_autn_altered_then_mac_failure_and_nothing_recorded) {
    const auto f = subscriber();
    auto av = make_authentication_vector(f, rand_a, 32, amf);
    av.autn[15] = static_cast<char>(av.autn[15] ^ 1);
    sequence_numbers seen;
    EXPECT_EQ(usim_authenticate(f, seen, av.rand, av.autn).result, usim_answer::outcome::mac_failure);
    EXPECT_EQ(seen.highest_sqn, 0u);
}

TEST(usim_authenticate, when_another_subscribers_vector_then_mac_failure) {
    const auto other = *milenage::create(unhex("ffffffffffffffffffffffffffffffff"), unhex("0f0e0d0c0b0a09080706050403020100"));
    const auto av = make_authentication_vector(other, rand_a, 32, amf);
    sequence_numbers seen;
    EXPECT_EQ(usim_authenticate(subscriber(), seen, av.rand, av.autn).result, usim_answer::outcome::mac_failure);
}

TEST(usim_authenticate, when_vector_replayed_then_synchronisation_failure_and_auts_gives_network_the_usim_sqn) {
    const auto f = subscriber();
    const auto av = make_authentication_vector(f, rand_a, (9u << 5) | 1, amf);
    sequence_numbers seen;
    ASSERT_EQ(usim_authenticate(f, seen, av.rand, av.autn).result, usim_answer::outcome::success);

    const auto replay = usim_authenticate(f, seen, av.rand, av.autn);
    ASSERT_EQ(replay.result, usim_answer::outcome::synchronisation_failure);
    ASSERT_EQ(replay.auts.size(), auts_size);
    const auto sqn_ms = sqn_from_auts(f, av.rand, replay.auts);
    ASSERT_TRUE(sqn_ms.has_value());
    EXPECT_EQ(*sqn_ms, (9u << 5) | 1);

    // The network resumes above SQN_MS and the USIM accepts it.
    const auto next = make_authentication_vector(f, rand_b, *sqn_ms + 32, amf);
    EXPECT_EQ(usim_authenticate(f, seen, next.rand, next.autn).result, usim_answer::outcome::success);
}

TEST(usim_authenticate, when_older_seq_in_another_ind_slot_then_accepted) {
    const auto f = subscriber();
    sequence_numbers seen;
    const auto later = make_authentication_vector(f, rand_a, (10u << 5) | 2, amf);
    const auto earlier_other_slot = make_authentication_vector(f, rand_b, (8u << 5) | 5, amf);
    ASSERT_EQ(usim_authenticate(f, seen, later.rand, later.autn).result, usim_answer::outcome::success);
    EXPECT_EQ(usim_authenticate(f, seen, earlier_other_slot.rand, earlier_other_slot.autn).result,
              usim_answer::outcome::success);
    EXPECT_EQ(seen.highest_sqn, (10u << 5) | 2);
}

TEST(usim_authenticate, when_seq_jumps_beyond_delta_then_synchronisation_failure) {
    const auto f = subscriber();
    sequence_numbers seen;
    const auto far = make_authentication_vector(f, rand_a, (sequence_delta + 2) << 5, amf);
    EXPECT_EQ(usim_authenticate(f, seen, far.rand, far.autn).result, usim_answer::outcome::synchronisation_failure);
}

TEST(sqn_from_auts, when_mac_s_altered_then_unauthenticated) {
    const auto f = subscriber();
    const auto av = make_authentication_vector(f, rand_a, 64, amf);
    sequence_numbers seen;
    ASSERT_EQ(usim_authenticate(f, seen, av.rand, av.autn).result, usim_answer::outcome::success);
    auto answer = usim_authenticate(f, seen, av.rand, av.autn);
    answer.auts[13] = static_cast<char>(answer.auts[13] ^ 0x80);
    const auto sqn = sqn_from_auts(f, av.rand, answer.auts);
    ASSERT_FALSE(sqn.has_value());
    EXPECT_EQ(sqn.err().code, support::errc::unauthenticated);
}

TEST(milenage, when_key_has_wrong_length_then_refused) {
    EXPECT_FALSE(milenage::create(std::string(15, '\0'), std::string(16, '\0')).has_value());
    EXPECT_FALSE(milenage::create(std::string(16, '\0'), std::string(17, '\0')).has_value());
}

} // namespace
} // namespace mcprov::aka
