#pragma once

#include <mcprov/aka/milenage.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mcprov::aka {

// UMTS AKA (TS 33.102 clause 6.3) on MILENAGE: the authentication vector the network makes, the USIM's check of
// AUTN with its sequence-number management (Annex C.3.2: SQN = SEQ || IND), and re-synchronisation with AUTS.

inline constexpr std::size_t rand_size = 16;
inline constexpr std::size_t autn_size = 16;
inline constexpr std::size_t auts_size = 14;
inline constexpr std::size_t sqn_size = 6;

struct authentication_vector {
    std::string rand;
    std::string xres;
    std::string ck;
    std::string ik;
    std::string autn; // SQN xor AK || AMF || MAC-A
};

authentication_vector make_authentication_vector(const milenage& f, std::string_view rand, std::uint64_t sqn,
                                                 std::string_view amf);

// The USIM's record of the sequence numbers it has accepted: one SEQ per IND value, and the highest SQN accepted.
struct sequence_numbers {
    unsigned ind_bits = 5;
    std::vector<std::uint64_t> seq_by_ind; // 2^ind_bits entries once used; empty means nothing accepted yet
    std::uint64_t highest_sqn = 0;
};

// Annex C.3.2's limit on how far ahead of the highest accepted SEQ a new SEQ may be (delta = 2^28).
inline constexpr std::uint64_t sequence_delta = std::uint64_t{1} << 28;

struct usim_answer {
    enum class outcome { success, mac_failure, synchronisation_failure };
    outcome result = outcome::mac_failure;
    std::string res;  // success
    std::string ck;   // success
    std::string ik;   // success
    std::string auts; // synchronisation failure: SQN_MS xor AK* || MAC-S
};

// The USIM side of AUTHENTICATE in a 3G context: checks MAC-A, then the freshness of SQN; on success records it in
// `seen` (the caller stores it before answering).
usim_answer usim_authenticate(const milenage& f, sequence_numbers& seen, std::string_view rand, std::string_view autn);

// The network side of re-synchronisation: the SQN_MS inside AUTS, or unauthenticated when MAC-S does not verify.
support::result<std::uint64_t> sqn_from_auts(const milenage& f, std::string_view rand, std::string_view auts);

std::string sqn_octets(std::uint64_t sqn);
std::uint64_t sqn_value(std::string_view six_octets);

} // namespace mcprov::aka
