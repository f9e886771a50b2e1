#include <gtest/gtest.h>

#include "cms_deployment.hpp"
#include "mcprov/xml/schema.hpp"

namespace mcprov::testing {
namespace {

using boost::beast::http::status;
using boost::beast::http::verb;

const std::string mcptt = "org.3gpp.mcptt.user-profile";
const std::string alice = "sip:alice@police.example.org";
const std::string bob = "sip:bob@fire.example.org";
const std::string mcptt_type = "application/vnd.3gpp.mcptt-user-profile+xml";

std::string valid_profile(const std::string& xui, unsigned index, const std::string& name) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<mcptt-user-profile xmlns=\"urn:3gpp:mcptt:user-profile:1.0\" XUI-URI=\"" +
           xui + "\" user-profile-index=\"" + std::to_string(index) + "\"><Name>" + name +
           "</Name><Common index=\"c\"><MCPTTUserID><uri-entry>" + xui +
           "</uri-entry></MCPTTUserID></Common></mcptt-user-profile>\n";
}

class cms_xcap : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        cms = new cms_deployment();
        auto [code, output] = cms->run({"cms", "import", "--config", cms->config(), MCPROV_TEST_DATA "/profiles"});
        ASSERT_EQ(code, 0) << output;
        ASSERT_TRUE(cms->start());
    }
    static void TearDownTestSuite() {
        delete cms;
        cms = nullptr;
    }

    static std::string url(const std::string& xui, const std::string& name, const std::string& auid = mcptt) {
        return cms->document_url(auid, xui, name);
    }
    static http::response get(const std::string& u, const std::string& token,
                              std::vector<std::pair<std::string, std::string>> headers = {}) {
        auto res = cms->request(verb::get, u, token, std::move(headers));
        EXPECT_TRUE(res) << res.err().message;
        return res ? std::move(res).value() : http::response{};
    }
    static http::response put(const std::string& u, const std::string& body,
                              std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", mcptt_type}},
                              const std::string& token = cms->admin_token()) {
        auto res = cms->request(verb::put, u, token, std::move(headers), body);
        EXPECT_TRUE(res) << res.err().message;
        return res ? std::move(res).value() : http::response{};
    }
    // The stored bytes of a document, read as an administrator.
    static std::string stored(const std::string& u) { return get(u, cms->admin_token()).body(); }

    static cms_deployment* cms;
};
cms_deployment* cms_xcap::cms = nullptr;

TEST_F(cms_xcap, when_user_reads_own_profile_then_schema_valid_document_with_type_and_strong_etag) {
    auto res = get(url(alice, "mcptt-user-profile-1.xml"), cms->user_token(alice));
    ASSERT_EQ(res.result(), status::ok) << res.body();
    EXPECT_EQ(res[boost::beast::http::field::content_type], mcptt_type);
    auto etag = std::string(res[boost::beast::http::field::etag]);
    ASSERT_GE(etag.size(), 3u);
    EXPECT_EQ(etag.front(), '"');
    EXPECT_FALSE(etag.starts_with("W/"));
    auto doc = xml::parse(res.body());
    ASSERT_TRUE(doc) << doc.err().message;
    auto schema = xml::load_embedded_schema("ts24484-rel13/mcptt-user-profile.xsd");
    ASSERT_TRUE(schema) << schema.err().message;
    EXPECT_TRUE(schema.value()->validate(*doc));
}

TEST_F(cms_xcap, when_if_none_match_carries_current_etag_then_304_without_body) {
    auto u = url(alice, "mcptt-user-profile-1.xml");
    auto token = cms->user_token(alice);
    auto first = get(u, token);
    auto etag = std::string(first[boost::beast::http::field::etag]);
    auto second = get(u, token, {{"If-None-Match", etag}});
    EXPECT_EQ(second.result(), status::not_modified);
    EXPECT_TRUE(second.body().empty());
    EXPECT_EQ(second[boost::beast::http::field::etag], etag);
    auto other = get(u, token, {{"If-None-Match", "\"something-else\""}});
    EXPECT_EQ(other.result(), status::ok);
}

TEST_F(cms_xcap, when_no_token_then_401_with_bearer_challenge) {
    auto res = get(url(alice, "mcptt-user-profile-1.xml"), "");
    EXPECT_EQ(res.result(), status::unauthorized);
    EXPECT_TRUE(res[boost::beast::http::field::www_authenticate].starts_with("Bearer"));
}

