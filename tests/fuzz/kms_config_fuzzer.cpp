#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/kms/config.hpp"
#include "mcprov/lookup/lookup_service.hpp"

// The KMS's and the lookup's configuration files: TOML parsing and every check on the values.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)mcprov::kms::parse_kms_config(text, "fuzz.toml", "/nonexistent");
    (void)mcprov::lookup::parse_lookup_config(text, "fuzz.toml", "/nonexistent");
    return 0;
}
