#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "../temp_dir.hpp"
#include "mcprov/cms/config.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/identity/access_token.hpp"
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
    EXPECT_EQ(c->store_url, "sqlite:" + (dir.path() / "db").string());
    EXPECT_EQ(c->auth.public_key_pem, "-----BEGIN PUBLIC KEY-----\n");
    EXPECT_EQ(c->auth.leeway, std::chrono::seconds(30));
    EXPECT_EQ(c->auth.max_lifetime, std::chrono::hours(24));
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
    // Every file the example names (/etc/mcprov/... or relative) is made to exist in a temp folder: the loader reads
    // the IdMS key and, when the example has [[partner]] agreements, their CA and IdMS key files.
    auto replaced = std::regex_replace(*text, std::regex("\"/etc/mcprov/"), "\"" + dir.path().string() + "/");
    const std::regex file_name("\"([^\"\n]+\\.(pem|crt|key|pub))\"");
    for (std::sregex_iterator it(replaced.begin(), replaced.end(), file_name), end; it != end; ++it) {
        std::filesystem::path file((*it)[1].str());
        if (file.is_relative()) {
            file = dir.path() / file;
        }
        std::error_code ec;
        std::filesystem::create_directories(file.parent_path(), ec);
        (void)support::write_file(file, "key"); // a name outside the temp folder stays missing: the parse says so
    }
    auto c = parse_cms_config(replaced, "cms.example.toml", dir.path());
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->server.port, 8443);
    EXPECT_TRUE(c->server.tls);
    EXPECT_EQ(c->auth.public_key_pem, "key");
    EXPECT_EQ(c->cscm.has_value(), !c->migration.partners.empty());
}

} // namespace
} // namespace mcprov::cms

namespace mcprov::cms {
namespace {

// [system], [cscm], [migration] and [[partner]] (docs/migration.md). The partner's CA and IdMS public key are real
// PEM files in the temp folder, as the loader reads both.
class cms_migration_config_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto ca = http::create_certificate_authority("mcx-b test CA", std::chrono::hours(1));
        ASSERT_TRUE(ca) << ca.err().message;
        auto other_ca = http::create_certificate_authority("mcx-c test CA", std::chrono::hours(1));
        ASSERT_TRUE(other_ca) << other_ca.err().message;
        auto key = identity::generate_p256_private_key_pem();
        ASSERT_TRUE(key) << key.err().message;
        auto pub = identity::public_key_pem_from_private(*key);
        ASSERT_TRUE(pub) << pub.err().message;
        partner_ca_ = new std::string(ca->certificate_pem);
        other_ca_ = new std::string(other_ca->certificate_pem);
        partner_idms_ = new std::string(*pub);
    }
    static void TearDownTestSuite() {
        delete partner_ca_;
        delete other_ca_;
        delete partner_idms_;
    }

    void SetUp() override {
        ASSERT_TRUE(support::write_file(dir.path() / "idms.pem", "-----BEGIN PUBLIC KEY-----\n"));
        ASSERT_TRUE(support::write_file(dir.path() / "partner-ca.pem", *partner_ca_));
        ASSERT_TRUE(support::write_file(dir.path() / "other-ca.pem", *other_ca_));
        ASSERT_TRUE(support::write_file(dir.path() / "partner-idms.pem", *partner_idms_));
    }

    support::result<cms_config> parse(const std::string& text) {
        return parse_cms_config(text, "cms.toml", dir.path());
    }

    // "cms.toml:<line>:<column>" of the first occurrence of `needle` (a value as written) in `text`.
    static std::string position_of(const std::string& text, const std::string& needle) {
        auto at = text.find(needle);
        EXPECT_NE(at, std::string::npos) << needle;
        auto line_start = text.rfind('\n', at);
        line_start = line_start == std::string::npos ? 0 : line_start + 1;
        auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
        return "cms.toml:" + std::to_string(line) + ":" + std::to_string(at - line_start + 1);
    }

    static std::string partner(const std::string& system = "mcx-b.example.org",
                               const std::string& issuer = "https://idms.mcx-b.example.org",
                               const std::string& ca = "partner-ca.pem", const std::string& extra = "") {
        return "[[partner]]\nsystem = \"" + system + "\"\nendpoint = \"https://cscm." + system + ":9443\"\nca = \"" +
               ca + "\"\nuser_domains = [\"*." + system + "\", \"" + system + "\"]\nidms_issuer = \"" + issuer +
               "\"\nidms_public_key = \"partner-idms.pem\"\n" + extra;
    }

