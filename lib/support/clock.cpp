#include "mcprov/support/clock.hpp"

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

} // namespace mcprov::support
