#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "kms_fixture.hpp"
#include "mcprov/kms/kms_handler.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::kms {
namespace {

using namespace testing;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using bhttp::verb;

constexpr std::string_view root = kms_interface::kms_path_root;
const http::peer_info peer{"192.0.2.7:40000", {}, {}};

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

http::request make_request(verb method, std::string target, std::string token = {}, std::string body = {}) {
    http::request req{method, target, 11};
    req.set(bhttp::field::host, police);
    if (!token.empty()) {
        req.set(bhttp::field::authorization, "Bearer " + token);
    }
    if (!body.empty()) {
        req.body() = std::move(body);
        req.prepare_payload();
    }
    return req;
}

std::string kms_request(const std::string& user, const std::string& kms_uri) {
    kms_interface::kms_request r;
    r.user_uri = user;
    r.kms_uri = kms_uri;
    r.time = test_start();
    r.client_req_url = "https://" + kms_uri + std::string(kms_interface::kms_path_init);
    return kms_interface::encode_kms_request(r).value();
}

class kms_handler_test : public kms_domain_fixture {
protected:
    void SetUp() override {
        kms_domain_fixture::SetUp();
        handler_ =
            std::make_shared<kms_handler>(domain_, access_config{}, std::make_shared<fixed_tokens>(),
                                              xml::signer::read(signing().key).value());
    }

    http::response send(verb method, std::string target, std::string token = {}, std::string body = {}) {
        return handler_->handle(make_request(method, std::move(target), std::move(token), std::move(body)), peer);
    }

    // The signed KmsResponse of an answer, its signature checked against the CA of the signing certificate.
    static kms_interface::kms_response verified(const http::response& res) {
        EXPECT_EQ(res[bhttp::field::content_type], "application/xml");
        auto v = kms_interface::verify_kms_response(res.body(), signing().ca_pem);
        EXPECT_TRUE(v) << v.err().message << "\n" << res.body();
        return v ? v->response : kms_interface::kms_response{};
    }

    static kms_interface::kms_error kms_error_of(const http::response& res) {
        auto response = verified(res);
        const auto* e = std::get_if<kms_interface::kms_error>(&response.body);
        EXPECT_TRUE(e) << res.body();
        return e ? *e : kms_interface::kms_error{};
    }

    static json::object json_of(const http::response& res) { return json::parse(res.body()).as_object(); }
    static std::string detail_of(const http::response& res) {
        return std::string(json_of(res).at("detail").as_string());
    }

    std::uint64_t route_counter(std::string_view route, std::string_view counter) {
        return handler_->stats().at("routes").at(route).at(counter).to_number<std::uint64_t>();
    }

