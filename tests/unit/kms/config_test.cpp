// parse_kms_config and load_kms_config: the keys of docs/kms.md, their defaults and ranges, and the errors an operator
// gets for a file that is not right (file:line:column and the key).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <regex>
#include <set>
#include <utility>
#include <vector>

#include "../temp_dir.hpp"
#include "mcprov/kms/config.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::kms {
namespace {

using namespace std::chrono_literals;

constexpr const char* idms_key = "-----BEGIN PUBLIC KEY-----\nidms\n-----END PUBLIC KEY-----\n";

// A valid configuration, table by table in the order written.
using tables = std::vector<std::pair<std::string, std::vector<std::string>>>;

tables base_tables() {
    return {{"server", {}},
            {"tls", {"certificate = \"kms.crt\"", "private_key = \"kms.key\""}},
            {"domain", {"kms_uri = \"kms.police.example.org\"", "master_key = \"master.key\""}},
            {"store", {"path = \"kms.db\""}},
            {"auth", {"issuer = \"https://idms.example.org\"", "audience = \"kms\"", "public_key = \"idms.pub\""}},
            {"log", {}}};
}

std::string key_of(const std::string& line) {
    return line.substr(0, line.find(" ="));
}

// The base configuration without the keys (`table.key`) or tables in `drop`; with `line` as the first line of `table`
// (in place of the same key), and that table written first: `line` is line 2 of the file.
std::string config_text(const std::string& table = {}, const std::string& line = {},
                        const std::set<std::string>& drop = {}) {
    auto all = base_tables();
    if (!table.empty()) {
        auto it = std::find_if(all.begin(), all.end(), [&](const auto& t) { return t.first == table; });
        if (it == all.end()) {
            all.emplace_back(table, std::vector<std::string>{});
            it = std::prev(all.end());
        }
        auto entry = std::move(*it);
        all.erase(it);
        std::erase_if(entry.second, [&](const std::string& l) { return key_of(l) == key_of(line); });
        entry.second.insert(entry.second.begin(), line);
        all.insert(all.begin(), std::move(entry));
    }
    std::string out;
    for (const auto& [name, lines] : all) {
        if (drop.contains(name)) {
            continue;
        }
        out += "[" + name + "]\n";
        for (const auto& l : lines) {
            if (!drop.contains(name + "." + key_of(l))) {
                out += l + "\n";
            }
        }
    }
    return out;
}

class kms_config_test : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(support::write_file(dir.path() / "idms.pub", idms_key)); }

    support::result<kms_config> parse(const std::string& text) {
        return parse_kms_config(text, "kms.toml", dir.path());
    }

    // The message of the error `text` must give.
    std::string error_of(const std::string& text) {
        auto c = parse(text);
        if (c) {
            ADD_FAILURE() << "accepted:\n" << text;
            return {};
        }
        return c.err().message;
    }

    // "kms.toml:2:<column of the value>: <message>" for a `key = value` line 2.
    static std::string at_line_2(const std::string& line, const std::string& message) {
        return "kms.toml:2:" + std::to_string(key_of(line).size() + 4) + ": " + message;
    }

    testing::temp_dir dir;
};