    // Everything a system with agreements needs except the partners; `without` drops one section.
    static std::string base(const std::string& without = "") {
        std::string out;
        if (without != "system") {
            out += "[system]\nid = \"mcx-a.example.org\"\n";
        }
        if (without != "tls") {
            out += "[tls]\ncertificate = \"cms.crt\"\nprivate_key = \"cms.key\"\n";
        } else {
            out += "[server]\nplain_http = true\n";
        }
        if (without != "cscm") {
            out += "[cscm]\nlisten = \"0.0.0.0:9443\"\ncertificate = \"cscm.crt\"\nprivate_key = \"/abs/cscm.key\"\n";
        }
        out += "[auth]\nissuer = \"https://idms.mcx-a.example.org\"\naudience = \"cms\"\npublic_key = \"idms.pem\"\n"
               "service_scope = \"mcx:service\"\n[store]\npath = \"db\"\n";
        return out;
    }

    static std::string* partner_ca_;
    static std::string* other_ca_;
    static std::string* partner_idms_;
    testing::temp_dir dir;
};

std::string* cms_migration_config_test::partner_ca_ = nullptr;
std::string* cms_migration_config_test::other_ca_ = nullptr;
std::string* cms_migration_config_test::partner_idms_ = nullptr;

TEST_F(cms_migration_config_test, when_full_config_then_partner_cscm_and_durations_are_read) {
    auto c = parse(base() +
                   "[migration]\ntemplates = \"templates\"\nmax_stale_seconds = 3600\nprofile_validity_seconds = 7200\n"
                   "release_retry_seconds = 5\n" +
                   partner("mcx-b.example.org", "https://idms.mcx-b.example.org", "partner-ca.pem",
                           "organisation_rule = \"sip:{user}@{org}.mcx-b.example.org\"\n"));
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->migration.system, "mcx-a.example.org");
    EXPECT_EQ(c->migration.templates, dir.path() / "templates");
    EXPECT_EQ(c->migration.max_stale, std::chrono::seconds(3600));
    EXPECT_EQ(c->migration.profile_validity, std::chrono::seconds(7200));
    EXPECT_EQ(c->migration.release_retry, std::chrono::seconds(5));
    EXPECT_EQ(c->xcap.service_scope, "mcx:service");

    ASSERT_EQ(c->migration.partners.size(), 1u);
    const auto& p = c->migration.partners[0];
    EXPECT_EQ(p.system, "mcx-b.example.org");
    EXPECT_EQ(p.endpoint, "https://cscm.mcx-b.example.org:9443");
    EXPECT_EQ(p.ca_file, (dir.path() / "partner-ca.pem").string());
    EXPECT_EQ(p.ca_pem, *partner_ca_);
    EXPECT_EQ(p.certificate_name, "mcx-b.example.org"); // defaults to the system
    EXPECT_EQ(p.user_domains, (std::vector<std::string>{"*.mcx-b.example.org", "mcx-b.example.org"}));
    EXPECT_EQ(p.idms_issuer, "https://idms.mcx-b.example.org");
    EXPECT_EQ(p.idms_public_key_pem, *partner_idms_);
    ASSERT_TRUE(p.organisation);
    EXPECT_EQ(p.organisation->pattern(), "sip:{user}@{org}.mcx-b.example.org");
    EXPECT_EQ(p.organisation->organisation_of("sip:alice@police.mcx-b.example.org"), "police");

    // The CSCM-x listener: its own address, certificate and key, and only the partners' CAs as client CAs.
    ASSERT_TRUE(c->cscm);
    const auto& cscm = c->cscm->server;
    EXPECT_EQ(cscm.address, "0.0.0.0");
    EXPECT_EQ(cscm.port, 9443);
    ASSERT_TRUE(cscm.tls);
    EXPECT_EQ(cscm.tls->certificate_chain, dir.path() / "cscm.crt");
    EXPECT_EQ(cscm.tls->private_key, "/abs/cscm.key");
    EXPECT_EQ(cscm.tls->client_cas, std::vector{dir.path() / "partner-ca.pem"});
    // The XCAP listener keeps its own TLS and does not start asking for partner certificates.
    ASSERT_TRUE(c->server.tls);
    EXPECT_EQ(c->server.tls->certificate_chain, dir.path() / "cms.crt");
    EXPECT_TRUE(c->server.tls->client_cas.empty());
    EXPECT_EQ(c->server.port, 8443);
}

