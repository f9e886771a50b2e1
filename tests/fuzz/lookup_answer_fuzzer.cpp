#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/lookup/central_lookup.hpp"

// The central lookup's answer as an application server reads it: what is taken is within the limits.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto domains = mcprov::lookup::read_user_domains(std::string_view(reinterpret_cast<const char*>(data), size));
    if (domains) {
        if (domains->size() > 256)
            __builtin_trap();
        for (const auto& d : *domains) {
            if (d.kms_uri.empty() || d.kms_uri.size() > 1024 || d.permitted_external.size() > 256)
                __builtin_trap();
        }
    }
    return 0;
}