TEST_F(kms_config_test, when_only_required_keys_are_given_then_every_default_applies) {
    auto c = parse(config_text());
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->server.address, "127.0.0.1");
    EXPECT_EQ(c->server.port, 8543);
    EXPECT_EQ(c->server.threads, 2u);
    EXPECT_EQ(c->server.max_body_bytes, 65536u);
    EXPECT_EQ(c->server.max_header_bytes, 16384u);
    EXPECT_EQ(c->server.idle_timeout, 60s);
    EXPECT_EQ(c->server.shutdown_grace, 10s);
    EXPECT_EQ(c->server.max_connections, 10000u);
    ASSERT_TRUE(c->server.tls);
    EXPECT_EQ(c->server.tls->certificate_chain, dir.path() / "kms.crt");
    EXPECT_EQ(c->server.tls->private_key, dir.path() / "kms.key");
    EXPECT_TRUE(c->server.tls->client_cas.empty());

    EXPECT_EQ(c->domain.kms_uri, "kms.police.example.org");
    EXPECT_EQ(c->domain.issuer, "kms.police.example.org");
    EXPECT_EQ(c->domain.master_key, dir.path() / "master.key");
    EXPECT_EQ(c->domain.user_key_period, 2592000s);
    EXPECT_EQ(c->domain.user_key_offset, 0s);
    EXPECT_EQ(c->domain.certificate_validity, std::chrono::days(1095));
    EXPECT_EQ(c->domain.future_key_periods, 1u);

    EXPECT_EQ(c->signing_certificate, dir.path() / "kms.crt");
    EXPECT_EQ(c->signing_key, dir.path() / "kms.key");
    EXPECT_EQ(c->store_url, "sqlite:" + (dir.path() / "kms.db").string());

    EXPECT_EQ(c->access.verifier.issuer, "https://idms.example.org");
    EXPECT_EQ(c->access.verifier.audience, "kms");
    EXPECT_EQ(c->access.verifier.public_key_pem, idms_key);
    EXPECT_EQ(c->access.verifier.leeway, 30s);
    EXPECT_EQ(c->access.verifier.max_lifetime, 24h);
    EXPECT_EQ(c->access.user_scope, "3gpp:mc:key_management_service");
    EXPECT_EQ(c->access.admin_scope, "mcprov:kms:admin");
    EXPECT_EQ(c->access.lookup_scope, "mcprov:kms:lookup");

    EXPECT_EQ(c->log_level, "info");
    EXPECT_EQ(c->log_format, support::log_format::text);
}

TEST_F(kms_config_test, when_every_key_is_set_then_each_value_is_read) {
    auto c = parse("[server]\nlisten = \"[::]:9543\"\nthreads = 8\nmax_body_bytes = 4096\nmax_header_bytes = 8192\n"
                   "idle_timeout_seconds = 5\nshutdown_grace_seconds = 0\nmax_connections = 50\n"
                   "plain_http = false\n"
                   "[tls]\ncertificate = \"/etc/kms.crt\"\nprivate_key = \"kms.key\"\nclient_ca = \"ca.pem\"\n"
                   "[domain]\nkms_uri = \"kms.fire.example.org\"\nissuer = \"Fire and Rescue KMS\"\n"
                   "master_key = \"keys/master.key\"\nuser_key_period_seconds = 86400\n"
                   "user_key_offset_seconds = 3600\ncertificate_validity_days = 30\nfuture_key_periods = 3\n"
                   "[signing]\ncertificate = \"sign.crt\"\nprivate_key = \"sign.key\"\n"
                   "[store]\npath = \"/var/lib/kms.db\"\n"
                   "[auth]\nissuer = \"https://idms\"\naudience = \"kms-fire\"\npublic_key = \"idms.pub\"\n"
                   "user_scope = \"u\"\nadmin_scope = \"a\"\nlookup_scope = \"l\"\nleeway_seconds = 0\n"
                   "[log]\nlevel = \"debug\"\nformat = \"json\"\n");
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->server.address, "::");
    EXPECT_EQ(c->server.port, 9543);
    EXPECT_EQ(c->server.threads, 8u);
    EXPECT_EQ(c->server.max_body_bytes, 4096u);
    EXPECT_EQ(c->server.max_header_bytes, 8192u);
    EXPECT_EQ(c->server.idle_timeout, 5s);
    EXPECT_EQ(c->server.shutdown_grace, 0s);
    EXPECT_EQ(c->server.max_connections, 50u);
    ASSERT_TRUE(c->server.tls);
    EXPECT_EQ(c->server.tls->certificate_chain, "/etc/kms.crt");
    EXPECT_EQ(c->server.tls->client_cas, std::vector{dir.path() / "ca.pem"});
    EXPECT_EQ(c->domain.kms_uri, "kms.fire.example.org");
    EXPECT_EQ(c->domain.issuer, "Fire and Rescue KMS");
    EXPECT_EQ(c->domain.master_key, dir.path() / "keys/master.key");
    EXPECT_EQ(c->domain.user_key_period, 86400s);
    EXPECT_EQ(c->domain.user_key_offset, 3600s);
    EXPECT_EQ(c->domain.certificate_validity, std::chrono::days(30));
    EXPECT_EQ(c->domain.future_key_periods, 3u);
    EXPECT_EQ(c->signing_certificate, dir.path() / "sign.crt");
    EXPECT_EQ(c->signing_key, dir.path() / "sign.key");
    EXPECT_EQ(c->store_url, "sqlite:/var/lib/kms.db");
    EXPECT_EQ(c->access.verifier.audience, "kms-fire");
    EXPECT_EQ(c->access.verifier.leeway, 0s);
    EXPECT_EQ(c->access.user_scope, "u");
    EXPECT_EQ(c->access.admin_scope, "a");
    EXPECT_EQ(c->access.lookup_scope, "l");
    EXPECT_EQ(c->log_level, "debug");
    EXPECT_EQ(c->log_format, support::log_format::json);
}

