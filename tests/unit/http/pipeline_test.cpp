#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>

#include "../temp_dir.hpp"
#include "recording_sink.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/http/pipeline.hpp"
#include "mcprov/http/responses.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::http {
namespace {

namespace bhttp = boost::beast::http;
using bhttp::status;
using bhttp::verb;
using support::errc;
using support::make_error;
using namespace std::chrono_literals;

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

request make_request(verb method, std::string target, std::string token = {}, std::string body = {}) {
    request req{method, target, 11};
    req.set(bhttp::field::host, "kms.example.org");
    if (!token.empty()) {
        req.set(bhttp::field::authorization, "Bearer " + token);
    }
    if (!body.empty()) {
        req.body() = std::move(body);
        req.prepare_payload();
    }
    return req;
}

// Tokens "alice" and "admin" verify (admin with the scope "admin"); any other token is refused.
support::result<caller> verify_token(std::string_view token) {
    if (token == "alice" || token == "admin") {
        caller c;
        c.id = "sip:" + std::string(token) + "@example.org";
        if (token == "admin") {
            c.scopes.push_back("admin");
        }
        c.claims = std::string("claims of ") + std::string(token);
        return c;
    }
    return make_error(errc::unauthenticated, "the access token has expired");
}

const peer_info peer{"192.0.2.7:40000", {}, {}};

class pipeline_test : public ::testing::Test {
protected:
    void SetUp() override {
        sink_ = std::make_shared<recording_sink>();
        support::logger("pipeline-test")->sinks().push_back(sink_);
        p_ = std::make_shared<pipeline>("pipeline-test");
        p_->add({.name = "health",
                 .methods = {verb::get},
                 .path = "/healthz",
                 .handle = [](call& c) -> support::result<response> {
                     auto res = make_response(status::ok, c.req.version());
                     res.body() = "ok\n";
                     return res;
                 }});
        p_->add({.name = "keyprov",
                 .methods = {verb::post},
                 .path = "/kms/v1/keyprov/{uri}",
                 .authenticate = bearer_authentication(verify_token),
                 .handle = [this](call& c) -> support::result<response> {
                     ++procedure_calls_;
                     auto res = make_response(status::ok, c.req.version());
                     res.body() = std::string(c.params.get("uri")) + " for " + c.who.id + " with " +
                                  std::any_cast<std::string>(c.who.claims) + ": " + c.req.body();
                     return res;
                 },
                 .max_body_bytes = 100});
        p_->add({.name = "documents",
                 .methods = {verb::get, verb::put, verb::delete_},
                 .path = "/xcap-root/*",
                 .authenticate = bearer_authentication(verify_token),
                 .authorise = [](const caller& c, const request& req) -> support::result<void> {
                     if (req.method() == verb::get || req.method() == verb::head) {
                         return {};
                     }
                     return c.require_scope("admin");
                 },
                 .handle = [](call& c) -> support::result<response> {
                     auto res = make_response(status::ok, c.req.version());
                     res.body() = std::string(c.params.get("*"));
                     return res;
                 }});
        p_->add({.name = "failing",
                 .methods = {verb::get},
                 .path = "/fail/{code}",
                 .handle = [](call& c) -> support::result<response> {
                     auto code = c.params.get("code");
                     if (code == "internal") {
                         return make_error(errc::internal, "SQLITE_CORRUPT at /var/lib/mcprov/cms.db page 7");
                     }
                     if (code == "io") {
                         return make_error(errc::io, "cannot write /var/lib/mcprov/secret.key");
                     }
                     if (code == "full") {
                         return make_error(errc::storage_full, "database or disk is full: /var/lib/mcprov");
                     }
                     return make_error(errc::conflict, "the document was changed meanwhile");
                 }});
        p_->add({.name = "throwing",
                 .methods = {verb::get},
                 .path = "/throw",
                 .handle = [](call&) -> support::result<response> {
                     throw std::runtime_error("vector::_M_range_check: __n (which is 7) >= this->size()");
                 }});
        p_->add({.name = "partner",
                 .methods = {verb::get},
                 .path = "/cscm/v1/users/{id}",
                 .authenticate = client_certificate_authentication(),
                 .handle = [](call& c) -> support::result<response> {
                     auto res = make_response(status::ok, c.req.version());
                     res.body() = c.who.id;
                     return res;
                 }});
    }
    void TearDown() override {
        auto& sinks = support::logger("pipeline-test")->sinks();
        sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
    }

