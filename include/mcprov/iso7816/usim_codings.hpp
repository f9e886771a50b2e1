#pragma once

#include <mcprov/iso7816/apdu.hpp>
#include <mcprov/support/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcprov::iso7816 {

// The files, identifiers and codings of a UICC (TS 102 221) and its USIM (TS 31.102) that both the card and the
// device need, with the PKCS#15 application of the OMA smart-card bootstrap.
namespace fid {
inline constexpr std::string_view mf = "3f00";
inline constexpr std::string_view ef_dir = "2f00";
inline constexpr std::string_view ef_iccid = "2fe2";
inline constexpr std::string_view df_telecom = "7f10";
inline constexpr std::string_view df_mcs = "5f3d";       // TS 31.102 clause 4.6.4, under DF_TELECOM
inline constexpr std::string_view ef_mst = "4f01";       // MCS service table
inline constexpr std::string_view ef_mcs_config = "4f02";
inline constexpr std::string_view ef_imsi = "6f07";      // under ADF_USIM
inline constexpr std::string_view ef_ust = "6f38";
inline constexpr std::string_view ef_ad = "6fad";
inline constexpr std::string_view ef_odf = "5031";       // PKCS#15
inline constexpr std::string_view ef_token_info = "5032";
} // namespace fid

// The RID and application code of a USIM (TS 101 220): every USIM AID starts with it.
inline constexpr std::string_view usim_aid_prefix{"\xa0\x00\x00\x00\x87\x10\x02", 7};
// PKCS#15's application identifier, "PKCS-15" under RID A000000063.
inline constexpr std::string_view pkcs15_aid{"\xa0\x00\x00\x00\x63\x50\x4b\x43\x53\x2d\x31\x35", 12};
// The PKCS#15 data object identifier of an OMA DM bootstrap (EF(DM_Bootstrap)), 2.23.43.7.1 in DER.
inline constexpr std::string_view dm_bootstrap_oid{"\x06\x04\x67\x2b\x07\x01", 6};

// The ICCID as EF_ICCID holds it: BCD, the digits of each octet swapped, padded with F (10 octets).
std::string encode_iccid(std::string_view digits);
support::result<std::string> decode_iccid(std::string_view ef);

// The IMSI as EF_IMSI holds it (TS 31.102 clause 4.2.2): a length octet, then the parity nibble and the digits in
// swapped BCD (9 octets).
std::string encode_imsi(std::string_view digits);
support::result<std::string> decode_imsi(std::string_view ef);

// One application template of EF_DIR: '61' { '4F' AID, '50' label }, padded with FF to the record size.
std::string encode_dir_record(std::string_view aid, std::string_view label, std::size_t record_size);
struct application {
    std::string aid;
    std::string label;
};
support::result<application> decode_dir_record(std::string_view record);

// PIN digits as VERIFY carries them: ASCII, padded with FF to eight octets (TS 102 221 clause 9.5.1).
std::string pin_block(std::string_view digits);

// AUTHENTICATE in the USIM's 3G context (TS 31.102 clause 7.1.2): the command, and what its answer says.
command_apdu authenticate_command(std::string_view rand, std::string_view autn);
struct authenticate_answer {
    enum class outcome { success, synchronisation_failure };
    outcome result = outcome::success;
    std::string res{};
    std::string ck{};
    std::string ik{};
    std::string auts{};
};
// The data of a 90 00 answer ('DB' or 'DC'); invalid_argument when malformed.
support::result<authenticate_answer> decode_authenticate_answer(std::string_view data);

} // namespace mcprov::iso7816
