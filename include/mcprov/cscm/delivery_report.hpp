#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"

namespace mcprov::cscm {

// What a partner reports it delivered to a visiting user (docs/cscm-x.md, delivery reports).
struct delivery_report {
    std::string profile_etag;  // the entity tag of the migration profile the partner built from
    std::string digest;        // "sha-256:" and the hex SHA-256 of the bytes the partner serves
    std::string template_name; // the partner's template that was applied
    std::chrono::system_clock::time_point delivered_at;
    std::string correlation_id;
    std::string service = "mcptt"; // whose profile: one of cscm::services
};

// A delivery report as CSCM-x carries it: a JSON object with profile_etag, digest, template, delivered_at
// (RFC 3339 UTC), correlation_id and service (absent: mcptt, as partners of the first version send). Decoding refuses anything over 4 KiB, a missing or mistyped member, a digest
// that is not "sha-256:" and 64 hex digits, and unknown members. Errors: invalid_argument, too_large.
std::string encode_delivery_report(const delivery_report& report);
support::result<delivery_report> decode_delivery_report(std::string_view json);

} // namespace mcprov::cscm