TEST_F(cms_xcap, when_token_expired_then_401) {
    auto old = cms->token(alice, {cms_deployment::user_scope}, std::chrono::seconds(600),
                          std::chrono::system_clock::now() - std::chrono::hours(2));
    auto res = get(url(alice, "mcptt-user-profile-1.xml"), old);
    EXPECT_EQ(res.result(), status::unauthorized);
    EXPECT_NE(res.body().find("expired"), std::string::npos) << res.body();
}

TEST_F(cms_xcap, when_token_signed_by_another_key_then_401) {
    cms_deployment other;
    auto res = get(url(alice, "mcptt-user-profile-1.xml"), other.user_token(alice));
    EXPECT_EQ(res.result(), status::unauthorized);
}

TEST_F(cms_xcap, when_token_is_garbage_then_401) {
    auto res = get(url(alice, "mcptt-user-profile-1.xml"), "not.a.token");
    EXPECT_EQ(res.result(), status::unauthorized);
}

TEST_F(cms_xcap, when_token_lacks_configuration_scope_then_403) {
    auto res = get(url(alice, "mcptt-user-profile-1.xml"), cms->token(alice, {"3gpp:mc:ptt_service"}));
    EXPECT_EQ(res.result(), status::forbidden);
}

TEST_F(cms_xcap, when_user_reads_another_users_profile_then_403) {
    auto res = get(url(bob, "mcptt-user-profile-1.xml"), cms->user_token(alice));
    EXPECT_EQ(res.result(), status::forbidden);
}

TEST_F(cms_xcap, when_document_or_usage_missing_then_404) {
    EXPECT_EQ(get(url(alice, "mcptt-user-profile-9.xml"), cms->user_token(alice)).result(), status::not_found);
    EXPECT_EQ(get(url(alice, "x.xml", "org.example.unknown"), cms->admin_token()).result(), status::not_found);
    EXPECT_EQ(get(cms->base() + "/elsewhere", cms->admin_token()).result(), status::not_found);
}

TEST_F(cms_xcap, when_uri_has_bad_escape_then_400) {
    auto res = get(cms->base() + "/xcap/" + mcptt + "/users/sip%00x/mcptt-user-profile-1.xml", cms->admin_token());
    EXPECT_EQ(res.result(), status::bad_request);
}

TEST_F(cms_xcap, when_node_selector_names_an_element_then_that_element_alone) {
    auto res = get(url(alice, "mcptt-user-profile-1.xml") +
                       "/~~/mcptt-user-profile/OnNetwork/MCPTTGroupInfo/entry%5B@index=%22g2%22%5D/uri-entry",
                   cms->user_token(alice));
    ASSERT_EQ(res.result(), status::ok) << res.body();
    EXPECT_EQ(res[boost::beast::http::field::content_type], "application/xcap-el+xml");
    EXPECT_NE(res.body().find("sip:all@groups.example.org"), std::string::npos);
    EXPECT_EQ(res.body().find("sip:patrol@groups.example.org"), std::string::npos);
}

TEST_F(cms_xcap, when_node_selector_names_an_attribute_then_its_value) {
    auto res = get(url(alice, "mcptt-user-profile-2.xml") + "/~~/mcptt-user-profile/@user-profile-index",
                   cms->user_token(alice));
    ASSERT_EQ(res.result(), status::ok) << res.body();
    EXPECT_EQ(res[boost::beast::http::field::content_type], "application/xcap-att+xml");
    EXPECT_EQ(res.body(), "2");
}

TEST_F(cms_xcap, when_head_then_headers_of_get_without_body) {
    auto u = url(alice, "mcptt-user-profile-1.xml");
    auto full = get(u, cms->user_token(alice));
    auto head = cms->request(verb::head, u, cms->user_token(alice));
    ASSERT_TRUE(head) << head.err().message;
    EXPECT_EQ(head->result(), status::ok);
    EXPECT_TRUE(head->body().empty());
    EXPECT_EQ(head->at(boost::beast::http::field::content_length), std::to_string(full.body().size()));
    EXPECT_EQ(head->at(boost::beast::http::field::etag), full.at(boost::beast::http::field::etag));
}

TEST_F(cms_xcap, when_uri_is_too_long_then_414) {
    auto res = get(url(alice, std::string(5000, 'x')), cms->user_token(alice));
    EXPECT_EQ(res.result(), status::uri_too_long);
}

