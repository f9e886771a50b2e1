#include "embedded_schemas.hpp"

#include <vector>

namespace mcprov::xml::detail {
namespace {

std::vector<embedded_schema> make_index() {
    std::vector<embedded_schema> index;
    index.reserve(embedded_schema_count);
    for (std::size_t i = 0; i < embedded_schema_count; ++i) {
        const auto& entry = embedded_schema_table[i];
        index.push_back({entry.path, {reinterpret_cast<const char*>(entry.data), entry.size}});
    }
    return index;
}

const std::vector<embedded_schema>& index() noexcept {
    static const std::vector<embedded_schema> all = make_index();
    return all;
}

std::string_view file_name_of(std::string_view path) noexcept {
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

} // namespace

std::span<const embedded_schema> embedded_schemas() noexcept {
    return index();
}

const embedded_schema* find_embedded_schema(std::string_view path) noexcept {
    for (const auto& schema : index()) {
        if (schema.path == path) {
            return &schema;
        }
    }
    return nullptr;
}

const embedded_schema* find_embedded_schema_by_name(std::string_view file_name) noexcept {
    if (file_name.empty() || file_name.find('/') != std::string_view::npos) {
        return nullptr;
    }
    const embedded_schema* found = nullptr;
    for (const auto& schema : index()) {
        if (file_name_of(schema.path) == file_name) {
            if (found != nullptr) {
                return nullptr; // ambiguous
            }
            found = &schema;
        }
    }
    return found;
}

const embedded_schema* resolve_embedded_schema(std::string_view url) noexcept {
    if (url.starts_with(embedded_uri_prefix)) {
        url.remove_prefix(embedded_uri_prefix.size());
        while (url.starts_with('/')) {
            url.remove_prefix(1);
        }
        return find_embedded_schema(url);
    }
    if (url.find(':') != std::string_view::npos || url.starts_with('/')) {
        return nullptr; // some other scheme, or an absolute file path: never served
    }
    if (const auto* schema = find_embedded_schema(url)) {
        return schema;
    }
    return find_embedded_schema_by_name(url);
}

} // namespace mcprov::xml::detail
