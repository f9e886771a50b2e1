#include <gtest/gtest.h>

#include "mcprov/sip_as/sip_as_service.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::sip_as {
namespace {

TEST(sip_as_config, when_the_example_is_read_then_its_domains_and_policy_are_taken) {
    auto text = support::read_file(MCPROV_SOURCE_DIR "/config/sip-as.example.toml");
    ASSERT_TRUE(text.has_value());
    auto c = parse_sip_as_config(*text, "sip-as.example.toml", MCPROV_SOURCE_DIR "/config");
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->listen_port, 5070);
    EXPECT_EQ(c->uri, "sip:as.mcx-a.example.org");
    EXPECT_EQ(c->next_hop, "sip:127.0.0.1:5080");
    ASSERT_EQ(c->domains.size(), 2u);
    EXPECT_EQ(c->domains[1].permitted_external, (std::vector<std::string>{"kms.police.mcx-a.example.org"}));
    EXPECT_TRUE(c->policy.allows("kms.fire.mcx-a.example.org"));
    EXPECT_FALSE(c->policy.allows("kms.ambulance.mcx-a.example.org"));
    EXPECT_FALSE(c->krr_key);
}

TEST(sip_as_config, when_a_value_is_wrong_then_the_key_is_named) {
    const std::pair<const char*, const char*> cases[] = {
        {"[as]\nuri = \"sip:as\"\n[server]\nlisten = \"127.0.0.1:0\"\n", "server.listen"},
        {"[as]\nuri = \"http://as\"\n", "as.uri"},
        {"[as]\nuri = \"sip:as\"\nnext_hop = \"127.0.0.1:5080\"\n", "as.next_hop"},
        {"[as]\nuri = \"sip:as\"\n[[domain]]\nmembers = [\"sip:a@b\"]\n", "kms_uri"},
        {"[as]\nuri = \"sip:as\"\n[krr]\ncertificate = \"no-such.crt\"\nprivate_key = \"no-such.key\"\n", "krr"},
        {"[as]\nuri = \"sip:as\"\nrouting = 1\n", "routing"},
        {"", "as.uri"},
        {"[as]\nuri = \"sip:as\"\n", "[[domain]]"},
        {"[as]\nuri = \"sip:as\"\n[[follow]]\nkms = \"http://kms.example.org\"\nca = \"ca.pem\"\n", "follow[1].kms"},
    };
    for (const auto& [text, key] : cases) {
        auto c = parse_sip_as_config(text, "sip-as.toml", "/nonexistent");
        ASSERT_FALSE(c) << text;
        EXPECT_NE(c.err().message.find(key), std::string::npos) << c.err().message;
    }
}

} // namespace
} // namespace mcprov::sip_as
