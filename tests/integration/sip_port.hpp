#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <thread>

namespace mcprov::testing {

// A port of the loopback free for both UDP and TCP (SIP listens on both): for a SIP server or SIPp of a test.
inline std::uint16_t free_sip_port() {
    for (;;) {
        int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(udp, reinterpret_cast<sockaddr*>(&a), sizeof a);
        socklen_t n = sizeof a;
        ::getsockname(udp, reinterpret_cast<sockaddr*>(&a), &n);
        int tcp = ::socket(AF_INET, SOCK_STREAM, 0);
        const bool free = ::bind(tcp, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        ::close(tcp);
        ::close(udp);
        if (free)
            return ntohs(a.sin_port);
    }
}

// Whether something has bound UDP `port` of the loopback within `limit` (a SIP endpoint started in another process is
// ready to take requests once it has): checked by trying to bind it, every few milliseconds.
inline bool udp_port_taken_within(std::uint16_t port, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        const bool taken = ::bind(udp, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0;
        ::close(udp);
        if (taken)
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

} // namespace mcprov::testing