struct integer_key {
    std::string table;
    std::string key;
    std::int64_t min;
    std::int64_t max;
    std::function<std::int64_t(const kms_config&)> read;
};

std::vector<integer_key> integer_keys() {
    return {
        {"server", "threads", 1, 256, [](const kms_config& c) { return std::int64_t(c.server.threads); }},
        {"server", "max_body_bytes", 1024, 65536,
         [](const kms_config& c) { return std::int64_t(c.server.max_body_bytes); }},
        {"server", "max_header_bytes", 1024, 1048576,
         [](const kms_config& c) { return std::int64_t(c.server.max_header_bytes); }},
        {"server", "idle_timeout_seconds", 1, 3600,
         [](const kms_config& c) { return std::int64_t(c.server.idle_timeout.count()); }},
        {"server", "shutdown_grace_seconds", 0, 600,
         [](const kms_config& c) { return std::int64_t(c.server.shutdown_grace.count()); }},
        {"server", "max_connections", 1, 1000000,
         [](const kms_config& c) { return std::int64_t(c.server.max_connections); }},
        {"domain", "user_key_period_seconds", 3600, 366 * 86400,
         [](const kms_config& c) { return std::int64_t(c.domain.user_key_period.count()); }},
        {"domain", "user_key_offset_seconds", 0, 30 * 86400 - 1,
         [](const kms_config& c) { return std::int64_t(c.domain.user_key_offset.count()); }},
        {"domain", "certificate_validity_days", 1, 7300,
         [](const kms_config& c) { return std::int64_t(c.domain.certificate_validity.count()); }},
        {"domain", "future_key_periods", 0, 12,
         [](const kms_config& c) { return std::int64_t(c.domain.future_key_periods); }},
        {"auth", "leeway_seconds", 0, 300,
         [](const kms_config& c) { return std::int64_t(c.access.verifier.leeway.count()); }},
        {"auth", "max_token_lifetime_seconds", 60, 31 * 86400,
         [](const kms_config& c) { return std::int64_t(c.access.verifier.max_lifetime.count()); }},
    };
}

TEST_F(kms_config_test, when_an_integer_is_at_either_end_of_its_range_then_it_is_read) {
    for (const auto& k : integer_keys()) {
        for (auto value : {k.min, k.max}) {
            auto c = parse(config_text(k.table, k.key + " = " + std::to_string(value)));
            ASSERT_TRUE(c) << k.table << "." << k.key << " = " << value << ": " << c.err().message;
            EXPECT_EQ(k.read(*c), value) << k.table << "." << k.key;
        }
    }
}

