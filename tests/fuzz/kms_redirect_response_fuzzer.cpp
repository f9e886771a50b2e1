#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/kms_interface/kms_redirect_response.hpp"

// A KMS Redirect Response as an application server or a client receives it in a SIP 488, from arbitrary bytes. One
// that decodes must survive a round trip through the encoder: what mcprov accepts it can embed in its own KRR, and
// reads back as the same value (the one refusal allowed is too_large: a compact document near the limit can grow
// past it when written with indentation, or embedding it may nest one too deep).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mcprov::kms_interface;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    auto read = decode_kms_redirect_response(input);
    if (!read) {
        return 0;
    }
    if (read->krr.acceptable.size() > max_krr_kms_uris || read->nesting > max_krr_nesting) {
        __builtin_trap();
    }
    auto text = encode_kms_redirect_response(read->krr);
    if (!text) {
        if (text.err().code == mcprov::support::errc::too_large) {
            return 0;
        }
        __builtin_trap();
    }
    auto again = decode_kms_redirect_response(*text);
    if (!again || again->krr.acceptable != read->krr.acceptable || again->krr.role != read->krr.role ||
        again->krr.rejected_kms != read->krr.rejected_kms || again->krr.embedded.has_value() != read->krr.embedded.has_value() ||
        again->nesting != read->nesting) {
        __builtin_trap();
    }
    return 0;
}
