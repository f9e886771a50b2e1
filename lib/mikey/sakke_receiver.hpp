#pragma once
// A SAKKE receiver's key prepared once for many decapsulations (RFC 6508 6.2.2, parameter set 1 of RFC 6509).
//
// Preparing computes what depends only on the receiver's key material: the point [b]P + Z_T with a comb table for
// the check [r]([b]P + Z_T) = R_(b,S), and the Miller loop's lines through the multiples of the RSK. Decapsulating
// is then a Miller loop that only evaluates those lines at the message's point, four squarings, one inversion, the
// hashes, and the comb. The pairing is symmetric on the order-q subgroup (every such point is a multiple of P), so
// <R_(b,S), K_(b,S)> = <K_(b,S), R_(b,S)> and the fixed point, the RSK, can be the one the loop walks.
//
// Everything that depends on the RSK, the SSV or r runs in time independent of their values: fixed-size Montgomery
// arithmetic on GMP's side-channel-silent primitives, a control flow fixed by the public q, comb entries read by
// scanning the whole table. Values computed from public data only (b, Z_T, R_(b,S)) may take shortcuts.
#include <memory>
#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"

namespace mcprov::mikey {

class sakke_receiver {
public:
    // z_t and rsk: uncompressed points (0x04 || x || y) already checked to lie on the curve; uid: the identifier b.
    // invalid_argument when a coordinate is not below p or [b]P + Z_T is the point at infinity.
    static support::result<std::shared_ptr<const sakke_receiver>> prepare(std::string_view z_t, std::string_view uid,
                                                                          std::string_view rsk);

    // encapsulated: R_(b,S) (an uncompressed point already checked to lie on the curve) || H. The SSV;
    // unauthenticated when [r]([b]P + Z_T) is not R_(b,S) for the r that SSV determines.
    support::result<std::string> decapsulate(std::string_view encapsulated) const;

    struct state;
    explicit sakke_receiver(std::unique_ptr<state> prepared);
    ~sakke_receiver();
    sakke_receiver(const sakke_receiver&) = delete;
    sakke_receiver& operator=(const sakke_receiver&) = delete;

private:
    std::unique_ptr<state> state_;
};

} // namespace mcprov::mikey