TEST_F(kms_config_test, when_an_integer_is_out_of_range_or_not_an_integer_then_the_error_names_line_column_and_range) {
    for (const auto& k : integer_keys()) {
        auto expected = k.table + "." + k.key + " must be an integer from " + std::to_string(k.min) + " to " +
                        std::to_string(k.max);
        for (const auto& value : {std::to_string(k.min - 1), std::to_string(k.max + 1), std::string("\"10\""),
                                  std::string("10.0"), std::string("true")}) {
            auto line = k.key + " = " + value;
            EXPECT_EQ(error_of(config_text(k.table, line)), at_line_2(line, expected));
        }
    }
}

TEST_F(kms_config_test, when_user_key_offset_is_not_below_the_period_then_it_is_refused) {
    auto text = [](const std::string& offset) {
        return config_text("domain", "user_key_offset_seconds = " + offset + "\nuser_key_period_seconds = 3600");
    };
    auto ok = parse(text("3599"));
    ASSERT_TRUE(ok) << ok.err().message;
    EXPECT_EQ(ok->domain.user_key_offset, 3599s);
    EXPECT_EQ(error_of(text("3600")),
              "kms.toml:2:27: domain.user_key_offset_seconds must be an integer from 0 to 3599");
    // The default period, 30 days.
    EXPECT_EQ(error_of(config_text("domain", "user_key_offset_seconds = 2592000")),
              "kms.toml:2:27: domain.user_key_offset_seconds must be an integer from 0 to 2591999");
}

TEST_F(kms_config_test, when_a_string_key_has_another_type_then_the_error_says_it_must_be_a_string) {
    const std::vector<std::pair<std::string, std::string>> strings{
        {"server", "listen"},       {"tls", "certificate"}, {"tls", "private_key"},   {"tls", "client_ca"},
        {"domain", "kms_uri"},      {"domain", "issuer"},   {"domain", "master_key"}, {"signing", "certificate"},
        {"signing", "private_key"}, {"store", "path"},      {"auth", "issuer"},       {"auth", "audience"},
        {"auth", "public_key"},     {"auth", "user_scope"}, {"auth", "admin_scope"},  {"auth", "lookup_scope"},
        {"log", "level"},           {"log", "format"}};
    for (const auto& [table, key] : strings) {
        auto line = key + " = 5";
        if (table == "signing") { // both keys are read when the section is there: the other one must be right
            line += key == "certificate" ? "\nprivate_key = \"s.key\"" : "\ncertificate = \"s.crt\"";
        }
        EXPECT_EQ(error_of(config_text(table, line)), at_line_2(line, table + "." + key + " must be a string"));
    }
    EXPECT_EQ(error_of(config_text("server", "plain_http = \"yes\"")),
              "kms.toml:2:14: server.plain_http must be true or false");
}

TEST_F(kms_config_test, when_a_key_is_unknown_then_the_error_names_it_and_where_it_is) {
    for (const auto& table : {"server", "tls", "domain", "signing", "store", "auth", "log"}) {
        auto line = std::string("colour = 1");
        EXPECT_EQ(error_of(config_text(table, line)), at_line_2(line, std::string(table) + ".colour: unknown key"));
    }
    EXPECT_EQ(error_of("colour = 1\n" + config_text()), "kms.toml:1:10: colour: unknown key");
    EXPECT_EQ(error_of("[xcap]\nroot = \"/xcap\"\n" + config_text()), "kms.toml:1:1: xcap: unknown key")
        << "an unknown table is an unknown key of the root";
    // A misspelt key is an error, never silently a default.
    EXPECT_EQ(error_of(config_text("domain", "user_key_period = 3600")),
              "kms.toml:2:19: domain.user_key_period: unknown key");
}