    std::size_t error_lines_naming(std::string_view text) {
        std::size_t n = 0;
        for (const auto& [level, line] : sink_->lines()) {
            n += level == spdlog::level::err && contains(line, text);
        }
        return n;
    }

    std::shared_ptr<recording_sink> sink_;
    std::shared_ptr<pipeline> p_;
    std::atomic<int> procedure_calls_{0};
};

TEST_F(pipeline_test, when_no_route_matches_the_path_then_404_problem_json_counted_as_unrouted) {
    auto res = p_->handle(make_request(verb::get, "/nope"), peer);
    EXPECT_EQ(res.result(), status::not_found);
    EXPECT_EQ(res[bhttp::field::content_type], "application/problem+json");
    auto body = boost::json::parse(res.body()).as_object();
    EXPECT_EQ(body.at("status").as_int64(), 404);
    EXPECT_EQ(p_->counters(pipeline::unrouted).requests, 1u);
    EXPECT_EQ(p_->counters(pipeline::unrouted).status_class(4), 1u);
}

TEST_F(pipeline_test, when_the_path_matches_but_not_the_method_then_405_with_allow) {
    auto res = p_->handle(make_request(verb::post, "/healthz"), peer);
    EXPECT_EQ(res.result(), status::method_not_allowed);
    EXPECT_EQ(res[bhttp::field::allow], "GET, HEAD");
    auto docs = p_->handle(make_request(verb::post, "/xcap-root/a"), peer);
    EXPECT_EQ(docs.result(), status::method_not_allowed);
    EXPECT_EQ(docs[bhttp::field::allow], "GET, HEAD, PUT, DELETE");
    EXPECT_EQ(p_->counters(pipeline::unrouted).requests, 2u);
}

TEST_F(pipeline_test, when_get_is_allowed_then_head_is_routed_too) {
    auto res = p_->handle(make_request(verb::head, "/healthz?verbose"), peer);
    EXPECT_EQ(res.result(), status::ok);
    EXPECT_EQ(p_->counters("health").requests, 1u);
}

TEST_F(pipeline_test, when_a_template_route_matches_then_the_segment_is_captured_and_the_caller_known) {
    auto res = p_->handle(make_request(verb::post, "/kms/v1/keyprov/sip%3Abob%40example.org?x=1", "alice", "hi"), peer);
    EXPECT_EQ(res.result(), status::ok);
    EXPECT_EQ(res.body(), "sip%3Abob%40example.org for sip:alice@example.org with claims of alice: hi");
    // A template segment is never empty and never spans a '/'.
    EXPECT_EQ(p_->handle(make_request(verb::post, "/kms/v1/keyprov/", "alice"), peer).result(), status::not_found);
    EXPECT_EQ(p_->handle(make_request(verb::post, "/kms/v1/keyprov/a/b", "alice"), peer).result(), status::not_found);
}

TEST_F(pipeline_test, when_a_prefix_route_matches_then_the_rest_is_captured) {
    auto res = p_->handle(make_request(verb::get, "/xcap-root/org.3gpp.mcptt.user-profile/users/x?q", "alice"), peer);
    EXPECT_EQ(res.result(), status::ok);
    EXPECT_EQ(res.body(), "org.3gpp.mcptt.user-profile/users/x");
}

TEST_F(pipeline_test, when_the_bearer_token_is_missing_then_401_with_a_challenge_and_no_procedure_call) {
    auto res = p_->handle(make_request(verb::post, "/kms/v1/keyprov/x", "", "body"), peer);
    EXPECT_EQ(res.result(), status::unauthorized);
    EXPECT_EQ(res[bhttp::field::www_authenticate], "Bearer realm=\"mcprov\"");
    EXPECT_EQ(procedure_calls_, 0);
    EXPECT_EQ(p_->counters("keyprov").errors, 1u);
}

TEST_F(pipeline_test, when_the_bearer_token_is_refused_then_401_invalid_token_with_the_reason) {
    auto res = p_->handle(make_request(verb::post, "/kms/v1/keyprov/x", "mallory", "body"), peer);
    EXPECT_EQ(res.result(), status::unauthorized);
    EXPECT_EQ(res[bhttp::field::www_authenticate], "Bearer realm=\"mcprov\", error=\"invalid_token\"");
    EXPECT_TRUE(contains(res.body(), "the access token has expired")) << res.body();
    EXPECT_EQ(procedure_calls_, 0);
}

TEST_F(pipeline_test, when_the_authoriser_refuses_then_403_and_a_permitted_caller_passes) {
    EXPECT_EQ(p_->handle(make_request(verb::put, "/xcap-root/doc", "alice", "<x/>"), peer).result(), status::forbidden);
    EXPECT_EQ(p_->handle(make_request(verb::put, "/xcap-root/doc", "admin", "<x/>"), peer).result(), status::ok);
    EXPECT_EQ(p_->handle(make_request(verb::get, "/xcap-root/doc", "alice"), peer).result(), status::ok);
    auto c = p_->counters("documents");
    EXPECT_EQ(c.requests, 3u);
    EXPECT_EQ(c.status_class(2), 2u);
    EXPECT_EQ(c.status_class(4), 1u);
    EXPECT_EQ(c.errors, 1u);
}

TEST_F(pipeline_test, when_a_client_certificate_is_required_then_its_subject_is_the_caller) {
    EXPECT_EQ(p_->handle(make_request(verb::get, "/cscm/v1/users/u1"), peer).result(), status::unauthorized);
    peer_info partner{"192.0.2.8:1", "CN=cms.partner.example", "-----BEGIN CERTIFICATE-----..."};
    auto res = p_->handle(make_request(verb::get, "/cscm/v1/users/u1"), partner);
    EXPECT_EQ(res.result(), status::ok);
    EXPECT_EQ(res.body(), "CN=cms.partner.example");
}

TEST_F(pipeline_test, when_screening_an_upload_then_unknown_unauthenticated_forbidden_and_oversized_are_refused) {
    auto announced = [](verb m, std::string target, std::string token, std::size_t length) {
        auto req = make_request(m, std::move(target), std::move(token));
        req.content_length(length);
        return req;
    };
    auto unknown = p_->screen(announced(verb::post, "/upload", "admin", 10), peer);
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->result(), status::not_found);
    auto anonymous = p_->screen(announced(verb::post, "/kms/v1/keyprov/x", "", 10), peer);
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->result(), status::unauthorized);
    auto forbidden = p_->screen(announced(verb::put, "/xcap-root/doc", "alice", 10), peer);
    ASSERT_TRUE(forbidden);
    EXPECT_EQ(forbidden->result(), status::forbidden);
    auto oversized = p_->screen(announced(verb::post, "/kms/v1/keyprov/x", "alice", 101), peer);
    ASSERT_TRUE(oversized);
    EXPECT_EQ(oversized->result(), status::payload_too_large);
    EXPECT_FALSE(p_->screen(announced(verb::post, "/kms/v1/keyprov/x", "alice", 100), peer));
    EXPECT_FALSE(p_->screen(announced(verb::put, "/xcap-root/doc", "admin", 10), peer));
    EXPECT_EQ(procedure_calls_, 0);
    // Refusals at screening are counted; a request let through is counted once, when it is handled.
    EXPECT_EQ(p_->counters("keyprov").requests, 2u);
    EXPECT_EQ(p_->counters("documents").requests, 1u);
}

