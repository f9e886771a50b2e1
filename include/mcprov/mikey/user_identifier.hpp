#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"

// The MIKEY-SAKKE user identifier (UID) of TS 33.180 Annex F.2.1 and the key periods it is bound to.
//
// A KMS cuts time into key periods of UserKeyPeriod seconds, counted from 0h UTC on 1 January 1900 (the NTP epoch)
// shifted by UserKeyOffset seconds (its KmsCertificate, TS 33.180 Annex D). A user's keys for one period are bound to
// the UID of (user URI, KMS URI, period length, offset, period number): senders encapsulate to it, signers sign with
// it, so both ends must derive the same 32 octets.
namespace mcprov::mikey {

inline constexpr std::size_t uid_size = 32;

// Seconds from 0h UTC 1 January 1900 (NTP epoch) to 0h UTC 1 January 1970 (Unix epoch).
inline constexpr std::uint64_t ntp_unix_epoch_offset_seconds = 2'208'988'800;

// The input S of TS 33.180 F.2.1, before hashing:
//   FC (0x00) || P0 "MIKEY-SAKKE-UID" || L0 || P1 user URI || L1 || P2 KMS URI || L2 ||
//   P3 key period length || L3 || P4 key period offset || L4 || P5 key period number || L5
// each Li the length of Pi in two octets, big-endian (TS 33.220 B.2). The integers P3..P5 are big-endian in the fewest
// octets that hold them, zero as one octet 0x00. Empty when a URI is longer than 65535 octets (L cannot say so).
std::string mikey_sakke_uid_input(std::string_view user_uri, std::string_view kms_uri, std::uint64_t key_period_seconds,
                                  std::uint64_t key_period_offset_seconds, std::uint64_t key_period_number);

// TS 33.180 F.2.1: UID = SHA-256(S), the full 32 octets (the 'ID' of RFC 6507, 'a' or 'b' of RFC 6508). The FC is a
// dummy: the spec hashes S, it does not run the TS 33.220 KDF over it. Empty (which every key function refuses) when
// a URI is longer than 65535 octets.
std::string mikey_sakke_uid(std::string_view user_uri, std::string_view kms_uri, std::uint64_t key_period_seconds,
                            std::uint64_t key_period_offset_seconds, std::uint64_t key_period_number);

// A KMS's segmentation of time: UserKeyPeriod and UserKeyOffset of its KmsCertificate.
struct key_period_parameters {
    std::uint64_t period_seconds = 0; // > 0
    std::uint64_t offset_seconds = 0; // of the start of period 0 from 0h UTC 1 January 1900
};

// floor((t - 1900-01-01T00:00:00Z - offset) / period), t in whole seconds (rounded down). invalid_argument when the
// period is 0 or t lies before the start of period 0.
support::result<std::uint64_t> key_period_number(std::chrono::system_clock::time_point t,
                                                 const key_period_parameters& periods);

// The first instant of period `number`, and the first instant after it (the start of the next one): a key period is
// the half-open interval [start, end). invalid_argument when the period is 0 or the instant is beyond what
// system_clock can hold.
support::result<std::chrono::system_clock::time_point> key_period_start(std::uint64_t number,
                                                                        const key_period_parameters& periods);
support::result<std::chrono::system_clock::time_point> key_period_end(std::uint64_t number,
                                                                      const key_period_parameters& periods);

// The UID of `user_uri` under the KMS `kms_uri` for the key period that holds `t`.
support::result<std::string> mikey_sakke_uid_at(std::string_view user_uri, std::string_view kms_uri,
                                                const key_period_parameters& periods,
                                                std::chrono::system_clock::time_point t);

// NTP 64-bit timestamps (RFC 5905: 32 bits of seconds since 1900, 32 bits of fraction), as the MIKEY T payload carries
// them (RFC 3830 6.6, NTP-UTC). The 32-bit seconds wrap on 2036-02-07; as RFC 4330 section 3 says, a value whose top
// bit is clear is read as after that (era 1), so the readable range is 1968-01-20 to 2104-02-26. invalid_argument
// outside.
support::result<std::uint64_t> to_ntp_timestamp(std::chrono::system_clock::time_point t);
std::chrono::system_clock::time_point from_ntp_timestamp(std::uint64_t ntp);

} // namespace mcprov::mikey
