#include <mutex>
#include <stdexcept>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "mcprov/http/responses.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/lookup/lookup_service.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::lookup {
namespace {

namespace bhttp = boost::beast::http;
namespace json = boost::json;
using bhttp::verb;

const http::peer_info peer{"192.0.2.9:41000", {}, {}};

std::chrono::system_clock::time_point test_start() {
    return support::parse_utc("2026-11-29T12:00:00Z").value();
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// "as" has the lookup scope, "alice" has not, "boom" makes the verifier throw; any other token is refused.
class fixed_tokens final : public identity::access_token_verifier {
public:
    support::result<identity::access_token> verify(std::string_view compact) const override {
        identity::access_token t;
        if (compact == "as") {
            t.mc_id = "sip:as@example.org";
            t.scopes = {"mcprov:kms:lookup"};
        } else if (compact == "alice") {
            t.mc_id = "sip:alice@police.example.org";
            t.scopes = {"3gpp:mc:key_management_service"};
        } else if (compact == "admin") {
            t.mc_id = "sip:operator@example.org";
            t.scopes = {"mcprov:lookup:admin"};
        } else if (compact == "boom") {
            throw std::runtime_error("the verifier threw");
        } else {
            return support::make_error(support::errc::unauthenticated, "the access token has expired");
        }
        return t;
    }
};

// A KMS that serves its policy over HTTPS, to the token "lookup-token" only.
class policy_kms {
public:
    explicit policy_kms(const std::filesystem::path& dir) {
        auto ca = http::create_certificate_authority("lookup test CA", std::chrono::hours(24)).value();
        auto leaf = http::issue_certificate(ca, "127.0.0.1", {}, {"127.0.0.1"}, http::certificate_usage::server,
                                            std::chrono::hours(24))
                        .value();
        ca_file = dir / "ca.pem";
        EXPECT_TRUE(support::write_file(ca_file, ca.certificate_pem));
        EXPECT_TRUE(support::write_file(dir / "kms.crt", leaf.certificate_pem));
        EXPECT_TRUE(support::write_file(dir / "kms.key", leaf.private_key_pem));
        auto routes = std::make_shared<http::pipeline>("policy-kms");
        routes->add({.name = "policy",
                     .methods = {verb::get},
                     .path = "/kms/v1/policy",
                     .handle = [](http::call& c) -> support::result<http::response> {
                         if (http::bearer_token(c.req) != "lookup-token") {
                             return support::make_error(support::errc::unauthenticated, "who are you?");
                         }
                         return http::json_response(
                             json::object{{"kms_uri", "kms.police.example.org"},
                                          {"cache_number", 1},
                                          {"members", json::array{"sip:alice@police.example.org"}},
                                          {"permitted_external", json::array{"kms.fire.example.org"}},
                                          {"revoked_external", json::array{}}},
                             c.req.version());
                     }});
        http::server_config config;
        config.threads = 1;
        config.tls = http::tls_config{dir / "kms.crt", dir / "kms.key", {}};
        server_ = http::create_server(config, routes).value();
        url = "https://127.0.0.1:" + std::to_string(server_->port());
    }
    ~policy_kms() {
        server_->stop();
        server_->wait();
    }

    std::filesystem::path ca_file;
    std::string url;

private:
    std::unique_ptr<http::server> server_;
};

class lookup_service_test : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(support::write_file(dir_.path() / "lookup.token", "lookup-token\n"));
        lookup_ = std::make_shared<security_domain_lookup>();
        lookup_->update({"kms.fire.example.org", {"sip:bob@fire.example.org"}, {}});
    }

    std::shared_ptr<policy_follower> follow(std::vector<followed_kms> domains) {
        return std::make_shared<policy_follower>(std::move(domains), dir_.path() / "lookup.token",
                                                 std::chrono::seconds(3600), lookup_, clock_);
    }

    std::shared_ptr<lookup_handler> handler(std::shared_ptr<policy_follower> follower) {
        return std::make_shared<lookup_handler>(lookup_, std::move(follower), std::make_shared<fixed_tokens>(),
                                                "mcprov:kms:lookup");
    }

    static http::response send(lookup_handler& h, verb method, const std::string& target,
                               const std::string& token = {}) {
        http::request req{method, target, 11};
        req.set(bhttp::field::host, "lookup.example.org");
        if (!token.empty()) {
            req.set(bhttp::field::authorization, "Bearer " + token);
        }
        return h.handle(std::move(req), peer);
    }

    static std::string detail_of(const http::response& res) {
        return std::string(json::parse(res.body()).at("detail").as_string());
    }

