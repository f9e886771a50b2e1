#pragma once

#include "child_process.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mcprov::testing {

// A free TCP port on loopback (and the one after it is assumed free too: vpcd listens on two).
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
        if (port < 65535)
            return port;
    }
}

// pcscd, the real PC/SC daemon, with the vpcd reader driver listening on `port` (and port + 1, its second slot).
// pcscd's socket is the system's (/run/pcscd/pcscd.comm), so one runs at a time: the tests that use it hold the
// CTest resource lock "pcscd".
class pcscd_with_vpcd {
public:
    explicit pcscd_with_vpcd(const std::filesystem::path& dir) : port_(free_port_pair()) {
        std::ofstream(dir / "reader.conf") << "FRIENDLYNAME \"mcprov vpcd\"\nDEVICENAME /dev/null:" << port_
                                           << "\nLIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID "
                                           << port_ << "\n";
        process_ = std::make_unique<child_process>(
            "/usr/sbin/pcscd", std::vector<std::string>{"-f", "-d", "-c", (dir / "reader.conf").string()},
            dir / "pcscd");
        ready_ = !process_->wait_for_output("daemon ready").empty();
    }
    ~pcscd_with_vpcd() {
        process_->signal(SIGTERM);
        process_->wait();
    }

    bool ready() const { return ready_; }
    std::uint16_t port() const { return port_; }
    std::string log() const { return process_->out() + process_->err(); }

private:
    std::uint16_t port_;
    std::unique_ptr<child_process> process_;
    bool ready_ = false;
};

} // namespace mcprov::testing