TEST_F(kms_config_test, when_a_required_key_is_missing_then_the_error_names_it) {
    for (const auto& [drop, key] :
         std::vector<std::pair<std::string, std::string>>{{"domain.kms_uri", "domain.kms_uri"},
                                                          {"domain.master_key", "domain.master_key"},
                                                          {"domain", "domain.kms_uri"},
                                                          {"store.path", "store.url"},
                                                          {"store", "store.url"},
                                                          {"auth.issuer", "auth.issuer"},
                                                          {"auth.audience", "auth.audience"},
                                                          {"auth.public_key", "auth.public_key"},
                                                          {"tls.certificate", "tls.certificate"},
                                                          {"tls.private_key", "tls.private_key"},
                                                          {"tls", "tls.certificate"}}) {
        EXPECT_EQ(error_of(config_text({}, {}, {drop})), "kms.toml: " + key + " is required") << "without " << drop;
    }
}

TEST_F(kms_config_test, when_a_required_key_is_empty_then_it_counts_as_missing) {
    for (const auto& [table, key] : std::vector<std::pair<std::string, std::string>>{{"domain", "kms_uri"},
                                                                                     {"domain", "master_key"},
                                                                                     {"store", "path"},
                                                                                     {"auth", "issuer"},
                                                                                     {"auth", "audience"},
                                                                                     {"auth", "public_key"},
                                                                                     {"tls", "certificate"}}) {
        auto line = key + " = \"\"";
        EXPECT_EQ(error_of(config_text(table, line)),
                  at_line_2(line, table + "." + key + " is required and cannot be empty"));
    }
}

TEST_F(kms_config_test, when_there_is_no_signing_section_then_the_tls_certificate_and_key_sign) {
    auto c = parse(config_text("tls", "certificate = \"/etc/mcprov/kms.crt\""));
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->signing_certificate, "/etc/mcprov/kms.crt");
    EXPECT_EQ(c->signing_key, dir.path() / "kms.key");
}

TEST_F(kms_config_test, when_a_signing_section_is_given_then_it_signs_instead_of_tls) {
    auto c = parse("[signing]\ncertificate = \"sign.crt\"\nprivate_key = \"/keys/sign.key\"\n" + config_text());
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->signing_certificate, dir.path() / "sign.crt");
    EXPECT_EQ(c->signing_key, "/keys/sign.key");
    EXPECT_EQ(c->server.tls->certificate_chain, dir.path() / "kms.crt");

    EXPECT_EQ(error_of("[signing]\ncertificate = \"sign.crt\"\n" + config_text()),
              "kms.toml: signing.private_key is required");
    EXPECT_EQ(error_of("[signing]\nprivate_key = \"sign.key\"\n" + config_text()),
              "kms.toml: signing.certificate is required");
}

TEST_F(kms_config_test, when_plain_http_without_a_signing_section_then_signing_is_required) {
    EXPECT_EQ(error_of(config_text("server", "plain_http = true", {"tls"})),
              "kms.toml: signing.certificate is required");
    auto c = parse(config_text("server", "plain_http = true", {"tls"}) +
                   "[signing]\ncertificate = \"sign.crt\"\nprivate_key = \"sign.key\"\n");
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_FALSE(c->server.tls);
    EXPECT_EQ(c->signing_certificate, dir.path() / "sign.crt");
}

TEST_F(kms_config_test, when_plain_http_is_on_a_loopback_address_then_it_is_allowed_and_elsewhere_refused) {
    const std::string signing = "[signing]\ncertificate = \"sign.crt\"\nprivate_key = \"sign.key\"\n";
    for (const auto* listen : {"127.0.0.1:8543", "127.0.0.2:0", "[::1]:8543"}) {
        auto c = parse("[server]\nplain_http = true\nlisten = \"" + std::string(listen) + "\"\n" +
                       config_text({}, {}, {"tls", "server"}) + signing);
        EXPECT_TRUE(c) << listen << ": " << c.err().message;
    }
    auto by_default = parse(config_text("server", "plain_http = true", {"tls"}) + signing);
    EXPECT_TRUE(by_default) << "the default listen address is 127.0.0.1";
    for (const auto* listen : {"0.0.0.0:8543", "192.0.2.10:8543", "[::]:8543", "localhost:8543"}) {
        EXPECT_EQ(error_of("[server]\nplain_http = true\nlisten = \"" + std::string(listen) + "\"\n" +
                           config_text({}, {}, {"tls", "server"}) + signing),
                  "kms.toml:2:14: server.plain_http is only allowed on a loopback listen address")
            << listen;
    }
    EXPECT_EQ(error_of(config_text("server", "plain_http = true")),
              "kms.toml:2:14: server.plain_http = true and a [tls] section exclude each other");
}