    mcprov::testing::temp_dir dir_;
    std::shared_ptr<const support::manual_clock> clock_ = std::make_shared<support::manual_clock>(test_start());
    std::shared_ptr<security_domain_lookup> lookup_;
};

TEST_F(lookup_service_test, when_a_kms_answers_then_its_policy_is_followed_and_dated_by_the_injected_clock) {
    policy_kms kms(dir_.path());
    auto follower = follow({{kms.url, kms.ca_file}});
    EXPECT_EQ(follower->refresh_now(), 1u);
    auto statuses = follower->statuses();
    ASSERT_EQ(statuses.size(), 1u);
    EXPECT_EQ(statuses[0].kms_uri, "kms.police.example.org");
    EXPECT_EQ(statuses[0].last_success, test_start());
    EXPECT_EQ(statuses[0].last_error, "");
    EXPECT_EQ(lookup_->lookup("sip:alice@police.example.org"),
              (std::vector<supported_domain>{{"kms.police.example.org", {"kms.fire.example.org"}}}));

    auto ready = send(*handler(follower), verb::get, "/readyz");
    EXPECT_EQ(ready.result(), bhttp::status::ok);
    EXPECT_TRUE(contains(ready.body(), R"("ready":true)")) << ready.body();
    EXPECT_TRUE(contains(ready.body(), R"("last_success":"2026-11-29T12:00:00Z")")) << ready.body();
}

TEST_F(lookup_service_test, when_the_token_cannot_be_read_then_the_last_known_policy_stays_with_the_error) {
    policy_kms kms(dir_.path());
    auto follower = follow({{kms.url, kms.ca_file}});
    ASSERT_EQ(follower->refresh_now(), 1u);
    std::filesystem::remove(dir_.path() / "lookup.token");
    EXPECT_EQ(follower->refresh_now(), 0u);
    auto status = follower->statuses().at(0);
    EXPECT_EQ(status.last_success, test_start());
    EXPECT_TRUE(contains(status.last_error, "token")) << status.last_error;
    EXPECT_EQ(lookup_->lookup("sip:alice@police.example.org").size(), 1u);
}

TEST_F(lookup_service_test, when_no_kms_has_answered_yet_then_the_lookup_is_alive_but_not_ready) {
    auto follower = follow({{"https://127.0.0.1:1", dir_.path() / "missing-ca.pem"}});
    EXPECT_EQ(send(*handler(follower), verb::get, "/healthz").result(), bhttp::status::ok);
    auto ready = send(*handler(follower), verb::get, "/readyz");
    EXPECT_EQ(ready.result(), bhttp::status::service_unavailable);
    EXPECT_TRUE(contains(ready.body(), R"("ready":false)")) << ready.body();
    EXPECT_TRUE(contains(ready.body(), R"("last_success":"")")) << ready.body();
}

TEST_F(lookup_service_test, when_an_administrator_reads_the_metrics_then_each_followed_kms_is_up_or_down) {
    policy_kms kms(dir_.path());
    auto follower = follow({{kms.url, kms.ca_file}, {"https://127.0.0.1:1", dir_.path() / "missing-ca.pem"}});
    EXPECT_EQ(follower->refresh_now(), 1u);
    auto h = handler(follower);
    EXPECT_EQ(send(*h, verb::get, "/metrics", "as").result(), bhttp::status::forbidden);
    auto metrics = send(*h, verb::get, "/metrics", "admin");
    ASSERT_EQ(metrics.result(), bhttp::status::ok) << metrics.body();
    EXPECT_TRUE(contains(metrics.body(), "mcprov_lookup_kms_up{kms=\"" + kms.url + "\"} 1\n")) << metrics.body();
    EXPECT_TRUE(contains(metrics.body(), "mcprov_lookup_kms_up{kms=\"https://127.0.0.1:1\"} 0\n")) << metrics.body();
    EXPECT_TRUE(contains(metrics.body(), "mcprov_lookup_kms_last_success_seconds{kms=\"https://127.0.0.1:1\"} 0\n"))
        << metrics.body();
    EXPECT_TRUE(contains(metrics.body(), "mcprov_http_requests_total{server=\"lookup\",route=\"metrics\"} 2\n"))
        << metrics.body();
}

class lookup_handler_test : public lookup_service_test {
protected:
    void SetUp() override {
        lookup_service_test::SetUp();
        handler_ = handler(follow({}));
    }
    http::response get(const std::string& target, const std::string& token = {}) {
        return send(*handler_, verb::get, target, token);
    }
    std::shared_ptr<lookup_handler> handler_;
};

