#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/cms/config.hpp"

// Configuration files: TOML parsing and every check on the values.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)mcprov::cms::parse_cms_config(text, "fuzz.toml", "/nonexistent");
    return 0;
}