TEST_F(kms_config_test, when_listen_is_not_address_and_port_then_refused) {
    for (const auto* listen : {"8543", "host:", "host:70000", ":8543"}) {
        auto line = "listen = \"" + std::string(listen) + "\"";
        EXPECT_EQ(error_of(config_text("server", line)),
                  at_line_2(line, "server.listen must be address:port, e.g. 127.0.0.1:8443 or [::1]:8443"));
    }
}

TEST_F(kms_config_test, when_kms_uri_is_not_a_plain_uri_then_refused) {
    const std::string message = "domain.kms_uri must be a URI of at most 255 printable ASCII characters without "
                                "spaces or <>\"'&, e.g. kms.police.example.org";
    for (const auto* uri : {"kms police", "kms<police>", "kms&police", "kms'police", "kms\\\"police", "kms\\tpolice",
                            "kms\\u0001police", "kms.pol\\u00EDcia.example.org"}) {
        auto line = "kms_uri = \"" + std::string(uri) + "\"";
        EXPECT_EQ(error_of(config_text("domain", line)), at_line_2(line, message)) << uri;
    }
    auto longest = "kms_uri = \"" + std::string(251, 'k') + ".org\"";
    auto c = parse(config_text("domain", longest));
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->domain.kms_uri.size(), 255u);
    EXPECT_EQ(c->domain.issuer, c->domain.kms_uri);
    auto too_long = "kms_uri = \"" + std::string(252, 'k') + ".org\"";
    EXPECT_EQ(error_of(config_text("domain", too_long)), at_line_2(too_long, message));
    auto with_scheme = parse(config_text("domain", "kms_uri = \"https://kms.police.example.org/\""));
    EXPECT_TRUE(with_scheme) << with_scheme.err().message;
}

TEST_F(kms_config_test, when_issuer_is_given_then_it_may_be_any_text_without_control_characters) {
    auto c = parse(config_text("domain", "issuer = \"Police KMS, Région Nord\""));
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->domain.issuer, "Police KMS, Région Nord");
    auto none = parse(config_text("domain", "issuer = \"\""));
    ASSERT_TRUE(none) << none.err().message;
    EXPECT_EQ(none->domain.issuer, "");
    const std::string message = "domain.issuer must be at most 1024 characters without control characters";
    for (const auto& line : {std::string("issuer = \"a\\nb\""), std::string("issuer = \"a\\u007Fb\""),
                             "issuer = \"" + std::string(1025, 'i') + "\""}) {
        EXPECT_EQ(error_of(config_text("domain", line)), at_line_2(line, message));
    }
}

TEST_F(kms_config_test, when_a_scope_is_empty_or_holds_a_space_then_refused) {
    for (const auto* key : {"user_scope", "admin_scope", "lookup_scope"}) {
        for (const auto* value : {"", "kms admin", "k\\u00E9y"}) {
            auto line = std::string(key) + " = \"" + value + "\"";
            EXPECT_EQ(
                error_of(config_text("auth", line)),
                at_line_2(line, "auth." + std::string(key) + " must be one scope: printable ASCII without spaces"));
        }
    }
}

