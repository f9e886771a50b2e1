#pragma once

#include <mcprov/aka/authentication.hpp>
#include <mcprov/support/result.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mcprov::uicc {

// Who may read or update a file: anyone, the holder of PIN1 once verified, or nobody from the device (the card
// issuer's administrative access, which a device never has).
enum class access { always, pin, never };

enum class file_kind { df, adf, transparent, linear_fixed };

struct card_file {
    std::string path{}; // FIDs from the MF in hex, '/'-separated: "3f00", "3f00/7ff0/6f07"
    file_kind kind = file_kind::transparent;
    std::string aid{};                  // adf: its application identifier (octets)
    std::optional<std::uint8_t> sfi{};  // short file identifier of an EF
    access read = access::always;
    access update = access::never;
    std::string data{};                 // transparent: the content (octets)
    std::size_t record_size = 0;        // linear_fixed
    std::vector<std::string> records{}; // linear_fixed: each exactly record_size octets
};

struct pin_state {
    std::string value{};   // the digits
    bool enabled = true;   // PIN1 disabled: no verification needed
    unsigned tries = 3;    // the retry counter's maximum
    unsigned tries_left = 3;
};

// Everything a card holds: its files, its secrets and the state it keeps between power cycles (retry counters,
// accepted sequence numbers). Stored as JSON, readable by its owner only, since it holds K and OPc.
struct card_image {
    std::string atr{};   // octets
    std::string iccid{}; // digits, for logs and for naming the card
    std::string imsi{};  // digits
    std::string k{};     // 16 octets
    std::string opc{};   // 16 octets
    pin_state pin{};
    pin_state puk{.value = {}, .enabled = true, .tries = 10, .tries_left = 10};
    aka::sequence_numbers sqn{};
    std::vector<card_file> files{};
};

support::result<card_image> card_image_from_json(std::string_view json);
std::string to_json(const card_image& image);

support::result<card_image> load_card_image(const std::filesystem::path& path);
support::result<void> save_card_image(const std::filesystem::path& path, const card_image& image);

} // namespace mcprov::uicc