TEST_F(pipeline_test, when_a_chunked_body_is_over_the_route_limit_then_413) {
    auto res = p_->handle(make_request(verb::post, "/kms/v1/keyprov/x", "alice", std::string(101, 'b')), peer);
    EXPECT_EQ(res.result(), status::payload_too_large);
    EXPECT_EQ(procedure_calls_, 0);
}

TEST_F(pipeline_test, when_a_route_returns_a_private_error_then_its_text_is_logged_and_never_answered) {
    for (std::string code : {"internal", "io", "full"}) {
        auto res = p_->handle(make_request(verb::get, "/fail/" + code), peer);
        EXPECT_EQ(res.result(), code == "full" ? status::insufficient_storage : status::internal_server_error);
        EXPECT_FALSE(contains(res.body(), "/var/lib")) << res.body();
        EXPECT_FALSE(contains(res.body(), "SQLITE")) << res.body();
    }
    EXPECT_EQ(error_lines_naming("/var/lib/mcprov"), 3u);
    // The log line starts with the peer.
    for (const auto& [level, line] : sink_->lines()) {
        if (level == spdlog::level::err) {
            EXPECT_TRUE(line.starts_with(peer.address)) << line;
        }
    }
    auto conflict = p_->handle(make_request(verb::get, "/fail/conflict"), peer);
    EXPECT_EQ(conflict.result(), status::conflict);
    EXPECT_TRUE(contains(conflict.body(), "the document was changed meanwhile"));
    auto c = p_->counters("failing");
    EXPECT_EQ(c.requests, 4u);
    EXPECT_EQ(c.status_class(5), 3u);
    EXPECT_EQ(c.errors, 4u);
}

