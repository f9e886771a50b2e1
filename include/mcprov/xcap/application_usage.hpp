#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/result.hpp"
#include "mcprov/xml/document.hpp"

namespace mcprov::xcap {

// The mission-critical services, each with its own user profile document (TS 24.484 clauses 8.3, 9.3, 10.3).
enum class mc_service { mcptt, mcdata, mcvideo };

// A TS 24.484 XCAP application usage holding user profile documents.
struct application_usage {
    std::string_view auid;              // "org.3gpp.mcptt.user-profile"
    std::string_view mime_type;         // "application/vnd.3gpp.mcptt-user-profile+xml"
    std::string_view default_namespace; // the namespace of unprefixed names in node selectors
    std::string_view root_element;
    std::string_view document_prefix; // documents are named <prefix><index>.xml
    std::string_view schema;          // embedded schema path, empty when only the root is checked
    bool migration = false;           // holds migration profiles, which must say whom they are for
    mc_service service = mc_service::mcptt;
};

// mcprov's own application usages for the profiles a user's primary MC system gives partner systems when the user
// migrates, one per service: user profiles of that service that carry a migration-for element (namespace below) at
// their root.
constexpr std::string_view mcptt_user_profile_auid = "org.3gpp.mcptt.user-profile";
constexpr std::string_view migration_profile_auid = "org.mcprov.migration-profile";
constexpr std::string_view mcdata_migration_profile_auid = "org.mcprov.mcdata-migration-profile";
constexpr std::string_view mcvideo_migration_profile_auid = "org.mcprov.mcvideo-migration-profile";
constexpr std::string_view migration_namespace = "urn:mcprov:migration:1";

// Each service by the name templates give it: "mcptt", "mcdata", "mcvideo".
struct named_service {
    mc_service service;
    std::string_view name;
};
std::span<const named_service> mc_services();
std::string_view to_string(mc_service service);
std::optional<mc_service> service_named(std::string_view name);

// Whom a migration profile is for: named partner MC systems, and/or every partner without a profile of its own.
struct migration_targets {
    bool is_default = false;
    std::vector<std::string> partners;
};

// Reads <migration-for default="true" partners="mcx-b.example.org ..."/> at the document's root.
// Errors: conflict when it is missing, repeated, or names nobody.
support::result<migration_targets> migration_targets_of(const xml::document& doc);

std::span<const application_usage> application_usages();
const application_usage* find_application_usage(std::string_view auid);
// The usage holding a service's user profiles ("org.3gpp.mcdata.user-profile"), or its migration profiles.
const application_usage& user_profile_usage(mc_service service);
const application_usage& migration_profile_usage(mc_service service);

// The profile index in a document name ("mcptt-user-profile-3.xml" -> 3), nullopt when the name does not follow
// the application usage's pattern or the index is outside 0..255 (an unsignedByte in the schema).
std::optional<unsigned> profile_index(const application_usage& usage, std::string_view document_name);

// Checks a document before it is stored as `document_name` of user `xui`: well-formed within limits, the right
// root element and namespace, valid against the schema (where the usage has one), and its XUI-URI and
// user-profile-index attributes (where present) agreeing with the URI it is stored at, and for a migration
// profile, a usable migration-for element.
// Errors: not_well_formed, too_large, schema_invalid, conflict (attributes disagree with the URI).
support::result<xml::document> check_profile_document(const application_usage& usage, std::string_view xui,
                                                      std::string_view document_name, std::string_view bytes);

} // namespace mcprov::xcap