    std::shared_ptr<kms_handler> handler_;
};

TEST_F(kms_handler_test, when_a_member_asks_for_keyprov_then_a_signed_key_set_answers_and_is_counted) {
    auto res = send(verb::post, std::string(root) + "/keyprov", "alice", kms_request(alice, police));
    ASSERT_EQ(res.result(), bhttp::status::ok) << res.body();
    auto response = verified(res);
    EXPECT_EQ(response.user_uri, alice);
    EXPECT_EQ(response.kms_uri, police);
    EXPECT_EQ(response.time, test_start());
    EXPECT_EQ(response.client_req_url, "https://" + police + std::string(root) + "/keyprov");
    const auto* prov = std::get_if<kms_interface::kms_key_prov>(&response.body);
    ASSERT_TRUE(prov);
    ASSERT_EQ(prov->key_sets.size(), 1u);
    EXPECT_EQ(prov->key_sets[0].user_uri, alice);
    EXPECT_EQ(handler_->stats().at("key_sets_issued").to_number<int>(), 1);
    EXPECT_EQ(route_counter("keyprov", "2xx"), 1u);
    auto metrics = send(verb::get, "/metrics", "admin");
    ASSERT_EQ(metrics.result(), bhttp::status::ok) << metrics.body();
    EXPECT_NE(metrics.body().find("mcprov_kms_procedures_total{procedure=\"keyprov\"} 1\n"), std::string::npos)
        << metrics.body();
    EXPECT_NE(metrics.body().find("mcprov_kms_procedures_total{procedure=\"init\"} 0\n"), std::string::npos);
}

TEST_F(kms_handler_test, when_the_path_names_the_callers_uri_and_a_time_then_that_periods_keys_answer) {
    auto ntp = mikey::to_ntp_timestamp(test_start() + std::chrono::hours(1)).value();
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llX", static_cast<unsigned long long>(ntp));
    auto res = send(verb::post, std::string(root) + "/keyprov/" + support::percent_encode(alice) + "/" + hex, "alice");
    ASSERT_EQ(res.result(), bhttp::status::ok) << res.body();
    auto response = verified(res);
    EXPECT_EQ(std::get<kms_interface::kms_key_prov>(response.body).key_sets[0].key_period_no,
              static_cast<std::int64_t>(domain_->current_key_period().value() + 1));

    auto bad_time =
        send(verb::post, std::string(root) + "/keyprov/" + support::percent_encode(alice) + "/tomorrow", "alice");
    EXPECT_EQ(bad_time.result(), bhttp::status::bad_request);
    EXPECT_EQ(kms_error_of(bad_time).code, 400);
    auto other = send(verb::post, std::string(root) + "/keyprov/sip%3Abob%40police.example.org", "alice");
    EXPECT_EQ(other.result(), bhttp::status::forbidden);
    EXPECT_EQ(kms_error_of(other).code, 403);
}

TEST_F(kms_handler_test, when_the_path_names_a_uri_with_control_characters_then_a_signed_403_shows_them_escaped) {
    auto res = send(verb::post, std::string(root) + "/keyprov/sip%3Ax%0D%0A%01%40y", "alice");
    EXPECT_EQ(res.result(), bhttp::status::forbidden);
    auto e = kms_error_of(res);
    EXPECT_EQ(e.code, 403);
    EXPECT_TRUE(contains(e.message, "sip:x\\x0d\\x0a\\x01@y")) << e.message;
}

TEST_F(kms_handler_test, when_init_comes_without_a_valid_token_then_a_signed_kms_error_401_with_a_challenge) {
    for (const std::string& token : {std::string(), std::string("stolen")}) {
        auto res = send(verb::post, std::string(root) + "/init", token);
        EXPECT_EQ(res.result(), bhttp::status::unauthorized);
        EXPECT_TRUE(contains(res[bhttp::field::www_authenticate], "Bearer realm=\"mcprov\""));
        auto response = verified(res);
        EXPECT_EQ(response.user_uri, "sip:unknown");
        const auto& e = std::get<kms_interface::kms_error>(response.body);
        EXPECT_EQ(e.code, 401);
        EXPECT_EQ(e.message, token.empty() ? "a bearer access token is required" : "the access token has expired");
    }
    EXPECT_EQ(route_counter("init", "errors"), 2u);
}

TEST_F(kms_handler_test, when_the_token_lacks_the_user_scope_then_a_signed_kms_error_403_names_the_user) {
    auto res = send(verb::post, std::string(root) + "/init", "alice-openid");
    EXPECT_EQ(res.result(), bhttp::status::forbidden);
    auto response = verified(res);
    EXPECT_EQ(response.user_uri, alice);
    EXPECT_EQ(std::get<kms_interface::kms_error>(response.body).message,
              "the access token lacks the scope 3gpp:mc:key_management_service");
}

TEST_F(kms_handler_test, when_init_is_asked_by_anyone_with_the_user_scope_then_the_root_certificate_answers) {
    auto res = send(verb::post, std::string(root) + "/init", "mallory");
    ASSERT_EQ(res.result(), bhttp::status::ok) << res.body();
    auto response = verified(res);
    EXPECT_EQ(std::get<kms_interface::kms_init>(response.body).certificate, domain_->certificate());
    EXPECT_EQ(handler_->stats().at("init").to_number<int>(), 1);
}

TEST_F(kms_handler_test, when_the_kms_request_is_for_another_kms_user_or_malformed_then_kms_errors_say_so) {
    auto other_kms = send(verb::post, std::string(root) + "/init", "alice", kms_request(alice, "kms.fire.example.org"));
    EXPECT_EQ(other_kms.result(), bhttp::status::conflict);
    EXPECT_EQ(kms_error_of(other_kms).code, 409);
    auto other_user = send(verb::post, std::string(root) + "/init", "alice", kms_request(mallory, police));
    EXPECT_EQ(other_user.result(), bhttp::status::forbidden);
    auto malformed = send(verb::post, std::string(root) + "/certcache", "alice", "<KmsRequest");
    EXPECT_EQ(malformed.result(), bhttp::status::bad_request);
    EXPECT_EQ(kms_error_of(malformed).code, 400);
}

TEST_F(kms_handler_test, when_the_certcache_number_is_negative_not_decimal_or_too_large_then_400_kms_error) {
    for (std::string number :
         {"-1", "-0", "+1", "0x10", "1e3", "12a", "9223372036854775808", "99999999999999999999", "%31"}) {
        auto res = send(verb::post, std::string(root) + "/certcache/" + number, "alice");
        EXPECT_EQ(res.result(), bhttp::status::bad_request) << number;
        auto e = kms_error_of(res);
        EXPECT_EQ(e.code, 400) << number;
        EXPECT_EQ(e.message, "the cache number in the path must be a decimal number from 0 to 9223372036854775807");
    }
    EXPECT_EQ(handler_->stats().at("cert_cache").to_number<int>(), 0);
    auto largest = send(verb::post, std::string(root) + "/certcache/9223372036854775807", "alice");
    EXPECT_EQ(largest.result(), bhttp::status::ok) << largest.body();
    auto current = send(verb::post, std::string(root) + "/certcache/0", "alice");
    ASSERT_EQ(current.result(), bhttp::status::ok) << current.body();
    auto cache = std::get<kms_interface::kms_cert_cache>(verified(current).body);
    EXPECT_EQ(cache.cache_num, 0);
    EXPECT_TRUE(cache.certificates.empty());
}

TEST_F(kms_handler_test, when_a_key_management_resource_does_not_exist_then_a_signed_kms_error_404) {
    for (const auto* resource : {"", "/", "/keys", "/initialize", "/init/", "/keyprov/", "/keyprov/a/b/c", "/keyprovx",
                                 "/certcache/1/2", "/certcache/"}) {
        auto res = send(verb::post, std::string(root) + resource, "alice");
        EXPECT_EQ(res.result(), bhttp::status::not_found) << resource;
        EXPECT_EQ(kms_error_of(res).code, 404) << resource;
    }
    auto anonymous = send(verb::post, std::string(root) + "/keys");
    EXPECT_EQ(anonymous.result(), bhttp::status::unauthorized);
}

TEST_F(kms_handler_test, when_a_key_management_request_is_not_a_post_then_405_problem_with_allow_post) {
    for (auto method : {verb::get, verb::put, verb::delete_}) {
        auto res = send(method, std::string(root) + "/keyprov", "alice");
        EXPECT_EQ(res.result(), bhttp::status::method_not_allowed);
        EXPECT_EQ(res[bhttp::field::allow], "POST");
        EXPECT_EQ(res[bhttp::field::content_type], "application/problem+json");
        EXPECT_EQ(detail_of(res), "the key management requests are POSTs (TS 33.180 D.2.1)");
    }
}

TEST_F(kms_handler_test, when_a_procedure_throws_then_the_client_gets_a_signed_500_and_the_exception_is_counted) {
    documents_->set(breakable_store::mode::throws);
    auto res = send(verb::post, std::string(root) + "/keyprov", "alice");
    EXPECT_EQ(res.result(), bhttp::status::internal_server_error);
    auto e = kms_error_of(res);
    EXPECT_EQ(e.code, 500);
    EXPECT_EQ(e.message, "internal error");
    EXPECT_EQ(handler_->pipeline().counters("keyprov").exceptions, 1u);
    EXPECT_EQ(route_counter("keyprov", "5xx"), 1u);
    EXPECT_EQ(handler_->stats().at("key_sets_issued").to_number<int>(), 0);
}

TEST_F(kms_handler_test, when_the_store_fails_then_the_kms_error_never_names_what_failed) {
    documents_->set(breakable_store::mode::fails);
    auto res = send(verb::post, std::string(root) + "/certcache", "alice");
    EXPECT_EQ(res.result(), bhttp::status::internal_server_error);
    EXPECT_FALSE(contains(res.body(), "/var/lib")) << res.body();
    EXPECT_EQ(kms_error_of(res).message, "internal error");
}

TEST_F(kms_handler_test, when_a_member_reports_use_of_a_domain_then_204_and_the_counters_follow) {
    auto res = send(verb::post, "/kms/v1/use-reports", "alice",
                    R"({"external_kms_uri":"kms.rogue.example.org","peer_uri":"sip:eve@rogue.example.org",)"
                    R"("used_at":"2026-11-29T11:00:00Z"})");
    EXPECT_EQ(res.result(), bhttp::status::no_content) << res.body();
    auto stats = handler_->stats();
    EXPECT_EQ(stats.at("use_reports").to_number<int>(), 1);
    EXPECT_EQ(stats.at("use_reports_not_permitted").to_number<int>(), 1);
    EXPECT_EQ(domain_->store().uses(alice)->front().received_at, test_start());
}

TEST_F(kms_handler_test, when_a_use_report_has_an_unknown_member_then_400_problem_naming_it) {
    auto res = send(verb::post, "/kms/v1/use-reports", "alice",
                    R"({"external_kms_uri":"kms.fire.example.org","peer_uri":"sip:bob@fire.example.org",)"
                    R"("used_at":"2026-11-29T11:00:00Z","permitted":true})");
    EXPECT_EQ(res.result(), bhttp::status::bad_request);
    EXPECT_EQ(res[bhttp::field::content_type], "application/problem+json");
    EXPECT_TRUE(contains(detail_of(res), "\"permitted\"")) << res.body();
    EXPECT_TRUE(domain_->store().uses(alice)->empty());
}

TEST_F(kms_handler_test, when_a_use_report_is_refused_then_problem_json_answers_with_the_status_of_today) {
    auto report = std::string(R"({"external_kms_uri":"kms.fire.example.org","peer_uri":"sip:b@x",)") +
                  R"("used_at":"2026-11-29T11:00:00Z"})";
    auto anonymous = send(verb::post, "/kms/v1/use-reports", "", report);
    EXPECT_EQ(anonymous.result(), bhttp::status::unauthorized);
    EXPECT_EQ(anonymous[bhttp::field::www_authenticate], "Bearer realm=\"mcprov\"");
    EXPECT_EQ(send(verb::post, "/kms/v1/use-reports", "admin", report).result(), bhttp::status::forbidden);
    EXPECT_EQ(send(verb::post, "/kms/v1/use-reports", "mallory", report).result(), bhttp::status::forbidden);
    auto get = send(verb::get, "/kms/v1/use-reports", "alice");
    EXPECT_EQ(get.result(), bhttp::status::method_not_allowed);
    EXPECT_EQ(get[bhttp::field::allow], "POST");

    documents_->set(breakable_store::mode::fails);
    auto failed = send(verb::post, "/kms/v1/use-reports", "alice", report);
    EXPECT_EQ(failed.result(), bhttp::status::service_unavailable);
    EXPECT_EQ(detail_of(failed), "the KMS store is unavailable");
}

TEST_F(kms_handler_test, when_a_use_report_announces_more_than_4096_bytes_then_it_is_refused_unread) {
    auto req = make_request(verb::post, "/kms/v1/use-reports", "alice");
    req.set(bhttp::field::content_length, "4097");
    auto refused = handler_->screen(req, peer);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->result(), bhttp::status::payload_too_large);
    req.set(bhttp::field::content_length, "4096");
    EXPECT_FALSE(handler_->screen(req, peer));
}

