#pragma once

#include <array>
#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"

// The CSCM-x interface between the configuration management servers of two MC systems (docs/cscm-x.md): the
// resources, fields and media types that both ends use.
namespace mcprov::cscm {

inline constexpr std::string_view correlation_header = "X-Correlation-ID";
// The primary's name of the migration profile it provided (for the partner's logs and delivery reports).
inline constexpr std::string_view profile_name_header = "Migration-Profile-Name";
inline constexpr std::string_view delivery_report_media_type = "application/json";

// The MC services whose migration profiles CSCM-x carries, by the names paths and delivery reports give them.
inline constexpr std::array<std::string_view, 3> services{"mcptt", "mcdata", "mcvideo"};
bool is_service(std::string_view name);
// The media type of a service's migration profile: application/vnd.3gpp.<service>-user-profile+xml.
std::string migration_profile_media_type(std::string_view service);

enum class resource_kind {
    migration_profile, // GET, HEAD /cscm-x/v1/users/{user}/migration-profile/{service}: at the primary
    delivery_reports,  // POST /cscm-x/v1/users/{user}/delivery-reports: at the primary
    visitor,           // DELETE /cscm-x/v1/visitors/{user}: at the partner
};

struct resource {
    resource_kind kind;
    std::string user;              // the MC service ID, decoded
    std::string service = "mcptt"; // of a migration profile; /migration-profile without one is MCPTT's
};

// The path of a resource, the user percent-encoded.
std::string path_of(const resource& r);

// Which resource a request target names. Errors: not_found (no CSCM-x resource, or a service CSCM-x does not
// know), invalid_argument (the user segment is not an MC service ID: empty, over 1 KiB once decoded, or with a '/'
// or a control character once decoded).
support::result<resource> parse_resource(std::string_view target);

// A fresh correlation id: 16 hex digits.
std::string new_correlation_id();

// A correlation id received from outside, if it is usable (1 to 64 of letters, digits, '-', '_', '.').
bool is_correlation_id(std::string_view id);

} // namespace mcprov::cscm
