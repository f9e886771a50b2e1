#include <mcprov/gsup/hlr_vty.hpp>

#include <mcprov/support/encoding.hpp>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mcprov::gsup {
namespace {

using support::errc;
using support::make_error;

// One VTY connection: commands are sent one at a time and the answer is everything up to the next prompt.
class vty_session {
public:
    explicit vty_session(const hlr_vty_address& address) : address_(address) {}
    ~vty_session() {
        if (fd_ >= 0)
            ::close(fd_);
    }

    support::result<void> open() {
        addrinfo hints{};
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* found = nullptr;
        if (::getaddrinfo(address_.host.c_str(), std::to_string(address_.port).c_str(), &hints, &found) != 0)
            return make_error(errc::unavailable, "the HLR's VTY address " + address_.host + " does not resolve");
        for (addrinfo* a = found; a && fd_ < 0; a = a->ai_next) {
            fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
            if (fd_ >= 0 && ::connect(fd_, a->ai_addr, a->ai_addrlen) != 0) {
                ::close(fd_);
                fd_ = -1;
            }
        }
        ::freeaddrinfo(found);
        if (fd_ < 0)
            return make_error(errc::unavailable, "the HLR's VTY on " + address_.host + ":" +
                                                     std::to_string(address_.port) + ": " + std::strerror(errno));
        if (auto banner = until_prompt(); !banner)
            return std::move(banner).err();
        return expect("enable");
    }

    // The command's output, without the echo and the prompt. osmo-hlr starts both its refusals and some of its
    // confirmations ("% Created subscriber") with '%': the caller tells them apart.
    support::result<std::string> command(const std::string& line) {
        const std::string sent = line + "\n"; // one line end: the VTY takes CR and LF each as Enter
        if (::send(fd_, sent.data(), sent.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(sent.size()))
            return make_error(errc::unavailable, "the HLR's VTY closed the connection");
        auto output = until_prompt();
        if (!output)
            return output;
        std::string text = *output;
        if (const auto echo = text.find(line); echo != std::string::npos)
            text.erase(0, echo + line.size());
        while (!text.empty() && (text.front() == '\r' || text.front() == '\n'))
            text.erase(0, 1);
        return text;
    }

    // A command whose success prints nothing, or `confirmation`.
    support::result<void> expect(const std::string& line, std::string_view confirmation = {}) {
        auto output = command(line);
        if (!output)
            return std::move(output).err();
        const bool quiet = output->find_first_not_of(" \n") == std::string::npos;
        if (confirmation.empty() ? quiet : output->find(confirmation) != std::string::npos)
            return {};
        return make_error(errc::invalid_argument,
                          "osmo-hlr refused \"" + line + "\": " + output->substr(0, output->find('\n')));
    }

private:
    // Reads until the prompt "OsmoHLR> " or "OsmoHLR# " ends what was received, dropping telnet negotiation.
    support::result<std::string> until_prompt() {
        std::string text;
        for (;;) {
            for (const char* prompt : {"> ", "# "})
                if (text.ends_with(prompt) && text.rfind("OsmoHLR") != std::string::npos &&
                    text.find('\n', text.rfind("OsmoHLR")) == std::string::npos) {
                    text.erase(text.rfind("OsmoHLR"));
                    return text;
                }
            pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
            if (::poll(&p, 1, static_cast<int>(address_.timeout.count())) <= 0)
                return make_error(errc::unavailable, "the HLR's VTY did not answer in time");
            char buffer[4096];
            const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0)
                return make_error(errc::unavailable, "the HLR's VTY closed the connection");
            for (ssize_t i = 0; i < n; ++i) {
                const auto c = static_cast<unsigned char>(buffer[i]);
                if (c == 0xff && i + 2 < n) { // IAC and its option: telnet negotiation
                    i += 2;
                    continue;
                }
                if (c == '\r' || c >= 0x80 || (c < 0x20 && c != '\n'))
                    continue;
                text += static_cast<char>(c);
            }
            if (text.size() > 1024 * 1024)
                return make_error(errc::too_large, "the HLR's VTY answered more than 1 MiB");
        }
    }

    hlr_vty_address address_;
    int fd_ = -1;
};

bool digits(std::string_view s, std::size_t min, std::size_t max) {
    return s.size() >= min && s.size() <= max && s.find_first_not_of("0123456789") == std::string_view::npos;
}

} // namespace

support::result<void> provision_subscriber(const hlr_vty_address& vty, const subscriber& s) {
    if (!digits(s.imsi, 6, 15))
        return make_error(errc::invalid_argument, "an IMSI is 6 to 15 digits");
    if (s.k.size() != 16 || s.opc.size() != 16)
        return make_error(errc::invalid_argument, "K and OPc are 16 octets");
    if (!s.msisdn.empty() && !digits(s.msisdn, 3, 15))
        return make_error(errc::invalid_argument, "an MSISDN is 3 to 15 digits");
    vty_session session(vty);
    if (auto opened = session.open(); !opened)
        return opened;
    const std::string who = "subscriber imsi " + s.imsi;
    auto shown = session.command(who + " show");
    if (!shown)
        return std::move(shown).err();
    if (shown->find("IMSI: " + s.imsi) == std::string::npos)
        if (auto created = session.expect(who + " create", "Created subscriber"); !created)
            return created;
    if (auto keys = session.expect(who + " update aud3g milenage k " + support::hex_encode(s.k) + " opc " +
                                   support::hex_encode(s.opc));
        !keys)
        return keys;
    if (!s.msisdn.empty())
        return session.expect(who + " update msisdn " + s.msisdn, "Updated subscriber");
    return {};
}

support::result<std::string> show_subscriber(const hlr_vty_address& vty, std::string_view imsi) {
    if (!digits(imsi, 6, 15))
        return make_error(errc::invalid_argument, "an IMSI is 6 to 15 digits");
    vty_session session(vty);
    if (auto opened = session.open(); !opened)
        return std::move(opened).err();
    auto shown = session.command("subscriber imsi " + std::string(imsi) + " show");
    if (shown && shown->find("IMSI: " + std::string(imsi)) == std::string::npos)
        return make_error(errc::not_found, "osmo-hlr has no subscriber with IMSI " + std::string(imsi));
    return shown;
}

} // namespace mcprov::gsup