TEST_F(kms_handler_test, when_an_upload_is_unauthenticated_then_screening_refuses_it_with_a_signed_kms_error) {
    auto req = make_request(verb::post, std::string(root) + "/keyprov");
    req.set(bhttp::field::content_length, "300");
    auto refused = handler_->screen(req, peer);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->result(), bhttp::status::unauthorized);
    EXPECT_EQ(kms_error_of(*refused).code, 401);
}

TEST_F(kms_handler_test, when_stats_are_read_then_only_an_administrator_gets_the_counters_and_the_routes) {
    EXPECT_EQ(send(verb::get, "/stats").result(), bhttp::status::unauthorized);
    auto user = send(verb::get, "/stats", "alice");
    EXPECT_EQ(user.result(), bhttp::status::forbidden);
    EXPECT_EQ(detail_of(user), "the access token lacks the scope mcprov:kms:admin");
    send(verb::post, std::string(root) + "/init", "alice");
    send(verb::get, "/nowhere");

    auto res = send(verb::get, "/stats", "admin");
    ASSERT_EQ(res.result(), bhttp::status::ok) << res.body();
    EXPECT_EQ(res[bhttp::field::content_type], "application/json");
    auto stats = json_of(res);
    EXPECT_EQ(stats.at("requests").to_number<int>(), 5);
    EXPECT_EQ(stats.at("refused").to_number<int>(), 3);
    EXPECT_EQ(stats.at("init").to_number<int>(), 1);
    for (const auto* counter : {"key_sets_issued", "cert_cache", "use_reports", "use_reports_not_permitted"}) {
        EXPECT_EQ(stats.at(counter).to_number<int>(), 0) << counter;
    }
    const auto& routes = stats.at("routes").as_object();
    for (const auto* route : {"healthz", "stats", "init", "keyprov", "certcache", "key_management", "use_reports",
                              "policy", "(unrouted)"}) {
        EXPECT_TRUE(routes.contains(route)) << route;
    }
    EXPECT_EQ(routes.at("stats").at("requests").to_number<int>(), 3);
    EXPECT_EQ(routes.at("stats").at("4xx").to_number<int>(), 2);
    EXPECT_EQ(routes.at("init").at("2xx").to_number<int>(), 1);
    EXPECT_EQ(routes.at("(unrouted)").at("4xx").to_number<int>(), 1);
}

