#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"

// The wire contracts of GBA around the BSF: the body of Ub's final 200 OK (TS 24.109 clause 5.2.1 and Annex C), and
// Zn, the NAF's request for the key of a B-TID (the information elements of TS 29.109 clause 4.3; carried by mcprov as
// JSON over HTTPS with mutual TLS, docs/bsf.md).
namespace mcprov::gba {

// The BootstrappingInfo XML document (namespace uri:3gpp-gba): the B-TID and the key lifetime.
struct bootstrapping_info {
    std::string btid;
    std::chrono::system_clock::time_point lifetime; // when Ks expires
};

inline constexpr std::string_view bootstrapping_info_media_type = "application/vnd.3gpp.bsf+xml";
inline constexpr std::string_view bootstrapping_info_namespace = "uri:3gpp-gba";

std::string format_bootstrapping_info(const bootstrapping_info& info);
// Errors: not_well_formed, invalid_argument (another root, btid or lifetime missing or malformed); at most 8 KiB.
support::result<bootstrapping_info> parse_bootstrapping_info(std::string_view xml);

// Zn: the NAF names the B-TID it was given and its own NAF_Id.
struct zn_request {
    std::string btid;
    std::string naf_id; // raw: FQDN || Ua security protocol identifier
};

// Zn: the BSF's answer.
struct zn_answer {
    std::string impi;
    std::string ks_naf; // raw, 32 octets
    std::chrono::system_clock::time_point bootstrap_time;
    std::chrono::system_clock::time_point key_lifetime;
    // What the BSF knows of how the subscriber was authenticated, for the NAF's records ("3GPP AKA with a USIM").
    std::string authentication{};
};

inline constexpr std::size_t max_zn_bytes = 16 * 1024;

// {"btid": "...", "naf_id": "<base64>"}
std::string format_zn_request(const zn_request& r);
// Errors: invalid_argument (not such an object, over max_zn_bytes, a B-TID or NAF_Id missing or too long).
support::result<zn_request> parse_zn_request(std::string_view json);
// {"impi": "...", "ks_naf": "<base64>", "bootstrap_time": "<RFC 3339>", "key_lifetime": "<RFC 3339>",
//  "authentication": "..."}
std::string format_zn_answer(const zn_answer& a);
// Errors: invalid_argument.
support::result<zn_answer> parse_zn_answer(std::string_view json);

} // namespace mcprov::gba
