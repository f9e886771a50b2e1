#pragma once

#include "child_process.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mcprov::testing {

inline bool port_is_free(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return free;
}

// Two free consecutive TCP ports (vpcd listens on two, one per slot); the first is returned.
inline std::uint16_t free_port_pair() {
    for (;;) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        socklen_t n = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
        ::close(fd);
        const auto port = ntohs(a.sin_port);
        if (port < 65535 && port_is_free(port) && port_is_free(port + 1))
            return port;
    }
}

// pcscd, the real PC/SC daemon, with the vpcd reader driver listening on `port` (and port + 1, its second slot).
// pcscd's socket is the system's (/run/pcscd/pcscd.comm), so one runs at a time: the tests that use it hold the
// CTest resource lock "pcscd".
class pcscd_with_vpcd {
public:
    // Another process may take one of the two ports between the check and pcscd's bind, and pcscd then drops the
    // reader but still starts: such a start is retried on other ports.
    explicit pcscd_with_vpcd(const std::filesystem::path& dir) {
        for (int attempt = 0; attempt < 5 && !ready_; ++attempt) {
            if (process_) {
                process_->signal(SIGTERM);
                process_->wait();
            }
            port_ = free_port_pair();
            std::ofstream(dir / "reader.conf") << "FRIENDLYNAME \"mcprov vpcd\"\nDEVICENAME /dev/null:" << port_
                                               << "\nLIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID "
                                               << port_ << "\n";
            process_ = std::make_unique<child_process>(
                "/usr/sbin/pcscd", std::vector<std::string>{"-f", "-d", "-c", (dir / "reader.conf").string()},
                dir / ("pcscd-" + std::to_string(attempt)));
            ready_ = !process_->wait_for_output("daemon ready").empty() &&
                     log().find("Could not initialize connection to virtual ICC") == std::string::npos;
        }
    }
    ~pcscd_with_vpcd() {
        process_->signal(SIGTERM);
        process_->wait();
    }

    bool ready() const { return ready_; }
    std::uint16_t port() const { return port_; }
    std::string log() const { return process_->out() + process_->err(); }

private:
    std::uint16_t port_ = 0;
    std::unique_ptr<child_process> process_;
    bool ready_ = false;
};

} // namespace mcprov::testing
