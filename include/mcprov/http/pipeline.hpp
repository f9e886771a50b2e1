#pragma once

// One request pipeline for every mcprov network function: a router (method and path to a named route), per route
// authentication, authorisation and an error policy, per-route counters, and one guard that turns an exception
// escaping a route into a 500 and a log line. It is an http::handler, so it plugs into create_server().
//
//   auto p = std::make_shared<http::pipeline>("kms");
//   p->add({.name = "keyprov",
//           .methods = {verb::post},
//           .path = "/keymanagement/identity/v1/keyprov/{uri}",
//           .authenticate = http::bearer_authentication(verify_token),
//           .authorise = [](const http::caller& c, const http::request&) { return c.require_scope("kms"); },
//           .handle = [this](http::call& c) { return keyprov(c.params.get("uri"), c.who); },
//           .errors = kms_error_policy});
//   auto server = http::create_server(config, p);
//
// For each request: the route is found (404 when no path matches, 405 with Allow when the path matches but not the
// method; a route that allows GET also answers HEAD), the caller authenticated and authorised, and the procedure
// called; a support::error from any of these steps becomes the response through the route's error policy. A request
// that announces a body goes through the same steps in screen(), before its body is read, so that an unknown,
// unauthenticated or forbidden upload is refused unread (and so is one over the route's max_body_bytes).

#include <any>
#include <array>
#include <chrono>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/object.hpp>

#include "mcprov/http/router.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/support/metrics.hpp"
#include "mcprov/support/result.hpp"

namespace spdlog {
class logger;
}

namespace mcprov::http {

// Who sent a request, as its route's authentication established it.
struct caller {
    // The user or peer id log lines start with (an MC service ID, a certificate subject); empty: anonymous.
    std::string id;
    // What the credential grants (OAuth scopes, roles); the pipeline does not interpret them.
    std::vector<std::string> scopes;
    // Whatever the verifier wants the procedure to have (an identity::access_token, a partner agreement), for
    // std::any_cast; http never looks inside.
    std::any claims;

