#include <mcprov/iso7816/tlv.hpp>
#include <mcprov/iso7816/usim_codings.hpp>

namespace mcprov::iso7816 {

using support::errc;
using support::make_error;

namespace {

bool all_digits(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// Digits two per octet, the first in the low nibble; F fills the last nibble.
std::string swapped_bcd(std::string_view digits) {
    std::string out;
    for (std::size_t i = 0; i < digits.size(); i += 2) {
        const int low = digits[i] - '0';
        const int high = i + 1 < digits.size() ? digits[i + 1] - '0' : 0x0f;
        out += static_cast<char>((high << 4) | low);
    }
    return out;
}

// Reads swapped BCD until the first F nibble; nullopt on a nibble A to E.
std::optional<std::string> digits_of(std::string_view octets) {
    std::string out;
    for (unsigned char c : octets) {
        for (int nibble : {c & 0x0f, c >> 4}) {
            if (nibble == 0x0f)
                return out;
            if (nibble > 9)
                return std::nullopt;
            out += static_cast<char>('0' + nibble);
        }
    }
    return out;
}

} // namespace

std::string encode_iccid(std::string_view digits) {
    std::string out = swapped_bcd(digits);
    out.resize(10, '\xff');
    return out;
}

support::result<std::string> decode_iccid(std::string_view ef) {
    const auto digits = digits_of(ef.substr(0, 10));
    if (!digits || digits->size() < 18 || digits->size() > 20)
        return make_error(errc::invalid_argument, "EF_ICCID does not hold an ICCID of 18 to 20 digits");
    return *digits;
}

std::string encode_imsi(std::string_view digits) {
    // The first nibble: '1' then the parity bit, 1 for an odd number of digits.
    const char parity = static_cast<char>('0' + (digits.size() % 2 == 1 ? 9 : 1));
    std::string nibbles = std::string(1, parity) + std::string(digits);
    std::string out(1, static_cast<char>((nibbles.size() + 1) / 2));
    for (std::size_t i = 0; i < nibbles.size(); i += 2) {
        const int low = nibbles[i] - '0';
        const int high = i + 1 < nibbles.size() ? nibbles[i + 1] - '0' : 0x0f;
        out += static_cast<char>((high << 4) | low);
    }
    out.resize(9, '\xff');
    return out;
}

support::result<std::string> decode_imsi(std::string_view ef) {
    if (ef.size() < 2)
        return make_error(errc::invalid_argument, "EF_IMSI is shorter than two octets");
    const std::size_t length = static_cast<std::uint8_t>(ef[0]);
    if (length < 1 || length > 8 || length + 1 > ef.size())
        return make_error(errc::invalid_argument, "EF_IMSI has a length octet out of range");
    const auto first = static_cast<std::uint8_t>(ef[1]);
    if ((first & 0x07) != 0x01)
        return make_error(errc::invalid_argument, "EF_IMSI does not start with the IMSI identity type");
    const auto rest = digits_of(ef.substr(2, length - 1));
    if ((first >> 4) > 9 || !rest)
        return make_error(errc::invalid_argument, "EF_IMSI holds a nibble that is not a digit");
    const std::string all = std::string(1, static_cast<char>('0' + (first >> 4))) + *rest;
    const bool odd = (first & 0x08) != 0;
    if (all.size() < 6 || all.size() > 15 || (all.size() % 2 == 1) != odd || !all_digits(all))
        return make_error(errc::invalid_argument, "EF_IMSI does not hold an IMSI of 6 to 15 digits");
    return all;
}

std::string encode_dir_record(std::string_view aid, std::string_view label, std::size_t record_size) {
    std::string out = encode_tlv(0x61, encode_tlv(0x4f, aid) + encode_tlv(0x50, label));
    out.resize(record_size, '\xff');
    return out;
}

support::result<application> decode_dir_record(std::string_view record) {
    auto outer = parse_tlvs(record);
    if (!outer)
        return std::move(outer).err();
    const auto template_61 = find(*outer, 0x61);
    if (!template_61)
        return make_error(errc::not_found, "EF_DIR record without an application template");
    auto inner = parse_tlvs(*template_61);
    if (!inner)
        return std::move(inner).err();
    const auto aid = find(*inner, 0x4f);
    if (!aid || aid->empty() || aid->size() > 16)
        return make_error(errc::invalid_argument, "EF_DIR application template without a valid AID");
    return application{*aid, find(*inner, 0x50).value_or("")};
}

std::string pin_block(std::string_view digits) {
    std::string out(digits.substr(0, 8));
    out.resize(8, '\xff');
    return out;
}

command_apdu authenticate_command(std::string_view rand, std::string_view autn) {
    std::string data;
    data += static_cast<char>(rand.size());
    data += rand;
    data += static_cast<char>(autn.size());
    data += autn;
    return {.cla = 0x00, .ins = ins::authenticate, .p1 = 0x00, .p2 = 0x81, .data = data, .le = 256};
}

support::result<authenticate_answer> decode_authenticate_answer(std::string_view data) {
    if (data.empty())
        return make_error(errc::invalid_argument, "AUTHENTICATE answered no data");
    std::vector<std::string> parts;
    std::size_t i = 1;
    while (i < data.size()) {
        const std::size_t n = static_cast<std::uint8_t>(data[i]);
        if (i + 1 + n > data.size())
            return make_error(errc::invalid_argument, "AUTHENTICATE answer truncated");
        parts.emplace_back(data.substr(i + 1, n));
        i += 1 + n;
    }
    authenticate_answer a;
    if (static_cast<std::uint8_t>(data[0]) == 0xdc) {
        if (parts.size() != 1 || parts[0].size() != 14)
            return make_error(errc::invalid_argument, "synchronisation failure without a 14-octet AUTS");
        a.result = authenticate_answer::outcome::synchronisation_failure;
        a.auts = parts[0];
        return a;
    }
    if (static_cast<std::uint8_t>(data[0]) != 0xdb || parts.size() < 3 || parts[0].size() < 4 ||
        parts[0].size() > 16 || parts[1].size() != 16 || parts[2].size() != 16)
        return make_error(errc::invalid_argument, "AUTHENTICATE answer is neither 'DB' RES CK IK nor 'DC' AUTS");
    a.res = parts[0];
    a.ck = parts[1];
    a.ik = parts[2];
    return a;
}

} // namespace mcprov::iso7816
