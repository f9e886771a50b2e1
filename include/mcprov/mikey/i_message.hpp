#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/result.hpp"

// The MIKEY-SAKKE I_MESSAGE (RFC 6509 section 2.1) as TS 33.180 Annex E profiles it:
//
//   I_MESSAGE = HDR, T, RAND, IDRi, IDRr, IDRkmsi, IDRkmsr, {SP}, SAKKE, {GENERAL EXT}, SIGN
//
// A value type and its codec, nothing more: which values a MIKEY-SAKKE endpoint accepts (data type, signature type,
// identifier roles, key periods) is the exchange's business (i_message_exchange.hpp). Every integer is big-endian.
namespace mcprov::mikey {

// The decoder refuses anything longer: a real I_MESSAGE is about 700 octets (SAKKE data 273, signature 129).
inline constexpr std::size_t max_i_message_size = 8 * 1024;

inline constexpr std::uint8_t mikey_version = 1;    // RFC 3830 6.1
inline constexpr std::uint8_t data_type_sakke = 26; // RFC 6509 section 4.1, "SAKKE msg"

// The Next payload values of the payloads an I_MESSAGE can carry (RFC 3830 6.1, RFC 6043 section 6.6 for IDR,
// RFC 6509 section 4.2 for SAKKE).
namespace payload_type {
inline constexpr std::uint8_t last = 0;
inline constexpr std::uint8_t sign = 4;
inline constexpr std::uint8_t timestamp = 5;
inline constexpr std::uint8_t security_policy = 10;
inline constexpr std::uint8_t rand = 11;
inline constexpr std::uint8_t idr = 14;
inline constexpr std::uint8_t general_extension = 21;
inline constexpr std::uint8_t sakke = 26;
} // namespace payload_type

// HDR "PRF func" (RFC 3830 6.1, RFC 6043 section 6.1).
enum class prf_function : std::uint8_t { mikey_1 = 0, mikey_256 = 1 };

// HDR "CS ID map type" (RFC 3830 6.1; RFC 4563 section 4.1 for the empty map; RFC 6043 section 6.1.1 for GENERIC-ID).
enum class cs_id_map_type : std::uint8_t { srtp_id = 0, empty = 1, generic_id = 2 };

// One entry of an SRTP-ID map (RFC 3830 6.1.1): 9 octets.
struct srtp_crypto_session {
    std::uint8_t policy_no = 0;
    std::uint32_t ssrc = 0;
    std::uint32_t roc = 0;
    bool operator==(const srtp_crypto_session&) const = default;
};

// One entry of a GENERIC-ID map (RFC 6043 section 6.1.1):
//   CS ID (8) | Prot type (8) | S (1) | #P (7) | Ps (#P x 8) | Session Data Length (16) | Session Data |
//   SPI Length (8) | SPI
struct generic_crypto_session {
    std::uint8_t cs_id = 0;
    std::uint8_t prot_type = 0;
    bool s = false;                     // ROC and SEQ present in the session data (SRTP)
    std::vector<std::uint8_t> policies; // at most 127 Policy_no values
    std::string session_data;           // at most 65535 octets
    std::string spi;                    // at most 255 octets
    bool operator==(const generic_crypto_session&) const = default;
};

// The crypto sessions of the HDR: #CS, the map type and the map info. An empty map (RFC 4563) carries no map info, so
// only its #CS is kept; the other types take #CS from their entries (at most 255).
struct crypto_session_map {
    cs_id_map_type type = cs_id_map_type::empty;
    std::uint8_t empty_cs_count = 0;             // #CS of an empty map
    std::vector<srtp_crypto_session> srtp;       // type srtp_id
    std::vector<generic_crypto_session> generic; // type generic_id
    bool operator==(const crypto_session_map&) const = default;
};

// Common header (RFC 3830 6.1) of version 1 and data type SAKKE msg (26); "next payload" is the encoder's business.
struct common_header {
    bool v = false; // a verification message is requested
    prf_function prf = prf_function::mikey_256;
    std::uint32_t csb_id = 0;
    crypto_session_map cs_map;
    bool operator==(const common_header&) const = default;
};

// Timestamp payload (RFC 3830 6.6).
enum class timestamp_type : std::uint8_t { ntp_utc = 0, ntp = 1, counter = 2 };
struct timestamp {
    timestamp_type type = timestamp_type::ntp_utc;
    std::uint64_t value = 0; // 64 bits for NTP-UTC and NTP, 32 for COUNTER
    bool operator==(const timestamp&) const = default;
};

// IDR payload (RFC 6043 section 6.6): Next payload | ID Role | ID Type | ID len (16) | ID data.
enum class id_role : std::uint8_t {
    initiator = 1,     // IDRi
    responder = 2,     // IDRr
    kms = 3,           // IDRkms
    psk = 4,           // IDRpsk
    app = 5,           // IDRapp
    initiator_kms = 6, // IDRkmsi (RFC 6509)
    responder_kms = 7, // IDRkmsr (RFC 6509)
    initiator_uid = 8, // IDRuidi (TS 33.180 E.7, identity hiding)
    responder_uid = 9, // IDRuidr (TS 33.180 E.7)
};
enum class id_type : std::uint8_t { nai = 0, uri = 1, byte_string = 2 }; // RFC 3830 6.7, RFC 6043 section 6.6
struct identity {
    id_role role = id_role::initiator;
    id_type type = id_type::uri;
    std::string data; // at most 65535 octets
    bool operator==(const identity&) const = default;
};

// Security Policy payload (RFC 3830 6.10): Next payload | Policy no | Prot type | Policy param length (16) | params,
// the params a sequence of Type (8) | Length (8) | Value.
struct policy_parameter {
    std::uint8_t type = 0;
    std::string value; // at most 255 octets
    bool operator==(const policy_parameter&) const = default;
};
struct security_policy {
    std::uint8_t policy_no = 0;
    std::uint8_t prot_type = 0; // 0 = SRTP
    std::vector<policy_parameter> parameters;
    bool operator==(const security_policy&) const = default;
};

// SAKKE payload (RFC 6509 section 4.2): Next payload | SAKKE params | ID scheme | SAKKE data length (16) | SAKKE data.
inline constexpr std::uint8_t sakke_params_set_1 = 1;        // RFC 6509 Appendix A
inline constexpr std::uint8_t id_scheme_tel_uri_monthly = 1; // RFC 6509 section 3.2
inline constexpr std::uint8_t id_scheme_3gpp_hashed_uid = 2; // TS 33.180 F.2.1 ("3GPP MCX hashed UID")
struct sakke_payload {
    std::uint8_t params = sakke_params_set_1;
    std::uint8_t id_scheme = id_scheme_3gpp_hashed_uid;
    std::string data; // the encapsulated data, at most 65535 octets
    bool operator==(const sakke_payload&) const = default;
};

// General Extension payload (RFC 3830 6.15): Next payload | Type | Length (16) | Data. TS 33.180 carries
// SAKKE-to-self (type 6, E.5) and the key parameters (E.6) in them; they are kept as they came.
struct general_extension {
    std::uint8_t type = 0;
    std::string data; // at most 65535 octets
    bool operator==(const general_extension&) const = default;
};

// Signature payload (RFC 3830 6.5): S type (4) | Signature len (12) | Signature. Always the last payload: it has no
// Next payload field. The signature covers the whole message except the Signature field itself (so including the S
// type and Signature len octets).
inline constexpr std::uint8_t signature_type_eccsi = 2; // RFC 6509 section 4.3
struct signature_payload {
    std::uint8_t type = signature_type_eccsi; // 4 bits
    std::string signature;                    // at most 4095 octets
    bool operator==(const signature_payload&) const = default;
};

struct i_message {
    common_header header;
    timestamp t;
    std::string rand;                      // 1 to 255 octets (RFC 3830 6.11 asks for at least 16)
    std::vector<identity> identities;      // IDR payloads, in order, no role twice
    std::vector<security_policy> policies; // SP payloads, in order
    sakke_payload sakke;
    std::vector<general_extension> extensions; // General Extension payloads, in order
    signature_payload sign;
    bool operator==(const i_message&) const = default;

