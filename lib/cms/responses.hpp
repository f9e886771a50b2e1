#pragma once

// Internal to the cms module: the response shapes its handlers share.

#include <string_view>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "mcprov/http/server.hpp"

namespace mcprov::cms {

inline http::response make_response(boost::beast::http::status status, unsigned version) {
    http::response res{status, version};
    res.set(boost::beast::http::field::server, "mcprov");
    res.set(boost::beast::http::field::cache_control, "no-cache");
    return res;
}

// An RFC 9457 problem document, for errors XCAP gives no body of its own.
inline http::response problem(boost::beast::http::status status, unsigned version, std::string_view detail) {
    auto res = make_response(status, version);
    res.set(boost::beast::http::field::content_type, "application/problem+json");
    boost::json::object body{{"type", "about:blank"},
                             {"title", std::string(boost::beast::http::obsolete_reason(status))},
                             {"status", static_cast<int>(status)},
                             {"detail", detail}};
    res.body() = boost::json::serialize(body);
    return res;
}

inline http::response json_response(const boost::json::value& body, unsigned version) {
    auto res = make_response(boost::beast::http::status::ok, version);
    res.set(boost::beast::http::field::content_type, "application/json");
    res.body() = boost::json::serialize(body);
    return res;
}

} // namespace mcprov::cms
