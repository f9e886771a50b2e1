#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"
#include "mcprov/xcap/application_usage.hpp"

namespace mcprov::migration {

// What a partner MC system states about a profile it serves to a visiting user: the <served-by> element of
// namespace urn:mcprov:migration:1 at the root of the profile, covered by the partner's signature (seed 000,
// NOTE 3: the client checks the profile is valid for the system now serving it).
struct serving_stamp {
    std::string serving_system;
    std::string primary_system;
    std::string template_name;
    std::string source_profile; // the primary's migration profile the partner combined, e.g. migration-profile-1.xml
    std::chrono::system_clock::time_point valid_from;
    std::chrono::system_clock::time_point valid_until;
};

// The document name a visiting user's profile of a service has at the partner, in the service's user profile
// usage: "mcptt-user-profile-0.xml", "mcdata-user-profile-0.xml", "mcvideo-user-profile-0.xml".
std::string visitor_profile_name(xcap::mc_service service);

// Prepares a combined profile for serving: drops the primary's <migration-for>, sets user-profile-index to 0
// (the profile is served as visitor_profile_name), and puts the stamp in place of any earlier one.
support::result<std::string> stamp_for_serving(std::string_view profile, const serving_stamp& stamp);

// The stamp of a served profile. Errors: not_well_formed, not_found (no <served-by>), invalid_argument (a stamp
// with a missing or malformed attribute).
support::result<serving_stamp> read_serving_stamp(std::string_view profile);

} // namespace mcprov::migration