    // The first IDR payload with this role, or nullptr.
    const identity* find_identity(id_role role) const;
};

// Payloads in the order of RFC 6509 section 2.1: HDR, T, RAND, IDRs, SPs, SAKKE, General Extensions, SIGN.
// invalid_argument when a field does not fit its width (an ID of 65536 octets, #P of 128, a 4096-octet signature, a
// RAND of 0 or 256 octets, an SRTP-ID or GENERIC-ID map of 256 sessions, a COUNTER above 32 bits) or an enumerator
// has no defined value; too_large beyond max_i_message_size. What it encodes, decode_i_message reads back equal.
support::result<std::string> encode_i_message(const i_message& message);

// Reads an I_MESSAGE of at most max_i_message_size octets: version 1, data type SAKKE msg (26), exactly one T, RAND
// and SAKKE payload, any number of IDR (no role twice), SP and General Extension payloads, and a SIGN payload at the
// end, with nothing after it. Every length is checked against what is left; a payload type, map type, timestamp type,
// ID role or ID type the codec does not know is refused by name and offset. invalid_argument when malformed,
// too_large beyond the limit.
support::result<i_message> decode_i_message(std::string_view bytes);

// The octets the SIGN payload's signature covers: all of `encoded` but the trailing Signature field. `encoded` must
// be a message decode_i_message accepted (or that encode_i_message produced).
std::string_view signed_portion(std::string_view encoded, const i_message& decoded);

} // namespace mcprov::mikey