TEST_F(kms_config_test, when_log_level_or_format_is_unknown_then_refused) {
    EXPECT_EQ(error_of(config_text("log", "level = \"verbose\"")),
              "kms.toml:2:9: log.level must be one of trace, debug, info, warn, error, critical, off");
    EXPECT_EQ(error_of(config_text("log", "format = \"xml\"")), "kms.toml:2:10: log.format must be text or json");
    for (const auto* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
        auto c = parse(config_text("log", "level = \"" + std::string(level) + "\""));
        ASSERT_TRUE(c) << level;
        EXPECT_EQ(c->log_level, level);
    }
}

TEST_F(kms_config_test, when_the_idms_public_key_cannot_be_read_then_the_error_names_the_key) {
    auto message = error_of(config_text("auth", "public_key = \"missing.pem\""));
    EXPECT_TRUE(message.starts_with("kms.toml: auth.public_key: ")) << message;
    EXPECT_NE(message.find("missing.pem"), std::string::npos) << message;
}

TEST_F(kms_config_test, when_the_file_is_not_toml_then_the_error_has_its_position) {
    auto message = error_of("[domain]\nkms_uri = \"kms.police.example.org\n");
    EXPECT_TRUE(message.starts_with("kms.toml:2:")) << message;
}

TEST_F(kms_config_test, when_loaded_from_a_file_then_relative_paths_are_taken_from_its_folder) {
    auto folder = dir.path() / "etc";
    std::filesystem::create_directories(folder);
    ASSERT_TRUE(support::write_file(folder / "idms.pub", idms_key));
    ASSERT_TRUE(support::write_file(folder / "kms.toml", config_text()));
    auto c = load_kms_config(folder / "kms.toml");
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->domain.master_key, folder / "master.key");
    EXPECT_EQ(c->store_url, "sqlite:" + (folder / "kms.db").string());
    EXPECT_EQ(c->signing_key, folder / "kms.key");

    ASSERT_TRUE(support::write_file(folder / "bad.toml", config_text("server", "threads = 0")));
    auto bad = load_kms_config(folder / "bad.toml");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.err().message,
              (folder / "bad.toml").string() + ":2:11: server.threads must be an integer from 1 to 256");
    EXPECT_FALSE(load_kms_config(folder / "none.toml"));
}

// The example file, with the files it names made to exist in a temp folder (the parse reads the IdMS key).
std::string example_in(const std::filesystem::path& folder) {
    auto text = support::read_file(MCPROV_SOURCE_DIR "/config/kms.example.toml");
    if (!text) {
        ADD_FAILURE() << text.err().message;
        return {};
    }
    auto replaced = std::regex_replace(*text, std::regex("\"/(etc|var/lib)/mcprov/"), "\"" + folder.string() + "/");
    const std::regex file_name("\"([^\"\n]+\\.(pem|crt|key))\"");
    for (std::sregex_iterator it(replaced.begin(), replaced.end(), file_name), end; it != end; ++it) {
        std::filesystem::path file((*it)[1].str());
        if (file.is_relative()) {
            file = folder / file;
        }
        (void)support::write_file(file, idms_key); // a name outside the temp folder stays missing: the parse says so
    }
    return replaced;
}

