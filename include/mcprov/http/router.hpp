#pragma once

// Matching a request's method and path against a set of route patterns.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/verb.hpp>

namespace mcprov::http {

// A path pattern:
//   "/healthz"                 exact: only that path;
//   "/kms/v1/keyprov/{uri}"    template: each "{name}" matches one non-empty segment (no '/'), captured by name;
//   "/xcap-root/*"             prefix: a trailing "*" matches the rest of the path (possibly empty), captured as "*".
// Templates and the prefix combine ("/users/{id}/*"). The path is the request target up to '?'; captured text is
// as it came on the wire (still percent-encoded).
class path_pattern {
public:
    // Errors are programming errors: a pattern that does not start with '/', an unclosed '{', an empty or repeated
    // name, or a '*' that is not last; they throw std::invalid_argument when the route is added.
    explicit path_pattern(std::string pattern);

    const std::string& text() const { return text_; }
    // On a match, the captured segments in pattern order (name, text); nullopt otherwise.
    std::optional<std::vector<std::pair<std::string, std::string_view>>> match(std::string_view path) const;

private:
    struct part {
        bool capture; // true: "{name}" (text is the name); false: literal text
        std::string text;
    };
    std::string text_;
    std::vector<part> parts_;
    bool prefix_ = false;
};

// The captured segments of a matched route.
class route_params {
public:
    route_params() = default;
    explicit route_params(std::vector<std::pair<std::string, std::string_view>> captured)
        : captured_(std::move(captured)) {}
    // The text captured as `name` ("*" for the rest of a prefix route); empty when there is none.
    std::string_view get(std::string_view name) const {
        for (const auto& [n, v] : captured_) {
            if (n == name) {
                return v;
            }
        }
        return {};
    }
    bool has(std::string_view name) const {
        for (const auto& c : captured_) {
            if (c.first == name) {
                return true;
            }
        }
        return false;
    }
    const std::vector<std::pair<std::string, std::string_view>>& all() const { return captured_; }

private:
    std::vector<std::pair<std::string, std::string_view>> captured_;
};

// The path of a request target: the part before '?'.
inline std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

// "GET, HEAD, PUT": the value of an Allow header for these methods, in the order given.
std::string allow_header(const std::vector<boost::beast::http::verb>& methods);

} // namespace mcprov::http
