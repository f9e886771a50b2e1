#include "mcprov/http/pipeline.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <mutex>
#include <stdexcept>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "mcprov/http/responses.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::http {

namespace bhttp = boost::beast::http;
using support::errc;
using support::make_error;

// ---- router ----

path_pattern::path_pattern(std::string pattern) : text_(std::move(pattern)) {
    auto bad = [&](const std::string& why) { throw std::invalid_argument("path pattern '" + text_ + "': " + why); };
    if (text_.empty() || text_.front() != '/') {
        bad("must start with '/'");
    }
    std::string_view rest = text_;
    while (!rest.empty()) {
        if (rest.front() == '*') {
            if (rest.size() != 1) {
                bad("'*' must be last");
            }
            prefix_ = true;
            break;
        }
        if (rest.front() == '{') {
            auto close = rest.find('}');
            if (close == std::string_view::npos) {
                bad("unclosed '{'");
            }
            std::string name(rest.substr(1, close - 1));
            if (name.empty() || name == "*" || name.find_first_of("{/") != std::string::npos) {
                bad("a capture needs a name");
            }
            for (const auto& p : parts_) {
                if (p.capture && p.text == name) {
                    bad("the name '" + name + "' is used twice");
                }
            }
            if (parts_.empty() || parts_.back().capture || parts_.back().text.back() != '/') {
                bad("a capture must be a whole segment");
            }
            rest.remove_prefix(close + 1);
            if (!rest.empty() && rest.front() != '/') {
                bad("a capture must be a whole segment");
            }
            parts_.push_back({true, std::move(name)});
            continue;
        }
        auto stop = rest.find_first_of("{*");
        auto literal = rest.substr(0, stop);
        if (literal.find('}') != std::string_view::npos) {
            bad("'}' without '{'");
        }
        parts_.push_back({false, std::string(literal)});
        rest.remove_prefix(literal.size());
    }
}

std::optional<std::vector<std::pair<std::string, std::string_view>>> path_pattern::match(std::string_view path) const {
    std::vector<std::pair<std::string, std::string_view>> captured;
    std::size_t pos = 0;
    for (const auto& p : parts_) {
        auto rest = path.substr(pos);
        if (!p.capture) {
            if (!rest.starts_with(p.text)) {
                return std::nullopt;
            }
            pos += p.text.size();
            continue;
        }
        auto segment = rest.substr(0, rest.find('/'));
        if (segment.empty()) {
            return std::nullopt;
        }
        captured.emplace_back(p.text, segment);
        pos += segment.size();
    }
    if (prefix_) {
        captured.emplace_back("*", path.substr(pos));
        return captured;
    }
    if (pos != path.size()) {
        return std::nullopt;
    }
    return captured;
}

std::string allow_header(const std::vector<bhttp::verb>& methods) {
    std::string out;
    for (auto m : methods) {
        if (!out.empty()) {
            out += ", ";
        }
        out += std::string(bhttp::to_string(m));
    }
    return out;
}

// ---- authentication ----

