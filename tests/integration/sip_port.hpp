#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

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

} // namespace mcprov::testing
