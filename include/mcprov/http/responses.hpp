#pragma once

// The response shapes mcprov's HTTP handlers share.

#include <string_view>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "mcprov/http/server.hpp"

namespace mcprov::http {

inline response make_response(boost::beast::http::status status, unsigned version) {
    response res{status, version};
    res.set(boost::beast::http::field::server, "mcprov");
    res.set(boost::beast::http::field::cache_control, "no-cache");
    return res;
}

// An RFC 9457 problem document, for errors the protocol gives no body of its own.
inline response problem(boost::beast::http::status status, unsigned version, std::string_view detail) {
    auto res = make_response(status, version);
    res.set(boost::beast::http::field::content_type, "application/problem+json");
    boost::json::object body{{"type", "about:blank"},
                             {"title", std::string(boost::beast::http::obsolete_reason(status))},
                             {"status", static_cast<int>(status)},
                             {"detail", detail}};
    res.body() = boost::json::serialize(body);
    return res;
}

inline response json_response(const boost::json::value& body, unsigned version) {
    auto res = make_response(boost::beast::http::status::ok, version);
    res.set(boost::beast::http::field::content_type, "application/json");
    res.body() = boost::json::serialize(body);
    return res;
}

// The token of an "Authorization: Bearer <token>" field (RFC 6750); empty when there is none.
inline std::string_view bearer_token(const request& req) {
    auto field = req[boost::beast::http::field::authorization];
    if (field.size() < 7 || !boost::beast::iequals(field.substr(0, 7), "Bearer ")) {
        return {};
    }
    field.remove_prefix(7);
    while (!field.empty() && field.front() == ' ') {
        field.remove_prefix(1);
    }
    return field;
}

} // namespace mcprov::http
