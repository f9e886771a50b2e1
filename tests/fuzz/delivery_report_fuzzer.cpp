#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/cscm/delivery_report.hpp"

// Delivery reports a partner MC system posts over CSCM-x. A report that decodes must survive a round trip through
// the encoder unchanged: what the primary stores is what it accepted.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto decoded = mcprov::cscm::decode_delivery_report(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!decoded) {
        return 0;
    }
    auto again = mcprov::cscm::decode_delivery_report(mcprov::cscm::encode_delivery_report(*decoded));
    if (!again || again->profile_etag != decoded->profile_etag || again->digest != decoded->digest ||
        again->template_name != decoded->template_name || again->delivered_at != decoded->delivered_at ||
        again->correlation_id != decoded->correlation_id) {
        __builtin_trap();
    }
    return 0;
}