TEST_F(cms_xcap, when_if_none_match_holds_but_node_is_missing_then_404_not_304) {
    auto u = url(alice, "mcptt-user-profile-1.xml");
    auto token = cms->user_token(alice);
    auto etag = std::string(get(u, token)[boost::beast::http::field::etag]);
    EXPECT_EQ(get(u + "/~~/mcptt-user-profile/Nope", token, {{"If-None-Match", etag}}).result(), status::not_found);
    EXPECT_EQ(get(u + "/~~/mcptt-user-profile/Name", token, {{"If-None-Match", etag}}).result(),
              status::not_modified);
    EXPECT_EQ(get(u, token, {{"If-Match", "\"other\""}}).result(), status::precondition_failed);
}

TEST_F(cms_xcap, when_node_selector_matches_nothing_then_404) {
    auto res =
        get(url(alice, "mcptt-user-profile-1.xml") + "/~~/mcptt-user-profile/OffNetwork", cms->user_token(alice));
    EXPECT_EQ(res.result(), status::not_found);
}

TEST_F(cms_xcap, when_mcdata_and_mcvideo_profiles_read_then_their_own_types) {
    auto token = cms->user_token(alice);
    auto data = get(url(alice, "mcdata-user-profile-1.xml", "org.3gpp.mcdata.user-profile"), token);
    EXPECT_EQ(data.result(), status::ok);
    EXPECT_EQ(data[boost::beast::http::field::content_type], "application/vnd.3gpp.mcdata-user-profile+xml");
    auto video = get(url(alice, "mcvideo-user-profile-1.xml", "org.3gpp.mcvideo.user-profile"), token);
    EXPECT_EQ(video.result(), status::ok);
    EXPECT_EQ(video[boost::beast::http::field::content_type], "application/vnd.3gpp.mcvideo-user-profile+xml");
}

TEST_F(cms_xcap, when_user_writes_then_403_and_document_unchanged) {
    auto u = url(alice, "mcptt-user-profile-1.xml");
    auto before = stored(u);
    auto res = put(u, valid_profile(alice, 1, "Mallory"), {{"Content-Type", mcptt_type}}, cms->user_token(alice));
    EXPECT_EQ(res.result(), status::forbidden);
    EXPECT_EQ(stored(u), before);
}

TEST_F(cms_xcap, when_admin_creates_replaces_and_deletes_then_each_step_is_visible) {
    auto u = url(bob, "mcptt-user-profile-7.xml");
    auto created = put(u, valid_profile(bob, 7, "Seven"), {{"Content-Type", mcptt_type}, {"If-None-Match", "*"}});
    ASSERT_EQ(created.result(), status::created) << created.body();
    auto etag = std::string(created[boost::beast::http::field::etag]);
    EXPECT_EQ(stored(u), valid_profile(bob, 7, "Seven"));

    auto replaced = put(u, valid_profile(bob, 7, "Seven bis"), {{"Content-Type", mcptt_type}, {"If-Match", etag}});
    ASSERT_EQ(replaced.result(), status::ok) << replaced.body();
    EXPECT_NE(replaced[boost::beast::http::field::etag], etag);
    EXPECT_EQ(get(u, cms->user_token(bob)).body(), valid_profile(bob, 7, "Seven bis"));

    auto removed = cms->request(verb::delete_, u, cms->admin_token());
    ASSERT_TRUE(removed);
    EXPECT_EQ(removed->result(), status::ok);
    EXPECT_EQ(get(u, cms->admin_token()).result(), status::not_found);
}

TEST_F(cms_xcap, when_if_match_is_stale_then_412_and_document_unchanged) {
    auto u = url(alice, "mcptt-user-profile-2.xml");
    auto before = stored(u);
    auto res = put(u, valid_profile(alice, 2, "Late"), {{"Content-Type", mcptt_type}, {"If-Match", "\"stale\""}});
    EXPECT_EQ(res.result(), status::precondition_failed);
    EXPECT_EQ(stored(u), before);
    auto del = cms->request(verb::delete_, u, cms->admin_token(), {{"If-Match", "\"stale\""}});
    ASSERT_TRUE(del);
    EXPECT_EQ(del->result(), status::precondition_failed);
    EXPECT_EQ(stored(u), before);
}

