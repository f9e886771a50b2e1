#include <gtest/gtest.h>

#include "mcprov/dms/client_authentication.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::dms {
namespace {

// Nonces "nonce-1", "nonce-2", ... so that tests can follow them.
struct counting_nonces {
    std::shared_ptr<int> issued = std::make_shared<int>(0);
    std::string operator()() const { return "nonce-" + std::to_string(++*issued); }
};

class client_authentication_test : public ::testing::Test {
protected:
    device_credentials device{"IMEI:493005100592800", "device-secret", "nonce-0", "dms.mcx-a.example.org",
                              "server-secret", "device-nonce"};
    counting_nonces nonces;
    session_authentication session;

    presented_credentials md5_from(const device_credentials& d) {
        syncml::credential cred;
        cred.meta.type = std::string(syncml::auth_md5);
        cred.meta.format = "b64";
        cred.data = syncml::md5_credential(d.client_name, d.client_secret, d.client_nonce);
        return {cred, std::nullopt, {}, d.client_name};
    }
};

TEST_F(client_authentication_test, when_no_credentials_come_then_407_with_a_fresh_nonce) {
    client_authentication auth(auth_scheme::md5, nonces);
    auto out = auth.run({}, device, session);
    EXPECT_EQ(out.status, 407u);
    ASSERT_TRUE(out.chal);
    EXPECT_EQ(out.chal->type, "syncml:auth-md5");
    EXPECT_EQ(out.chal->format, "b64");
    EXPECT_EQ(out.chal->next_nonce, support::base64_encode("nonce-1"));
    EXPECT_EQ(out.new_nonce, "nonce-1");
    EXPECT_FALSE(out.end_session);
    EXPECT_FALSE(session.authenticated);
}

TEST_F(client_authentication_test, when_md5_credentials_are_right_then_212_and_a_nonce_for_next_time) {
    client_authentication auth(auth_scheme::md5, nonces);
    auto out = auth.run(md5_from(device), device, session);
    EXPECT_EQ(out.status, 212u);
    EXPECT_TRUE(session.authenticated);
    EXPECT_EQ(out.new_nonce, "nonce-1");
    // The rest of the session needs no credentials.
    auto next = auth.run({}, device, session);
    EXPECT_EQ(next.status, 200u);
    EXPECT_FALSE(next.chal);
}

TEST_F(client_authentication_test, when_a_message_is_replayed_after_the_nonce_changed_then_401) {
    client_authentication auth(auth_scheme::md5, nonces);
    const auto old = md5_from(device);
    ASSERT_EQ(auth.run(old, device, session).status, 212u);
    device.client_nonce = "nonce-1"; // kept by the server after the 212
    session_authentication next_session;
    auto replayed = auth.run(old, device, next_session);
    EXPECT_EQ(replayed.status, 401u);
    EXPECT_FALSE(next_session.authenticated);
    EXPECT_EQ(replayed.new_nonce, "nonce-2");
}

TEST_F(client_authentication_test, when_credentials_fail_twice_then_the_session_ends_without_another_challenge) {
    client_authentication auth(auth_scheme::md5, nonces);
    auto wrong = device;
    wrong.client_secret = "guess";
    auto first = auth.run(md5_from(wrong), device, session);
    EXPECT_EQ(first.status, 401u);
    ASSERT_TRUE(first.chal);
    auto second = auth.run(md5_from(wrong), device, session);
    EXPECT_EQ(second.status, 401u);
    EXPECT_TRUE(second.chal) << "one new challenge after the first failure";
    auto third = auth.run(md5_from(wrong), device, session);
    EXPECT_EQ(third.status, 401u);
    EXPECT_FALSE(third.chal);
    EXPECT_TRUE(third.end_session);
}

TEST_F(client_authentication_test, when_the_name_scheme_or_nonce_differs_then_401) {
    client_authentication auth(auth_scheme::md5, nonces);
    auto other_name = md5_from(device);
    other_name.source_name = "someone-else";
    EXPECT_EQ(auth.run(other_name, device, session).status, 401u);
    session = {};
    auto basic = md5_from(device);
    basic.cred->meta.type = std::string(syncml::auth_basic);
    basic.cred->data = syncml::basic_credential(device.client_name, device.client_secret);
    EXPECT_EQ(auth.run(basic, device, session).status, 401u) << "the scheme is the server's to choose";
    session = {};
    auto stale = device;
    stale.client_nonce = "an older nonce";
    EXPECT_EQ(auth.run(md5_from(stale), device, session).status, 401u);
}

TEST_F(client_authentication_test, when_mac_is_required_then_every_message_carries_a_mac_over_its_body) {
    client_authentication auth(auth_scheme::mac, nonces);
    const std::string body = "<SyncML xmlns=\"SYNCML:SYNCML1.2\">...</SyncML>";
    auto mac_of = [&](std::string_view b, const std::string& nonce) {
        presented_credentials p;
        p.hmac = syncml::hmac_header{device.client_name,
                                     syncml::mac_credential(device.client_name, device.client_secret, nonce, b)};
        p.body = b;
        return p;
    };
    EXPECT_EQ(auth.run({}, device, session).status, 407u);
    EXPECT_EQ(auth.run(mac_of(body, device.client_nonce), device, session).status, 212u);
    device.client_nonce = "nonce-2";
    EXPECT_EQ(auth.run(mac_of(body, "nonce-2"), device, session).status, 200u);
    // A body changed on the way no longer matches its MAC.
    auto tampered = mac_of(body, "nonce-2");
    const std::string changed = body + " ";
    tampered.body = changed;
    auto out = auth.run(tampered, device, session);
    EXPECT_EQ(out.status, 401u);
    EXPECT_FALSE(session.authenticated);
    ASSERT_TRUE(out.chal);
    EXPECT_EQ(out.chal->type, "syncml:auth-MAC");
}

TEST_F(client_authentication_test, when_the_server_presents_itself_then_its_md5_uses_the_devices_nonce) {
    client_authentication auth(auth_scheme::md5, nonces);
    auto cred = auth.server_credential(device);
    EXPECT_EQ(cred.meta.type, "syncml:auth-md5");
    EXPECT_EQ(cred.data, syncml::md5_credential("dms.mcx-a.example.org", "server-secret", "device-nonce"));
}

TEST(random_nonce, when_drawn_then_sixteen_bytes_each_time_different) {
    auto a = syncml::random_nonce();
    auto b = syncml::random_nonce();
    EXPECT_EQ(a.size(), 16u);
    EXPECT_NE(a, b);
}

} // namespace
} // namespace mcprov::dms
