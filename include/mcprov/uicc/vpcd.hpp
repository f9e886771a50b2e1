#pragma once

#include <mcprov/support/result.hpp>
#include <mcprov/uicc/uicc.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace mcprov::uicc {

// Puts a card into a vpcd reader (the vsmartcard project's virtual reader driver for pcscd): connects to the reader's
// port, which is the card's insertion, and answers its requests until the reader closes the connection or stop() is
// called, which is the card's removal. vpcd's protocol: every message is a two-octet big-endian length, then either
// one control octet (0 power off, 1 power on, 2 reset, 4 ATR wanted) or a command APDU, answered with a response
// APDU the same way.
class vpcd_slot {
public:
    // Called after a command changed what the card keeps (PIN counters, sequence numbers, files), before the answer
    // leaves: the card's state is stored before the device can act on it.
    using save_function = std::function<support::result<void>(const card_image&)>;

    // Connects, trying again for up to `wait_ms` while the reader is not listening yet.
    static support::result<std::unique_ptr<vpcd_slot>> insert(uicc& card, const std::string& host, std::uint16_t port,
                                                              save_function save, unsigned wait_ms = 10'000);
    ~vpcd_slot();

    // Answers the reader until it closes (ok) or stop() is called (ok), or the card's state cannot be saved (error:
    // the card stops answering, as a card whose memory failed would).
    support::result<void> serve();
    // From another thread: pulls the card out.
    void stop();

    std::uint64_t commands() const { return commands_; }

private:
    vpcd_slot(uicc& card, int fd, save_function save) : card_(card), fd_(fd), save_(std::move(save)) {}
    uicc& card_;
    int fd_;
    save_function save_;
    std::uint64_t commands_ = 0;
};

} // namespace mcprov::uicc
