#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "mcprov/http/client.hpp"
#include "mcprov/support/result.hpp"
#include "mcprov/xcap/application_usage.hpp"

// The configuration management client's requests for a migrating user's profiles: to the partner MC system's CMS
// (CSC-Z, seed 000) and to the user's primary's (CSC-4), XCAP GETs with the user's access token.
namespace mcprov::cmc {

// A CMS as the client reaches it.
struct cms_access {
    std::string base_url; // e.g. https://127.0.0.1:8445
    std::string ca_file;  // CA certificates (PEM) trusted for its TLS certificate; empty: the system's
    std::string token;    // the user's access token for this CMS
};

// The CMS's answer, whatever its status.
struct cms_answer {
    unsigned status = 0;
    std::string body;
    std::string entity_tag; // ETag
    std::string warning;    // Warning: the partner serves a copy it could not revalidate with the primary
    std::string age;        // Age, seconds since the primary last confirmed the copy

    bool ok() const { return status == 200; }
    // The detail of a problem+json answer, or the start of whatever the body is (text from the peer: print it with
    // support::printable).
    std::string detail() const;
};

// How a request reaches a CMS: http::fetch, or a fake in tests.
using http_transport =
    std::function<support::result<http::response>(const http::client_request&, const http::client_options&)>;

// The user profile of a service the partner serves the visiting `user` (AUID org.3gpp.<service>.user-profile,
// document migration::visitor_profile_name). Errors: the transport's (invalid_argument, unavailable, too_large).
support::result<cms_answer> fetch_visitor_profile(const cms_access& partner, xcap::mc_service service,
                                                  std::string_view user,
                                                  const http_transport& transport = http::fetch);

// The user's migration profile `name` of a service at its primary's CMS (AUID org.mcprov.migration-profile,
// org.mcprov.mcdata-migration-profile, org.mcprov.mcvideo-migration-profile): what the partner's template was
// applied to. Errors: the transport's.
support::result<cms_answer> fetch_migration_profile(const cms_access& primary, xcap::mc_service service,
                                                    std::string_view user, std::string_view name,
                                                    const http_transport& transport = http::fetch);

} // namespace mcprov::cmc
