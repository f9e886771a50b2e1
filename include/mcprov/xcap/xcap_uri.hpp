#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"

namespace mcprov::xcap {

// The parts of an RFC 4825 XCAP URI below the XCAP root, percent-decoded:
// {root}/{auid}/users/{xui}/{document}[/~~/{node selector}][?xmlns(prefix=uri)...]
struct xcap_uri {
    std::string auid;
    std::string xui;
    std::string document;
    std::optional<std::string> node_selector;
    std::map<std::string, std::string> namespace_bindings;
};

constexpr std::size_t max_xcap_uri_bytes = 4096;

// target: the request target (path and query). root_path: the XCAP root's path, e.g. "/xcap" (no trailing '/').
// Errors: not_found when the target is not below the root or names a tree mcprov does not serve (the global
// tree), invalid_argument for a malformed URI (bad escapes, missing parts, bad xmlns() query), uri_too_long over
// max_xcap_uri_bytes.
support::result<xcap_uri> parse_xcap_uri(std::string_view target, std::string_view root_path);

} // namespace mcprov::xcap
