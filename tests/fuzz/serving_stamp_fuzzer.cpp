#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/migration/served_profile.hpp"

// The <served-by> statement of a served profile, as an MC client (mcprov cmc) reads it from whatever the partner
// system sent. A stamp that reads must read the same after the profile is stamped with it again.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view profile(reinterpret_cast<const char*>(data), size);
    auto stamp = mcprov::migration::read_serving_stamp(profile);
    if (!stamp) {
        return 0;
    }
    auto restamped = mcprov::migration::stamp_for_serving(profile, *stamp);
    if (!restamped) {
        return 0;
    }
    auto again = mcprov::migration::read_serving_stamp(*restamped);
    if (!again || again->serving_system != stamp->serving_system || again->primary_system != stamp->primary_system ||
        again->template_name != stamp->template_name || again->source_profile != stamp->source_profile ||
        again->valid_from != stamp->valid_from || again->valid_until != stamp->valid_until) {
        __builtin_trap();
    }
    return 0;
}