    bool has_scope(std::string_view scope) const;
    // forbidden "the credential lacks the scope <scope>" unless has_scope(scope).
    support::result<void> require_scope(std::string_view scope) const;
};

// How a route establishes its caller. An empty `authenticate` lets everybody in as the anonymous caller.
// Authenticators are called once in screen() and again in handle() for a request with a body, and may run
// concurrently: keep them free of per-request state.
struct authentication {
    // Errors: unauthenticated (401), forbidden (403), unavailable (503) for a verifier that cannot decide.
    std::function<support::result<caller>(const request&, const peer_info&)> authenticate;
    // The WWW-Authenticate value sent with a 401 of this route (RFC 9110 section 11.6.1); empty or unset: none.
    std::function<std::string(const request&)> challenge;
};

// No credentials needed.
authentication no_authentication();
// "Authorization: Bearer <token>" (RFC 6750), checked by `verify` (which keeps http independent of how tokens are
// made). No token: unauthenticated "a bearer access token is required"; a token `verify` refuses: its error (an
// unauthenticated error's message is sent to the peer: say why the token is refused, never anything secret).
// The 401 carries `Bearer realm="<realm>"` (with error="invalid_token" when a token was refused).
authentication bearer_authentication(std::function<support::result<caller>(std::string_view token)> verify,
                                     std::string realm = "mcprov");
// The client certificate that mutual TLS verified (peer_info). Without one: unauthenticated. With `identify`, that
// function names the caller (and may refuse with forbidden, e.g. no agreement with its issuer); without it, the
// caller's id is the certificate subject.
authentication
client_certificate_authentication(std::function<support::result<caller>(const peer_info&)> identify = {});

// Decides whether the authenticated caller may make this request; forbidden (403) when not. The request's body is
// still empty when this runs from screen().
using authoriser = std::function<support::result<void>(const caller&, const request&)>;

// What a procedure gets: the request, its peer, the authenticated caller and the captured path segments.
struct call {
    request& req;
    const peer_info& peer;
    const caller& who;
    const route_params& params;
    std::string_view route; // the route's name
};

using procedure = std::function<support::result<response>(call&)>;

// The status each support::errc becomes (one table for every protocol): invalid_argument and not_well_formed 400,
// unauthenticated 401, forbidden 403, not_found 404, conflict 409, precondition_failed 412, too_large 413,
// uri_too_long 414, unsupported_media_type 415, schema_invalid 422, internal and io 500, unavailable 503,
// storage_full 507.
boost::beast::http::status status_of(support::errc code);
// Whether the message of an error with this code is internal (internal, io, storage_full): it is logged, and
// never sent to the peer.
bool is_private(support::errc code);
// The text a peer may see for an error: its message, or a generic text for a private code.
std::string public_detail(const support::error& e);

// What an error policy gets. `error` carries the public detail only (never the message of a private error).
struct error_context {
    support::error error;
    boost::beast::http::status status; // status_of(error.code); 405 for a method no route of the path allows
    const request& req;
    const caller* who; // nullptr before authentication succeeded
    std::string_view route;
};

// Turns an error into the answer of one protocol: problem+json (RFC 9457) unless a route names another (an XCAP
// error document, a signed KmsError). A policy may pick another status than the table's (XCAP answers schema
// errors 409). The pipeline adds the route's WWW-Authenticate challenge to a 401.
using error_policy = std::function<response(const error_context&)>;
// The default: status_of(code), an application/problem+json body with the public detail.
response problem_json(const error_context& ctx);

struct route {
    std::string name{};                              // for counters and log lines; unique in a pipeline
    std::vector<boost::beast::http::verb> methods{}; // empty: any method; GET implies HEAD
    std::string path{};                              // a path_pattern
    authentication authenticate = no_authentication();
    authoriser authorise{}; // empty: every authenticated caller may
    procedure handle{};
    error_policy errors{}; // empty: problem_json
    // The largest body this route takes; a larger announced (or, chunked, received) body is too_large (413).
    // 0: the route takes no body (a request announcing one is answered 413 before it is read).
    std::size_t max_body_bytes = SIZE_MAX;
    // The procedure may wait on another server (a peer's slow answer): it runs on the server's waiting threads
    // (handler::may_wait), not on a connection thread.
    bool may_wait = false;
};

// The route every mcprov listener has: GET /healthz, no credentials, "ok" as text/plain (a load balancer's check).
route health_route();
// What a server needs in order to serve (its store, a peer): whether it answers now. Errors are logged, never answered.
struct readiness_check {
    std::string name; // "store"
    std::function<support::result<void>()> check;
};
// GET /readyz, no credentials (a load balancer's or an orchestrator's check): 200 {"ready": true, "checks":
// {"store": "ok", ...}} when every check passes, 503 with "unavailable" for those that do not; the reason is logged to
// `module`'s logger, never answered (a check that throws is unavailable). /healthz says the process is alive; /readyz
// that it can serve. The checks run on the server's waiting threads, at most once an `interval` and one run at a time
// (a probe meanwhile gets the last result), so that a flood of probes cannot reach the store or hold those threads.
route readiness_route(std::vector<readiness_check> checks, const std::string& module,
                      std::chrono::milliseconds interval = std::chrono::seconds(1));

// GET /metrics: `metrics` in the Prometheus text format, for callers `authenticate` and `authorise` let in (a server's
// administrators).
route metrics_route(std::shared_ptr<const support::metrics_registry> metrics, authentication authenticate,
                    authoriser authorise);

// What one route (or the pipeline's unrouted requests) has seen.
struct route_counters {
    std::uint64_t requests = 0;
    std::array<std::uint64_t, 5> by_class{}; // answers by status class: [0] 1xx ... [4] 5xx
    std::uint64_t errors = 0;                // answers made from an error (refusals included)
    std::uint64_t exceptions = 0;            // exceptions the guard caught
    std::uint64_t status_class(unsigned hundreds) const {
        return hundreds >= 1 && hundreds <= 5 ? by_class[hundreds - 1] : 0;
    }
};

class pipeline final : public handler {
public:
    // `module` names the logger ("cms", "kms") the pipeline's log lines go to, and the `server` label of its metrics
    // in `metrics` (shared by the pipelines of a process; a registry of its own when none is given).
    explicit pipeline(std::string module = "http", std::shared_ptr<support::metrics_registry> metrics = nullptr);
    ~pipeline() override;
    pipeline(const pipeline&) = delete;
    pipeline& operator=(const pipeline&) = delete;

    // Adds a route; routes are tried in the order added, the first whose path and method match wins. Add every
    // route before the server starts: routing does not lock. Throws std::invalid_argument for a malformed path
    // pattern, a repeated name, or a route without a procedure (programming errors).
    pipeline& add(route r);
    // The policy for requests no route takes (404, 405); problem_json by default.
    pipeline& set_unrouted_error_policy(error_policy policy);

    response handle(request&& req, const peer_info& peer) override;
    std::optional<response> screen(const request& req, const peer_info& peer) override;
    bool may_wait(const request& req) const override;

    // The registry its routes' series are in: mcprov_http_requests_total, _responses_total (by class), _errors_total,
    // _exceptions_total and _request_duration_seconds, labelled server and route.
    const std::shared_ptr<support::metrics_registry>& metrics() const { return metrics_; }

    // The counters of one route, by name ("(unrouted)" for 404 and 405 answers); zeros for an unknown name. They are
    // read from the metrics registry.
    route_counters counters(std::string_view route_name) const;
    // Every route's counters, for a /stats resource: {"<route>": {"requests": n, "2xx": n, ..., "errors": n,
    // "exceptions": n}, ...}.
    boost::json::object stats() const;

    static constexpr std::string_view unrouted = "(unrouted)";

private:
    struct entry;
    struct match;
    match find(const request& req) const;

    std::string module_;
    std::shared_ptr<spdlog::logger> log_; // looked up once: the registry takes a lock
    std::shared_ptr<support::metrics_registry> metrics_;
    std::vector<std::unique_ptr<entry>> routes_;
    std::unique_ptr<entry> unrouted_;
};

} // namespace mcprov::http
