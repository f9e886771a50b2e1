#pragma once

#include "child_process.hpp"

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace mcprov::testing {

// The real osmo-hlr, on an address of its own in 127.0.0.0/8: its GSUP port (4222) is not configurable, so tests that
// run side by side each bind another loopback address. Its database is a file in `dir`.
class osmo_hlr {
public:
    explicit osmo_hlr(const std::filesystem::path& dir) {
        std::random_device rd;
        address_ = "127." + std::to_string(1 + rd() % 250) + "." + std::to_string(rd() % 256) + "." +
                   std::to_string(1 + rd() % 250);
        std::ofstream(dir / "osmo-hlr.cfg") << "log stderr\n logging filter all 1\n logging color 0\n"
                                               " logging print category 1\n logging level main notice\n"
                                               " logging level db notice\n logging level auc notice\n"
                                               "line vty\n bind "
                                            << address_ << " 4258\nctrl\n bind " << address_
                                            << "\nhlr\n store-imei\n gsup\n  bind ip " << address_ << "\n";
        process_ = std::make_unique<child_process>(
            "/usr/bin/osmo-hlr",
            std::vector<std::string>{"-c", (dir / "osmo-hlr.cfg").string(), "-l", (dir / "hlr.db").string()},
            dir / "osmo-hlr");
        ready_ = !process_->wait_for_output("Available via telnet").empty();
    }
    ~osmo_hlr() {
        process_->signal(SIGTERM);
        process_->wait();
    }

    bool ready() const { return ready_; }
    const std::string& address() const { return address_; }
    std::string log() const { return process_->out() + process_->err(); }
    void stop() {
        process_->signal(SIGTERM);
        process_->wait();
    }

private:
    std::string address_;
    std::unique_ptr<child_process> process_;
    bool ready_ = false;
};

} // namespace mcprov::testing