TEST_F(cms_migration_config_test, when_migration_section_absent_then_durations_default_and_no_templates) {
    auto c = parse(base() + partner("mcx-b.example.org", "https://idms.mcx-b.example.org", "partner-ca.pem",
                                    "certificate_name = \"cms.mcx-b.example.org\"\n"));
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_FALSE(c->migration.templates);
    EXPECT_EQ(c->migration.max_stale, std::chrono::seconds(86400));
    EXPECT_EQ(c->migration.profile_validity, std::chrono::seconds(86400));
    EXPECT_EQ(c->migration.release_retry, std::chrono::seconds(30));
    ASSERT_EQ(c->migration.partners.size(), 1u);
    EXPECT_EQ(c->migration.partners[0].certificate_name, "cms.mcx-b.example.org");
    EXPECT_FALSE(c->migration.partners[0].organisation);
}

TEST_F(cms_migration_config_test, when_two_partners_then_both_cas_are_client_cas_in_order) {
    auto c = parse(base() + partner() + partner("mcx-c.example.org", "https://idms.mcx-c.example.org", "other-ca.pem"));
    ASSERT_TRUE(c) << c.err().message;
    ASSERT_EQ(c->migration.partners.size(), 2u);
    EXPECT_EQ(c->migration.partners[1].system, "mcx-c.example.org");
    EXPECT_EQ(c->migration.partners[1].ca_pem, *other_ca_);
    ASSERT_TRUE(c->cscm);
    EXPECT_EQ(c->cscm->server.tls->client_cas,
              (std::vector{dir.path() / "partner-ca.pem", dir.path() / "other-ca.pem"}));
}

TEST_F(cms_migration_config_test, when_no_partner_and_no_cscm_then_migration_is_off) {
    auto c = parse(base("cscm"));
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_FALSE(c->cscm);
    EXPECT_TRUE(c->migration.partners.empty());
    EXPECT_EQ(c->migration.system, "mcx-a.example.org");
}

TEST_F(cms_migration_config_test, when_partner_without_system_id_then_system_id_is_required) {
    auto c = parse(base("system") + partner());
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().code, support::errc::invalid_argument);
    EXPECT_EQ(c.err().message, "cms.toml: system.id is required");
}

TEST_F(cms_migration_config_test, when_partner_without_cscm_then_cscm_listen_is_required) {
    auto c = parse(base("cscm") + partner());
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().message, "cms.toml: cscm.listen is required");
}

TEST_F(cms_migration_config_test, when_cscm_has_no_certificate_then_it_is_required) {
    auto text = base();
    text.replace(text.find("certificate = \"cscm.crt\"\n"), std::string("certificate = \"cscm.crt\"\n").size(), "");
    auto c = parse(text + partner());
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().message, "cms.toml: cscm.certificate is required");
}

TEST_F(cms_migration_config_test, when_cscm_listen_is_malformed_then_error_names_it) {
    auto text = base();
    text.replace(text.find("0.0.0.0:9443"), 12, "9443");
    text += partner();
    auto c = parse(text);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().message, position_of(text, "\"9443\"") + ": cscm.listen must be address:port, e.g. 0.0.0.0:9443");
}

TEST_F(cms_migration_config_test, when_partners_but_plain_http_then_refused_because_profiles_are_signed) {
    auto text = base("tls") + partner();
    auto c = parse(text);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().message, position_of(text, "true") +
                                   ": migration needs [tls]: the profiles served to visitors are signed with its "
                                   "certificate and key");
}