TEST_F(pipeline_test, when_a_route_throws_then_500_with_a_generic_body_and_one_error_line_naming_the_route) {
    auto res = p_->handle(make_request(verb::get, "/throw"), peer);
    EXPECT_EQ(res.result(), status::internal_server_error);
    EXPECT_FALSE(contains(res.body(), "_M_range_check")) << res.body();
    EXPECT_EQ(res[bhttp::field::content_type], "application/problem+json");
    EXPECT_EQ(error_lines_naming("[throwing]"), 1u);
    EXPECT_EQ(p_->counters("throwing").exceptions, 1u);
    EXPECT_EQ(p_->counters("throwing").status_class(5), 1u);
}

TEST_F(pipeline_test, when_the_authenticator_throws_then_500_at_screening_and_at_handling) {
    p_->add({.name = "fragile",
             .path = "/fragile",
             .authenticate =
                 bearer_authentication([](std::string_view) -> support::result<caller> { throw std::bad_alloc(); }),
             .handle = [](call&) -> support::result<response> { return make_error(errc::internal, "unreached"); }});
    auto req = make_request(verb::post, "/fragile", "t", "body");
    auto screened = p_->screen(req, peer);
    ASSERT_TRUE(screened);
    EXPECT_EQ(screened->result(), status::internal_server_error);
    EXPECT_EQ(p_->handle(std::move(req), peer).result(), status::internal_server_error);
    EXPECT_EQ(p_->counters("fragile").exceptions, 2u);
    EXPECT_EQ(error_lines_naming("[fragile]"), 2u);
}

