#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/support/date_time.hpp"

// RFC 3339 / xs:dateTime text from anywhere (JSON, HTTP, XML attributes). Whatever reads must write in canonical form
// (UTC, nine fraction digits) and read back as the same instant, and survive the trip through system_clock when the
// clock can hold it.
namespace {

void check(std::string_view text, const mcprov::support::date_time_syntax& syntax) {
    using namespace mcprov::support;
    auto parsed = parse_date_time(text, syntax);
    if (!parsed) {
        return;
    }
    if (parsed->subsecond.count() < 0 || parsed->subsecond.count() >= 1'000'000'000) {
        __builtin_trap();
    }
    auto again = parse_date_time(format_date_time(*parsed, 9));
    if (!again || *again != *parsed) {
        __builtin_trap();
    }
    auto whole = parse_date_time(format_date_time(*parsed));
    if (!whole || whole->seconds != parsed->seconds || whole->subsecond.count() != 0) {
        __builtin_trap();
    }
    if (auto point = to_time_point(*parsed); point && from_time_point(*point) != *parsed) {
        __builtin_trap();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check(text, mcprov::support::rfc3339);
    check(text, mcprov::support::xsd_date_time);
    return 0;
}