TEST_F(cms_migration_config_test, when_endpoint_is_not_https_or_ends_with_slash_then_error_names_it) {
    for (const char* endpoint : {"http://cscm.mcx-b.example.org:9443", "https://cscm.mcx-b.example.org:9443/",
                                 "https://", "cscm.mcx-b.example.org", "https://cscm.mcx-b.example.org?x=1"}) {
        auto text = base() + partner();
        auto at = text.find("https://cscm.mcx-b.example.org:9443");
        text.replace(at, std::string("https://cscm.mcx-b.example.org:9443").size(), endpoint);
        auto c = parse(text);
        ASSERT_FALSE(c) << endpoint;
        EXPECT_EQ(c.err().message, position_of(text, "\"" + std::string(endpoint) + "\"") +
                                       ": partner[1].endpoint must be an https URL without a trailing '/'");
    }
}

TEST_F(cms_migration_config_test, when_user_domains_missing_then_error_asks_for_them) {
    auto text = base() + partner();
    auto line = text.find("user_domains");
    text.erase(line, text.find('\n', line) + 1 - line);
    auto c = parse(text);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().message, "cms.toml: partner[1].user_domains must list the host patterns of the partner's users");
}

TEST_F(cms_migration_config_test, when_user_domains_is_not_a_list_of_strings_then_error_names_it) {
    for (const char* value : {"\"*.mcx-b.example.org\"", "[\"*.mcx-b.example.org\", 1]", "[[\"a\"]]"}) {
        auto text = base() + partner();
        auto at = text.find("user_domains = ") + 15;
        text.replace(at, text.find('\n', at) - at, value);
        auto c = parse(text);
        ASSERT_FALSE(c) << value;
        EXPECT_EQ(c.err().message, position_of(text, value) + ": partner[1].user_domains must be a list of strings");
    }
    auto text = base() + partner();
    auto at = text.find("user_domains = ") + 15;
    text.replace(at, text.find('\n', at) - at, "[]");
    auto empty = parse(text);
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.err().message,
              position_of(text, "[]") + ": partner[1].user_domains must list the host patterns of the partner's users");
}

TEST_F(cms_migration_config_test, when_partner_has_an_unknown_key_then_error_names_partner_and_key) {
    auto text = base() + partner() +
                partner("mcx-c.example.org", "https://idms.mcx-c.example.org", "other-ca.pem",
                        "user_domain = \"*.mcx-c.example.org\"\n");
    auto c = parse(text);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().message,
              position_of(text, "\"*.mcx-c.example.org\"\n") + ": partner[2].user_domain: unknown key");
}

TEST_F(cms_migration_config_test, when_migration_section_has_an_unknown_key_then_error) {
    auto text = base() + "[migration]\nmax_stale = 10\n" + partner();
    auto c = parse(text);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().message, position_of(text, "10") + ": migration.max_stale: unknown key");
}

TEST_F(cms_migration_config_test, when_organisation_rule_is_unusable_then_error_points_at_it) {
    auto text = base() + partner("mcx-b.example.org", "https://idms.mcx-b.example.org", "partner-ca.pem",
                                 "organisation_rule = \"sip:{user}@mcx-b.example.org\"\n");
    auto c = parse(text);
    ASSERT_FALSE(c);
    EXPECT_TRUE(c.err().message.starts_with(position_of(text, "\"sip:{user}@mcx-b.example.org\"") + ": "))
        << c.err().message;
    EXPECT_NE(c.err().message.find("{org}"), std::string::npos) << c.err().message;
}

TEST_F(cms_migration_config_test, when_partner_is_this_system_then_refused) {
    auto text = base() + partner("mcx-a.example.org", "https://idms.other.example.org");
    auto c = parse(text);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().message,
              position_of(text, "\"mcx-a.example.org\"\nendpoint") + ": a partner cannot be this system itself");
}

TEST_F(cms_migration_config_test, when_partner_idms_is_this_systems_own_then_refused) {
    auto text = base() + partner("mcx-b.example.org", "https://idms.mcx-a.example.org");
    auto c = parse(text);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().message, position_of(text, "\"https://idms.mcx-a.example.org\"\nidms_public_key") +
                                   ": a partner's identity management server cannot be this system's own "
                                   "(auth.issuer): its users would be taken for visitors");
}

TEST_F(cms_migration_config_test, when_two_partners_name_the_same_system_then_refused) {
    auto c = parse(base() + partner() + partner("mcx-b.example.org", "https://idms.other.example.org", "other-ca.pem"));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().code, support::errc::invalid_argument);
    EXPECT_EQ(c.err().message, "cms.toml: two agreements with mcx-b.example.org");
}