TEST_F(pipeline_test, when_a_route_names_its_own_error_policy_then_it_shapes_every_error) {
    // An XCAP-style policy: schema errors are a 409 with an RFC 4825 body, the rest problem+json.
    std::vector<std::string> seen_callers;
    p_->add({.name = "xcap",
             .methods = {verb::put},
             .path = "/xcap/{doc}",
             .authenticate = bearer_authentication(verify_token),
             .handle = [](call& c) -> support::result<response> {
                 if (c.params.get("doc") == "broken") {
                     return make_error(errc::schema_invalid, "element <x> is not expected");
                 }
                 return make_error(errc::internal, "disk detail");
             },
             .errors =
                 [&seen_callers](const error_context& ctx) {
                     seen_callers.push_back(ctx.who ? ctx.who->id : "(none)");
                     if (ctx.error.code != errc::schema_invalid) {
                         return problem_json(ctx);
                     }
                     auto res = make_response(status::conflict, ctx.req.version());
                     res.set(bhttp::field::content_type, "application/xcap-error+xml");
                     res.body() =
                         "<xcap-error><schema-validation-error phrase=\"" + ctx.error.message + "\"/></xcap-error>";
                     return res;
                 }});
    auto broken = p_->handle(make_request(verb::put, "/xcap/broken", "alice", "<x/>"), peer);
    EXPECT_EQ(broken.result(), status::conflict);
    EXPECT_EQ(broken[bhttp::field::content_type], "application/xcap-error+xml");
    auto internal = p_->handle(make_request(verb::put, "/xcap/other", "alice", "<x/>"), peer);
    EXPECT_EQ(internal.result(), status::internal_server_error);
    EXPECT_FALSE(contains(internal.body(), "disk detail"));
    auto anonymous = p_->handle(make_request(verb::put, "/xcap/other", "", "<x/>"), peer);
    EXPECT_EQ(anonymous.result(), status::unauthorized);
    EXPECT_EQ(anonymous[bhttp::field::www_authenticate], "Bearer realm=\"mcprov\"");
    EXPECT_EQ(seen_callers, (std::vector<std::string>{"sip:alice@example.org", "sip:alice@example.org", "(none)"}));
}

TEST_F(pipeline_test, when_stats_are_read_then_every_route_is_listed_with_its_counters) {
    (void)p_->handle(make_request(verb::get, "/healthz"), peer);
    (void)p_->handle(make_request(verb::get, "/nope"), peer);
    auto stats = p_->stats();
    EXPECT_EQ(stats.at("health").at("requests").as_uint64(), 1u);
    EXPECT_EQ(stats.at("health").at("2xx").as_uint64(), 1u);
    EXPECT_EQ(stats.at("(unrouted)").at("4xx").as_uint64(), 1u);
    EXPECT_EQ(stats.at("keyprov").at("requests").as_uint64(), 0u);
    EXPECT_EQ(p_->counters("no such route").requests, 0u);
}

