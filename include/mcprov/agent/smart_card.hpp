#pragma once

#include <mcprov/iso7816/apdu.hpp>
#include <mcprov/iso7816/usim_codings.hpp>
#include <mcprov/support/result.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mcprov::agent {

// The device's card slot: APDUs to the card in it and its answers. A card that is gone answers unavailable.
class card_channel {
public:
    virtual ~card_channel() = default;
    virtual support::result<iso7816::response_apdu> transmit(const iso7816::command_apdu& command) = 0;
    // A warm reset: the card starts afresh, its PIN no longer verified. Errors: unavailable.
    virtual support::result<void> reset() {
        return support::make_error(support::errc::unavailable, "this card slot cannot reset its card");
    }
};

// The card in a PC/SC reader (pcsc-lite's pcscd): the first reader whose name contains `reader_name` (any reader when
// empty) and has a card, waiting up to wait_ms for a card to be inserted.
support::result<std::unique_ptr<card_channel>> connect_pcsc_card(const std::string& reader_name,
                                                                  unsigned wait_ms = 0);
// Waits up to wait_ms until no reader whose name contains `reader_name` holds a card (the card was pulled out).
support::result<void> wait_for_card_removal(const std::string& reader_name, unsigned wait_ms);

// What the device does with a UICC and its USIM (TS 102 221, TS 31.102) and its PKCS#15 application: each call
// selects what it needs, so calls can come in any order. T=0's 61xx (GET RESPONSE) and 6Cxx (Le again) are handled
// here. Errors: unavailable when the card is gone, invalid_argument when it answers something malformed,
// unauthenticated for a wrong PIN (with the tries left) or a failed MAC, forbidden for a blocked PIN or data that
// needs the PIN, not_found for a file or application the card does not have.
class usim_card {
public:
    explicit usim_card(card_channel& channel) : channel_(channel) {}

    support::result<std::string> read_iccid();
    support::result<std::string> read_imsi();
    // The length of the IMSI's MNC, 2 or 3, from EF_AD (TS 31.102 clause 4.2.18).
    support::result<unsigned> read_mnc_length();
    support::result<void> verify_pin(std::string_view digits);
    // PIN1's remaining tries (VERIFY without data); nullopt when it is already verified or disabled.
    support::result<std::optional<unsigned>> pin_tries_left();
    support::result<iso7816::authenticate_answer> authenticate(std::string_view rand, std::string_view autn);

    // DF_MCS (TS 31.102 clause 4.6.4): EF_MST and EF_MCS_CONFIG; not_found when the card has no DF_MCS.
    struct mcs_files {
        std::string mst;
        std::string config;
    };
    support::result<mcs_files> read_mcs_files();
    // EF(DM_Bootstrap), found through the PKCS#15 application's EF(ODF) and EF(DODF) (OID 2.23.43.7.1); not_found when
    // the card has none. At most max_bytes octets.
    support::result<std::string> read_dm_bootstrap(std::size_t max_bytes = 64 * 1024);

private:
    support::result<iso7816::response_apdu> exchange(iso7816::command_apdu command);
    support::result<void> select_usim();
    support::result<void> select_path(std::string_view hex_fids); // from the MF
    support::result<void> select_fid(std::string_view hex_fid);
    support::result<std::string> read_transparent(std::size_t max_bytes);
    support::result<std::string> read_record(std::uint8_t number);

    card_channel& channel_;
};

} // namespace mcprov::agent
