#include "mcprov/agent/local_link.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "mcprov/support/json.hpp"

namespace mcprov::agent {
namespace {

namespace json = boost::json;
using support::errc;
using support::make_error;
using support::result;

result<std::string> server_id_of(const json::object& o) {
    auto id = support::json_bounded_text(o, "server_id", 256);
    if (!id || id->empty())
        return make_error(errc::invalid_argument, "server_id must be the DM server's ServerID (1 to 256 bytes)");
    return std::move(*id);
}

} // namespace

result<local_proof_request> local_proof_request_from_json(const json::value& v) {
    if (!v.is_object())
        return make_error(errc::invalid_argument, "the body must be a JSON object");
    const auto& o = v.as_object();
    auto server = server_id_of(o);
    if (!server)
        return std::move(server).err();
    auto asked = support::json_bounded_text(o, "request", 512);
    if (!asked)
        return make_error(errc::invalid_argument, "request must be the DM server's request (at most 512 bytes)");
    auto request = gba::parse_dm_authentication_request(*asked);
    if (!request)
        return std::move(request).err();
    auto confirmation = support::json_bounded_text(o, "confirmation", 1024);
    if (!confirmation)
        return make_error(errc::invalid_argument, "confirmation must be at most 1024 bytes of text");
    auto pin = support::json_bounded_text(o, "pin", 8);
    if (!pin || (!pin->empty() && (pin->size() < 4 || !std::all_of(pin->begin(), pin->end(), [](char c) {
                                       return c >= '0' && c <= '9';
                                   }))))
        return make_error(errc::invalid_argument, "pin must be the card's PIN, 4 to 8 digits");
    return local_proof_request{.server_id = std::move(*server),
                               .request = std::move(*request),
                               .confirmation = std::move(*confirmation),
                               .pin = std::move(*pin)};
}

result<std::string> local_session_request_from_json(const json::value& v) {
    if (!v.is_object())
        return make_error(errc::invalid_argument, "the body must be a JSON object");
    return server_id_of(v.as_object());
}

} // namespace mcprov::agent