TEST_F(kms_config_test, when_the_example_file_is_parsed_then_it_is_valid_and_shows_the_defaults) {
    auto c = parse_kms_config(example_in(dir.path()), "kms.example.toml", dir.path());
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->server.address, "0.0.0.0");
    EXPECT_EQ(c->server.port, 8543);
    ASSERT_TRUE(c->server.tls);
    EXPECT_EQ(c->signing_certificate, c->server.tls->certificate_chain);
    EXPECT_EQ(c->signing_key, c->server.tls->private_key);
    EXPECT_EQ(c->domain.kms_uri, "kms.police.example.org");
    EXPECT_EQ(c->access.verifier.public_key_pem, idms_key);

    // Every value the example shows is the default (but for the addresses, names and files it must give).
    auto defaults = parse(config_text());
    ASSERT_TRUE(defaults) << defaults.err().message;
    EXPECT_EQ(c->server.threads, defaults->server.threads);
    EXPECT_EQ(c->server.max_body_bytes, defaults->server.max_body_bytes);
    EXPECT_EQ(c->server.max_header_bytes, defaults->server.max_header_bytes);
    EXPECT_EQ(c->server.idle_timeout, defaults->server.idle_timeout);
    EXPECT_EQ(c->server.shutdown_grace, defaults->server.shutdown_grace);
    EXPECT_EQ(c->server.max_connections, defaults->server.max_connections);
    EXPECT_EQ(c->domain.issuer, c->domain.kms_uri);
    EXPECT_EQ(c->domain.user_key_period, defaults->domain.user_key_period);
    EXPECT_EQ(c->domain.user_key_offset, defaults->domain.user_key_offset);
    EXPECT_EQ(c->domain.certificate_validity, defaults->domain.certificate_validity);
    EXPECT_EQ(c->domain.future_key_periods, defaults->domain.future_key_periods);
    EXPECT_EQ(c->access.user_scope, defaults->access.user_scope);
    EXPECT_EQ(c->access.admin_scope, defaults->access.admin_scope);
    EXPECT_EQ(c->access.lookup_scope, defaults->access.lookup_scope);
    EXPECT_EQ(c->access.verifier.leeway, defaults->access.verifier.leeway);
    EXPECT_EQ(c->log_level, defaults->log_level);
    EXPECT_EQ(c->log_format, defaults->log_format);
}

TEST_F(kms_config_test, when_the_examples_signing_section_is_uncommented_then_it_signs) {
    auto text = std::regex_replace(example_in(dir.path()),
                                   std::regex("\n# (\\[signing\\]|certificate = \"[^\"]*signing|private_key = "
                                              "\"[^\"]*signing)"),
                                   "\n$1");
    ASSERT_NE(text.find("\n[signing]\ncertificate = "), std::string::npos) << text;
    auto c = parse_kms_config(text, "kms.example.toml", dir.path());
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->signing_certificate, dir.path() / "kms-signing.crt");
    EXPECT_EQ(c->signing_key, dir.path() / "kms-signing.key");
}

TEST_F(kms_config_test, when_the_example_file_is_read_then_it_names_every_key) {
    auto text = support::read_file(MCPROV_SOURCE_DIR "/config/kms.example.toml");
    ASSERT_TRUE(text);
    const std::vector<std::pair<std::string, std::vector<std::string>>> keys{
        {"server",
         {"listen", "threads", "max_body_bytes", "max_header_bytes", "idle_timeout_seconds", "shutdown_grace_seconds",
          "max_connections", "plain_http"}},
        {"tls", {"certificate", "private_key", "client_ca"}},
        {"domain",
         {"kms_uri", "issuer", "master_key", "user_key_period_seconds", "user_key_offset_seconds",
          "certificate_validity_days", "future_key_periods"}},
        {"signing", {"certificate", "private_key"}},
        {"store", {"path"}},
        {"auth",
         {"issuer", "audience", "public_key", "user_scope", "admin_scope", "lookup_scope", "leeway_seconds",
          "max_token_lifetime_seconds"}},
        {"log", {"level", "format"}}};
    for (const auto& [table, names] : keys) {
        // The table's part of the file: from its header (perhaps commented out) to the next header.
        const std::regex header("\n(# )?\\[" + table + "\\]\n");
        std::smatch m;
        ASSERT_TRUE(std::regex_search(*text, m, header)) << table;
        auto start = static_cast<std::size_t>(m.position(0) + m.length(0));
        auto end = std::min(text->find("\n[", start), text->find("\n# [", start));
        auto part = text->substr(start, end == std::string::npos ? std::string::npos : end - start);
        for (const auto& name : names) {
            EXPECT_TRUE(std::regex_search(part, std::regex("(^|\n)(# )?" + name + " = ")))
                << table << "." << name << " is not in the example";
        }
    }
}

} // namespace
} // namespace mcprov::kms
