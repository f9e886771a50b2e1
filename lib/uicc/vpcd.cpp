#include <mcprov/uicc/vpcd.hpp>

#include <mcprov/support/log.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace mcprov::uicc {
namespace {

using support::errc;
using support::make_error;

bool read_exactly(int fd, char* out, std::size_t n) {
    // vpcd writes a message's length and its body separately: acknowledged at once, the body is not held back by
    // Nagle's algorithm on its side waiting for a delayed ACK on ours (40 ms an APDU otherwise).
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    while (n > 0) {
        const ssize_t got = ::recv(fd, out, n, 0);
        if (got <= 0) {
            if (got < 0 && errno == EINTR)
                continue;
            return false;
        }
        out += got;
        n -= static_cast<std::size_t>(got);
    }
    return true;
}

bool send_message(int fd, const std::string& payload) {
    std::string frame{static_cast<char>((payload.size() >> 8) & 0xff), static_cast<char>(payload.size() & 0xff)};
    frame += payload;
    std::size_t sent = 0;
    while (sent < frame.size()) {
        const ssize_t n = ::send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            return false;
        }
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

int connect_to(const std::string& host, std::uint16_t port, std::string& why) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
        why = ::gai_strerror(rc);
        return -1;
    }
    int fd = -1;
    for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            why = std::strerror(errno);
            ::close(fd);
            fd = -1;
        }
    }
    ::freeaddrinfo(found);
    if (fd >= 0) {
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

} // namespace

support::result<std::unique_ptr<vpcd_slot>> vpcd_slot::insert(uicc& card, const std::string& host, std::uint16_t port,
                                                               save_function save, unsigned wait_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    std::string why;
    for (auto pause = std::chrono::milliseconds(20);; pause = std::min(pause * 2, std::chrono::milliseconds(500))) {
        const int fd = connect_to(host, port, why);
        if (fd >= 0)
            return std::unique_ptr<vpcd_slot>(new vpcd_slot(card, fd, std::move(save)));
        if (std::chrono::steady_clock::now() + pause > deadline)
            break;
        std::this_thread::sleep_for(pause); // the reader's driver may still be loading
    }
    return make_error(errc::unavailable, "no vpcd reader on " + host + ":" + std::to_string(port) + ": " + why);
}

vpcd_slot::~vpcd_slot() {
    ::close(fd_);
}

void vpcd_slot::stop() {
    ::shutdown(fd_, SHUT_RDWR);
}

support::result<void> vpcd_slot::serve() {
    auto log = support::logger("card");
    for (;;) {
        char length[2];
        if (!read_exactly(fd_, length, 2))
            return {};
        const std::size_t n = (static_cast<std::size_t>(static_cast<unsigned char>(length[0])) << 8) |
                              static_cast<unsigned char>(length[1]);
        std::string payload(n, '\0');
        if (!read_exactly(fd_, payload.data(), n))
            return {};
        if (n == 1) {
            switch (payload[0]) {
            case 0: // power off
            case 1: // power on
            case 2: // reset
                card_.reset();
                break;
            case 4:
                if (!send_message(fd_, card_.atr()))
                    return {};
                break;
            default:
                log->warn("vpcd sent an unknown control octet {}", static_cast<int>(payload[0]));
            }
            continue;
        }
        iso7816::response_apdu answer{.data = {}, .sw = iso7816::sw::wrong_length};
        if (const auto command = iso7816::parse_command(payload)) {
            answer = card_.process(*command);
            ++commands_;
        }
        if (card_.changed()) {
            if (auto saved = save_(card_.image()); !saved) {
                log->error("the card's state cannot be saved, the card stops answering: {}", saved.err().message);
                return std::move(saved).err();
            }
            card_.mark_saved();
        }
        if (!send_message(fd_, iso7816::encode(answer)))
            return {};
    }
}

} // namespace mcprov::uicc