TEST_F(pipeline_test, when_metrics_are_exposed_then_the_counters_are_the_registrys_and_only_administrators_read_them) {
    p_->add(metrics_route(p_->metrics(), bearer_authentication(verify_token),
                          [](const caller& c, const request&) { return c.require_scope("admin"); }));
    (void)p_->handle(make_request(verb::get, "/healthz"), peer);
    (void)p_->handle(make_request(verb::get, "/fail/conflict"), peer);
    EXPECT_EQ(p_->handle(make_request(verb::get, "/metrics"), peer).result(), status::unauthorized);
    EXPECT_EQ(p_->handle(make_request(verb::get, "/metrics", "alice"), peer).result(), status::forbidden);
    auto res = p_->handle(make_request(verb::get, "/metrics", "admin"), peer);
    ASSERT_EQ(res.result(), status::ok);
    EXPECT_EQ(res[bhttp::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
    const auto& text = res.body();
    EXPECT_TRUE(contains(text, "# TYPE mcprov_http_requests_total counter\n")) << text;
    EXPECT_TRUE(contains(text, "mcprov_http_requests_total{server=\"pipeline-test\",route=\"health\"} 1\n")) << text;
    EXPECT_TRUE(contains(text, "mcprov_http_responses_total{server=\"pipeline-test\",route=\"failing\",class=\"4xx\"} "
                               "1\n"))
        << text;
    EXPECT_TRUE(contains(text, "mcprov_http_errors_total{server=\"pipeline-test\",route=\"metrics\"} 2\n")) << text;
    EXPECT_TRUE(contains(text, "mcprov_http_request_duration_seconds_count{server=\"pipeline-test\",route=\"health\"} "
                               "1\n"))
        << text;
    // The counters the pipeline reports are the registry's.
    EXPECT_EQ(p_->counters("failing").errors,
              p_->metrics()->counter_of("mcprov_http_errors_total", "", {{"server", "pipeline-test"}, {"route", "failing"}})
                  .value());
}

TEST(pipeline_routes, when_a_readiness_check_fails_then_readyz_is_503_naming_it_without_the_reason) {
    bool store_up = true;
    pipeline p("readiness-test");
    p.add(health_route());
    p.add(readiness_route({{"store",
                            [&]() -> support::result<void> {
                                if (store_up)
                                    return {};
                                return make_error(errc::unavailable, "connection to 10.0.0.7:5432 refused");
                            }},
                           {"hlr", []() -> support::result<void> { return {}; }}},
                          "readiness-test", std::chrono::milliseconds(0)));
    auto ready = p.handle(make_request(verb::get, "/readyz"), peer);
    EXPECT_EQ(ready.result(), status::ok);
    EXPECT_EQ(boost::json::parse(ready.body()),
              boost::json::parse(R"({"ready":true,"checks":{"store":"ok","hlr":"ok"}})"));
    store_up = false;
    auto not_ready = p.handle(make_request(verb::get, "/readyz"), peer);
    EXPECT_EQ(not_ready.result(), status::service_unavailable);
    EXPECT_EQ(boost::json::parse(not_ready.body()),
              boost::json::parse(R"({"ready":false,"checks":{"store":"unavailable","hlr":"ok"}})"));
    EXPECT_FALSE(contains(not_ready.body(), "10.0.0.7"));
    // Alive all the same.
    EXPECT_EQ(p.handle(make_request(verb::get, "/healthz"), peer).result(), status::ok);
}

TEST(pipeline_routes, when_probes_come_faster_than_the_interval_then_the_checks_run_once_and_a_throw_is_unavailable) {
    int runs = 0;
    pipeline p("readiness-test");
    p.add(readiness_route({{"store", [&]() -> support::result<void> {
                               ++runs;
                               throw std::runtime_error("driver fault");
                           }}},
                          "readiness-test", std::chrono::hours(1)));
    for (int i = 0; i < 5; ++i) {
        auto res = p.handle(make_request(verb::get, "/readyz"), peer);
        EXPECT_EQ(res.result(), status::service_unavailable);
        EXPECT_FALSE(contains(res.body(), "driver fault"));
    }
    EXPECT_EQ(runs, 1);
}

TEST(pipeline_routes, when_two_pipelines_share_a_registry_then_each_is_its_own_server_in_it) {
    auto shared = std::make_shared<support::metrics_registry>();
    pipeline cms("cms", shared);
    pipeline cscm("cscm", shared);
    cms.add(health_route());
    cscm.add(health_route());
    (void)cms.handle(make_request(verb::get, "/healthz"), peer);
    const auto text = shared->exposition();
    EXPECT_TRUE(contains(text, "mcprov_http_requests_total{server=\"cms\",route=\"healthz\"} 1\n")) << text;
    EXPECT_TRUE(contains(text, "mcprov_http_requests_total{server=\"cscm\",route=\"healthz\"} 0\n")) << text;
}

TEST(pipeline_routes, when_a_route_is_malformed_then_adding_it_throws) {
    pipeline p;
    auto ok = [](call&) -> support::result<response> { return make_error(errc::internal, "x"); };
    EXPECT_THROW(p.add({.name = "a", .path = "no-slash", .handle = ok}), std::invalid_argument);
    EXPECT_THROW(p.add({.name = "b", .path = "/x/{open", .handle = ok}), std::invalid_argument);
    EXPECT_THROW(p.add({.name = "c", .path = "/x/*/y", .handle = ok}), std::invalid_argument);
    EXPECT_THROW(p.add({.name = "d", .path = "/x/{a}/{a}", .handle = ok}), std::invalid_argument);
    EXPECT_THROW(p.add({.name = "e", .path = "/x{a}", .handle = ok}), std::invalid_argument);
    EXPECT_THROW(p.add({.name = "f", .path = "/x"}), std::invalid_argument);
    p.add({.name = "g", .path = "/x", .handle = ok});
    EXPECT_THROW(p.add({.name = "g", .path = "/y", .handle = ok}), std::invalid_argument);
}

TEST(pipeline_routes, when_a_route_may_wait_then_its_requests_are_sent_to_the_waiting_threads) {
    pipeline p;
    auto ok = [](call&) -> support::result<response> { return make_error(errc::internal, "x"); };
    p.add({.name = "peer", .methods = {verb::get}, .path = "/users/{id}/visiting", .handle = ok, .may_wait = true});
    p.add({.name = "local", .path = "/users/*", .handle = ok});
    EXPECT_TRUE(p.may_wait(make_request(verb::get, "/users/alice/visiting?x=1")));
    EXPECT_FALSE(p.may_wait(make_request(verb::put, "/users/alice/visiting")));
    EXPECT_FALSE(p.may_wait(make_request(verb::get, "/users/alice/home")));
    EXPECT_FALSE(p.may_wait(make_request(verb::get, "/elsewhere")));
}

TEST(pipeline_errors, when_each_errc_is_mapped_then_one_table_gives_its_status) {
    EXPECT_EQ(status_of(errc::invalid_argument), status::bad_request);
    EXPECT_EQ(status_of(errc::not_well_formed), status::bad_request);
    EXPECT_EQ(status_of(errc::schema_invalid), status::unprocessable_entity);
    EXPECT_EQ(status_of(errc::too_large), status::payload_too_large);
    EXPECT_EQ(status_of(errc::uri_too_long), status::uri_too_long);
    EXPECT_EQ(status_of(errc::unsupported_media_type), status::unsupported_media_type);
    EXPECT_EQ(status_of(errc::unauthenticated), status::unauthorized);
    EXPECT_EQ(status_of(errc::forbidden), status::forbidden);
    EXPECT_EQ(status_of(errc::not_found), status::not_found);
    EXPECT_EQ(status_of(errc::conflict), status::conflict);
    EXPECT_EQ(status_of(errc::precondition_failed), status::precondition_failed);
    EXPECT_EQ(status_of(errc::unavailable), status::service_unavailable);
    EXPECT_EQ(status_of(errc::io), status::internal_server_error);
    EXPECT_EQ(status_of(errc::storage_full), status::insufficient_storage);
    EXPECT_EQ(status_of(errc::internal), status::internal_server_error);
    EXPECT_EQ(public_detail(make_error(errc::io, "/secret/path")), "internal error");
    EXPECT_EQ(public_detail(make_error(errc::not_found, "no user u1")), "no user u1");
}

// The same pipeline behind a real HTTPS server on port 0, through the project's client.
class pipeline_server_test : public pipeline_test {
protected:
    void SetUp() override {
        pipeline_test::SetUp();
        auto ca = create_certificate_authority("pipeline test CA", 1h);
        ASSERT_TRUE(ca) << ca.err().message;
        auto cert = issue_certificate(*ca, "localhost", {"localhost"}, {"127.0.0.1"}, certificate_usage::server, 1h);
        ASSERT_TRUE(cert) << cert.err().message;
        ASSERT_TRUE(support::write_file(dir_.path() / "ca.pem", ca->certificate_pem));
        ASSERT_TRUE(support::write_file(dir_.path() / "server.crt", cert->certificate_pem));
        ASSERT_TRUE(support::write_file(dir_.path() / "server.key", cert->private_key_pem));
        server_config config;
        config.shutdown_grace = 0s;
        config.tls = tls_config{dir_.path() / "server.crt", dir_.path() / "server.key", {}};
        auto s = create_server(config, p_);
        ASSERT_TRUE(s) << s.err().message;
        server_ = std::move(s).value();
        client_options options;
        options.ca_file = dir_.path() / "ca.pem";
        auto c = create_client(options);
        ASSERT_TRUE(c) << c.err().message;
        client_ = std::move(c).value();
    }
    void TearDown() override {
        if (server_) {
            server_->stop();
            server_->wait();
        }
        pipeline_test::TearDown();
    }
    support::result<response> fetch(verb m, const std::string& path, std::string token = {}, std::string body = {}) {
        client_request req{m, "https://127.0.0.1:" + std::to_string(server_->port()) + path, {}, std::move(body)};
        if (!token.empty()) {
            req.headers.emplace_back("Authorization", "Bearer " + token);
        }
        return client_->fetch(req);
    }

    testing::temp_dir dir_;
    std::unique_ptr<server> server_;
    std::unique_ptr<client> client_;
};

TEST_F(pipeline_server_test, when_requests_come_over_the_network_then_routes_answer_and_counters_follow) {
    auto ok = fetch(verb::post, "/kms/v1/keyprov/sip:bob@example.org", "alice", "hello");
    ASSERT_TRUE(ok) << ok.err().message;
    EXPECT_EQ(ok->result(), status::ok);
    EXPECT_EQ(ok->body(), "sip:bob@example.org for sip:alice@example.org with claims of alice: hello");
    auto missing = fetch(verb::get, "/missing");
    ASSERT_TRUE(missing) << missing.err().message;
    EXPECT_EQ(missing->result(), status::not_found);
    auto wrong_method = fetch(verb::delete_, "/healthz");
    ASSERT_TRUE(wrong_method) << wrong_method.err().message;
    EXPECT_EQ(wrong_method->result(), status::method_not_allowed);
    EXPECT_EQ((*wrong_method)[bhttp::field::allow], "GET, HEAD");
    EXPECT_EQ(p_->counters("keyprov").status_class(2), 1u);
    EXPECT_EQ(p_->counters(pipeline::unrouted).requests, 2u);
}

TEST_F(pipeline_server_test, when_an_upload_is_unauthenticated_then_it_is_refused_before_its_body_is_read) {
    auto res = fetch(verb::post, "/kms/v1/keyprov/x", "", std::string(50, 'b'));
    ASSERT_TRUE(res) << res.err().message;
    EXPECT_EQ(res->result(), status::unauthorized);
    EXPECT_EQ((*res)[bhttp::field::www_authenticate], "Bearer realm=\"mcprov\"");
    EXPECT_EQ(procedure_calls_, 0);
    auto too_big = fetch(verb::post, "/kms/v1/keyprov/x", "alice", std::string(101, 'b'));
    ASSERT_TRUE(too_big) << too_big.err().message;
    EXPECT_EQ(too_big->result(), status::payload_too_large);
}

TEST_F(pipeline_server_test, when_a_route_throws_then_the_peer_gets_500_and_the_server_goes_on) {
    auto thrown = fetch(verb::get, "/throw");
    ASSERT_TRUE(thrown) << thrown.err().message;
    EXPECT_EQ(thrown->result(), status::internal_server_error);
    EXPECT_FALSE(contains(thrown->body(), "_M_range_check"));
    EXPECT_EQ(error_lines_naming("[throwing]"), 1u);
    auto after = fetch(verb::get, "/healthz");
    ASSERT_TRUE(after) << after.err().message;
    EXPECT_EQ(after->result(), status::ok);
}

} // namespace
} // namespace mcprov::http
