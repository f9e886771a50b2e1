#include "mcprov/support/clock.hpp"

#include "mcprov/support/date_time.hpp"

namespace mcprov::support {
namespace {

class system_clock_impl final : public clock {
public:
    std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
};

} // namespace

std::shared_ptr<clock> create_system_clock() {
    return std::make_shared<system_clock_impl>();
}

std::string format_utc(std::chrono::system_clock::time_point t) {
    return format_date_time(from_time_point(t));
}

std::optional<std::chrono::system_clock::time_point> parse_utc(std::string_view text) {
    static constexpr date_time_syntax utc_only{.numeric_offsets = false};
    auto parsed = parse_date_time(text, utc_only);
    if (!parsed) {
        return std::nullopt;
    }
    // Whole years inside what system_clock holds (1677-09-21 to 2262-04-11), so that what is read can be written
    // and read again.
    using namespace std::chrono;
    constexpr sys_days earliest{year{1678} / January / 1};
    constexpr sys_days end{year{2262} / January / 1};
    if (parsed->seconds < earliest || parsed->seconds >= end) {
        return std::nullopt;
    }
    return time_point_cast<system_clock::duration>(parsed->seconds);
}

} // namespace mcprov::support
