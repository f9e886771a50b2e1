#include "mcprov/kms/kms_handler.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "mcprov/http/responses.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::kms {
namespace {

namespace bhttp = boost::beast::http;
namespace json = boost::json;
using support::errc;
using support::make_error;
using support::result;

constexpr std::size_t max_report_bytes = 4096;

const std::shared_ptr<spdlog::logger>& log() {
    static const auto logger = support::logger("kms");
    return logger;
}

// The user a token speaks for: its MCPTT ID, or its MC ID when it names no MCPTT ID.
std::string user_of(const identity::access_token& token) {
    return token.mcptt_id.empty() ? token.mc_id : token.mcptt_id;
}

// The domain owns its store and its clock; the procedures share them for as long as the domain lives.
std::shared_ptr<security_domain_store> store_of(const std::shared_ptr<security_domain>& domain) {
    return {domain, &domain->store()};
}

std::shared_ptr<const support::clock> clock_of(const std::shared_ptr<security_domain>& domain) {
    return {domain, &domain->clock()};
}

http::authentication bearer(std::shared_ptr<const identity::access_token_verifier> verifier) {
    return http::bearer_authentication([verifier = std::move(verifier)](std::string_view text) -> result<http::caller> {
        auto token = verifier->verify(text);
        if (!token) {
            return make_error(errc::unauthenticated, token.err().message);
        }
        http::caller c;
        c.id = user_of(*token);
        c.scopes = std::move(token->scopes);
        return c;
    });
}

// Lets in a caller whose token has one of `scopes`; names the first when it has none.
http::authoriser any_scope_of(std::vector<std::string> scopes) {
    return [scopes = std::move(scopes)](const http::caller& c, const http::request&) -> result<void> {
        if (std::any_of(scopes.begin(), scopes.end(), [&](const std::string& s) { return c.has_scope(s); })) {
            return {};
        }
        return make_error(errc::forbidden, "the access token lacks the scope " + scopes.front());
    };
}

std::string_view path_of(const http::request& req) {
    return http::path_of(std::string_view(req.target().data(), req.target().size()));
}

support::error no_such_resource(const http::request& req) {
    auto resource = path_of(req).substr(kms_interface::kms_path_root.size());
    return make_error(errc::not_found, "no such key management resource: " + support::printable(resource, 200));
}

// The rest of a path after a prefix route, "/a/b" -> {"a", "b"}; nullopt when it does not start with '/' or has an
// empty segment.
std::optional<std::vector<std::string_view>> segments_of(std::string_view rest) {
    std::vector<std::string_view> out;
    while (!rest.empty()) {
        if (rest.front() != '/') {
            return std::nullopt;
        }
        rest.remove_prefix(1);
        auto segment = rest.substr(0, rest.find('/'));
        if (segment.empty()) {
            return std::nullopt;
        }
        out.push_back(segment);
        rest.remove_prefix(segment.size());
    }
    return out;
}

std::optional<std::uint64_t> parse_ntp_hex(std::string_view text) {
    if (text.size() != 16) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

// A certcache number as the path carries it: decimal digits only, at most the largest CacheNum (an xsd:long).
result<std::int64_t> parse_cache_number(std::string_view text) {
    std::int64_t value = 0;
    bool digits = std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (!digits || ec != std::errc() || end != text.data() + text.size()) {
        return make_error(errc::invalid_argument,
                          "the cache number in the path must be a decimal number from 0 to 9223372036854775807");
    }
    return value;
}

// 404 and 405: problem+json as elsewhere, in the words the KMS has always used.
http::response unrouted_answer(const http::error_context& ctx) {
    if (ctx.status == bhttp::status::method_not_allowed && path_of(ctx.req).starts_with(kms_interface::kms_path_root)) {
        return http::problem(ctx.status, ctx.req.version(), "the key management requests are POSTs (TS 33.180 D.2.1)");
    }
    if (ctx.status == bhttp::status::not_found) {
        return http::problem(ctx.status, ctx.req.version(),
                             "no such resource: " + support::printable(path_of(ctx.req), 200));
    }
    return http::problem_json(ctx);
}

} // namespace

kms_handler::counters::counters(support::metrics_registry& m)
    : init(m.counter_of("mcprov_kms_procedures_total", "KMS procedures completed, by procedure",
                        {{"procedure", "init"}})),
      key_sets_issued(m.counter_of("mcprov_kms_procedures_total", "", {{"procedure", "keyprov"}})),
      cert_cache(m.counter_of("mcprov_kms_procedures_total", "", {{"procedure", "certcache"}})),
      use_reports(m.counter_of("mcprov_kms_use_reports_total", "Clients' reports of external-domain use kept",
                               {{"permitted", "yes"}})),
      use_reports_not_permitted(m.counter_of("mcprov_kms_use_reports_total", "", {{"permitted", "no"}})) {}

kms_handler::kms_handler(std::shared_ptr<security_domain> domain, access_config access,
                         std::shared_ptr<const identity::access_token_verifier> verifier, xml::signer signer,
                         std::shared_ptr<support::metrics_registry> metrics)
    : domain_(std::move(domain)), access_(std::move(access)), verifier_(std::move(verifier)),
      signer_(std::move(signer)), init_(domain_), keyprov_(domain_),
      certcache_(store_of(domain_), domain_->config().kms_uri),
      use_report_(store_of(domain_), domain_->config().kms_uri, clock_of(domain_)),
      policy_(store_of(domain_), domain_->config().kms_uri), pipeline_(std::make_shared<http::pipeline>("kms", std::move(metrics))),
      counters_(*pipeline_->metrics()) {
    add_routes();
}

void kms_handler::add_routes() {
    using bhttp::verb;
    auto key_management = [this](std::string name, std::string path,
                                 result<kms_message> (kms_handler::*procedure)(const http::call&)) {
        pipeline_->add({.name = std::move(name),
                        .methods = {verb::post},
                        .path = std::move(path),
                        .authenticate = bearer(verifier_),
                        .authorise = any_scope_of({access_.user_scope}),
                        .handle = [this, procedure](http::call& c) -> result<http::response> {
                            if (auto checked = check_kms_request(c); !checked) {
                                return std::move(checked).err();
                            }
                            auto message = (this->*procedure)(c);
                            if (!message) {
                                return std::move(message).err();
                            }
                            kms_interface::kms_response response;
                            response.body = std::move(message).value();
                            return kms_answer(c.req, c.who.id, std::move(response));
                        },
                        .errors = [this](const http::error_context& ctx) { return kms_refusal(ctx); }});
    };
    pipeline_->add(http::health_route());
    pipeline_->add(http::metrics_route(pipeline_->metrics(), bearer(verifier_), any_scope_of({access_.admin_scope})));
    pipeline_->add({.name = "stats",
                    .methods = {verb::get},
                    .path = "/stats",
                    .authenticate = bearer(verifier_),
                    .authorise = any_scope_of({access_.admin_scope}),
                    .handle = [this](http::call& c) -> result<http::response> {
                        return http::json_response(stats(), c.req.version());
                    }});
    key_management("init", std::string(kms_interface::kms_path_init), &kms_handler::serve_init);
    key_management("keyprov", std::string(kms_interface::kms_path_keyprov) + "*", &kms_handler::serve_keyprov);
    key_management("certcache", std::string(kms_interface::kms_path_certcache) + "*", &kms_handler::serve_certcache);
    key_management("key_management", std::string(kms_interface::kms_path_root) + "*",
                   &kms_handler::serve_unknown_resource);
    pipeline_->add({.name = "use_reports",
                    .methods = {verb::post},
                    .path = "/kms/v1/use-reports",
                    .authenticate = bearer(verifier_),
                    .authorise = any_scope_of({access_.user_scope}),
                    .handle = [this](http::call& c) { return serve_use_report(c); },
                    .max_body_bytes = max_report_bytes});
    pipeline_->add({.name = "policy",
                    .methods = {verb::get},
                    .path = "/kms/v1/policy",
                    .authenticate = bearer(verifier_),
                    .authorise = any_scope_of({access_.lookup_scope, access_.admin_scope}),
                    .handle = [this](http::call& c) { return serve_policy(c); }});
    pipeline_->set_unrouted_error_policy(unrouted_answer);
}

result<kms_handler::kms_message> kms_handler::serve_init(const http::call& c) {
    counters_.init.inc();
    return kms_message(init_.run(c.who.id));
}

// .../keyprov, .../keyprov/<URI>, .../keyprov/<URI>/<NTP time>
result<kms_handler::kms_message> kms_handler::serve_keyprov(const http::call& c) {
    auto segments = segments_of(c.params.get("*"));
    if (!segments || segments->size() > 2) {
        return no_such_resource(c.req);
    }
    std::optional<std::string> for_uri;
    if (!segments->empty()) {
        for_uri = support::percent_decode((*segments)[0]);
        if (!for_uri) {
            return make_error(errc::invalid_argument, "a malformed URI in the path");
        }
    }
    std::optional<std::uint64_t> ntp_time;
    if (segments->size() == 2) {
        ntp_time = parse_ntp_hex((*segments)[1]);
        if (!ntp_time) {
            return make_error(errc::invalid_argument, "the time in the path must be an NTP timestamp of 16 hex digits");
        }
    }
    auto key_sets = keyprov_.run(c.who.id, for_uri, ntp_time);
    if (!key_sets) {
        return std::move(key_sets).err();
    }
    counters_.key_sets_issued.inc();
    return kms_message(std::move(key_sets).value());
}

// .../certcache, .../certcache/<n>
result<kms_handler::kms_message> kms_handler::serve_certcache(const http::call& c) {
    auto segments = segments_of(c.params.get("*"));
    if (!segments || segments->size() > 1) {
        return no_such_resource(c.req);
    }
    std::optional<std::int64_t> known;
    if (!segments->empty()) {
        auto number = parse_cache_number((*segments)[0]);
        if (!number) {
            return std::move(number).err();
        }
        known = *number;
    }
    auto cache = certcache_.run(c.who.id, known);
    if (!cache) {
        return std::move(cache).err();
    }
    counters_.cert_cache.inc();
    return kms_message(std::move(cache).value());
}

result<kms_handler::kms_message> kms_handler::serve_unknown_resource(const http::call& c) {
    return no_such_resource(c.req);
}

// POST /kms/v1/use-reports, JSON {"external_kms_uri", "peer_uri", "used_at"}: who reports comes from the token.
result<http::response> kms_handler::serve_use_report(const http::call& c) {
    auto kept = use_report_.run(c.who.id, c.req.body());
    if (!kept) {
        return std::move(kept).err();
    }
    (kept->permitted ? counters_.use_reports : counters_.use_reports_not_permitted).inc();
    return http::make_response(bhttp::status::no_content, c.req.version());
}

result<http::response> kms_handler::serve_policy(const http::call& c) const {
    auto policy = policy_.run();
    if (!policy) {
        return std::move(policy).err();
    }
    auto strings = [](const std::vector<std::string>& list) { return json::array(list.begin(), list.end()); };
    json::object body{{"kms_uri", policy->kms_uri},
                      {"cache_number", policy->cache_number},
                      {"members", strings(policy->members)},
                      {"permitted_external", strings(policy->permitted_external)},
                      {"revoked_external", strings(policy->revoked_external)}};
    return http::json_response(body, c.req.version());
}

http::response kms_handler::handle(http::request&& req, const http::peer_info& peer) {
    return pipeline_->handle(std::move(req), peer);
}

std::optional<http::response> kms_handler::screen(const http::request& req, const http::peer_info& peer) {
    return pipeline_->screen(req, peer);
}

json::object kms_handler::stats() const {
    auto routes = pipeline_->stats();
    std::uint64_t requests = 0;
    std::uint64_t refused = 0;
    for (const auto& [name, counted] : routes) {
        const auto& c = counted.as_object();
        requests += c.at("requests").to_number<std::uint64_t>();
        refused += c.at("errors").to_number<std::uint64_t>();
    }
    return {{"requests", requests},
            {"init", counters_.init.value()},
            {"key_sets_issued", counters_.key_sets_issued.value()},
            {"cert_cache", counters_.cert_cache.value()},
            {"refused", refused},
            {"use_reports", counters_.use_reports.value() + counters_.use_reports_not_permitted.value()},
            {"use_reports_not_permitted", counters_.use_reports_not_permitted.value()},
            {"routes", std::move(routes)}};
}

// The KmsRequest a client may send (TS 33.180 D.2.2): when there is one, it must be for this KMS and the token's user.
result<void> kms_handler::check_kms_request(const http::call& c) const {
    if (c.req.body().empty()) {
        return {};
    }
    auto request = kms_interface::decode_kms_request(c.req.body());
    if (!request) {
        return std::move(request).err();
    }
    const auto& kms_uri = domain_->config().kms_uri;
    if (request->kms_uri != kms_uri) {
        return make_error(errc::conflict, "this is the KMS of " + kms_uri + ", not of " + request->kms_uri);
    }
    if (request->user_uri != c.who.id) {
        return make_error(errc::forbidden,
                          "the access token is " + c.who.id + "'s, the request is for " + request->user_uri);
    }
    if (request->client_error) {
        log()->warn("{}: the client reports error {}: {}", support::printable(c.who.id), request->client_error->code,
                    support::printable(request->client_error->message, 512));
    }
    return {};
}

result<http::response> kms_handler::kms_answer(const http::request& req, const std::string& user,
                                               kms_interface::kms_response response) const {
    const auto& domain = domain_->config();
    response.user_uri = user.empty() ? std::string("sip:unknown") : user;
    response.kms_uri = domain.kms_uri;
    response.kms_id = domain.kms_uri;
    response.time = domain_->clock().now();
    response.client_req_url = "https://" + domain.kms_uri + std::string(path_of(req));
    auto status = bhttp::status::ok;
    if (const auto* e = std::get_if<kms_interface::kms_error>(&response.body)) {
        auto known = kms_interface::kms_error_code_from(e->code);
        status = static_cast<bhttp::status>(
            static_cast<unsigned>(to_code(known.value_or(kms_interface::kms_error_code::internal_error))));
    }
    auto encoded = kms_interface::encode_kms_response(response);
    auto signed_response = encoded ? kms_interface::sign_kms_response(*encoded, signer_) : std::move(encoded);
    if (!signed_response) {
        return make_error(errc::internal, "cannot build a KmsResponse: " + signed_response.err().message);
    }
    auto res = http::make_response(status, req.version());
    res.set(bhttp::field::content_type, "application/xml");
    res.body() = std::move(signed_response).value();
    return res;
}

// The error policy of the Annex D routes: a signed KmsResponse holding a KmsError whose ErrorCode is the status.
http::response kms_handler::kms_refusal(const http::error_context& ctx) const {
    std::string user = ctx.who ? ctx.who->id : std::string();
    log()->warn("{}: {} {} refused: {}", user.empty() ? std::string("(no user)") : support::printable(user),
                support::printable(std::string_view(ctx.req.method_string())),
                support::printable(std::string_view(ctx.req.target()), 200), support::printable(ctx.error.message));
    kms_interface::kms_response response;
    response.body =
        kms_interface::kms_error{to_code(kms_interface::kms_error_code_for(ctx.error.code)), ctx.error.message};
    auto answer = kms_answer(ctx.req, user, std::move(response));
    if (!answer) {
        log()->error("{}: {}", user.empty() ? std::string("(no user)") : support::printable(user),
                     answer.err().message);
        return http::problem(bhttp::status::internal_server_error, ctx.req.version(), "the KMS failed to answer");
    }
    return std::move(answer).value();
}

} // namespace mcprov::kms
