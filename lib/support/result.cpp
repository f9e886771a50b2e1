#include "mcprov/support/result.hpp"

namespace mcprov::support {

const char* to_string(errc code) noexcept {
    switch (code) {
    case errc::invalid_argument:
        return "invalid-argument";
    case errc::not_well_formed:
        return "not-well-formed";
    case errc::schema_invalid:
        return "schema-invalid";
    case errc::too_large:
        return "too-large";
    case errc::uri_too_long:
        return "uri-too-long";
    case errc::unsupported_media_type:
        return "unsupported-media-type";
    case errc::unauthenticated:
        return "unauthenticated";
    case errc::forbidden:
        return "forbidden";
    case errc::not_found:
        return "not-found";
    case errc::conflict:
        return "conflict";
    case errc::precondition_failed:
        return "precondition-failed";
    case errc::unavailable:
        return "unavailable";
    case errc::io:
        return "io";
    case errc::storage_full:
        return "storage-full";
    case errc::internal:
        return "internal";
    }
    return "unknown";
}

} // namespace mcprov::support