TEST_F(cms_xcap, when_if_match_is_stale_and_document_invalid_then_412_first) {
    auto res = put(url(alice, "mcptt-user-profile-1.xml"), "<not-a-profile/>",
                   {{"Content-Type", mcptt_type}, {"If-Match", "\"stale\""}});
    EXPECT_EQ(res.result(), status::precondition_failed);
}

TEST_F(cms_xcap, when_if_none_match_names_the_current_tag_then_put_is_refused) {
    auto u = url(alice, "mcptt-user-profile-1.xml");
    auto before = stored(u);
    auto etag = std::string(get(u, cms->admin_token())[boost::beast::http::field::etag]);
    auto res = put(u, valid_profile(alice, 1, "Again"), {{"Content-Type", mcptt_type}, {"If-None-Match", etag}});
    EXPECT_EQ(res.result(), status::precondition_failed);
    EXPECT_EQ(stored(u), before);
}

TEST_F(cms_xcap, when_document_fails_schema_then_409_schema_validation_error_and_document_unchanged) {
    auto u = url(alice, "mcptt-user-profile-1.xml");
    auto before = stored(u);
    auto res = put(u, "<mcptt-user-profile xmlns=\"urn:3gpp:mcptt:user-profile:1.0\" XUI-URI=\"" + alice +
                          "\" user-profile-index=\"1\"><NoSuchElement/></mcptt-user-profile>");
    EXPECT_EQ(res.result(), status::conflict);
    EXPECT_EQ(res[boost::beast::http::field::content_type], "application/xcap-error+xml");
    EXPECT_NE(res.body().find("<schema-validation-error"), std::string::npos) << res.body();
    EXPECT_EQ(stored(u), before);
}

TEST_F(cms_xcap, when_document_not_well_formed_then_409_not_well_formed_and_document_unchanged) {
    auto u = url(alice, "mcptt-user-profile-1.xml");
    auto before = stored(u);
    auto res = put(u, "<mcptt-user-profile xmlns=\"urn:3gpp:mcptt:user-profile:1.0\"><Name>");
    EXPECT_EQ(res.result(), status::conflict);
    EXPECT_NE(res.body().find("<not-well-formed"), std::string::npos) << res.body();
    EXPECT_EQ(stored(u), before);
}

TEST_F(cms_xcap, when_document_declares_entities_then_refused_and_nothing_expanded) {
    auto u = url(alice, "mcptt-user-profile-1.xml");
    auto before = stored(u);
    std::string xxe = "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                      "<mcptt-user-profile xmlns=\"urn:3gpp:mcptt:user-profile:1.0\" XUI-URI=\"" +
                      alice + "\" user-profile-index=\"1\"><Name>&x;</Name></mcptt-user-profile>";
    auto res = put(u, xxe);
    EXPECT_EQ(res.result(), status::conflict);
    EXPECT_EQ(res.body().find("root:"), std::string::npos);
    std::string laughs = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;"
                         "&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><l>&c;</l>";
    EXPECT_EQ(put(u, laughs).result(), status::conflict);
    EXPECT_EQ(stored(u), before);
}

TEST_F(cms_xcap, when_attributes_disagree_with_uri_then_409_constraint_failure) {
    auto u = url(alice, "mcptt-user-profile-1.xml");
    auto before = stored(u);
    auto res = put(u, valid_profile(bob, 1, "Wrong user"));
    EXPECT_EQ(res.result(), status::conflict);
    EXPECT_NE(res.body().find("<constraint-failure"), std::string::npos) << res.body();
    EXPECT_EQ(put(u, valid_profile(alice, 4, "Wrong index")).result(), status::conflict);
    EXPECT_EQ(stored(u), before);
}

TEST_F(cms_xcap, when_content_type_is_wrong_then_415) {
    auto u = url(alice, "mcptt-user-profile-1.xml");
    auto res = put(u, valid_profile(alice, 1, "Alice"), {{"Content-Type", "text/plain"}});
    EXPECT_EQ(res.result(), status::unsupported_media_type);
}

TEST_F(cms_xcap, when_body_exceeds_limit_then_413_and_document_unchanged) {
    auto u = url(alice, "mcptt-user-profile-1.xml");
    auto before = stored(u);
    auto res = put(u, std::string(70000, ' ') + valid_profile(alice, 1, "Big"));
    EXPECT_EQ(res.result(), status::payload_too_large);
    EXPECT_EQ(stored(u), before);
}

