// The CMS's XCAP interface, assembled by create_cms, when its store is full: a real SQLite database held to a few
// pages (PRAGMA max_page_count on every connection this process opens) gives a real SQLITE_FULL.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "../temp_dir.hpp"
#include "mcprov/cms/cms_server.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"

namespace mcprov::cms {
namespace {

namespace bhttp = boost::beast::http;

constexpr const char* issuer = "https://idms.example.org";
constexpr const char* audience = "mcprov-cms";
constexpr const char* admin_scope = "mcprov:cms:admin";
const std::string mcptt = "org.3gpp.mcptt.user-profile";
const std::string mcptt_type = "application/vnd.3gpp.mcptt-user-profile+xml";

// About 3 KB: roughly one page of the database each.
std::string profile(const std::string& xui, const std::string& name) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<mcptt-user-profile xmlns=\"urn:3gpp:mcptt:user-profile:1.0\" XUI-URI=\"" +
           xui + "\" user-profile-index=\"1\"><Name>" + name + std::string(3000, 'x') +
           "</Name><Common index=\"c\"><MCPTTUserID><uri-entry>" + xui +
           "</uri-entry></MCPTTUserID></Common></mcptt-user-profile>\n";
}

std::string user(int i) {
    return "sip:user" + std::to_string(i) + "@police.example.org";
}

// PRAGMA max_page_count holds per connection: set on every connection this process opens while the test runs.
int limit_pages(sqlite3* db, char**, const sqlite3_api_routines*) {
    sqlite3_exec(db, "PRAGMA max_page_count = 32", nullptr, nullptr, nullptr);
    return SQLITE_OK;
}

class cms_storage_full : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(sqlite3_auto_extension(limit_pages_entry()), SQLITE_OK);
        auto key = identity::generate_p256_private_key_pem();
        ASSERT_TRUE(key) << key.err().message;
        auto clock = support::create_system_clock();
        cms_config config;
        config.server.shutdown_grace = std::chrono::seconds(0);
        config.auth.issuer = issuer;
        config.auth.audience = audience;
        config.auth.public_key_pem = identity::public_key_pem_from_private(*key).value();
        auto documents = store::open_store("sqlite:" + (dir_.path() / "cms.db").string(), clock);
        ASSERT_TRUE(documents) << documents.err().message;
        auto cms = create_cms(config, std::move(documents).value(), clock);
        ASSERT_TRUE(cms) << cms.err().message;
        cms_ = std::move(cms).value();
        auto tokens = identity::create_token_issuer(*key, clock);
        ASSERT_TRUE(tokens) << tokens.err().message;
        identity::token_request r;
        r.issuer = issuer;
        r.audience = {audience};
        r.mc_id = "sip:admin@police.example.org";
        r.scopes = {admin_scope};
        admin_token_ = (*tokens)->issue(r).value();
    }
    void TearDown() override {
        if (cms_) {
            cms_->stop();
        }
        sqlite3_cancel_auto_extension(limit_pages_entry());
    }
    static void (*limit_pages_entry())() { return reinterpret_cast<void (*)()>(&limit_pages); }

    std::string url(const std::string& xui) const {
        return "http://127.0.0.1:" + std::to_string(cms_->server->port()) + "/xcap/" + mcptt + "/users/" + xui +
               "/mcptt-user-profile-1.xml";
    }
    http::response call(bhttp::verb method, const std::string& xui, std::string body = "") const {
        http::client_request req{method, url(xui), {{"Authorization", "Bearer " + admin_token_}}, std::move(body)};
        if (!req.body.empty()) {
            req.headers.emplace_back("Content-Type", mcptt_type);
        }
        auto res = http::fetch(req, http::client_options{});
        EXPECT_TRUE(res) << res.err().message;
        return res ? std::move(res).value() : http::response{};
    }

    testing::temp_dir dir_;
    std::unique_ptr<cms_server> cms_;
    std::string admin_token_;
};

TEST_F(cms_storage_full, when_the_store_is_full_then_a_put_gets_507_and_a_delete_still_makes_room) {
    int stored = 0;
    http::response refused;
    for (; stored < 200; ++stored) {
        auto res = call(bhttp::verb::put, user(stored), profile(user(stored), "User"));
        if (res.result() != bhttp::status::created) {
            refused = std::move(res);
            break;
        }
    }
    ASSERT_GT(stored, 0);
    ASSERT_LT(stored, 200) << "32 pages held 200 profiles";

    // 507 with a body that says what happened and what to do, and nothing of the server's insides.
    EXPECT_EQ(refused.result(), bhttp::status::insufficient_storage) << refused.body();
    EXPECT_NE(refused.body().find("storage is full"), std::string::npos) << refused.body();
    EXPECT_NE(refused.body().find("nothing was changed"), std::string::npos) << refused.body();
    EXPECT_EQ(refused.body().find(dir_.path().string()), std::string::npos) << refused.body();
    EXPECT_EQ(refused.body().find("SQLITE"), std::string::npos) << refused.body();
    // Nothing half-written: the refused document is absent; the stored ones are still served.
    EXPECT_EQ(call(bhttp::verb::get, user(stored)).result(), bhttp::status::not_found);
    EXPECT_EQ(call(bhttp::verb::get, user(0)).result(), bhttp::status::ok);

    // Deleting needs no room: it succeeds, and the room it makes takes the refused document.
    for (int i = 0; i < 3 && i < stored; ++i) {
        auto removed = call(bhttp::verb::delete_, user(i));
        EXPECT_EQ(removed.result(), bhttp::status::ok) << removed.body();
        EXPECT_EQ(call(bhttp::verb::get, user(i)).result(), bhttp::status::not_found);
    }
    auto retried = call(bhttp::verb::put, user(stored), profile(user(stored), "User"));
    EXPECT_EQ(retried.result(), bhttp::status::created) << retried.body();
    EXPECT_EQ(call(bhttp::verb::get, user(stored)).result(), bhttp::status::ok);
}

} // namespace
} // namespace mcprov::cms
