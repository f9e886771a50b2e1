#include "mcprov/xcap/xcap_uri.hpp"

#include <algorithm>

#include "mcprov/support/encoding.hpp"

namespace mcprov::xcap {
namespace {

using support::errc;
using support::make_error;
using support::result;

constexpr std::string_view node_separator = "/~~/";

bool has_control_characters(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

result<std::string> decode_segment(std::string_view segment, std::string_view what) {
    if (segment.empty()) {
        return make_error(errc::invalid_argument, std::string(what) + " is empty");
    }
    auto decoded = support::percent_decode(segment);
    if (!decoded) {
        return make_error(errc::invalid_argument, std::string(what) + " has a malformed percent escape");
    }
    if (has_control_characters(*decoded) || decoded->find('/') != std::string::npos || *decoded == "." ||
        *decoded == "..") {
        return make_error(errc::invalid_argument, std::string(what) + " contains characters not allowed");
    }
    return std::move(*decoded);
}

// The query of a node-selecting URI: a run of xmlns(prefix=namespace) (RFC 4825 section 6.4).
result<std::map<std::string, std::string>> parse_bindings(std::string_view query) {
    std::map<std::string, std::string> out;
    auto decoded = support::percent_decode(query);
    if (!decoded) {
        return make_error(errc::invalid_argument, "the query has a malformed percent escape");
    }
    std::string_view rest = *decoded;
    while (!rest.empty()) {
        if (!rest.starts_with("xmlns(")) {
            return make_error(errc::invalid_argument, "the query must be a sequence of xmlns(prefix=namespace)");
        }
        rest.remove_prefix(6);
        auto close = rest.find(')');
        auto equals = rest.find('=');
        if (close == std::string_view::npos || equals == std::string_view::npos || equals > close || equals == 0 ||
            equals + 1 == close) {
            return make_error(errc::invalid_argument, "malformed xmlns() binding in the query");
        }
        auto prefix = rest.substr(0, equals);
        auto uri = rest.substr(equals + 1, close - equals - 1);
        auto valid_prefix = std::all_of(prefix.begin(), prefix.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
        });
        if (!valid_prefix || has_control_characters(uri)) {
            return make_error(errc::invalid_argument, "malformed xmlns() binding in the query");
        }
        out[std::string(prefix)] = std::string(uri);
        rest.remove_prefix(close + 1);
    }
    return out;
}

} // namespace

result<xcap_uri> parse_xcap_uri(std::string_view target, std::string_view root_path) {
    if (target.size() > max_xcap_uri_bytes) {
        return make_error(errc::uri_too_long,
                          "request URI longer than " + std::to_string(max_xcap_uri_bytes) + " bytes");
    }
    std::string_view query;
    if (auto q = target.find('?'); q != std::string_view::npos) {
        query = target.substr(q + 1);
        target = target.substr(0, q);
    }
    if (!target.starts_with(root_path) || target.size() == root_path.size() || target[root_path.size()] != '/') {
        return make_error(errc::not_found, "not below the XCAP root");
    }
    auto path = target.substr(root_path.size() + 1);

    xcap_uri out;
    std::string_view document_part = path;
    if (auto sep = path.find(node_separator); sep != std::string_view::npos) {
        document_part = path.substr(0, sep);
        auto selector = support::percent_decode(path.substr(sep + node_separator.size()));
        if (!selector || selector->empty() || has_control_characters(*selector)) {
            return make_error(errc::invalid_argument, "the node selector is empty or malformed");
        }
        out.node_selector = std::move(*selector);
        auto bindings = parse_bindings(query);
        if (!bindings) {
            return std::move(bindings).err();
        }
        out.namespace_bindings = std::move(bindings).value();
    } else if (!query.empty()) {
        return make_error(errc::invalid_argument, "a query is only allowed on a node-selecting URI");
    }

    // {auid}/users/{xui}/{document}: exactly four segments.
    std::string_view segments[4];
    std::size_t count = 0;
    std::string_view rest = document_part;
    while (count < 4) {
        auto slash = rest.find('/');
        segments[count++] = rest.substr(0, slash);
        if (slash == std::string_view::npos) {
            rest = {};
            break;
        }
        rest = rest.substr(slash + 1);
        if (count == 4) {
            return make_error(errc::not_found, "no such document: the document selector has too many segments");
        }
    }
    if (count < 2) {
        return make_error(errc::not_found, "no such document");
    }
    auto auid = decode_segment(segments[0], "the application usage");
    if (!auid) {
        return std::move(auid).err();
    }
    if (segments[1] == "global") {
        return make_error(errc::not_found, "the global tree is not served");
    }
    if (segments[1] != "users" || count != 4) {
        return make_error(errc::not_found, "no such document: expected {auid}/users/{xui}/{document}");
    }
    auto xui = decode_segment(segments[2], "the XUI");
    if (!xui) {
        return std::move(xui).err();
    }
    auto document = decode_segment(segments[3], "the document name");
    if (!document) {
        return std::move(document).err();
    }
    out.auid = std::move(auid).value();
    out.xui = std::move(xui).value();
    out.document = std::move(document).value();
    return out;
}

} // namespace mcprov::xcap