TEST_F(lookup_handler_test, when_a_user_is_looked_up_then_the_domains_that_support_it_answer) {
    auto res = get("/lookup/v1/users/" + support::percent_encode("sip:bob@fire.example.org"), "as");
    ASSERT_EQ(res.result(), bhttp::status::ok) << res.body();
    EXPECT_EQ(res.body(), R"({"user":"sip:bob@fire.example.org",)"
                          R"("domains":[{"kms_uri":"kms.fire.example.org","permitted_external":[]}]})");
    auto unknown = get("/lookup/v1/users/sip:nobody@example.org", "as");
    EXPECT_EQ(unknown.body(), R"({"user":"sip:nobody@example.org","domains":[]})");
    EXPECT_EQ(get("/lookup/v1/users/", "as").result(), bhttp::status::not_found);
    EXPECT_EQ(get("/lookup/v1/users/sip%zz", "as").result(), bhttp::status::bad_request);
    EXPECT_EQ(handler_->pipeline().counters("users").by_class[1], 2u);
}

TEST_F(lookup_handler_test, when_a_decision_is_asked_then_it_forwards_or_redirects_and_needs_both_parameters) {
    auto forward =
        get("/lookup/v1/decision?initiator-domain=kms.fire.example.org&target=sip%3Abob%40fire.example.org", "as");
    ASSERT_EQ(forward.result(), bhttp::status::ok) << forward.body();
    EXPECT_TRUE(contains(forward.body(), R"("forward":true)")) << forward.body();
    auto redirect =
        get("/lookup/v1/decision?initiator-domain=kms.police.example.org&target=sip%3Abob%40fire.example.org", "as");
    EXPECT_TRUE(contains(redirect.body(), R"("forward":false,"acceptable_domains":["kms.fire.example.org"])"))
        << redirect.body();
    auto missing = get("/lookup/v1/decision?target=sip%3Abob%40fire.example.org", "as");
    EXPECT_EQ(missing.result(), bhttp::status::bad_request);
    EXPECT_EQ(detail_of(missing), "the decision needs ?initiator-domain=<KMS URI>&target=<user URI>");
}

TEST_F(lookup_handler_test, when_the_token_is_missing_refused_or_lacks_the_scope_then_401_or_403) {
    auto anonymous = get("/lookup/v1/users/x");
    EXPECT_EQ(anonymous.result(), bhttp::status::unauthorized);
    EXPECT_EQ(anonymous[bhttp::field::www_authenticate], "Bearer realm=\"mcprov\"");
    auto expired = get("/lookup/v1/users/x", "old");
    EXPECT_EQ(expired.result(), bhttp::status::unauthorized);
    EXPECT_EQ(detail_of(expired), "the access token has expired");
    auto member = get("/lookup/v1/decision?initiator-domain=a&target=b", "alice");
    EXPECT_EQ(member.result(), bhttp::status::forbidden);
    EXPECT_EQ(detail_of(member), "the access token lacks the scope mcprov:kms:lookup");
}

TEST_F(lookup_handler_test, when_a_path_is_unknown_then_404_but_only_to_a_caller_with_the_scope) {
    EXPECT_EQ(get("/lookup/v2/users/x").result(), bhttp::status::unauthorized);
    auto res = get("/lookup/v2/users/sip%3Ax", "as");
    EXPECT_EQ(res.result(), bhttp::status::not_found);
    EXPECT_EQ(detail_of(res), "no such resource: /lookup/v2/users/sip:x");
}

TEST_F(lookup_handler_test, when_the_method_is_not_get_then_405_with_allow) {
    for (const auto* target : {"/healthz", "/lookup/v1/users/x", "/anything"}) {
        auto res = send(*handler_, verb::post, target, "as");
        EXPECT_EQ(res.result(), bhttp::status::method_not_allowed) << target;
        EXPECT_EQ(res[bhttp::field::allow], "GET, HEAD") << target;
        EXPECT_EQ(detail_of(res), "the lookup is read with GET");
    }
}

TEST_F(lookup_handler_test, when_checking_the_token_throws_then_500_without_the_text_and_the_exception_is_counted) {
    auto res = get("/lookup/v1/users/x", "boom");
    EXPECT_EQ(res.result(), bhttp::status::internal_server_error);
    EXPECT_EQ(detail_of(res), "internal error");
    EXPECT_EQ(handler_->pipeline().counters("users").exceptions, 1u);
}

} // namespace
} // namespace mcprov::lookup
