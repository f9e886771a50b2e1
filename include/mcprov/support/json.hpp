#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

// Reading members of JSON objects that came from elsewhere (a peer, a file, the store). Header-only: the modules that
// read JSON link Boost.JSON themselves.
namespace mcprov::support {

// A string member; empty when it is absent or not a string.
inline std::string json_text(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// A string member of at most `max` bytes: empty when it is absent or null; nullopt when it is there and not such a
// string (the caller names the member in its error).
inline std::optional<std::string> json_bounded_text(const boost::json::object& o, std::string_view key,
                                                    std::size_t max) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null())
        return std::string();
    if (!v->is_string() || v->as_string().size() > max)
        return std::nullopt;
    return std::string(v->as_string());
}

} // namespace mcprov::support
