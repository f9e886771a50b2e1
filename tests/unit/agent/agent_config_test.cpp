#include <gtest/gtest.h>

#include <regex>

#include "../temp_dir.hpp"
#include "mcprov/agent/device_agent.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::agent {
namespace {

TEST(agent_config, when_the_example_file_is_parsed_then_it_is_valid) {
    auto text = support::read_file(MCPROV_SOURCE_DIR "/config/agent.example.toml");
    ASSERT_TRUE(text);
    testing::temp_dir dir;
    auto replaced =
        std::regex_replace(*text, std::regex("\"/(etc|var/lib)/mcprov/"), "\"" + dir.path().string() + "/");
    const std::regex file_name("\"([^\"\n]+\\.(pem|crt|key))\"");
    for (std::sregex_iterator it(replaced.begin(), replaced.end(), file_name), end; it != end; ++it) {
        (void)support::write_file(std::filesystem::path((*it)[1].str()), "pem");
    }
    auto c = parse_agent_config(replaced, "agent.example.toml", dir.path());
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->device_id(), "IMEI:493005100592800");
    ASSERT_EQ(c->accounts.size(), 1u);
    EXPECT_EQ(c->accounts[0].account.client.type, "DIGEST");
    ASSERT_TRUE(c->push);
    EXPECT_EQ(c->push->port, 9100);
    ASSERT_TRUE(c->card);
    EXPECT_EQ(c->card->reader, "mcprov vpcd");
    EXPECT_EQ(c->card->pin, "1234");
    EXPECT_EQ(c->card->locked, std::vector<std::string>{"./Vendor/acme/Corporate"});
    EXPECT_EQ(c->card->device_class, "mcx-handset");
}

TEST(agent_config, when_the_card_slot_is_misconfigured_then_the_error_names_the_key) {
    testing::temp_dir dir;
    const std::string base = "[device]\nid = \"IMEI:352099001761481\"\n[store]\npath = \"a.db\"\n[card]\n";
    for (const auto& [card, key] : {std::pair{std::string("pin = \"12\"\nnetwork = \"https://n/\"\n"), "pin"},
                                    {"network = \"ftp://n/\"\n", "network"},
                                    {"bsf = \"ftp://b/\"\n", "bsf"},
                                    {"network = \"https://n/\"\nlocked = [\"DMAcc\"]\n", "locked"},
                                    {"network = \"https://n/\"\ndevice_class = \"x\"\n", "device_class"}}) {
        auto c = parse_agent_config(base + card, "agent.toml", dir.path());
        ASSERT_FALSE(c.has_value()) << card;
        EXPECT_NE(c.err().message.find(key), std::string::npos) << c.err().message;
    }
    // With a card slot, the DM accounts may all come from the card; a device that only bootstraps has no network.
    EXPECT_TRUE(parse_agent_config(base + "network = \"https://n/\"\n", "agent.toml", dir.path()).has_value());
    EXPECT_TRUE(parse_agent_config(base + "bsf = \"https://b/\"\n", "agent.toml", dir.path()).has_value());
}

TEST(agent_config, when_an_account_is_unusable_then_the_error_names_it) {
    testing::temp_dir dir;
    const std::string base = "[device]\nid = \"IMEI:1\"\n[store]\npath = \"a.db\"\n";
    const std::string account = "[[account]]\nserver_id = \"s\"\nclient_secret = \"c\"\nserver_secret = \"d\"\n";
    for (const auto& [extra, key] :
         {std::pair{account + "address = \"http://dms.example.org/dm\"\n", "address"},
          {account + "address = \"http://localhost.example.org/dm\"\n", "address"},
          {account + "address = \"https://x/dm\"\nca = \"missing.pem\"\n", "ca"},
          {account + "address = \"https://x/dm\"\n" + account + "address = \"https://y/dm\"\n", "server_id"},
          {"[[account]]\nserver_id = \"a+b\"\nclient_secret = \"c\"\nserver_secret = \"d\"\naddress = \"https://x\"\n",
           "server_id"},
          {std::string(), "account"}}) {
        auto c = parse_agent_config(base + extra, "agent.toml", dir.path());
        ASSERT_FALSE(c) << extra;
        EXPECT_NE(c.err().message.find(key), std::string::npos) << c.err().message;
    }
    auto loopback = parse_agent_config(base + account + "address = \"http://127.0.0.1:8445/dm\"\n", "a", dir.path());
    EXPECT_TRUE(loopback) << loopback.err().message;
}

} // namespace
} // namespace mcprov::agent
