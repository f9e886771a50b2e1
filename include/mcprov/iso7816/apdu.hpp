#pragma once

#include <mcprov/support/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcprov::iso7816 {

// ISO/IEC 7816-4 command and response APDUs, short length fields only (a UICC's, TS 102 221 clause 10).
struct command_apdu {
    std::uint8_t cla = 0;
    std::uint8_t ins = 0;
    std::uint8_t p1 = 0;
    std::uint8_t p2 = 0;
    std::string data{};              // Lc is its size, 1..255 octets, or absent when empty
    std::optional<std::uint16_t> le{}; // 1..256 (256 encoded as 00), absent in cases 1 and 3

    friend bool operator==(const command_apdu&, const command_apdu&) = default;
};

// Cases 1 to 4 of ISO 7816-3 clause 12.1.3; invalid_argument on any other shape (extended lengths included).
support::result<command_apdu> parse_command(std::string_view bytes);
std::string encode(const command_apdu& command);

struct response_apdu {
    std::string data{};
    std::uint16_t sw = 0;

    std::uint8_t sw1() const { return static_cast<std::uint8_t>(sw >> 8); }
    std::uint8_t sw2() const { return static_cast<std::uint8_t>(sw & 0xff); }
    bool ok() const { return sw == 0x9000 || sw1() == 0x91; }

    friend bool operator==(const response_apdu&, const response_apdu&) = default;
};

// At least the two status octets.
support::result<response_apdu> parse_response(std::string_view bytes);
std::string encode(const response_apdu& response);

// Status words a UICC answers (ISO 7816-4 clause 5.6, TS 102 221 clause 10.2.1, TS 31.102 clause 7.3).
namespace sw {
inline constexpr std::uint16_t ok = 0x9000;
inline constexpr std::uint16_t end_of_file = 0x6282;      // fewer octets than Le before the end of the file
inline constexpr std::uint16_t wrong_length = 0x6700;
inline constexpr std::uint16_t incompatible_file = 0x6981; // command incompatible with file structure
inline constexpr std::uint16_t security_not_satisfied = 0x6982;
inline constexpr std::uint16_t pin_blocked = 0x6983;
inline constexpr std::uint16_t conditions_not_satisfied = 0x6985;
inline constexpr std::uint16_t no_current_ef = 0x6986;
inline constexpr std::uint16_t wrong_data = 0x6a80;
inline constexpr std::uint16_t function_not_supported = 0x6a81;
inline constexpr std::uint16_t file_not_found = 0x6a82;
inline constexpr std::uint16_t record_not_found = 0x6a83;
inline constexpr std::uint16_t not_enough_memory = 0x6a84;
inline constexpr std::uint16_t wrong_p1p2 = 0x6a86;
inline constexpr std::uint16_t referenced_data_not_found = 0x6a88;
inline constexpr std::uint16_t wrong_p1p2_offset = 0x6b00;
inline constexpr std::uint16_t ins_not_supported = 0x6d00;
inline constexpr std::uint16_t cla_not_supported = 0x6e00;
inline constexpr std::uint16_t authentication_error = 0x9862; // AUTHENTICATE: MAC failure (TS 31.102)
inline constexpr std::uint16_t technical_problem = 0x6f00;
inline constexpr std::uint16_t verification_failed = 0x63c0; // | tries left in the low nibble
} // namespace sw

// The INS codes the UICC answers.
namespace ins {
inline constexpr std::uint8_t select = 0xa4;
inline constexpr std::uint8_t read_binary = 0xb0;
inline constexpr std::uint8_t update_binary = 0xd6;
inline constexpr std::uint8_t read_record = 0xb2;
inline constexpr std::uint8_t update_record = 0xdc;
inline constexpr std::uint8_t verify = 0x20;
inline constexpr std::uint8_t unblock_pin = 0x2c;
inline constexpr std::uint8_t authenticate = 0x88;
inline constexpr std::uint8_t get_response = 0xc0;
inline constexpr std::uint8_t status = 0xf2;
} // namespace ins

} // namespace mcprov::iso7816
