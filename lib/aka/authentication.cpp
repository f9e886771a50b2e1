#include <mcprov/aka/authentication.hpp>

#include "octets.hpp"

#include <openssl/crypto.h>

namespace mcprov::aka {
namespace {

using support::errc;
using support::make_error;

bool same(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The AMF of MAC-S is a dummy of zeros (TS 33.102 clause 6.3.3).
const std::string resync_amf(2, '\0');

} // namespace

std::string sqn_octets(std::uint64_t sqn) {
    std::string out(sqn_size, '\0');
    for (std::size_t i = 0; i < sqn_size; ++i)
        out[sqn_size - 1 - i] = static_cast<char>((sqn >> (8 * i)) & 0xff);
    return out;
}

std::uint64_t sqn_value(std::string_view six_octets) {
    std::uint64_t v = 0;
    for (unsigned char c : six_octets.substr(0, sqn_size))
        v = (v << 8) | c;
    return v;
}

authentication_vector make_authentication_vector(const milenage& f, std::string_view rand, std::uint64_t sqn,
                                                 std::string_view amf) {
    const auto out = f.f2345(rand);
    const std::string sqn6 = sqn_octets(sqn);
    return {.rand = std::string(rand),
            .xres = out.res,
            .ck = out.ck,
            .ik = out.ik,
            .autn = xor_of(sqn6, out.ak) + std::string(amf) + f.f1(rand, sqn6, amf)};
}

usim_answer usim_authenticate(const milenage& f, sequence_numbers& seen, std::string_view rand, std::string_view autn) {
    usim_answer answer;
    if (rand.size() != rand_size || autn.size() != autn_size)
        return answer;
    const auto out = f.f2345(rand);
    const std::string sqn6 = xor_of(autn.substr(0, 6), out.ak);
    if (!same(f.f1(rand, sqn6, autn.substr(6, 2)), autn.substr(8, 8)))
        return answer;

    const unsigned ind_bits = seen.ind_bits > 16 ? 16 : seen.ind_bits;
    const std::uint64_t sqn = sqn_value(sqn6);
    const std::uint64_t seq = sqn >> ind_bits;
    const std::size_t ind = static_cast<std::size_t>(sqn & ((std::uint64_t{1} << ind_bits) - 1));
    seen.seq_by_ind.resize(std::size_t{1} << ind_bits, 0);
    const std::uint64_t highest_seq = seen.highest_sqn >> ind_bits;
    if (seq <= seen.seq_by_ind[ind] || (seq > highest_seq && seq - highest_seq > sequence_delta)) {
        answer.result = usim_answer::outcome::synchronisation_failure;
        const std::string sqn_ms = sqn_octets(seen.highest_sqn);
        answer.auts = xor_of(sqn_ms, f.f5_star(rand)) + f.f1_star(rand, sqn_ms, resync_amf);
        return answer;
    }
    seen.seq_by_ind[ind] = seq;
    if (seq > highest_seq)
        seen.highest_sqn = sqn;
    answer.result = usim_answer::outcome::success;
    answer.res = out.res;
    answer.ck = out.ck;
    answer.ik = out.ik;
    return answer;
}

support::result<std::uint64_t> sqn_from_auts(const milenage& f, std::string_view rand, std::string_view auts) {
    if (rand.size() != rand_size || auts.size() != auts_size)
        return make_error(errc::invalid_argument, "AUTS must be 14 octets and RAND 16");
    const std::string sqn_ms = xor_of(auts.substr(0, 6), f.f5_star(rand));
    if (!same(f.f1_star(rand, sqn_ms, resync_amf), auts.substr(6, 8)))
        return make_error(errc::unauthenticated, "MAC-S in AUTS does not verify");
    return sqn_value(sqn_ms);
}

} // namespace mcprov::aka