bool caller::has_scope(std::string_view scope) const {
    return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

support::result<void> caller::require_scope(std::string_view scope) const {
    if (has_scope(scope)) {
        return {};
    }
    return make_error(errc::forbidden, "the credential lacks the scope " + std::string(scope));
}

authentication no_authentication() {
    return {};
}

authentication bearer_authentication(std::function<support::result<caller>(std::string_view token)> verify,
                                     std::string realm) {
    authentication a;
    a.authenticate = [verify = std::move(verify)](const request& req, const peer_info&) -> support::result<caller> {
        auto token = bearer_token(req);
        if (token.empty()) {
            return make_error(errc::unauthenticated, "a bearer access token is required");
        }
        return verify(token);
    };
    a.challenge = [realm = std::move(realm)](const request& req) {
        std::string value = "Bearer realm=\"" + realm + "\"";
        if (!bearer_token(req).empty()) {
            value += ", error=\"invalid_token\"";
        }
        return value;
    };
    return a;
}

authentication client_certificate_authentication(std::function<support::result<caller>(const peer_info&)> identify) {
    authentication a;
    a.authenticate = [identify = std::move(identify)](const request&,
                                                      const peer_info& peer) -> support::result<caller> {
        if (peer.certificate_pem.empty()) {
            return make_error(errc::unauthenticated, "a client certificate is required");
        }
        if (identify) {
            return identify(peer);
        }
        caller c;
        c.id = peer.certificate_subject;
        return c;
    };
    return a;
}

// ---- errors ----

bhttp::status status_of(errc code) {
    switch (code) {
    case errc::invalid_argument:
    case errc::not_well_formed:
        return bhttp::status::bad_request;
    case errc::schema_invalid:
        return bhttp::status::unprocessable_entity;
    case errc::too_large:
        return bhttp::status::payload_too_large;
    case errc::uri_too_long:
        return bhttp::status::uri_too_long;
    case errc::unsupported_media_type:
        return bhttp::status::unsupported_media_type;
    case errc::unauthenticated:
        return bhttp::status::unauthorized;
    case errc::forbidden:
        return bhttp::status::forbidden;
    case errc::not_found:
        return bhttp::status::not_found;
    case errc::conflict:
        return bhttp::status::conflict;
    case errc::precondition_failed:
        return bhttp::status::precondition_failed;
    case errc::unavailable:
        return bhttp::status::service_unavailable;
    case errc::storage_full:
        return bhttp::status::insufficient_storage;
    case errc::io:
    case errc::internal:
        return bhttp::status::internal_server_error;
    }
    return bhttp::status::internal_server_error;
}

bool is_private(errc code) {
    return code == errc::internal || code == errc::io || code == errc::storage_full;
}

std::string public_detail(const support::error& e) {
    if (!is_private(e.code)) {
        return e.message;
    }
    return e.code == errc::storage_full ? "insufficient storage" : "internal error";
}

response problem_json(const error_context& ctx) {
    return problem(ctx.status, ctx.req.version(), ctx.error.message);
}

route health_route() {
    return {.name = "healthz",
            .methods = {bhttp::verb::get},
            .path = "/healthz",
            .handle = [](call& c) -> support::result<response> {
                auto res = make_response(bhttp::status::ok, c.req.version());
                res.set(bhttp::field::content_type, "text/plain");
                res.body() = "ok\n";
                return res;
            },
            .max_body_bytes = 0};
}

namespace {

// The checks of a readiness route, run at most once an interval and one run at a time; a probe meanwhile gets the
// last result.
class readiness {
public:
    readiness(std::vector<readiness_check> checks, const std::string& module, std::chrono::milliseconds interval)
        : checks_(std::move(checks)), log_(support::logger(module)), interval_(interval) {}

    std::pair<bool, boost::json::object> now() {
        std::unique_lock running(mutex_, std::try_to_lock);
        if (!running) {
            std::lock_guard last(last_mutex_);
            if (ran_) {
                return last_; // a run is under way: its predecessor's result
            }
        }
        if (!running) {
            running.lock(); // the very first run: wait for it
        }
        {
            std::lock_guard last(last_mutex_);
            if (ran_ && std::chrono::steady_clock::now() - last_run_ < interval_) {
                return last_;
            }
        }
        std::pair<bool, boost::json::object> out{true, {}};
        for (const auto& [name, check] : checks_) {
            support::result<void> passed;
            try {
                passed = check();
            } catch (const std::exception& e) {
                passed = make_error(errc::internal, e.what());
            }
            if (!passed) {
                out.first = false;
                log_->warn("not ready: {}: {}", name, support::printable(passed.err().message));
            }
            out.second[name] = passed ? "ok" : "unavailable";
        }
        std::lock_guard last(last_mutex_);
        last_ = out;
        last_run_ = std::chrono::steady_clock::now();
        ran_ = true;
        return out;
    }

private:
    std::vector<readiness_check> checks_;
    std::shared_ptr<spdlog::logger> log_;
    std::chrono::milliseconds interval_;
    std::mutex mutex_; // held while the checks run
    std::mutex last_mutex_;
    std::pair<bool, boost::json::object> last_{false, {}};
    std::chrono::steady_clock::time_point last_run_{};
    bool ran_ = false;
};

} // namespace

route readiness_route(std::vector<readiness_check> checks, const std::string& module,
                      std::chrono::milliseconds interval) {
    return {.name = "readyz",
            .methods = {bhttp::verb::get},
            .path = "/readyz",
            .handle = [state = std::make_shared<readiness>(std::move(checks), module, interval)](
                          call& c) -> support::result<response> {
                auto [ready, results] = state->now();
                auto res = json_response(boost::json::object{{"ready", ready}, {"checks", std::move(results)}},
                                         c.req.version());
                if (!ready) {
                    res.result(bhttp::status::service_unavailable);
                }
                return res;
            },
            .max_body_bytes = 0,
            .may_wait = true};
}

route metrics_route(std::shared_ptr<const support::metrics_registry> metrics, authentication authenticate,
                    authoriser authorise) {
    return {.name = "metrics",
            .methods = {bhttp::verb::get},
            .path = "/metrics",
            .authenticate = std::move(authenticate),
            .authorise = std::move(authorise),
            .handle = [metrics = std::move(metrics)](call& c) -> support::result<response> {
                auto res = make_response(bhttp::status::ok, c.req.version());
                res.set(bhttp::field::content_type, std::string(support::metrics_registry::content_type));
                res.body() = metrics->exposition();
                return res;
            },
            .max_body_bytes = 0};
}

// ---- the pipeline ----

namespace {

constexpr std::size_t logged_target_bytes = 256;

// One route's series in the pipeline's metrics registry (docs/operations.md).
struct route_series {
    support::counter* requests;
    std::array<support::counter*, 5> by_class;
    support::counter* errors;
    support::counter* exceptions;
    support::histogram* duration;

    route_series(support::metrics_registry& m, const std::string& server, const std::string& route) {
        const support::metric_labels labels{{"server", server}, {"route", route}};
        requests = &m.counter_of("mcprov_http_requests_total", "HTTP requests, by server and route", labels);
        for (unsigned i = 0; i < by_class.size(); ++i) {
            auto with_class = labels;
            with_class.emplace_back("class", std::to_string(i + 1) + "xx");
            by_class[i] = &m.counter_of("mcprov_http_responses_total", "HTTP answers, by status class", with_class);
        }
        errors = &m.counter_of("mcprov_http_errors_total", "HTTP answers made from an error, refusals included",
                               labels);
        exceptions = &m.counter_of("mcprov_http_exceptions_total", "Exceptions a route's guard caught", labels);
        duration = &m.histogram_of("mcprov_http_request_duration_seconds",
                                   "Time from routing a request to its answer (its body already read)",
                                   support::latency_buckets(), labels);
    }

    route_counters snapshot() const {
        route_counters c;
        c.requests = requests->value();
        for (std::size_t i = 0; i < by_class.size(); ++i) {
            c.by_class[i] = by_class[i]->value();
        }
        c.errors = errors->value();
        c.exceptions = exceptions->value();
        return c;
    }
    void count_answer(const response& res) {
        auto hundreds = static_cast<unsigned>(res.result_int()) / 100;
        if (hundreds >= 1 && hundreds <= 5) {
            by_class[hundreds - 1]->inc();
        }
    }
};

bool allows(const std::vector<bhttp::verb>& methods, bhttp::verb m) {
    if (methods.empty()) {
        return true;
    }
    auto has = [&](bhttp::verb v) { return std::find(methods.begin(), methods.end(), v) != methods.end(); };
    return has(m) || (m == bhttp::verb::head && has(bhttp::verb::get));
}

} // namespace

struct pipeline::entry {
    route r;
    path_pattern pattern;
    route_series counters;

    entry(route from, support::metrics_registry& m, const std::string& server)
        : r(std::move(from)), pattern(r.path), counters(m, server, r.name) {}
};

struct pipeline::match {
    entry* found = nullptr;
    route_params params;
    std::vector<bhttp::verb> allowed; // when a path matched but no method
    bool path_matched = false;
};

pipeline::pipeline(std::string module, std::shared_ptr<support::metrics_registry> metrics)
    : module_(std::move(module)), log_(support::logger(module_)),
      metrics_(metrics ? std::move(metrics) : std::make_shared<support::metrics_registry>()) {
    route r;
    r.name = std::string(unrouted);
    r.path = "/*";
    unrouted_ = std::make_unique<entry>(std::move(r), *metrics_, module_);
}

pipeline::~pipeline() = default;

pipeline& pipeline::add(route r) {
    if (!r.handle) {
        throw std::invalid_argument("route '" + r.name + "' has no procedure");
    }
    if (r.name.empty() || r.name == unrouted) {
        throw std::invalid_argument("a route needs a name of its own");
    }
    for (const auto& e : routes_) {
        if (e->r.name == r.name) {
            throw std::invalid_argument("route name '" + r.name + "' is used twice");
        }
    }
    routes_.push_back(std::make_unique<entry>(std::move(r), *metrics_, module_));
    return *this;
}

pipeline& pipeline::set_unrouted_error_policy(error_policy policy) {
    unrouted_->r.errors = std::move(policy);
    return *this;
}

pipeline::match pipeline::find(const request& req) const {
    match m;
    auto path = path_of(req.target());
    for (const auto& e : routes_) {
        auto captured = e->pattern.match(path);
        if (!captured) {
            continue;
        }
        m.path_matched = true;
        if (allows(e->r.methods, req.method())) {
            m.found = e.get();
            m.params = route_params(std::move(*captured));
            return m;
        }
        for (auto v : e->r.methods) {
            if (std::find(m.allowed.begin(), m.allowed.end(), v) == m.allowed.end()) {
                m.allowed.push_back(v);
                if (v == bhttp::verb::get &&
                    std::find(e->r.methods.begin(), e->r.methods.end(), bhttp::verb::head) == e->r.methods.end()) {
                    m.allowed.push_back(bhttp::verb::head);
                }
            }
        }
    }
    return m;
}

namespace {

// Everything one request passes through on one route; `body` is null while screening (before the body is read).
class run {
public:
    run(const std::shared_ptr<spdlog::logger>& lines, const route& r, const request& req, const peer_info& peer,
        route_series& counters)
        : log_(lines), r_(r), req_(req), peer_(peer), counters_(counters) {}

    // Screening: a refusal, or nullopt to go on and read the body.
    std::optional<response> screen() {
        if (auto refused = authenticate_and_authorise()) {
            return refused;
        }
        // The body is still empty: its size is what Content-Length announces (nothing, for a chunked body).
        std::optional<std::uint64_t> announced;
        if (!req_.chunked()) {
            auto field = req_[bhttp::field::content_length];
            std::uint64_t length = 0;
            if (std::from_chars(field.data(), field.data() + field.size(), length).ec == std::errc()) {
                announced = length;
            }
        }
        if ((announced && *announced > r_.max_body_bytes) || (req_.chunked() && r_.max_body_bytes == 0)) {
            return fail(make_error(errc::too_large, body_limit_text()));
        }
        return std::nullopt;
    }

    response handle(request& body) {
        if (auto refused = authenticate_and_authorise()) {
            return std::move(*refused);
        }
        if (body.body().size() > r_.max_body_bytes) {
            return fail(make_error(errc::too_large, body_limit_text()));
        }
        call c{body, peer_, who_, *params_, r_.name};
        auto out = r_.handle(c);
        if (!out) {
            return fail(std::move(out).err());
        }
        return std::move(out).value();
    }

    // The answer to an error, through the route's error policy; `status` overrides the table's (for 405, which no
    // errc names).
    response fail(support::error e, std::optional<bhttp::status> status = std::nullopt) {
        counters_.errors->inc();
        if (is_private(e.code)) {
            log_->error("{} {} {} [{}]: {}: {}", who(), std::string(req_.method_string()),
                        support::printable(req_.target(), logged_target_bytes), r_.name, support::to_string(e.code),
                        support::printable(e.message));
        } else {
            log_->info("{} {} {} [{}]: {} {}", who(), std::string(req_.method_string()),
                       support::printable(req_.target(), logged_target_bytes), r_.name, support::to_string(e.code),
                       support::printable(e.message));
        }
        error_context ctx{support::error{e.code, public_detail(e)}, status.value_or(status_of(e.code)), req_, who_p_,
                          r_.name};
        auto res = r_.errors ? r_.errors(ctx) : problem_json(ctx);
        if (res.result() == bhttp::status::unauthorized && r_.authenticate.challenge &&
            res[bhttp::field::www_authenticate].empty()) {
            if (auto challenge = r_.authenticate.challenge(req_); !challenge.empty()) {
                res.set(bhttp::field::www_authenticate, challenge);
            }
        }
        return res;
    }

    // The answer when something threw: a generic 500 in the route's own style if its policy can make one.
    response guard(const char* what) {
        counters_.exceptions->inc();
        counters_.errors->inc();
        log_->error("{} {} {} [{}]: the route threw: {}", who(), std::string(req_.method_string()),
                    support::printable(req_.target(), logged_target_bytes), r_.name, support::printable(what));
        error_context ctx{support::error{errc::internal, "internal error"}, bhttp::status::internal_server_error, req_,
                          who_p_, r_.name};
        if (r_.errors) {
            try {
                return r_.errors(ctx);
            } catch (...) {
                log_->error("{} [{}]: the error policy threw too", who(), r_.name);
            }
        }
        return problem_json(ctx);
    }

    void set_params(const route_params& p) { params_ = &p; }

private:
    std::optional<response> authenticate_and_authorise() {
        if (r_.authenticate.authenticate) {
            auto who = r_.authenticate.authenticate(req_, peer_);
            if (!who) {
                return fail(std::move(who).err());
            }
            who_ = std::move(who).value();
        }
        who_p_ = &who_;
        if (r_.authorise) {
            if (auto allowed = r_.authorise(who_, req_); !allowed) {
                return fail(std::move(allowed).err());
            }
        }
        return std::nullopt;
    }

    // Log lines start with the caller's id when known, then the peer's address.
    std::string who() const {
        if (who_p_ && !who_.id.empty()) {
            return support::printable(who_.id, 200) + " (" + peer_.address + ")";
        }
        return peer_.address;
    }

    std::string body_limit_text() const {
        return r_.max_body_bytes == 0
                   ? "this resource takes no request body"
                   : "the request body exceeds the limit of " + std::to_string(r_.max_body_bytes) + " bytes";
    }

    const std::shared_ptr<spdlog::logger>& log_;
    const route& r_;
    const request& req_;
    const peer_info& peer_;
    route_series& counters_;
    const route_params* params_ = nullptr;
    caller who_;
    const caller* who_p_ = nullptr;
};

const char* what_of(std::exception_ptr e) {
    try {
        std::rethrow_exception(std::move(e));
    } catch (const std::exception& ex) {
        return ex.what();
    } catch (...) {
        return "an exception that is not a std::exception";
    }
}

} // namespace

namespace {

response unrouted_answer(const std::shared_ptr<spdlog::logger>& lines, const route& r, const request& req,
                         const peer_info& peer, route_series& counters, bool path_matched,
                         const std::vector<bhttp::verb>& allowed) {
    run one(lines, r, req, peer, counters);
    if (!path_matched) {
        return one.fail(make_error(errc::not_found, "no such resource"));
    }
    // 405: the error policy makes the body; the Allow header is the router's (RFC 9110 section 15.5.6).
    auto res =
        one.fail(make_error(errc::invalid_argument, "use " + allow_header(allowed)), bhttp::status::method_not_allowed);
    res.set(bhttp::field::allow, allow_header(allowed));
    return res;
}

} // namespace

response pipeline::handle(request&& req, const peer_info& peer) {
    const auto started = std::chrono::steady_clock::now();
    auto m = find(req);
    entry& e = m.found ? *m.found : *unrouted_;
    e.counters.requests->inc();
    run one(log_, e.r, req, peer, e.counters);
    one.set_params(m.params);
    response res;
    try {
        res = m.found ? one.handle(req) : unrouted_answer(log_, e.r, req, peer, e.counters, m.path_matched, m.allowed);
    } catch (...) {
        res = one.guard(what_of(std::current_exception()));
    }
    e.counters.count_answer(res);
    e.counters.duration->observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return res;
}

std::optional<response> pipeline::screen(const request& req, const peer_info& peer) {
    const auto started = std::chrono::steady_clock::now();
    auto m = find(req);
    entry& e = m.found ? *m.found : *unrouted_;
    run one(log_, e.r, req, peer, e.counters);
    one.set_params(m.params);
    std::optional<response> res;
    try {
        res = m.found ? one.screen() : unrouted_answer(log_, e.r, req, peer, e.counters, m.path_matched, m.allowed);
    } catch (...) {
        res = one.guard(what_of(std::current_exception()));
    }
    if (res) {
        // A refused request is counted here: its body is never read and handle() never sees it.
        e.counters.requests->inc();
        e.counters.count_answer(*res);
        e.counters.duration->observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    return res;
}

bool pipeline::may_wait(const request& req) const {
    auto m = find(req);
    return m.found && m.found->r.may_wait;
}

route_counters pipeline::counters(std::string_view route_name) const {
    if (route_name == unrouted) {
        return unrouted_->counters.snapshot();
    }
    for (const auto& e : routes_) {
        if (e->r.name == route_name) {
            return e->counters.snapshot();
        }
    }
    return {};
}

boost::json::object pipeline::stats() const {
    boost::json::object out;
    auto add = [&](const entry& e) {
        auto c = e.counters.snapshot();
        boost::json::object o{{"requests", c.requests}};
        for (unsigned i = 0; i < 5; ++i) {
            o[std::to_string(i + 1) + "xx"] = c.by_class[i];
        }
        o["errors"] = c.errors;
        o["exceptions"] = c.exceptions;
        out[e.r.name] = std::move(o);
    };
    for (const auto& e : routes_) {
        add(*e);
    }
    add(*unrouted_);
    return out;
}

} // namespace mcprov::http
