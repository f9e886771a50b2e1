// libFuzzer target: untrusted bytes split into an identifier, a signature and a message, verified with ECCSI (RFC 6507)
// against a fixed KMS: the KPAK of RFC 6507 Appendix A, whose KSAK nobody here holds.
//
// Input layout: one octet L, then L octets of identifier, then up to 129 octets of signature (r || s || PVT), then the
// message (the rest). The seed corpus (corpus/eccsi_verify/) starts from the published signature of "message\0" by
// "2011-02\0tel:+447700900123\0", so that mutations reach the point and scalar checks and wolfcrypt's verification.
//
// Oracles: no crash, no error other than invalid_argument or unauthenticated, and no signature accepted for any
// identifier and message but the published ones: anything else would be a forgery.
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
        .kpak = from_hex("0450D4670BDE75244F28D2838A0D25558A7A72686D4522D4C8273FB6442AEBFA93"
                         "DBDD37551AFD263B5DFD617F3960C65A8C298850FF99F20366DCE7D4367217F4"),
        .z_t = {},
    };
    return keys;
}

const std::string_view published_id("2011-02\0tel:+447700900123\0", 26);
const std::string_view published_message("message\0", 8);

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    if (input.empty()) {
        return 0;
    }
    const std::size_t uid_size = std::min<std::size_t>(static_cast<unsigned char>(input[0]), input.size() - 1);
    const std::string_view uid = input.substr(1, uid_size);
    const std::string_view rest = input.substr(1 + uid_size);
    const std::string_view signature = rest.substr(0, std::min(rest.size(), mcprov::mikey::eccsi_signature_size));
    const std::string_view message = rest.substr(signature.size());

    auto verified = mcprov::mikey::eccsi_verify(kms(), uid, message, signature);
    if (verified) {
        if (uid != published_id || message != published_message) {
            __builtin_trap(); // a forgery
        }
    } else if (verified.err().code != errc::invalid_argument && verified.err().code != errc::unauthenticated) {
        __builtin_trap();
    }
    return 0;
}
