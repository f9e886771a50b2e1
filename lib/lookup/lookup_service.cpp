#include "mcprov/lookup/lookup_service.hpp"

#include <set>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "mcprov/http/responses.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/file.hpp"

#include "bearer_token.hpp"

namespace mcprov::lookup {
namespace {

namespace bhttp = boost::beast::http;
namespace json = boost::json;
using support::errc;
using support::make_error;
using support::result;

const std::shared_ptr<spdlog::logger>& log() {
    static const auto logger = support::logger("lookup");
    return logger;
}

std::vector<std::string> strings_of(const json::object& o, std::string_view key) {
    std::vector<std::string> out;
    if (const auto* list = o.if_contains(key); list && list->is_array()) {
        for (const auto& v : list->get_array()) {
            if (v.is_string()) {
                out.emplace_back(v.get_string());
            }
        }
    }
    return out;
}

// The path decoded, as the lookup has always named it.
support::error no_such_resource(const http::request& req) {
    auto path = http::path_of(std::string_view(req.target().data(), req.target().size()));
    auto decoded = support::percent_decode(path);
    return make_error(errc::not_found,
                      "no such resource: " + support::printable(decoded.value_or(std::string(path)), 200));
}

json::array json_strings(const std::vector<std::string>& list) {
    json::array out;
    for (const auto& s : list) {
        out.emplace_back(s);
    }
    return out;
}

} // namespace

policy_follower::policy_follower(std::vector<followed_kms> domains, std::filesystem::path token_file,
                                 std::chrono::seconds refresh, std::shared_ptr<security_domain_lookup> lookup,
                                 std::shared_ptr<const support::clock> clock)
    : domains_(std::move(domains)), token_file_(std::move(token_file)), refresh_(refresh), lookup_(std::move(lookup)),
      clock_(std::move(clock)) {
    for (const auto& d : domains_) {
        http::client_options options;
        options.ca_file = d.ca;
        options.timeout = std::chrono::seconds(5);
        options.max_response_bytes = 16 * 1024 * 1024;
        auto client = http::create_client(options);
        if (!client) {
            log()->error("{}: {}", d.url, client.err().message);
        }
        clients_.push_back(client ? std::move(client).value() : nullptr);
        statuses_.push_back({d.url, {}, std::nullopt, client ? std::string() : client.err().message});
    }
    thread_ = std::thread([this] { loop(); });
}

policy_follower::~policy_follower() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

std::size_t policy_follower::refresh_now() {
    std::lock_guard refreshing(refreshing_);
    auto token = read_bearer_token(token_file_);
    std::size_t answered = 0;
    for (std::size_t i = 0; i < domains_.size(); ++i) {
        std::string error;
        std::optional<domain_policy> policy;
        if (!token) {
            error = "the lookup's token: " + token.err().message;
        } else if (!clients_[i]) {
            error = "no client (see the log at start)";
        } else {
            const std::string& bearer = *token;
            http::client_request req{
                bhttp::verb::get, domains_[i].url + "/kms/v1/policy", {{"Authorization", "Bearer " + bearer}}, ""};
            auto res = clients_[i]->fetch(req);
            boost::system::error_code ec;
            if (!res) {
                error = res.err().message;
            } else if (res->result() != bhttp::status::ok) {
                error = "answered " + std::to_string(res->result_int()) + ": " + res->body().substr(0, 200);
            } else if (auto value = json::parse(res->body(), ec); ec || !value.is_object() ||
                                                                  !value.get_object().if_contains("kms_uri") ||
                                                                  !value.get_object().at("kms_uri").is_string()) {
                error = "answered something that is not a policy";
            } else {
                const auto& o = value.get_object();
                policy = domain_policy{std::string(o.at("kms_uri").get_string()), strings_of(o, "members"),
                                       strings_of(o, "permitted_external")};
            }
        }
        std::lock_guard lock(mutex_);
        auto& s = statuses_[i];
        if (policy) {
            ++answered;
            if (!s.kms_uri.empty() && s.kms_uri != policy->kms_uri) {
                lookup_->remove(s.kms_uri);
            }
            s.kms_uri = policy->kms_uri;
            s.last_success = clock_->now();
            s.last_error.clear();
            log()->debug("{}: {} members, permits {} domain(s)", policy->kms_uri, policy->members.size(),
                         policy->permitted_external.size());
            lookup_->update(std::move(*policy));
        } else {
            if (s.last_error != error) {
                log()->warn("{}: policy not refreshed, the last known one stays: {}", s.url, error);
            }
            s.last_error = error;
        }
    }
    return answered;
}

std::vector<policy_follower::status> policy_follower::statuses() const {
    std::lock_guard lock(mutex_);
    return statuses_;
}

void policy_follower::loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        refresh_now();
        lock.lock();
        wake_.wait_for(lock, refresh_, [this] { return stopping_; });
    }
}

