#pragma once

#include <mcprov/support/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcprov::iso7816 {

// BER-TLV data objects (ISO 7816-4 clause 5.2, X.690 definite lengths): FCP templates, EF_DIR records, PKCS#15
// directory files. Tags of up to three octets, lengths of up to four; constructed objects are parsed on demand.
struct tlv {
    std::uint32_t tag = 0; // the tag octets as one number, e.g. 0x62, 0x9f70
    std::string value{};

    bool constructed() const;
    friend bool operator==(const tlv&, const tlv&) = default;
};

// Every data object in `bytes`, in order. Padding octets 00 and FF between objects are skipped (ISO 7816-4 clause
// 5.2.1); anything truncated or with an indefinite length is invalid_argument.
support::result<std::vector<tlv>> parse_tlvs(std::string_view bytes);

// The first object with `tag` among `objects`, or nullopt.
std::optional<std::string> find(const std::vector<tlv>& objects, std::uint32_t tag);

std::string encode_tlv(std::uint32_t tag, std::string_view value);

} // namespace mcprov::iso7816
