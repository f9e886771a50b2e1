#include <gtest/gtest.h>

#include <boost/beast/http.hpp>

#include "mcprov/cmc/profile_fetch.hpp"

namespace mcprov::cmc {
namespace {

namespace bhttp = boost::beast::http;
using support::errc;

// A CMS that answers every request with `answer` and records what it was asked.
struct fake_cms {
    http::response answer{bhttp::status::ok, 11};
    std::vector<http::client_request> requests;
    std::vector<http::client_options> options;

    http_transport transport() {
        return
            [this](const http::client_request& req, const http::client_options& o) -> support::result<http::response> {
                requests.push_back(req);
                options.push_back(o);
                return answer;
            };
    }
};

std::string header(const http::client_request& req, const std::string& name) {
    for (const auto& [n, v] : req.headers) {
        if (n == name) {
            return v;
        }
    }
    return {};
}

constexpr auto mcptt = xcap::mc_service::mcptt;

TEST(profile_fetch, when_the_visitor_profile_is_fetched_then_the_partner_is_asked_for_the_served_document) {
    fake_cms cms;
    cms.answer.body() = "<mcptt-user-profile/>";
    cms.answer.set(bhttp::field::etag, "\"e1\"");
    auto answer =
        fetch_visitor_profile({"https://127.0.0.1:8445", "b-ca.pem", "t0k"}, mcptt, "sip:alice@police.a",
                              cms.transport());
    ASSERT_TRUE(answer) << answer.err().message;
    ASSERT_EQ(cms.requests.size(), 1u);
    EXPECT_EQ(cms.requests[0].method, bhttp::verb::get);
    EXPECT_EQ(cms.requests[0].url, "https://127.0.0.1:8445/xcap/org.3gpp.mcptt.user-profile/users/sip:alice@police.a/"
                                   "mcptt-user-profile-0.xml");
    EXPECT_EQ(header(cms.requests[0], "Authorization"), "Bearer t0k");
    EXPECT_EQ(cms.options[0].ca_file, std::filesystem::path("b-ca.pem"));
    EXPECT_TRUE(answer->ok());
    EXPECT_EQ(answer->body, "<mcptt-user-profile/>");
    EXPECT_EQ(answer->entity_tag, "\"e1\"");
    EXPECT_TRUE(answer->warning.empty());
}

TEST(profile_fetch, when_the_migration_profile_is_fetched_then_the_primary_is_asked_for_the_named_document) {
    fake_cms cms;
    auto answer = fetch_migration_profile({"https://a", "", "t"}, mcptt, "sip:alice@police.a",
                                          "migration-profile-1.xml", cms.transport());
    ASSERT_TRUE(answer);
    EXPECT_EQ(cms.requests[0].url,
              "https://a/xcap/org.mcprov.migration-profile/users/sip:alice@police.a/migration-profile-1.xml");
    EXPECT_FALSE(cms.options[0].ca_file) << "no CA file: the system's trust store";
}

TEST(profile_fetch, when_mcdata_and_mcvideo_profiles_are_fetched_then_their_own_usages_are_asked) {
    fake_cms cms;
    ASSERT_TRUE(fetch_visitor_profile({"https://b", "", "t"}, xcap::mc_service::mcdata, "u", cms.transport()));
    ASSERT_TRUE(fetch_visitor_profile({"https://b", "", "t"}, xcap::mc_service::mcvideo, "u", cms.transport()));
    ASSERT_TRUE(fetch_migration_profile({"https://a", "", "t"}, xcap::mc_service::mcdata, "u",
                                        "migration-profile-2.xml", cms.transport()));
    ASSERT_TRUE(fetch_migration_profile({"https://a", "", "t"}, xcap::mc_service::mcvideo, "u",
                                        "migration-profile-1.xml", cms.transport()));
    ASSERT_EQ(cms.requests.size(), 4u);
    EXPECT_EQ(cms.requests[0].url, "https://b/xcap/org.3gpp.mcdata.user-profile/users/u/mcdata-user-profile-0.xml");
    EXPECT_EQ(cms.requests[1].url, "https://b/xcap/org.3gpp.mcvideo.user-profile/users/u/mcvideo-user-profile-0.xml");
    EXPECT_EQ(cms.requests[2].url, "https://a/xcap/org.mcprov.mcdata-migration-profile/users/u/migration-profile-2.xml");
    EXPECT_EQ(cms.requests[3].url,
              "https://a/xcap/org.mcprov.mcvideo-migration-profile/users/u/migration-profile-1.xml");
}

TEST(profile_fetch, when_the_partner_serves_a_stale_copy_then_the_answer_says_so) {
    fake_cms cms;
    cms.answer.set(bhttp::field::warning, "110 - \"Response is Stale\"");
    cms.answer.set(bhttp::field::age, "4000");
    auto answer = fetch_visitor_profile({"https://b", "", "t"}, mcptt, "u", cms.transport()).value();
    EXPECT_EQ(answer.warning, "110 - \"Response is Stale\"");
    EXPECT_EQ(answer.age, "4000");
}

TEST(profile_fetch, when_the_cms_answers_a_problem_then_its_detail_is_given) {
    fake_cms cms;
    cms.answer.result(bhttp::status::forbidden);
    cms.answer.body() = R"({"type":"about:blank","title":"Forbidden","status":403,"detail":"not your profile"})";
    auto answer = fetch_visitor_profile({"https://b", "", "t"}, mcptt, "u", cms.transport()).value();
    EXPECT_FALSE(answer.ok());
    EXPECT_EQ(answer.status, 403u);
    EXPECT_EQ(answer.detail(), "not your profile");

    cms.answer.body() = std::string(300, 'x');
    EXPECT_EQ(fetch_visitor_profile({"https://b", "", "t"}, mcptt, "u", cms.transport())->detail(), std::string(200, 'x'));
}

TEST(profile_fetch, when_the_cms_cannot_be_reached_then_the_transports_error_is_given) {
    http_transport down = [](const http::client_request&,
                             const http::client_options&) -> support::result<http::response> {
        return support::make_error(errc::unavailable, "connection refused");
    };
    auto answer = fetch_visitor_profile({"https://b", "", "t"}, mcptt, "u", down);
    ASSERT_FALSE(answer);
    EXPECT_EQ(answer.err().code, errc::unavailable);
}

} // namespace
} // namespace mcprov::cmc