lookup_handler::lookup_handler(std::shared_ptr<const security_domain_lookup> lookup,
                               std::shared_ptr<policy_follower> follower,
                               std::shared_ptr<const identity::access_token_verifier> verifier, std::string scope,
                               std::string admin_scope)
    : lookup_(std::move(lookup)), follower_(std::move(follower)),
      pipeline_(std::make_shared<http::pipeline>("lookup")) {
    using bhttp::verb;
    auto bearer =
        http::bearer_authentication([verifier = std::move(verifier)](std::string_view text) -> result<http::caller> {
            auto token = verifier->verify(text);
            if (!token) {
                return make_error(errc::unauthenticated, token.err().message);
            }
            http::caller c;
            c.id = token->mc_id;
            c.scopes = std::move(token->scopes);
            return c;
        });
    auto scope_check = [](std::string needed) {
        return [needed = std::move(needed)](const http::caller& c, const http::request&) -> result<void> {
            if (c.has_scope(needed)) {
                return {};
            }
            return make_error(errc::forbidden, "the access token lacks the scope " + needed);
        };
    };
    auto needs_scope = scope_check(std::move(scope));
    pipeline_->add(http::health_route());
    pipeline_->add({
        .name = "readyz",
        .methods = {verb::get},
        .path = "/readyz",
        .handle = [this](http::call& c) { return serve_readiness(c); },
    });
    pipeline_->add(http::metrics_route(pipeline_->metrics(), bearer, scope_check(std::move(admin_scope))));
    auto statuses = [follower = follower_] { return follower->statuses(); };
    pipeline_->metrics()->add_collector(
        "mcprov_lookup_kms_up", "1 when the followed KMS answered the last refresh, 0 otherwise",
        support::metric_type::gauge, [statuses] {
            std::vector<support::metric_sample> samples;
            for (const auto& s : statuses()) {
                samples.push_back({{{"kms", s.url}}, s.last_success && s.last_error.empty() ? 1.0 : 0.0});
            }
            return samples;
        });
    pipeline_->metrics()->add_collector(
        "mcprov_lookup_kms_last_success_seconds", "When the followed KMS last answered (Unix time); 0: never",
        support::metric_type::gauge, [statuses] {
            std::vector<support::metric_sample> samples;
            for (const auto& s : statuses()) {
                samples.push_back({{{"kms", s.url}},
                                   s.last_success ? std::chrono::duration<double>(s.last_success->time_since_epoch()).count()
                                                  : 0.0});
            }
            return samples;
        });
    pipeline_->add({.name = "users",
                    .methods = {verb::get},
                    .path = "/lookup/v1/users/*",
                    .authenticate = bearer,
                    .authorise = needs_scope,
                    .handle = [this](http::call& c) { return serve_user(c); }});
    pipeline_->add({.name = "decision",
                    .methods = {verb::get},
                    .path = "/lookup/v1/decision",
                    .authenticate = bearer,
                    .authorise = needs_scope,
                    .handle = [this](http::call& c) { return serve_decision(c); }});
    // Any other path: 404, to a caller with a token (as every resource but /healthz).
    pipeline_->add({.name = "resources",
                    .methods = {verb::get},
                    .path = "/*",
                    .authenticate = bearer,
                    .authorise = needs_scope,
                    .handle = [](http::call& c) -> result<http::response> { return no_such_resource(c.req); }});
    pipeline_->set_unrouted_error_policy([](const http::error_context& ctx) {
        if (ctx.status == bhttp::status::method_not_allowed) {
            return http::problem(ctx.status, ctx.req.version(), "the lookup is read with GET");
        }
        return http::problem_json(ctx);
    });
}

http::response lookup_handler::handle(http::request&& req, const http::peer_info& peer) {
    return pipeline_->handle(std::move(req), peer);
}

std::optional<http::response> lookup_handler::screen(const http::request& req, const http::peer_info& peer) {
    return pipeline_->screen(req, peer);
}

result<http::response> lookup_handler::serve_readiness(const http::call& c) const {
    json::array domains;
    bool all = true;
    for (const auto& s : follower_->statuses()) {
        all = all && s.last_success.has_value();
        domains.push_back(json::object{{"kms", s.url},
                                       {"kms_uri", s.kms_uri},
                                       {"last_success", s.last_success ? support::format_utc(*s.last_success) : ""},
                                       {"last_error", s.last_error}});
    }
    auto res = http::json_response(json::object{{"ready", all}, {"domains", std::move(domains)}}, c.req.version());
    res.result(all ? bhttp::status::ok : bhttp::status::service_unavailable);
    return res;
}

result<http::response> lookup_handler::serve_user(const http::call& c) const {
    auto user = support::percent_decode(c.params.get("*"));
    if (!user) {
        return make_error(errc::invalid_argument, "a malformed request target");
    }
    if (user->empty()) {
        return no_such_resource(c.req);
    }
    json::array domains;
    for (const auto& d : lookup_->lookup(*user)) {
        domains.push_back(
            json::object{{"kms_uri", d.kms_uri}, {"permitted_external", json_strings(d.permitted_external)}});
    }
    return http::json_response(json::object{{"user", *user}, {"domains", std::move(domains)}}, c.req.version());
}

result<http::response> lookup_handler::serve_decision(const http::call& c) const {
    auto url = boost::urls::parse_origin_form(std::string_view(c.req.target().data(), c.req.target().size()));
    if (!url) {
        return make_error(errc::invalid_argument, "a malformed request target");
    }
    auto params = url->params();
    auto initiator = params.find("initiator-domain");
    auto target_user = params.find("target");
    if (initiator == params.end() || target_user == params.end() || !(*initiator).has_value ||
        !(*target_user).has_value) {
        return make_error(errc::invalid_argument, "the decision needs ?initiator-domain=<KMS URI>&target=<user URI>");
    }
    auto d = lookup_->decide((*initiator).value, (*target_user).value);
    return http::json_response(json::object{{"forward", d.forward},
                                            {"acceptable_domains", json_strings(d.acceptable_domains)},
                                            {"reason", d.reason}},
                               c.req.version());
}

} // namespace mcprov::lookup
