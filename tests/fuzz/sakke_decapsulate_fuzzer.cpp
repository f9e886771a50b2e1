// libFuzzer target: untrusted bytes as a SAKKE Receiver Secret Key and Encapsulated Data (RFC 6508), decapsulated for
// the identifier of RFC 6508 Appendix A under its KMS Public Key Z_T.
//
// Input layout: up to 257 octets of RSK, then the encapsulated data R_(b,S) || H (the rest). The seed corpus
// (corpus/sakke_decapsulate/) starts from the published RSK and Encapsulated Data, so that mutations reach the point
// checks, the pairing and the final check of R_(b,S).
//
// Oracles: no crash, no error other than invalid_argument or unauthenticated, and an SSV only when the encapsulated
// data is exactly what encapsulating that SSV gives (RFC 6508 6.2.2 step 5 holds).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mcprov/mikey/keys.hpp"
#include "mcprov/support/encoding.hpp"

namespace {

using mcprov::support::errc;

// Octets from hex as the RFCs print it, with white space between groups.
std::string from_hex(std::string_view text) {
    std::string digits(text);
    std::erase_if(digits, [](char c) { return c == ' ' || c == '\n'; });
    return mcprov::support::hex_decode(digits).value();
}

const mcprov::mikey::public_keys& kms() {
    static const mcprov::mikey::public_keys keys{
        .kpak = {},
        .z_t = from_hex("04"
                        "5958EF1B1679BF099B3A030DF255AA6A23C1D8F143D4D23F753E69BD27A832F3"
                        "8CB4AD53DDEF4260B0FE8BB45C4C1FF510EFFE300367A37B61F701D914AEF097"
                        "24825FA0707D61A6DFF4FBD7273566CDDE352A0B04B7C16A78309BE640697DE7"
                        "47613A5FC195E8B9F328852A579DB8F99B1D0034479EA9C5595F47C4B2F54FF2"
                        "1508D37514DCF7A8E143A6058C09A6BF2C9858CA37C258065AE6BF7532BC8B5B"
                        "63383866E0753C5AC0E72709F8445F2E6178E065857E0EDA10F68206B63505ED"
                        "87E534FB2831FF957FB7DC619DAE61301EEACC2FDA3680EA4999258A833CEA8F"
                        "C67C6D19487FB449059F26CC8AAB655AB58B7CC796E24E9A394095754F5F8BAE"),
    };
    return keys;
}

const std::string_view uid("2011-02\0tel:+447700900123\0", 26);

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::string_view rsk = input.substr(0, std::min(input.size(), mcprov::mikey::rsk_size));
    const std::string_view encapsulated = input.substr(rsk.size());

    auto ssv = mcprov::mikey::sakke_decapsulate(kms(), uid, rsk, encapsulated);
    if (ssv) {
        auto again = mcprov::mikey::sakke_encapsulate(kms(), uid, *ssv);
        if (!again || again->encapsulated != encapsulated) {
            __builtin_trap(); // an SSV from data that does not encapsulate it
        }
    } else if (ssv.err().code != errc::invalid_argument && ssv.err().code != errc::unauthenticated) {
        __builtin_trap();
    }
    return 0;
}
