#include <gtest/gtest.h>

#include "mcprov/agent/dm_account.hpp"
#include "mcprov/syncml/credentials.hpp"

namespace mcprov::agent {
namespace {

using support::errc;

dm_account account() {
    dm_account a;
    a.node = "mcxa";
    a.server_id = "dms.mcx-a.example.org";
    a.name = "mcx-a device management";
    a.address = "https://dms.mcx-a.example.org:8446/dm";
    a.preferred = "DIGEST";
    a.client = {"DIGEST", "IMEI:493005100592800", "device-secret", "server-given"};
    a.server = {"DIGEST", "dms.mcx-a.example.org", "server-secret", "device-given"};
    return a;
}

TEST(dm_account, when_installed_then_it_reads_back_by_server_id) {
    management_tree tree;
    ASSERT_TRUE(install_account(tree, account()));
    auto a = read_account(tree, "dms.mcx-a.example.org");
    ASSERT_TRUE(a) << a.err().message;
    EXPECT_EQ(a->node, "mcxa");
    EXPECT_EQ(a->address, "https://dms.mcx-a.example.org:8446/dm");
    EXPECT_EQ(a->client.name, "IMEI:493005100592800");
    EXPECT_EQ(a->client.secret, "device-secret");
    EXPECT_EQ(a->client.nonce, "server-given");
    EXPECT_EQ(a->server.secret, "server-secret");
    EXPECT_EQ(tree.get("./DMAcc/mcxa?prop=Type", "dms.mcx-a.example.org").value->data, std::string(dmacc_type));
    EXPECT_EQ(read_account(tree, "another").err().code, errc::not_found);
}

TEST(dm_account, when_servers_read_the_account_then_only_its_own_server_and_never_the_secrets) {
    management_tree tree;
    ASSERT_TRUE(install_account(tree, account()));
    const std::string own = "dms.mcx-a.example.org";
    EXPECT_EQ(tree.get("./DMAcc/mcxa/AppAddr/1/Addr", own).status, dm_status::ok);
    EXPECT_EQ(tree.get("./DMAcc/mcxa/AppAddr/1/Addr", "dms.other").status, dm_status::permission_denied);
    EXPECT_EQ(tree.get("./DMAcc/mcxa/AppAuth/1/AAuthSecret", own).status, dm_status::not_allowed);
    EXPECT_EQ(tree.get("./DMAcc/mcxa/AppAuth/2/AAuthData", own).status, dm_status::not_allowed);
    EXPECT_EQ(tree.replace("./DMAcc/mcxa/AppAuth/1/AAuthSecret", {"chr", "text/plain", "rotated"}, own), dm_status::ok);
    EXPECT_EQ(read_account(tree, own)->client.secret, "rotated");
}

TEST(dm_account, when_a_nonce_is_kept_then_the_next_credential_uses_it) {
    management_tree tree;
    ASSERT_TRUE(install_account(tree, account()));
    auto a = read_account(tree, "dms.mcx-a.example.org").value();
    const std::string raw("\x00\x01\xfe\xff", 4);
    ASSERT_TRUE(keep_client_nonce(tree, a, raw));
    a = read_account(tree, "dms.mcx-a.example.org").value();
    EXPECT_EQ(a.client.nonce, raw);
    auto cred = client_credential(a, syncml::auth_md5);
    EXPECT_EQ(cred.meta.type, "syncml:auth-md5");
    EXPECT_EQ(cred.meta.format, "b64");
    EXPECT_EQ(cred.data, syncml::md5_credential("IMEI:493005100592800", "device-secret", raw));
    EXPECT_EQ(client_credential(a, syncml::auth_basic).data,
              syncml::basic_credential("IMEI:493005100592800", "device-secret"));
}

TEST(dm_account, when_the_server_presents_credentials_then_only_the_right_ones_verify) {
    const auto a = account();
    syncml::credential right;
    right.meta.type = std::string(syncml::auth_md5);
    right.data = syncml::md5_credential("dms.mcx-a.example.org", "server-secret", "device-given");
    EXPECT_TRUE(verify_server_credential(a, right));
    auto stale = right;
    stale.data = syncml::md5_credential("dms.mcx-a.example.org", "server-secret", "an old nonce");
    EXPECT_FALSE(verify_server_credential(a, stale));
    auto basic = right;
    basic.meta.type = std::string(syncml::auth_basic);
    basic.data = syncml::basic_credential("dms.mcx-a.example.org", "server-secret");
    EXPECT_FALSE(verify_server_credential(a, basic)) << "the account asks for DIGEST";
}

TEST(dm_account, when_an_account_lacks_its_address_or_a_level_then_invalid_argument) {
    management_tree tree;
    auto a = account();
    a.address = "";
    ASSERT_TRUE(install_account(tree, a));
    auto read = read_account(tree, "dms.mcx-a.example.org");
    ASSERT_FALSE(read);
    EXPECT_EQ(read.err().code, errc::invalid_argument);
}

} // namespace
} // namespace mcprov::agent
