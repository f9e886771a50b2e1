#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"

// GBA's keys and names (TS 33.220): Ks, the B-TID, the NAF's key Ks_NAF, and the private identity derived from the
// IMSI when the card has no ISIM (TS 23.003 clause 13.3).
namespace mcprov::gba {

// TS 33.220 Annex B.2: HMAC-SHA-256(key, FC || P0 || L0 || ... || Pn || Ln), each Li the length of Pi in two octets,
// most significant first. Every Pi must be under 65,536 octets.
std::string kdf(std::string_view key, std::uint8_t fc, std::initializer_list<std::string_view> parameters);

// Ks = CK || IK (TS 33.220 clause 4.5.2).
std::string ks_of(std::string_view ck, std::string_view ik);

// Ks_NAF of GBA_ME (Annex B.3): KDF(Ks, FC 0x01, "gba-me", RAND, IMPI, NAF_Id), 32 octets.
std::string ks_naf(std::string_view ks, std::string_view rand, std::string_view impi, std::string_view naf_id);

// The Ua security protocol identifiers of Annex H (five octets: organisation, then four of protocol) that mcprov uses.
namespace ua_protocol {
// 3GPP, "Ua security protocol according to TS 33.222 (HTTP digest authentication)": a NAF that takes B-TID and
// Ks_NAF as the user name and password of a digest.
inline constexpr std::string_view http_digest{"\x01\x00\x00\x00\x02", 5};
} // namespace ua_protocol

// NAF_Id = the NAF's FQDN || the Ua security protocol identifier (clause 4.5.2).
std::string naf_id(std::string_view naf_fqdn, std::string_view ua_protocol_id);

// B-TID = base64(RAND) "@" the BSF's server name (clause 4.5.2).
std::string btid(std::string_view rand, std::string_view bsf_server_name);

// The IMPI of an IMSI (TS 23.003 clause 13.3): "<IMSI>@ims.mnc<MNC>.mcc<MCC>.3gppnetwork.org", the MNC in three
// digits. Errors: invalid_argument (not 6 to 15 digits, or an MNC length other than 2 or 3).
support::result<std::string> impi_of_imsi(std::string_view imsi, unsigned mnc_length);
// The IMSI inside such an IMPI, checked against its realm's MCC and MNC. Errors: invalid_argument.
support::result<std::string> imsi_of_impi(std::string_view impi);

} // namespace mcprov::gba