TEST_F(kms_handler_test, when_the_policy_is_read_then_the_lookup_and_the_administrator_get_it_and_members_do_not) {
    ASSERT_TRUE(domain_->store().permit("kms.fire.example.org", external_certificate("kms.fire.example.org")));
    for (const auto* token : {"lookup", "admin"}) {
        auto res = send(verb::get, "/kms/v1/policy", token);
        ASSERT_EQ(res.result(), bhttp::status::ok) << res.body();
        EXPECT_EQ(res.body(), R"({"kms_uri":"kms.police.example.org","cache_number":1,)"
                              R"("members":["sip:alice@police.example.org"],)"
                              R"("permitted_external":["kms.fire.example.org"],"revoked_external":[]})");
    }
    auto member = send(verb::get, "/kms/v1/policy", "alice");
    EXPECT_EQ(member.result(), bhttp::status::forbidden);
    EXPECT_EQ(detail_of(member), "the access token lacks the scope mcprov:kms:lookup");
    EXPECT_EQ(send(verb::post, "/kms/v1/policy", "lookup").result(), bhttp::status::method_not_allowed);
    documents_->set(breakable_store::mode::fails);
    EXPECT_EQ(send(verb::get, "/kms/v1/policy", "lookup").result(), bhttp::status::service_unavailable);
}

TEST_F(kms_handler_test, when_health_or_an_unknown_path_is_asked_then_ok_or_404_problem_without_a_token) {
    auto health = send(verb::get, "/healthz");
    EXPECT_EQ(health.result(), bhttp::status::ok);
    EXPECT_EQ(health.body(), "ok\n");
    auto unknown = send(verb::get, "/kms/v1/secrets");
    EXPECT_EQ(unknown.result(), bhttp::status::not_found);
    EXPECT_EQ(unknown[bhttp::field::content_type], "application/problem+json");
    EXPECT_EQ(detail_of(unknown), "no such resource: /kms/v1/secrets");
}

} // namespace
} // namespace mcprov::kms
