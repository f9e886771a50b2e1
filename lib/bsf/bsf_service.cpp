#include "mcprov/bsf/bsf_service.hpp"

#include <boost/beast/http.hpp>

#include "mcprov/gba/digest.hpp"
#include "mcprov/http/responses.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::bsf {
namespace {

namespace bhttp = boost::beast::http;
using bhttp::verb;
using support::errc;
using support::make_error;
using support::result;

// Product token of a client or server of Ub (TS 33.220 clause 4.5.2) that supports TMPIs; this BSF does not, so it
// names only the GBA release it follows.
constexpr std::string_view server_token = "mcprov-bsf 3gpp-gba";

result<http::response> serve_ub(bootstrapping_procedure& ub, http::call& c) {
    const auto authorization = c.req[bhttp::field::authorization];
    if (authorization.empty())
        return make_error(errc::invalid_argument,
                          "the first request names the subscriber: Authorization: Digest username=\"<IMPI>\", "
                          "realm=\"<BSF>\", nonce=\"\", uri=\"/\", response=\"\"");
    auto presented = gba::parse_digest_credentials(authorization);
    if (!presented)
        return std::move(presented).err();
    const auto target = c.req.target();
    if (presented->uri != std::string_view(target.data(), target.size()))
        return make_error(errc::invalid_argument, "the digest uri is not the request's target");
    const std::string method(c.req.method_string());
    auto outcome = ub.run(*presented, method, c.req.body());
    if (!outcome)
        return std::move(outcome).err();
    if (const auto* challenged = std::get_if<bootstrapping_procedure::challenged>(&*outcome)) {
        auto res = http::problem(bhttp::status::unauthorized, c.req.version(),
                                 "answer the challenge with the card (Digest AKAv1-MD5)");
        res.set(bhttp::field::www_authenticate, gba::format_digest_challenge(challenged->challenge));
        res.set(bhttp::field::server, server_token);
        support::logger("bsf")->debug("{}: challenged: {}", presented->username, challenged->why);
        return res;
    }
    if (const auto* throttled = std::get_if<bootstrapping_procedure::throttled>(&*outcome)) {
        auto res = http::problem(bhttp::status::too_many_requests, c.req.version(), throttled->why);
        res.set(bhttp::field::retry_after, std::to_string(throttled->retry_after.count()));
        res.set(bhttp::field::server, server_token);
        return res;
    }
    const auto& done = std::get<bootstrapping_procedure::bootstrapped>(*outcome);
    auto res = http::make_response(bhttp::status::ok, c.req.version());
    res.set(bhttp::field::server, server_token);
    res.set(bhttp::field::content_type, gba::bootstrapping_info_media_type);
    res.set(bhttp::field::authentication_info, done.authentication_info);
    res.body() = done.body;
    return res;
}

result<http::response> serve_zn(const bootstrapping_info_request& zn, http::call& c) {
    auto request = gba::parse_zn_request(c.req.body());
    if (!request)
        return std::move(request).err();
    auto answer = zn.run(*request, c.peer.certificate_pem);
    if (!answer)
        return std::move(answer).err();
    auto res = http::make_response(bhttp::status::ok, c.req.version());
    res.set(bhttp::field::content_type, "application/json");
    res.body() = gba::format_zn_answer(*answer);
    return res;
}

} // namespace

std::shared_ptr<http::pipeline> create_bsf_pipeline(std::shared_ptr<bootstrapping_procedure> ub,
                                                    std::shared_ptr<const bootstrapping_info_request> zn,
                                                    std::shared_ptr<store::document_store> documents,
                                                    std::shared_ptr<support::metrics_registry> metrics) {
    auto p = std::make_shared<http::pipeline>("bsf", std::move(metrics));
    p->add(http::health_route());
    p->add(http::readiness_route({{"store", [documents] { return store::probe(*documents); }}}, "bsf"));
    p->add({.name = "ub",
            .methods = {verb::get, verb::post},
            .path = "/",
            .handle = [ub](http::call& c) { return serve_ub(*ub, c); },
            .max_body_bytes = 16 * 1024,
            .may_wait = true});
    p->add({.name = "zn",
            .methods = {verb::post},
            .path = "/zn/v1/bootstrapping-info",
            .authenticate = http::client_certificate_authentication(),
            .handle = [zn](http::call& c) { return serve_zn(*zn, c); },
            .max_body_bytes = gba::max_zn_bytes});
    return p;
}

} // namespace mcprov::bsf