TEST_F(cms_migration_config_test, when_two_partners_trust_the_same_idms_then_refused) {
    auto c = parse(base() + partner() + partner("mcx-c.example.org", "https://idms.mcx-b.example.org", "other-ca.pem"));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().code, support::errc::invalid_argument);
    EXPECT_TRUE(c.err().message.starts_with("cms.toml: ")) << c.err().message;
    EXPECT_NE(c.err().message.find("trust the same identity management server https://idms.mcx-b.example.org"),
              std::string::npos)
        << c.err().message;
}

TEST_F(cms_migration_config_test, when_cscm_is_set_without_any_partner_then_refused) {
    auto text = base();
    auto c = parse(text);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().message,
              position_of(text, "\"0.0.0.0:9443\"") + ": [cscm] is set but there is no [[partner]] to serve");
}

TEST_F(cms_migration_config_test, when_partner_is_not_an_array_of_tables_then_refused) {
    for (const char* value : {"\"x\"", "[1, 2]", "{ system = \"mcx-b.example.org\" }"}) {
        auto text = "partner = " + std::string(value) + "\n" + base();
        auto c = parse(text);
        ASSERT_FALSE(c) << value;
        EXPECT_EQ(c.err().message, "cms.toml:1:11: partner must be an array of tables: [[partner]]") << value;
    }
}

TEST_F(cms_migration_config_test, when_partner_files_are_missing_then_error_names_the_key) {
    auto missing_ca = parse(base() + partner("mcx-b.example.org", "https://idms.mcx-b.example.org", "nope-ca.pem"));
    ASSERT_FALSE(missing_ca);
    EXPECT_EQ(missing_ca.err().code, support::errc::invalid_argument);
    EXPECT_TRUE(missing_ca.err().message.starts_with("cms.toml: partner[1].ca: ")) << missing_ca.err().message;

    auto text = base() + partner() + partner("mcx-c.example.org", "https://idms.mcx-c.example.org", "other-ca.pem");
    text.replace(text.rfind("partner-idms.pem"), std::string("partner-idms.pem").size(), "nope-idms.pem");
    auto missing_key = parse(text);
    ASSERT_FALSE(missing_key);
    EXPECT_TRUE(missing_key.err().message.starts_with("cms.toml: partner[2].idms_public_key: "))
        << missing_key.err().message;

    auto no_ca = base() + partner();
    no_ca.erase(no_ca.find("ca = \"partner-ca.pem\"\n"), std::string("ca = \"partner-ca.pem\"\n").size());
    auto required = parse(no_ca);
    ASSERT_FALSE(required);
    EXPECT_EQ(required.err().message, "cms.toml: partner[1].ca is required");
}

TEST_F(cms_migration_config_test, when_durations_are_out_of_range_then_error_names_line_and_key) {
    struct bad {
        const char* line;
        const char* message;
    };
    for (const auto& [line, message] :
         {bad{"max_stale_seconds = 2592001", "migration.max_stale_seconds must be an integer from 0 to 2592000"},
          bad{"max_stale_seconds = -1", "migration.max_stale_seconds must be an integer from 0 to 2592000"},
          bad{"max_stale_seconds = \"1\"", "migration.max_stale_seconds must be an integer from 0 to 2592000"},
          bad{"profile_validity_seconds = 59",
              "migration.profile_validity_seconds must be an integer from 60 to 2592000"},
          bad{"release_retry_seconds = 0", "migration.release_retry_seconds must be an integer from 1 to 3600"}}) {
        auto text = base() + "[migration]\n" + line + "\n" + partner();
        auto c = parse(text);
        ASSERT_FALSE(c) << line;
        auto value = std::string(line).substr(std::string(line).find("= ") + 2);
        EXPECT_EQ(c.err().message, position_of(text, value + "\n[[partner]]") + ": " + message);
    }
    auto zero = parse(base() + "[migration]\nmax_stale_seconds = 0\n" + partner());
    ASSERT_TRUE(zero) << zero.err().message;
    EXPECT_EQ(zero->migration.max_stale, std::chrono::seconds(0));
}

