#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/migration/migration_template.hpp"

// Template documents an operator writes: parsing, checking, and applying the result to a fixed profile.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static constexpr std::string_view profile =
        R"(<mcptt-user-profile xmlns="urn:3gpp:mcptt:user-profile:1.0" XUI-URI="sip:a@b.org" user-profile-index="1">)"
        R"(<Common index="c"><MCPTT-group-call><Priority>9</Priority></MCPTT-group-call>)"
        R"(<anyExt><allow-regroup>true</allow-regroup></anyExt></Common><OnNetwork index="o"><MCPTTGroupInfo>)"
        R"(<entry><uri-entry>sip:g@groups.b.org</uri-entry></entry></MCPTTGroupInfo></OnNetwork>)"
        R"(</mcptt-user-profile>)";
    auto t = mcprov::migration::parse_migration_template(std::string_view(reinterpret_cast<const char*>(data), size));
    if (t) {
        (void)mcprov::migration::apply_template(*t, profile);
    }
    return 0;
}
