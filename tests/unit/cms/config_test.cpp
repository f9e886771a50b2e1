#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "mcprov/cms/config.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::cms {
namespace {

class cms_config_test : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(support::write_file(dir.path() / "idms.pem", "-----BEGIN PUBLIC KEY-----\n")); }

    support::result<cms_config> parse(const std::string& text) {
        return parse_cms_config(text, "cms.toml", dir.path());
    }

    const std::string auth =
        "[auth]\nissuer = \"https://idms\"\naudience = \"cms\"\npublic_key = \"idms.pem\"\n[store]\npath = \"db\"\n";
    testing::temp_dir dir;
};

TEST_F(cms_config_test, when_minimal_plain_http_config_then_defaults_apply_and_paths_resolve) {
    auto c = parse("[server]\nplain_http = true\n" + auth);
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_FALSE(c->server.tls);
    EXPECT_EQ(c->server.address, "127.0.0.1");
    EXPECT_EQ(c->server.port, 8443);
    EXPECT_EQ(c->xcap.xcap_root_path, "/xcap");
    EXPECT_EQ(c->database, dir.path() / "db");
    EXPECT_EQ(c->auth.public_key_pem, "-----BEGIN PUBLIC KEY-----\n");
    EXPECT_EQ(c->auth.leeway, std::chrono::seconds(30));
}

TEST_F(cms_config_test, when_neither_tls_nor_plain_http_then_error_asks_for_tls) {
    auto c = parse(auth);
    ASSERT_FALSE(c);
    EXPECT_NE(c.err().message.find("tls.certificate is required"), std::string::npos) << c.err().message;
}

TEST_F(cms_config_test, when_tls_configured_then_relative_files_resolve_against_config_dir) {
    auto c = parse("[tls]\ncertificate = \"c.pem\"\nprivate_key = \"/abs/k.pem\"\nclient_ca = \"ca.pem\"\n" + auth);
    ASSERT_TRUE(c) << c.err().message;
    ASSERT_TRUE(c->server.tls);
    EXPECT_EQ(c->server.tls->certificate_chain, dir.path() / "c.pem");
    EXPECT_EQ(c->server.tls->private_key, "/abs/k.pem");
    EXPECT_EQ(c->server.tls->client_cas, std::vector{dir.path() / "ca.pem"});
}

TEST_F(cms_config_test, when_value_has_wrong_type_or_range_then_error_names_line_and_key) {
    auto c = parse("[server]\nplain_http = true\nthreads = 0\n" + auth);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().message, "cms.toml:3:11: server.threads must be an integer from 1 to 256");
    auto d = parse("[server]\nplain_http = \"yes\"\n" + auth);
    ASSERT_FALSE(d);
    EXPECT_NE(d.err().message.find("server.plain_http must be true or false"), std::string::npos);
}

TEST_F(cms_config_test, when_listen_is_malformed_then_error) {
    for (const char* listen : {"8443", "host:", "host:70000", ":80"}) {
        auto c = parse("[server]\nplain_http = true\nlisten = \"" + std::string(listen) + "\"\n" + auth);
        ASSERT_FALSE(c) << listen;
        EXPECT_NE(c.err().message.find("server.listen"), std::string::npos) << c.err().message;
    }
    auto v6 = parse("[server]\nplain_http = true\nlisten = \"[::1]:9000\"\n" + auth);
    ASSERT_TRUE(v6) << v6.err().message;
    EXPECT_EQ(v6->server.address, "::1");
    EXPECT_EQ(v6->server.port, 9000);
}

TEST_F(cms_config_test, when_plain_http_on_a_non_loopback_address_then_refused) {
    auto c = parse("[server]\nplain_http = true\nlisten = \"0.0.0.0:8080\"\n" + auth);
    ASSERT_FALSE(c);
    EXPECT_NE(c.err().message.find("only allowed on a loopback"), std::string::npos) << c.err().message;
}

TEST_F(cms_config_test, when_toml_is_malformed_then_error_has_position) {
    auto c = parse("[server\n");
    ASSERT_FALSE(c);
    EXPECT_TRUE(c.err().message.starts_with("cms.toml:1:")) << c.err().message;
}

TEST_F(cms_config_test, when_public_key_file_missing_then_error_names_it) {
    auto c = parse("[server]\nplain_http = true\n[auth]\nissuer = \"i\"\naudience = \"a\"\npublic_key = \"nope.pem\"\n"
                   "[store]\npath = \"db\"\n");
    ASSERT_FALSE(c);
    EXPECT_NE(c.err().message.find("auth.public_key"), std::string::npos) << c.err().message;
}

TEST_F(cms_config_test, when_xcap_root_is_not_a_clean_path_then_error) {
    auto c = parse("[server]\nplain_http = true\n[xcap]\nroot = \"/xcap/\"\n" + auth);
    ASSERT_FALSE(c);
    EXPECT_NE(c.err().message.find("xcap.root"), std::string::npos);
}

} // namespace
} // namespace mcprov::cms

namespace mcprov::cms {
namespace {

TEST(cms_config_example, when_example_file_is_parsed_then_it_is_valid) {
    auto text = support::read_file(MCPROV_SOURCE_DIR "/config/cms.example.toml");
    ASSERT_TRUE(text);
    testing::temp_dir dir;
    ASSERT_TRUE(support::write_file(dir.path() / "idms.pem", "key"));
    auto replaced = *text;
    auto at = replaced.find("/etc/mcprov/idms-public.pem");
    ASSERT_NE(at, std::string::npos);
    replaced.replace(at, std::string("/etc/mcprov/idms-public.pem").size(), (dir.path() / "idms.pem").string());
    auto c = parse_cms_config(replaced, "cms.example.toml", dir.path());
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->server.port, 8443);
    EXPECT_TRUE(c->server.tls);
}

} // namespace
} // namespace mcprov::cms