TEST_F(cms_migration_config_test, when_a_required_partner_key_is_an_empty_string_then_it_is_refused_as_missing) {
    struct key {
        const char* written;
        const char* name;
    };
    for (const auto& [written, name] :
         {key{"system = \"mcx-b.example.org\"", "system"},
          key{"endpoint = \"https://cscm.mcx-b.example.org:9443\"", "endpoint"},
          key{"idms_issuer = \"https://idms.mcx-b.example.org\"", "idms_issuer"}, key{"ca = \"partner-ca.pem\"", "ca"},
          key{"idms_public_key = \"partner-idms.pem\"", "idms_public_key"}}) {
        auto text = base() + partner();
        text.replace(text.find(written), std::string(written).size(), std::string(name) + " = \"\"");
        auto c = parse(text);
        ASSERT_FALSE(c) << name;
        EXPECT_EQ(c.err().code, support::errc::invalid_argument);
        // Refused as a missing key is, with the line where the empty value stands.
        EXPECT_TRUE(
            std::regex_match(c.err().message, std::regex("cms\\.toml:[0-9]+:[0-9]+: partner\\[1\\]\\." +
                                                         std::string(name) + " is required and cannot be empty")))
            << c.err().message;
        auto without = base() + partner();
        auto at = without.find(written);
        without.erase(at, without.find('\n', at) + 1 - at);
        auto missing = parse(without);
        ASSERT_FALSE(missing) << name;
        EXPECT_EQ(missing.err().message, "cms.toml: partner[1]." + std::string(name) + " is required") << name;
    }
}

TEST_F(cms_migration_config_test, when_certificate_name_is_an_empty_string_then_refused_not_defaulted) {
    auto text = base() + partner("mcx-b.example.org", "https://idms.mcx-b.example.org", "partner-ca.pem",
                                 "certificate_name = \"\"\n");
    auto c = parse(text);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().message, position_of(text, "\"\"\n") +
                                   ": partner[1].certificate_name must not be empty (leave it out to use system)");
}

TEST_F(cms_migration_config_test, when_a_required_key_elsewhere_is_an_empty_string_then_it_counts_as_missing) {
    auto text = base() + partner();
    text.replace(text.find("id = \"mcx-a.example.org\""), std::string("id = \"mcx-a.example.org\"").size(),
                 "id = \"\"");
    auto c = parse(text);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().message, "cms.toml: system.id is required");
}

TEST_F(cms_migration_config_test, when_cscm_timeout_is_absent_then_calls_to_partners_get_five_seconds) {
    auto c = parse(base() + partner());
    ASSERT_TRUE(c) << c.err().message;
    ASSERT_TRUE(c->cscm);
    EXPECT_EQ(c->cscm->timeout, std::chrono::seconds(5));
}

TEST_F(cms_migration_config_test, when_cscm_timeout_is_set_then_it_is_read) {
    auto text = base();
    text.replace(text.find("[cscm]\n"), 7, "[cscm]\ntimeout_seconds = 2\n");
    auto c = parse(text + partner());
    ASSERT_TRUE(c) << c.err().message;
    ASSERT_TRUE(c->cscm);
    EXPECT_EQ(c->cscm->timeout, std::chrono::seconds(2));
    // The listener's own limits are not touched by it.
    EXPECT_EQ(c->cscm->server.idle_timeout, std::chrono::seconds(60));
}

TEST_F(cms_migration_config_test, when_cscm_timeout_is_out_of_range_then_error_names_line_and_key) {
    for (const char* value : {"0", "61", "-5", "\"5\"", "1.5"}) {
        auto text = base();
        text.replace(text.find("[cscm]\n"), 7, "[cscm]\ntimeout_seconds = " + std::string(value) + "\n");
        text += partner();
        auto c = parse(text);
        ASSERT_FALSE(c) << value;
        EXPECT_EQ(c.err().message, position_of(text, std::string(value) + "\nlisten") +
                                       ": cscm.timeout_seconds must be an integer from 1 to 60")
            << value;
    }
    for (const char* value : {"1", "60"}) {
        auto text = base();
        text.replace(text.find("[cscm]\n"), 7, "[cscm]\ntimeout_seconds = " + std::string(value) + "\n");
        auto c = parse(text + partner());
        ASSERT_TRUE(c) << value << ": " << c.err().message;
        EXPECT_EQ(c->cscm->timeout, std::chrono::seconds(std::stoi(value)));
    }
}

} // namespace
} // namespace mcprov::cms
