#pragma once

#include <mcprov/iso7816/apdu.hpp>
#include <mcprov/uicc/card_image.hpp>

#include <string>
#include <vector>

namespace mcprov::uicc {

// A UICC (TS 102 221) with a USIM application (TS 31.102), answering APDUs the way a T=0 card does: a command that
// has data to return but no Le gets 61xx and the data through GET RESPONSE. It answers SELECT (by FID, by path from
// the MF or the current DF, by AID), READ and UPDATE BINARY and RECORD (with SFIs), VERIFY and UNBLOCK PIN for PIN1,
// AUTHENTICATE in the 3G context (MILENAGE, with the USIM's sequence-number check) and STATUS.
class uicc {
public:
    explicit uicc(card_image image);

    const std::string& atr() const { return image_.atr; }
    // A cold or warm reset: the MF is selected again and PIN1 must be verified again.
    void reset();
    iso7816::response_apdu process(const iso7816::command_apdu& command);

    // What the card keeps across resets, changed by the last commands (retry counters, sequence numbers, updated
    // files): the caller stores it when changed() says so, before the next command.
    const card_image& image() const { return image_; }
    bool changed() const { return changed_; }
    void mark_saved() { changed_ = false; }

private:
    struct selected {
        int df = 0;                // index into image_.files of the current DF or ADF
        int adf = -1;              // the current application, if any
        std::optional<int> ef{};   // the current EF
    };

    iso7816::response_apdu select(const iso7816::command_apdu& c);
    iso7816::response_apdu read_binary(const iso7816::command_apdu& c);
    iso7816::response_apdu update_binary(const iso7816::command_apdu& c);
    iso7816::response_apdu read_record(const iso7816::command_apdu& c);
    iso7816::response_apdu update_record(const iso7816::command_apdu& c);
    iso7816::response_apdu verify(const iso7816::command_apdu& c);
    iso7816::response_apdu unblock_pin(const iso7816::command_apdu& c);
    iso7816::response_apdu authenticate(const iso7816::command_apdu& c);
    iso7816::response_apdu get_response(const iso7816::command_apdu& c);
    iso7816::response_apdu status(const iso7816::command_apdu& c);

    struct target {
        int ef = -1;
        std::size_t offset = 0;
        std::uint16_t refusal = 0; // the status word when the EF cannot be used
    };
    target addressed_ef(const iso7816::command_apdu& c, file_kind kind, bool for_update);
    iso7816::response_apdu with_data(std::string data, const iso7816::command_apdu& c);
    std::optional<int> mf() const;
    std::optional<int> child(int parent, std::string_view fid) const;
    std::optional<int> parent_of(int index) const;
    std::optional<int> ef_for(std::uint8_t sfi) const;
    bool allowed(access condition) const;
    std::string fcp(int index) const;

    card_image image_;
    selected current_{};
    bool pin_verified_ = false;
    std::string pending_; // data waiting for GET RESPONSE
    bool changed_ = false;
};

} // namespace mcprov::uicc