TEST_F(cms_xcap, when_not_modified_then_stats_count_it) {
    auto stats_before = get(cms->base() + "/stats", cms->admin_token());
    ASSERT_EQ(stats_before.result(), status::ok);
    auto count = [](const std::string& json) {
        auto at = json.find("\"not_modified\":");
        return std::stoul(json.substr(at + 15));
    };
    auto u = url(alice, "mcptt-user-profile-1.xml");
    auto token = cms->user_token(alice);
    auto etag = std::string(get(u, token)[boost::beast::http::field::etag]);
    get(u, token, {{"If-None-Match", etag}});
    auto stats_after = get(cms->base() + "/stats", cms->admin_token());
    EXPECT_EQ(count(stats_after.body()), count(stats_before.body()) + 1);
    EXPECT_EQ(get(cms->base() + "/stats", token).result(), status::forbidden);
}

TEST_F(cms_xcap, when_health_checked_then_ok_without_token) {
    auto res = get(cms->base() + "/healthz", "");
    EXPECT_EQ(res.result(), status::ok);
}

TEST(cms_process, when_sigterm_then_stops_cleanly) {
    cms_deployment cms;
    ASSERT_TRUE(cms.start());
    cms.process().signal(SIGTERM);
    auto code = cms.process().wait(std::chrono::seconds(15));
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, 0) << cms.process().err();
    EXPECT_NE(cms.process().err().find("stopped"), std::string::npos);
}

TEST(cms_process, when_config_has_unknown_key_then_exit_2_naming_line_and_key) {
    cms_deployment cms("colour = \"blue\"\n");
    auto [code, output] = cms.run({"cms", "--config", cms.config()});
    EXPECT_EQ(code, 2);
    EXPECT_NE(output.find("server.colour: unknown key"), std::string::npos) << output;
    EXPECT_NE(output.find("cms.toml:6:"), std::string::npos) << output;
}

TEST(cms_process, when_the_command_line_is_wrong_then_exit_2) {
    cms_deployment cms;
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"cmc", "--cms", "https://127.0.0.1:1"},       // required options missing
             {"cms", "--config", cms.config(), "--colour"}, // an unknown option
             {"cms"},                                        // --config missing
             {},                                             // no subcommand
             {"no-such-command"}}) {
        auto [code, output] = cms.run(args);
        EXPECT_EQ(code, 2) << (args.empty() ? std::string("(none)") : args[0]) << ": " << output;
    }
}

TEST(cms_process, when_help_is_asked_for_then_exit_0_and_sighup_is_explained) {
    cms_deployment cms;
    auto [code, output] = cms.run({"cms", "--help"});
    EXPECT_EQ(code, 0) << output;
    EXPECT_NE(output.find("SIGHUP reloads the migration templates"), std::string::npos) << output;
    EXPECT_EQ(cms.run({"--version"}).first, 0);
}

TEST(cms_process, when_importing_a_mixed_tree_then_good_documents_stored_and_bad_ones_explained) {
    cms_deployment cms;
    auto [code, output] = cms.run({"cms", "import", "--config", cms.config(), MCPROV_TEST_DATA "/import-mixed"});
    EXPECT_EQ(code, 3) << output;
    EXPECT_NE(output.find("imported 1 documents (1 new, 0 replaced), rejected 5"), std::string::npos) << output;
    EXPECT_NE(output.find("schema-invalid"), std::string::npos) << output;
    EXPECT_NE(output.find("not-well-formed"), std::string::npos) << output;
    EXPECT_NE(output.find("conflict: XUI-URI"), std::string::npos) << output;
    EXPECT_NE(output.find("readme.txt: not at"), std::string::npos) << output;
    ASSERT_TRUE(cms.start());
    auto carol =
        cms.document_url("org.3gpp.mcptt.user-profile", "sip:carol@ems.example.org", "mcptt-user-profile-1.xml");
    auto res = cms.request(verb::get, carol, cms.admin_token());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), status::ok);
    auto dave = cms.document_url("org.3gpp.mcptt.user-profile", "sip:dave@ems.example.org", "mcptt-user-profile-1.xml");
    EXPECT_EQ(cms.request(verb::get, dave, cms.admin_token())->result(), status::not_found);
}

} // namespace
} // namespace mcprov::testing
