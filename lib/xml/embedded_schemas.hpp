#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace mcprov::xml::detail {

// One row of the table generated from schemas/ at build time (embed_schemas.cmake).
struct embedded_schema_entry {
    const char* path; // relative to schemas/, '/'-separated, e.g. "ts24484-rel13/xml.xsd"
    const unsigned char* data;
    std::size_t size;
};

extern const embedded_schema_entry embedded_schema_table[];
extern const std::size_t embedded_schema_count;

struct embedded_schema {
    std::string_view path;
    std::string_view content;
};

// Every embedded schema, sorted by path.
std::span<const embedded_schema> embedded_schemas() noexcept;

// By path relative to schemas/ ("ts24484-rel13/mcptt-user-profile.xsd"); nullptr when there is none.
const embedded_schema* find_embedded_schema(std::string_view path) noexcept;

// By bare file name ("common-policy.xsd"); nullptr when there is none or when several folders hold that name.
const embedded_schema* find_embedded_schema_by_name(std::string_view file_name) noexcept;

// The URI under which an embedded schema is compiled, so that relative schemaLocation values resolve against it:
// "mcprov-schema:/<path>".
inline constexpr std::string_view embedded_uri_prefix = "mcprov-schema:/";

// Resolves what libxml2's entity loader is asked for: an embedded URI, a relative path or a bare file name.
const embedded_schema* resolve_embedded_schema(std::string_view url) noexcept;

} // namespace mcprov::xml::detail
