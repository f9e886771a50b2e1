#include <gtest/gtest.h>

#include <regex>

#include "../temp_dir.hpp"
#include "mcprov/dms/dms_config.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::dms {
namespace {

// The example file, with every file it names made to exist in a temp folder, and its [mc] table uncommented.
std::string example_in(const std::filesystem::path& folder, bool with_mc) {
    auto text = support::read_file(MCPROV_SOURCE_DIR "/config/dms.example.toml");
    EXPECT_TRUE(text);
    auto replaced =
        std::regex_replace(text.value(), std::regex("\"/(etc|var/lib)/mcprov/"), "\"" + folder.string() + "/");
    if (with_mc) {
        // The lines of the commented-out [mc] table, up to the blank line that ends it.
        const auto start = replaced.find("\n# [mc]");
        const auto end = replaced.find("\n\n", start);
        EXPECT_NE(start, std::string::npos);
        auto table = replaced.substr(start, end - start);
        table = std::regex_replace(table, std::regex("\n# "), "\n");
        replaced = replaced.substr(0, start) + table + replaced.substr(end);
    }
    const std::regex file_name("\"([^\"\n]+\\.(pem|crt|key|pub))\"");
    for (std::sregex_iterator it(replaced.begin(), replaced.end(), file_name), end; it != end; ++it) {
        (void)support::write_file(std::filesystem::path((*it)[1].str()), "key");
    }
    const std::regex job_file("\"([^\"\n]+\\.json)\"");
    for (std::sregex_iterator it(replaced.begin(), replaced.end(), job_file), end; it != end; ++it) {
        (void)support::write_file(std::filesystem::path((*it)[1].str()),
                                  R"({"commands":[{"command":"replace","target":"./Vendor/acme/APN","data":"a"}]})");
    }
    return replaced;
}

TEST(dms_config, when_the_example_file_is_parsed_then_it_is_valid_and_shows_the_defaults) {
    testing::temp_dir dir;
    auto c = parse_dms_config(example_in(dir.path(), false), "dms.example.toml", dir.path());
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->session.server_id, "dms.mcx-a.example.org");
    EXPECT_EQ(c->session.scheme, auth_scheme::md5);
    EXPECT_EQ(c->dm_path, "/dm");
    ASSERT_TRUE(c->zn.has_value());
    EXPECT_EQ(c->subscribers.home_networks, std::vector<std::string>{"00101"});
    ASSERT_EQ(c->subscribers.corporations.size(), 1u);
    EXPECT_EQ(c->subscribers.corporations.front().name, "acme");
    ASSERT_TRUE(c->subscribers.used_device.has_value());
    ASSERT_TRUE(c->subscribers.used_device->gate.has_value());
    EXPECT_EQ(c->subscribers.used_device->gate->confirmation, "Configure this device for the operator?");
    ASSERT_TRUE(c->hlr.has_value());
    EXPECT_EQ(c->hlr->host, "127.0.0.1");
    EXPECT_EQ(c->hlr->port, 4222);
    EXPECT_EQ(c->hlr->timeout, std::chrono::milliseconds(5000));
    EXPECT_FALSE(c->mc);
}

TEST(dms_config, when_the_examples_mc_table_is_uncommented_then_it_makes_valid_mc_documents) {
    testing::temp_dir dir;
    auto c = parse_dms_config(example_in(dir.path(), true), "dms.example.toml", dir.path());
    ASSERT_TRUE(c) << c.err().message;
    ASSERT_TRUE(c->mc);
    EXPECT_EQ(c->mc->domain, "mcx-a.example.org");
}

TEST(dms_config, when_a_key_is_wrong_then_the_error_names_it) {
    testing::temp_dir dir;
    (void)support::write_file(dir.path() / "idms.pub", "key");
    const std::string base = "[server]\nplain_http = true\n[store]\npath = \"dms.db\"\n[auth]\nissuer = \"i\"\n"
                             "audience = \"a\"\npublic_key = \"idms.pub\"\n";
    for (const auto& [extra, key] :
         {std::pair{"[dm]\nserver_id = \"s\"\nauth = \"sha1\"\n", "dm.auth"},
          {"[dm]\nserver_id = \"s\"\nauth = \"basic\"\n", "dm.auth"},
          {"[dm]\nserver_id = \"s\"\nserver_uri = \"https://x/dm?a=b\"\n", "dm.server_uri"},
          {"[dm]\nserver_id = \"s\"\nclient_certificates = \"required\"\n", "dm.client_certificates"},
          {"[dm]\nserver_id = \"s\"\n[mc]\ndomain = \"d\"\n", "mc."},
          {"[dm]\nserver_id = \"s\"\n[gba]\nbsf = \"ftp://b\"\ncertificate = \"idms.pub\"\nprivate_key = \"idms.pub\"\n",
           "gba.bsf"},
          {"[dm]\nserver_id = \"s\"\n[subscribers]\nhome_networks = [\"001\"]\n", "subscribers.home_networks"},
          {"[dm]\nserver_id = \"s\"\n[[corporation]]\nname = \"c\"\nsubscriptions = [\"12a\"]\n", "subscriptions"},
          {"[dm]\nserver_id = \"s\"\n[used_device]\njob = \"idms.pub\"\n", "used_device.job"},
          {"[dm]\nserver_id = \"s\"\n[used_device]\njob = \"idms.pub\"\nlevel = \"device\"\n", "used_device.level"},
          {"[dm]\n", "dm.server_id"}}) {
        auto c = parse_dms_config(base + extra, "dms.toml", dir.path());
        ASSERT_FALSE(c) << extra;
        EXPECT_NE(c.err().message.find(key), std::string::npos) << c.err().message;
    }
}

} // namespace
} // namespace mcprov::dms
