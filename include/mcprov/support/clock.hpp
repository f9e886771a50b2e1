#pragma once

#include <chrono>
#include <memory>

namespace mcprov::support {

// Wall-clock time, injectable so tests can move it.
class clock {
public:
    virtual ~clock() = default;
    virtual std::chrono::system_clock::time_point now() const = 0;
};

std::shared_ptr<clock> create_system_clock();

// A clock that only moves when told to.
class manual_clock final : public clock {
public:
    explicit manual_clock(std::chrono::system_clock::time_point start) : now_(start) {}
    std::chrono::system_clock::time_point now() const override { return now_; }
    void advance(std::chrono::seconds by) { now_ += by; }
    void set(std::chrono::system_clock::time_point t) { now_ = t; }

private:
    std::chrono::system_clock::time_point now_;
};

} // namespace mcprov::support
