#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/gba/bootstrapping.hpp"
#include "mcprov/gba/digest.hpp"
#include "mcprov/gba/dm_proof.hpp"

// What reaches a BSF, a NAF or a device from GBA's peers: Digest headers (Authorization, WWW-Authenticate,
// Authentication-Info), the AKA nonce, BootstrappingInfo, Zn's messages, and the DM proof and its request. The first byte picks the decoder. Digest
// credentials that parse format to credentials that parse to the same.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mcprov::gba;
    if (size == 0)
        return 0;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 9) {
    case 0: {
        auto parsed = parse_digest_credentials(input);
        if (!parsed)
            return 0;
        const auto formatted = format_digest_credentials(*parsed);
        if (formatted.size() > max_digest_header_bytes)
            return 0; // escaping made it longer than a header this parser reads
        auto again = parse_digest_credentials(formatted);
        if (!again || again->username != parsed->username || again->nonce != parsed->nonce ||
            again->response != parsed->response || again->auts != parsed->auts || again->cnonce != parsed->cnonce)
            __builtin_trap();
        break;
    }
    case 1:
        (void)parse_digest_challenge(input);
        break;
    case 2:
        (void)parse_rspauth(input);
        break;
    case 3:
        (void)split_aka_nonce(input);
        break;
    case 4:
        (void)parse_bootstrapping_info(input);
        break;
    case 5:
        (void)parse_zn_request(input);
        break;
    case 6:
        (void)parse_zn_answer(input);
        break;
    case 7: {
        auto proof = parse_dm_proof(input);
        if (proof) {
            auto again = parse_dm_proof(format_dm_proof(*proof));
            if (!again || again->btid != proof->btid || again->mac != proof->mac || again->nonce != proof->nonce)
                __builtin_trap();
        }
        break;
    }
    default:
        (void)parse_dm_authentication_request(input);
        break;
    }
    return 0;
}
