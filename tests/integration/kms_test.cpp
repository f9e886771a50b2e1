// Two security domains, each served by its own `mcprov kms` process over HTTPS on loopback, and MC clients played by
// `mcprov kmc`: keys fetched from the KMSs, I_MESSAGEs between users of the two domains, the domains' policies,
// revocation and use reports.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <regex>

#include "../unit/store/postgres_server.hpp"
#include "../unit/temp_dir.hpp"
#include "child_process.hpp"
#include "sip_port.hpp"
#include "sipp_scenarios.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/kms/master_secret_vault.hpp"
#include "mcprov/kms/security_domain_store.hpp"
#include "mcprov/mikey/user_identifier.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* key_scope = "3gpp:mc:key_management_service";
const std::string alice = "sip:alice@police.example.org"; // police only
const std::string bob = "sip:bob@fire.example.org";       // fire only
const std::string dave = "sip:dave@example.org";          // both

struct command_result {
    int status = -1;
    std::string out;
    std::string err;
};

class kms_two_domains : public ::testing::Test {
protected:
    void SetUp() override {
        auto ca = http::create_certificate_authority("domains CA", std::chrono::hours(24)).value();
        auto cert = http::issue_certificate(ca, "localhost", {"localhost"}, {"127.0.0.1"},
                                            http::certificate_usage::server, std::chrono::hours(24))
                        .value();
        idms_key_ = identity::generate_p256_private_key_pem().value();
        key_offset_seconds_ = offset_centring_now();
        write("ca.pem", ca.certificate_pem);
        write("kms.crt", cert.certificate_pem);
        write("kms.key", cert.private_key_pem);
        write("idms.pub", identity::public_key_pem_from_private(idms_key_).value());
        for (const auto* domain : {"police", "fire"}) {
            write(std::string(domain) + ".key", kms::master_secret_vault::generate_key_file_text());
            write_config(domain, std::string(domain) + ".key");
        }
        start("police");
        start("fire");
        for (const auto& [domain, user] : {std::pair{"police", alice}, {"police", dave}, {"fire", bob}, {"fire", dave}}) {
            ASSERT_EQ(admin(domain, {"member", "add", user}).status, 0);
        }
        export_certificate("police");
        export_certificate("fire");
    }

    void write(const std::string& name, const std::string& text) {
        ASSERT_TRUE(support::write_file(dir_.path() / name, text));
    }

    std::string path(const std::string& name) const { return (dir_.path() / name).string(); }

    // The one-hour key periods start half an hour before the fixture does, so that no test crosses a period boundary
    // between fetching keys and using them.
    static std::uint64_t offset_centring_now() {
        constexpr std::uint64_t seconds_from_1900_to_1970 = 2208988800;
        auto now = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
        return (now + seconds_from_1900_to_1970 + 1800) % 3600;
    }

    void write_config(const std::string& domain, const std::string& master_key) {
        write(domain + ".toml", "[server]\nlisten = \"127.0.0.1:0\"\n"
                                "[tls]\ncertificate = \"kms.crt\"\nprivate_key = \"kms.key\"\n"
                                "[domain]\nkms_uri = \"kms." + domain + ".example.org\"\n"
                                "master_key = \"" + master_key + "\"\n"
                                "user_key_period_seconds = 3600\n"
                                "user_key_offset_seconds = " + std::to_string(key_offset_seconds_) + "\n"
                                + store_table(domain) +
                                "[auth]\nissuer = \"https://idms.example.org\"\naudience = \"kms\"\n"
                                "public_key = \"idms.pub\"\n");
    }

    // A domain's [store]: its SQLite file, or with MCPROV_TEST_STORE=postgresql a fresh database of its own on the
    // run's PostgreSQL server (the same one each time the domain's configuration is written).
    std::string store_table(const std::string& domain) {
        if (!on_postgresql()) {
            return "[store]\npath = \"" + domain + ".db\"\n";
        }
        auto& url = store_url_[domain];
        if (url.empty()) {
            auto fresh = fresh_postgres_database();
            EXPECT_TRUE(fresh) << fresh.err().message;
            url = fresh ? *fresh : "postgresql://unavailable";
        }
        return "[store]\nurl = \"" + url + "\"\n";
    }
    static bool on_postgresql() {
        const char* backend = std::getenv("MCPROV_TEST_STORE");
        return backend && std::string_view(backend) == "postgresql";
    }
    // Everything someone who reads the domain's database sees.
    std::string database_content(const std::string& domain) {
        if (!on_postgresql()) {
            std::string all;
            for (const auto& suffix : {".db", ".db-wal"}) {
                if (auto text = support::read_file(path(domain + suffix))) {
                    all += *text;
                }
            }
            return all;
        }
        auto dump = postgres_dump(store_url_[domain]);
        EXPECT_TRUE(dump) << dump.err().message;
        return dump ? *dump : std::string();
    }

    void start(const std::string& domain) {
        auto& p = kms_[domain] = std::make_unique<child_process>(
            MCPROV_BINARY, std::vector<std::string>{"kms", "--config", path(domain + ".toml")},
            dir_.path() / ("kms-" + domain));
        auto port = p->wait_for_output(R"(serving the security domain on https://127\.0\.0\.1:(\d+))");
        ASSERT_FALSE(port.empty()) << p->err();
        url_[domain] = "https://127.0.0.1:" + port;
    }

    command_result run(std::vector<std::string> args) {
        static int n = 0;
        child_process p(MCPROV_BINARY, args, dir_.path() / ("command-" + std::to_string(n++)));
        auto status = p.wait(60s);
        return {status.value_or(-1), p.out(), p.err()};
    }

    command_result admin(const std::string& domain, std::vector<std::string> args) {
        args.insert(args.begin(), {"kms", "--config", path(domain + ".toml")});
        return run(args);
    }

    void export_certificate(const std::string& domain) {
        auto printed = admin(domain, {"certificate"});
        ASSERT_EQ(printed.status, 0) << printed.err;
        write(domain + "-certificate.xml", printed.out);
    }

    std::string token(const std::string& user, const std::string& scope = key_scope) {
        auto issuer = identity::create_token_issuer(idms_key_, support::create_system_clock()).value();
        identity::token_request req;
        req.issuer = "https://idms.example.org";
        req.subject = user;
        req.audience = {"kms"};
        req.mc_id = user;
        req.mcptt_id = user;
        req.scopes = {scope};
        return issuer->issue(req).value();
    }

    // `mcprov kmc fetch` of a user from a domain's KMS into its own folder.
    command_result fetch(const std::string& user, const std::string& domain) {
        return run({"kmc", "fetch", "--kms", url_[domain], "--ca", path("ca.pem"), "--token", token(user), "--user",
                    user, "--dir", keys_dir(user, domain)});
    }

    std::string keys_dir(const std::string& user, const std::string& domain) const {
        return path("keys-" + user.substr(4, user.find('@') - 4) + "-" + domain);
    }

    command_result send(const std::string& from, const std::string& from_domain, const std::string& to,
                        const std::string& to_domain, std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"kmc", "send", "--dir", keys_dir(from, from_domain), "--to", to, "--to-kms",
                                      "kms." + to_domain + ".example.org"};
        args.insert(args.end(), extra.begin(), extra.end());
        return run(args);
    }

    command_result receive(const std::string& user, const std::string& domain, const std::string& message,
                           std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"kmc", "receive", "--dir", keys_dir(user, domain), "--message", message};
        args.insert(args.end(), extra.begin(), extra.end());
        return run(args);
    }

    // `mcprov kmc answer` for `user` with their keys of `domain`, answering `calls` calls on `port`; listening when
    // it returns.
    std::unique_ptr<child_process> answering(const std::string& user, const std::string& domain, unsigned calls,
                                             std::uint16_t port) {
        auto p = std::make_unique<child_process>(
            MCPROV_BINARY,
            std::vector<std::string>{"kmc", "answer", "--dir", keys_dir(user, domain), "--port", std::to_string(port),
                                     "--calls", std::to_string(calls)},
            dir_.path() / ("answers-" + std::to_string(port)));
        EXPECT_FALSE(p->wait_for_output("listening on").empty()) << p->err();
        return p;
    }

    // `mcprov sip-as` (sip:as.example.org) on `port` in front of 127.0.0.1:`next_hop`, its lookup given by `lookup`
    // (TOML: [[domain]], [[follow]] or [lookup]); listening when it returns.
    std::unique_ptr<child_process> application_server(std::uint16_t port, std::uint16_t next_hop,
                                                      const std::string& lookup) {
        write("sip-as.toml", "[server]\nlisten = \"127.0.0.1:" + std::to_string(port) +
                                 "\"\n[as]\nuri = \"sip:as.example.org\"\nnext_hop = \"sip:127.0.0.1:" +
                                 std::to_string(next_hop) + "\"\n" + lookup);
        auto p = std::make_unique<child_process>(
            MCPROV_BINARY, std::vector<std::string>{"sip-as", "--config", path("sip-as.toml")}, dir_.path() / "sip-as");
        EXPECT_FALSE(p->wait_for_output("listening on").empty()) << p->err();
        return p;
    }

    static std::string field(const std::string& out, const std::string& name) {
        std::smatch m;
        std::regex re(name + " ([^\\n]+)");
        return std::regex_search(out, m, re) ? m[1].str() : std::string();
    }

    void permit(const std::string& domain, const std::string& other) {
        auto permitted = admin(domain, {"permit", path(other + "-certificate.xml")});
        ASSERT_EQ(permitted.status, 0) << permitted.err;
    }

    http::response post(const std::string& domain, const std::string& target, const std::string& bearer,
                        const std::string& body = {}) {
        return request(boost::beast::http::verb::post, domain, target, bearer, body);
    }

    http::response get(const std::string& domain, const std::string& target, const std::string& bearer) {
        return request(boost::beast::http::verb::get, domain, target, bearer);
    }

    http::response request(boost::beast::http::verb method, const std::string& domain, const std::string& target,
                           const std::string& bearer, const std::string& body = {}) {
        http::client_request req;
        req.method = method;
        req.url = url_[domain] + target;
        if (!bearer.empty()) {
            req.headers.emplace_back("Authorization", "Bearer " + bearer);
        }
        req.body = body;
        http::client_options options;
        options.ca_file = path("ca.pem");
        return http::fetch(req, options).value();
    }

    temp_dir dir_;
    std::string idms_key_;
    std::uint64_t key_offset_seconds_ = 0;
    std::map<std::string, std::unique_ptr<child_process>> kms_;
    std::map<std::string, std::string> url_;
    std::map<std::string, std::string> store_url_;
};

TEST_F(kms_two_domains, when_each_domain_permits_the_other_then_an_i_message_round_trips_between_their_users) {
    permit("police", "fire");
    permit("fire", "police");
    ASSERT_EQ(fetch(alice, "police").status, 0);
    auto bobs = fetch(bob, "fire");
    ASSERT_EQ(bobs.status, 0) << bobs.err;
    EXPECT_NE(bobs.out.find("keys validated"), std::string::npos) << bobs.out;
    EXPECT_NE(bobs.out.find("kms.police.example.org"), std::string::npos) << bobs.out;

    auto sent = send(alice, "police", bob, "fire");
    ASSERT_EQ(sent.status, 0) << sent.err;
    auto message = field(sent.out, "I_MESSAGE");
    auto ssv = field(sent.out, "SSV");
    ASSERT_EQ(ssv.size(), 32u);
    auto received = receive(bob, "fire", message);
    ASSERT_EQ(received.status, 0) << received.err;
    EXPECT_EQ(field(received.out, "SSV"), ssv);
    EXPECT_NE(received.out.find("from " + alice + " (kms.police.example.org)"), std::string::npos) << received.out;

    auto back = send(bob, "fire", alice, "police");
    ASSERT_EQ(back.status, 0) << back.err;
    auto answered = receive(alice, "police", field(back.out, "I_MESSAGE"));
    ASSERT_EQ(answered.status, 0) << answered.err;
    EXPECT_EQ(field(answered.out, "SSV"), field(back.out, "SSV"));
}

TEST_F(kms_two_domains, when_another_implementation_checks_with_files_then_verify_prints_the_secret_or_the_refusal) {
    permit("police", "fire");
    permit("fire", "police");
    ASSERT_EQ(fetch(alice, "police").status, 0);
    ASSERT_EQ(fetch(bob, "fire").status, 0);
    auto sent = send(alice, "police", bob, "fire");
    ASSERT_EQ(sent.status, 0) << sent.err;
    const auto dir = keys_dir(bob, "fire");
    auto verified = run({"kmc", "verify", "--certificate", dir + "/kms-certificate.xml", "--certificate",
                         dir + "/external/kms.police.example.org.xml", "--key-set", dir + "/key-set.xml", "--message",
                         field(sent.out, "I_MESSAGE")});
    ASSERT_EQ(verified.status, 0) << verified.err;
    EXPECT_EQ(verified.out, field(sent.out, "SSV") + "\n");
    auto untrusted = run({"kmc", "verify", "--certificate", dir + "/kms-certificate.xml", "--key-set",
                          dir + "/key-set.xml", "--message", field(sent.out, "I_MESSAGE")});
    EXPECT_EQ(untrusted.status, 4);
    EXPECT_NE(untrusted.err.find("kms.police.example.org is not permitted"), std::string::npos) << untrusted.err;
    auto uid = run({"kmc", "uid", "--user", "tel:+447700900123", "--kms-uri", "kms.example.org", "--period", "2592000",
                    "--offset", "0", "--number", "553"});
    EXPECT_EQ(uid.out, "7619874b3c7c14ce4700a47b78278ff02a8d77b109ed2db2766dbe72d36f8078\n");
}

TEST_F(kms_two_domains, when_identities_are_hidden_then_the_receiver_prints_the_uid_until_from_confirms_the_sender) {
    permit("police", "fire");
    permit("fire", "police");
    ASSERT_EQ(fetch(alice, "police").status, 0);
    ASSERT_EQ(fetch(bob, "fire").status, 0);
    auto sent = send(alice, "police", bob, "fire", {"--hide-identities"});
    ASSERT_EQ(sent.status, 0) << sent.err;
    const auto message = field(sent.out, "I_MESSAGE");
    const auto bytes = support::base64_decode(message).value();
    EXPECT_EQ(bytes.find(alice), std::string::npos) << "the sender's URI is not in the message";
    EXPECT_EQ(bytes.find(bob), std::string::npos);

    auto anonymous = receive(bob, "fire", message);
    ASSERT_EQ(anonymous.status, 0) << anonymous.err;
    EXPECT_EQ(field(anonymous.out, "SSV"), field(sent.out, "SSV"));
    EXPECT_NE(anonymous.out.find("from UID "), std::string::npos) << anonymous.out;
    EXPECT_NE(anonymous.out.find("(identity hidden, not confirmed) (kms.police.example.org)"), std::string::npos)
        << anonymous.out;

    auto confirmed = receive(bob, "fire", message, {"--from", alice});
    ASSERT_EQ(confirmed.status, 0) << confirmed.err;
    EXPECT_NE(confirmed.out.find("from " + alice + " (kms.police.example.org)"), std::string::npos) << confirmed.out;

    auto impostor = receive(bob, "fire", message, {"--from", dave});
    EXPECT_EQ(impostor.status, 1) << impostor.err;
    EXPECT_NE(impostor.err.find("not confirmed"), std::string::npos) << impostor.err;
    EXPECT_EQ(impostor.out.find("SSV"), std::string::npos) << "nothing printed for a sender not confirmed";
}

TEST_F(kms_two_domains, when_a_message_names_an_identity_with_a_terminal_escape_then_kmc_does_not_print_it_raw) {
    permit("police", "fire");
    permit("fire", "police");
    ASSERT_EQ(fetch(alice, "police").status, 0);
    ASSERT_EQ(fetch(bob, "fire").status, 0);
    auto sent = send(alice, "police", bob, "fire");
    ASSERT_EQ(sent.status, 0) << sent.err;
    // IDRi becomes "sip:\x1b[2Je@police.example.org" (a clear-screen sequence), which the signature no longer covers.
    auto bytes = support::base64_decode(field(sent.out, "I_MESSAGE")).value();
    auto at = bytes.find(alice);
    ASSERT_NE(at, std::string::npos);
    bytes.replace(at + 4, 4, "\x1b[2J");
    const auto message = support::base64_encode(bytes);
    const auto dir = keys_dir(bob, "fire");
    auto verified =
        run({"kmc", "verify", "--certificate", dir + "/kms-certificate.xml", "--certificate",
             dir + "/external/kms.police.example.org.xml", "--key-set", dir + "/key-set.xml", "--message", message});
    auto received = receive(bob, "fire", message);
    for (const auto* refused : {&verified, &received}) {
        EXPECT_EQ(refused->status, 1) << refused->err;
        EXPECT_EQ(refused->err.find('\x1b'), std::string::npos) << refused->err;
        EXPECT_EQ(refused->out.find('\x1b'), std::string::npos) << refused->out;
        EXPECT_NE(refused->err.find("signature does not verify for sip:\\x1b[2Je@police.example.org"),
                  std::string::npos)
            << refused->err;
    }
}

TEST_F(kms_two_domains, when_only_one_domain_permits_the_other_then_only_a_user_of_both_reaches_across) {
    permit("police", "fire");
    for (const auto& [user, domain] : {std::pair{alice, "police"}, {bob, "fire"}, {dave, "fire"}, {dave, "police"}}) {
        auto fetched = fetch(user, domain);
        ASSERT_EQ(fetched.status, 0) << fetched.err;
    }
    // bob's domain does not permit police: his client has no certificate to encapsulate to.
    auto refused = send(bob, "fire", alice, "police");
    EXPECT_EQ(refused.status, 4);
    EXPECT_NE(refused.err.find("not permitted"), std::string::npos) << refused.err;
    // alice can encapsulate to fire, but bob refuses a message vouched for by police.
    auto to_bob = send(alice, "police", bob, "fire");
    ASSERT_EQ(to_bob.status, 0) << to_bob.err;
    auto unknown = receive(bob, "fire", field(to_bob.out, "I_MESSAGE"));
    EXPECT_EQ(unknown.status, 4);
    EXPECT_NE(unknown.err.find("kms.police.example.org is not permitted"), std::string::npos) << unknown.err;
    // dave signs with his fire keys and knows police's certificate as a member of police; police permits fire, so
    // alice accepts.
    auto from_dave = send(dave, "fire", alice, "police", {"--also", keys_dir(dave, "police")});
    ASSERT_EQ(from_dave.status, 0) << from_dave.err;
    auto accepted = receive(alice, "police", field(from_dave.out, "I_MESSAGE"));
    ASSERT_EQ(accepted.status, 0) << accepted.err;
    EXPECT_EQ(field(accepted.out, "SSV"), field(from_dave.out, "SSV"));
}

TEST_F(kms_two_domains, when_a_certificate_is_revoked_then_certcache_says_so_and_its_keys_are_refused) {
    permit("police", "fire");
    permit("fire", "police");
    ASSERT_EQ(fetch(bob, "fire").status, 0);
    auto sent = send(bob, "fire", alice, "police");
    ASSERT_EQ(sent.status, 0) << sent.err;

    auto revoked = admin("police", {"revoke", "kms.fire.example.org", "--reason", "misuse reported"});
    ASSERT_EQ(revoked.status, 0) << revoked.err;
    auto fetched = fetch(alice, "police");
    ASSERT_EQ(fetched.status, 0) << fetched.err;
    EXPECT_NE(fetched.out.find("kms.fire.example.org (revoked)"), std::string::npos) << fetched.out;
    auto refused = receive(alice, "police", field(sent.out, "I_MESSAGE"));
    EXPECT_EQ(refused.status, 4);
    EXPECT_NE(refused.err.find("KmsCertificate of kms.fire.example.org is revoked"), std::string::npos) << refused.err;
    auto listed = admin("police", {"external"});
    EXPECT_NE(listed.out.find("REVOKED"), std::string::npos) << listed.out;
    EXPECT_NE(listed.out.find("misuse reported"), std::string::npos) << listed.out;
}

TEST_F(kms_two_domains, when_an_i_message_is_tampered_or_late_then_it_is_refused_precisely) {
    ASSERT_EQ(fetch(alice, "police").status, 0);
    ASSERT_EQ(fetch(dave, "police").status, 0);
    auto sent = send(alice, "police", dave, "police");
    ASSERT_EQ(sent.status, 0) << sent.err;
    auto bytes = support::base64_decode(field(sent.out, "I_MESSAGE")).value();
    bytes[bytes.size() - 40] ^= 0x01; // inside the signature
    auto tampered = receive(dave, "police", support::base64_encode(bytes));
    EXPECT_EQ(tampered.status, 1);
    EXPECT_NE(tampered.err.find("signature"), std::string::npos) << tampered.err;

    auto garbage = receive(dave, "police", support::base64_encode("not a MIKEY message"));
    EXPECT_EQ(garbage.status, 2) << garbage.err;

    // Sent in the last seconds of the current key period, received just after it: within the clock skew, but the
    // key period has expired.
    auto periods = mikey::key_period_parameters{3600, key_offset_seconds_};
    auto current = mikey::key_period_number(std::chrono::system_clock::now(), periods).value();
    auto end = mikey::key_period_end(current, periods).value();
    auto late_sent = send(alice, "police", dave, "police", {"--time", support::format_utc(end - 10s)});
    ASSERT_EQ(late_sent.status, 0) << late_sent.err;
    auto late = receive(dave, "police", field(late_sent.out, "I_MESSAGE"),
                        {"--time", support::format_utc(end + 10s)});
    EXPECT_EQ(late.status, 1);
    EXPECT_NE(late.err.find("expired"), std::string::npos) << late.err;
}

TEST_F(kms_two_domains, when_a_request_is_not_a_members_or_lacks_a_token_then_a_signed_kms_error_answers) {
    auto outsider = fetch("sip:mallory@example.org", "police");
    EXPECT_EQ(outsider.status, 4);
    EXPECT_NE(outsider.err.find("KmsError 403"), std::string::npos) << outsider.err;
    EXPECT_NE(outsider.err.find("not a member"), std::string::npos) << outsider.err;

    auto anonymous = post("police", "/keymanagement/identity/v1/init", "");
    EXPECT_EQ(anonymous.result_int(), 401);
    EXPECT_NE(anonymous.body().find("SignedKmsResponse"), std::string::npos);
    EXPECT_NE(anonymous.body().find("<ErrorCode>401</ErrorCode>"), std::string::npos) << anonymous.body();
    EXPECT_NE(anonymous.body().find("Signature"), std::string::npos);

    auto wrong_scope = post("police", "/keymanagement/identity/v1/init", token(alice, "openid"));
    EXPECT_EQ(wrong_scope.result_int(), 403);
    auto wrong_kms = post("police", "/keymanagement/identity/v1/init", token(alice),
                          R"(<KmsRequest xmlns="urn:3gpp:ns:mcsecKMSInterface:1.0" Version="1.1.0">)"
                          "<UserUri>" + alice + "</UserUri><KmsUri>kms.fire.example.org</KmsUri>"
                          "<Time>2026-11-29T12:00:00Z</Time>"
                          "<ClientReqUrl>https://kms.fire.example.org/keymanagement/identity/v1/init</ClientReqUrl>"
                          "</KmsRequest>");
    EXPECT_EQ(wrong_kms.result_int(), 409) << wrong_kms.body();
    auto malformed = post("police", "/keymanagement/identity/v1/init", token(alice), "<KmsRequest");
    EXPECT_EQ(malformed.result_int(), 400) << malformed.body();
}

TEST_F(kms_two_domains, when_a_client_reports_external_domain_use_then_the_kms_keeps_it_and_flags_what_is_not_permitted) {
    permit("fire", "police");
    permit("police", "fire");
    ASSERT_EQ(fetch(alice, "police").status, 0);
    ASSERT_EQ(fetch(bob, "fire").status, 0);
    auto sent = send(alice, "police", bob, "fire");
    ASSERT_EQ(sent.status, 0) << sent.err;
    auto received = receive(bob, "fire", field(sent.out, "I_MESSAGE"),
                            {"--report", "--kms", url_["fire"], "--ca", path("ca.pem"), "--token", token(bob)});
    ASSERT_EQ(received.status, 0) << received.err;
    EXPECT_NE(received.out.find("reported the use of kms.police.example.org"), std::string::npos) << received.out;

    auto misuse = post("fire", "/kms/v1/use-reports", token(bob),
                       R"({"external_kms_uri":"kms.rogue.example.org","peer_uri":"sip:eve@rogue.example.org",)"
                       R"("used_at":"2026-11-29T12:00:00Z"})");
    EXPECT_EQ(misuse.result_int(), 204) << misuse.body();
    auto reports = admin("fire", {"reports"});
    ASSERT_EQ(reports.status, 0) << reports.err;
    EXPECT_NE(reports.out.find(bob + " used kms.police.example.org with " + alice), std::string::npos) << reports.out;
    EXPECT_NE(reports.out.find("kms.rogue.example.org with sip:eve@rogue.example.org  NOT PERMITTED"),
              std::string::npos)
        << reports.out;
    EXPECT_NE(kms_["fire"]->err().find("which kms.fire.example.org does not permit"), std::string::npos);

    auto bad = post("fire", "/kms/v1/use-reports", token(bob), R"({"external_kms_uri":"x"})");
    EXPECT_EQ(bad.result_int(), 400);
    auto unknown_member = post("fire", "/kms/v1/use-reports", token(bob),
                               R"({"external_kms_uri":"kms.police.example.org","peer_uri":")" + alice +
                                   R"(","used_at":"2026-11-29T12:00:00Z","reporter":"sip:eve@rogue.example.org"})");
    EXPECT_EQ(unknown_member.result_int(), 400);
    EXPECT_NE(unknown_member.body().find(R"(\"reporter\")"), std::string::npos) << unknown_member.body();

    // The counters are for administrators: two reports kept, one of them of a domain fire does not permit.
    EXPECT_EQ(get("fire", "/stats", "").result_int(), 401);
    EXPECT_EQ(get("fire", "/stats", token(bob)).result_int(), 403);
    auto stats = get("fire", "/stats", token("sip:admin@fire.example.org", "mcprov:kms:admin"));
    ASSERT_EQ(stats.result_int(), 200) << stats.body();
    auto counters = boost::json::parse(stats.body()).as_object();
    EXPECT_EQ(counters.at("use_reports").to_number<int>(), 2) << stats.body();
    EXPECT_EQ(counters.at("use_reports_not_permitted").to_number<int>(), 1) << stats.body();
    const auto& reports_route = counters.at("routes").at("use_reports");
    EXPECT_EQ(reports_route.at("2xx").to_number<int>(), 2) << stats.body();
    EXPECT_EQ(reports_route.at("4xx").to_number<int>(), 2) << stats.body();
    EXPECT_EQ(counters.at("routes").at("stats").at("4xx").to_number<int>(), 2) << stats.body();
}

TEST_F(kms_two_domains, when_the_master_key_is_another_then_the_kms_refuses_to_start_and_nothing_changes) {
    kms_["police"]->signal(SIGTERM);
    EXPECT_EQ(kms_["police"]->wait(30s).value_or(-1), 0);
    auto db_before = database_content("police");
    write("other.key", kms::master_secret_vault::generate_key_file_text());
    write_config("police", "other.key");
    child_process refused(MCPROV_BINARY, {"kms", "--config", path("police.toml")}, dir_.path() / "refused");
    EXPECT_EQ(refused.wait(30s).value_or(-1), 1);
    EXPECT_NE(refused.err().find("does not open the stored master secrets"), std::string::npos) << refused.err();
    // With the right key the store opens; the secrets it holds appear nowhere in the database files, neither as
    // octets nor as hex, nor in the logs.
    auto documents = on_postgresql() ? store::open_store(store_url_["police"], support::create_system_clock())
                                     : store::open_store("sqlite:" + path("police.db"), support::create_system_clock());
    ASSERT_TRUE(documents) << documents.err().message;
    kms::security_domain_store stored(std::move(documents).value());
    auto sealed = stored.sealed_master_secrets();
    ASSERT_TRUE(sealed && *sealed);
    auto vault = kms::master_secret_vault::from_key_file(dir_.path() / "police.key");
    ASSERT_TRUE(vault);
    auto secrets = vault->open((*sealed)->sealed, "kms.police.example.org");
    ASSERT_TRUE(secrets) << secrets.err().message;
    std::string everything = db_before + database_content("police");
    for (const auto* file : {"kms-police.err", "kms-police.out", "refused.err", "refused.out"}) {
        if (auto text = support::read_file(dir_.path() / file)) {
            everything += *text;
        }
    }
    for (const auto& secret : {secrets->ksak, secrets->z}) {
        EXPECT_EQ(everything.find(secret), std::string::npos);
        EXPECT_EQ(everything.find(support::hex_encode(secret)), std::string::npos);
    }
}

TEST_F(kms_two_domains, when_the_lookup_follows_both_kmss_then_it_answers_which_domains_support_a_user_and_decides) {
    permit("police", "fire");
    write("lookup.token", token("sip:lookup@example.org", "mcprov:kms:lookup"));
    write("lookup.toml", "[server]\nlisten = \"127.0.0.1:0\"\n[tls]\ncertificate = \"kms.crt\"\nprivate_key = \"kms.key\"\n"
                         "[auth]\nissuer = \"https://idms.example.org\"\naudience = \"kms\"\npublic_key = \"idms.pub\"\n"
                         "[lookup]\ntoken_file = \"lookup.token\"\nrefresh_seconds = 1\n"
                         "[[domain]]\nkms = \"" + url_["police"] + "\"\nca = \"ca.pem\"\n"
                         "[[domain]]\nkms = \"" + url_["fire"] + "\"\nca = \"ca.pem\"\n");
    child_process lookup(MCPROV_BINARY, {"lookup", "--config", path("lookup.toml")}, dir_.path() / "lookup");
    auto port = lookup.wait_for_output(R"(lookup of 2 domain\(s\) on https://127\.0\.0\.1:(\d+))");
    ASSERT_FALSE(port.empty()) << lookup.err();
    const std::string base = "https://127.0.0.1:" + port;
    auto get = [&](const std::string& target, const std::string& bearer) {
        http::client_request req{boost::beast::http::verb::get, base + target, {}, ""};
        if (!bearer.empty()) {
            req.headers.emplace_back("Authorization", "Bearer " + bearer);
        }
        http::client_options options;
        options.ca_file = path("ca.pem");
        return http::fetch(req, options).value();
    };
    // Ready: both KMSs answered once (alive alone would let the first question come before the lookup knows them).
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (get("/readyz", "").result_int() != 200 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(get("/readyz", "").result_int(), 200) << get("/readyz", "").body();
    auto caller = token("sip:as@example.org", "mcprov:kms:lookup");
    auto daves = get("/lookup/v1/users/" + support::percent_encode(dave), caller);
    ASSERT_EQ(daves.result_int(), 200) << daves.body();
    EXPECT_NE(daves.body().find(R"({"kms_uri":"kms.fire.example.org","permitted_external":[]})"), std::string::npos)
        << daves.body();
    EXPECT_NE(daves.body().find(
                  R"({"kms_uri":"kms.police.example.org","permitted_external":["kms.fire.example.org"]})"),
              std::string::npos)
        << daves.body();
    auto forward = get("/lookup/v1/decision?initiator-domain=kms.fire.example.org&target=" +
                           support::percent_encode(alice), caller);
    EXPECT_NE(forward.body().find(R"("forward":true)"), std::string::npos) << forward.body();
    auto redirect = get("/lookup/v1/decision?initiator-domain=kms.police.example.org&target=" +
                            support::percent_encode(bob), caller);
    EXPECT_NE(redirect.body().find(R"("forward":false,"acceptable_domains":["kms.fire.example.org"])"),
              std::string::npos)
        << redirect.body();
    EXPECT_EQ(get("/lookup/v1/users/x", "").result_int(), 401);
    EXPECT_EQ(get("/lookup/v1/users/x", token(alice)).result_int(), 403);

    // A domain's change reaches the lookup on its next refresh; a KMS that goes away keeps its last policy.
    ASSERT_EQ(admin("fire", {"member", "remove", dave}).status, 0);
    kms_["police"]->signal(SIGTERM);
    deadline = std::chrono::steady_clock::now() + 20s;
    std::string body;
    while (std::chrono::steady_clock::now() < deadline) {
        body = get("/lookup/v1/users/" + support::percent_encode(dave), caller).body();
        if (body.find("kms.fire.example.org\",\"permitted") == std::string::npos) {
            break;
        }
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(body.find(R"("kms_uri":"kms.fire.example.org")"), std::string::npos) << body;
    EXPECT_NE(body.find(R"("kms_uri":"kms.police.example.org")"), std::string::npos) << body;
}

// ---- private key files ----

TEST(kms_key_files, when_a_private_key_file_is_readable_by_others_then_mcprov_kms_and_mcprov_token_refuse_it) {
    temp_dir dir;
    auto write = [&](const std::string& name, const std::string& text) {
        ASSERT_TRUE(support::write_file(dir.path() / name, text));
    };
    auto ca = http::create_certificate_authority("key files CA", std::chrono::hours(1)).value();
    auto cert = http::issue_certificate(ca, "localhost", {"localhost"}, {"127.0.0.1"}, http::certificate_usage::server,
                                        std::chrono::hours(1))
                    .value();
    auto idms_key = identity::generate_p256_private_key_pem().value();
    write("kms.crt", cert.certificate_pem);
    write("kms.key", cert.private_key_pem);
    write("idms.key", idms_key);
    write("idms.pub", identity::public_key_pem_from_private(idms_key).value());
    write("master.key", kms::master_secret_vault::generate_key_file_text());
    write("kms.toml", "[server]\nlisten = \"127.0.0.1:0\"\n"
                      "[tls]\ncertificate = \"kms.crt\"\nprivate_key = \"kms.key\"\n"
                      "[domain]\nkms_uri = \"kms.police.example.org\"\nmaster_key = \"master.key\"\n"
                      "[store]\npath = \"kms.db\"\n"
                      "[auth]\nissuer = \"https://idms.example.org\"\naudience = \"kms\"\npublic_key = \"idms.pub\"\n");
    using std::filesystem::perms;
    const auto open_to_all = perms::owner_read | perms::owner_write | perms::group_read | perms::others_read;
    auto expect_refusal = [&](const std::string& file, const std::string& err) {
        const auto path = (dir.path() / file).string();
        EXPECT_NE(err.find(path + ": readable by others (mode 0644)"), std::string::npos) << err;
        EXPECT_NE(err.find("chmod 600 " + path), std::string::npos) << err;
    };

    // The TLS key, which also signs the KMS's answers.
    std::filesystem::permissions(dir.path() / "kms.key", open_to_all);
    child_process kms_process(MCPROV_BINARY, {"kms", "--config", (dir.path() / "kms.toml").string()},
                              dir.path() / "kms-run");
    EXPECT_EQ(kms_process.wait(60s), 2);
    expect_refusal("kms.key", kms_process.err());

    // The key `mcprov token` signs with.
    const std::vector<std::string> token_args{"token",
                                              "--key",
                                              (dir.path() / "idms.key").string(),
                                              "--issuer",
                                              "https://idms.example.org",
                                              "--audience",
                                              "kms",
                                              "--mc-id",
                                              "sip:alice@example.org"};
    std::filesystem::permissions(dir.path() / "idms.key", open_to_all);
    child_process refused(MCPROV_BINARY, token_args, dir.path() / "token-refused");
    EXPECT_EQ(refused.wait(60s), 2);
    expect_refusal("idms.key", refused.err());
    EXPECT_TRUE(refused.out().empty()) << refused.out();
    std::filesystem::permissions(dir.path() / "idms.key", perms::owner_read | perms::owner_write);
    child_process issued(MCPROV_BINARY, token_args, dir.path() / "token-issued");
    EXPECT_EQ(issued.wait(60s), 0) << issued.err();
    const auto token = issued.out();
    EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2) << token;
}

TEST_F(kms_two_domains, when_the_callee_refuses_the_callers_domain_then_the_caller_retries_in_one_it_holds_or_gives_up) {
    permit("police", "fire"); // fire does not permit police
    for (const auto& [user, domain] : {std::pair{alice, "police"}, {bob, "fire"}, {dave, "fire"}, {dave, "police"}})
        ASSERT_EQ(fetch(user, domain).status, 0);
    // Bob answers (step 4); the application server in front of him lets the calls through (it knows only police).
    const auto bob_port = free_sip_port();
    auto bobs_client = answering(bob, "fire", 3, bob_port);
    const auto as_port = free_sip_port();
    auto as = application_server(as_port, bob_port,
                                 "[[domain]]\nkms_uri = \"kms.police.example.org\"\nmembers = [\"" + alice + "\"]\n");
    const std::string proxy = "sip:127.0.0.1:" + std::to_string(as_port);

    // Dave signs with his police keys; bob's fire domain does not permit police: bob redirects to fire, and dave,
    // who holds fire keys too, calls again with them (step 7, accepted).
    auto dave_calls = run({"kmc", "call", "--dir", keys_dir(dave, "police"), "--also", keys_dir(dave, "fire"), "--to",
                           bob, "--to-kms", "kms.fire.example.org", "--proxy", proxy});
    EXPECT_EQ(dave_calls.status, 0) << dave_calls.out << dave_calls.err << bobs_client->out() << as->err();
    EXPECT_NE(dave_calls.out.find("redirected by " + bob + " (initiator KMS kms.police.example.org; offered: "
                                  "kms.fire.example.org)"),
              std::string::npos)
        << dave_calls.out;
    EXPECT_NE(dave_calls.out.find("established with kms.fire.example.org keys"), std::string::npos) << dave_calls.out;

    // Alice holds only police keys: she gives up and says why (step 7, refused).
    auto alice_calls = run({"kmc", "call", "--dir", keys_dir(alice, "police"), "--to", bob, "--to-kms",
                            "kms.fire.example.org", "--proxy", proxy});
    EXPECT_EQ(alice_calls.status, 4) << alice_calls.out << alice_calls.err;
    EXPECT_NE(alice_calls.err.find("holds no keys"), std::string::npos) << alice_calls.err;

    EXPECT_EQ(bobs_client->wait(std::chrono::seconds(20)), 0) << bobs_client->err();
    const auto answers = bobs_client->out();
    EXPECT_EQ(std::count(answers.begin(), answers.end(), '\n'), 4) << answers; // listening, then three calls
    EXPECT_NE(answers.find(dave + ": 200"), std::string::npos) << answers;
    as->signal(SIGTERM);
    as->wait();
}

TEST_F(kms_two_domains, when_the_application_server_asks_the_central_lookup_then_it_redirects_by_it_and_refuses_what_it_cannot_judge) {
    permit("police", "fire"); // fire does not permit police
    for (const auto& [user, domain] : {std::pair{alice, "police"}, {bob, "fire"}, {dave, "fire"}, {dave, "police"}})
        ASSERT_EQ(fetch(user, domain).status, 0);
    write("lookup.token", token("sip:lookup@example.org", "mcprov:kms:lookup"));
    write("lookup.toml", "[server]\nlisten = \"127.0.0.1:0\"\n[tls]\ncertificate = \"kms.crt\"\nprivate_key = \"kms.key\"\n"
                         "[auth]\nissuer = \"https://idms.example.org\"\naudience = \"kms\"\npublic_key = \"idms.pub\"\n"
                         "[lookup]\ntoken_file = \"lookup.token\"\n"
                         "[[domain]]\nkms = \"" + url_["police"] + "\"\nca = \"ca.pem\"\n"
                         "[[domain]]\nkms = \"" + url_["fire"] + "\"\nca = \"ca.pem\"\n");
    auto lookup = std::make_unique<child_process>(MCPROV_BINARY, std::vector<std::string>{"lookup", "--config",
                                                                                          path("lookup.toml")},
                                                  dir_.path() / "lookup");
    const auto lookup_port = lookup->wait_for_output(R"(lookup of 2 domain\(s\) on https://127\.0\.0\.1:(\d+))");
    ASSERT_FALSE(lookup_port.empty()) << lookup->err();
    // The lookup has fetched both policies once it says it is ready.
    http::client_options tls;
    tls.ca_file = path("ca.pem");
    const std::string health = "https://127.0.0.1:" + lookup_port + "/readyz";
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (http::fetch({boost::beast::http::verb::get, health, {}, ""}, tls).value().result_int() != 200 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(100ms);
    }

    const auto bob_port = free_sip_port();
    auto bobs_client = answering(bob, "fire", 1, bob_port);
    write("as.token", token("sip:as@example.org", "mcprov:kms:lookup"));
    const auto as_port = free_sip_port();
    auto as = application_server(as_port, bob_port,
                                 "[lookup]\nservice = \"https://127.0.0.1:" + lookup_port +
                                     "\"\nca = \"ca.pem\"\ntoken_file = \"as.token\"\n");
    const std::string proxy = "sip:127.0.0.1:" + std::to_string(as_port);

    // Dave calls bob under police's key, signed with police: the central lookup says bob is in fire, so the AS offers
    // fire for the responder; fire does not permit police, so it then offers fire for the initiator; dave's fire keys
    // get through.
    auto dave_calls = run({"kmc", "call", "--dir", keys_dir(dave, "police"), "--also", keys_dir(dave, "fire"), "--to",
                           bob, "--to-kms", "kms.police.example.org", "--proxy", proxy});
    EXPECT_EQ(dave_calls.status, 0) << dave_calls.out << dave_calls.err << as->err();
    EXPECT_NE(dave_calls.out.find("redirected by sip:as.example.org (responder KMS kms.police.example.org; offered: "
                                  "kms.fire.example.org)"),
              std::string::npos)
        << dave_calls.out;
    EXPECT_NE(dave_calls.out.find("redirected by sip:as.example.org (initiator KMS kms.police.example.org; offered: "
                                  "kms.fire.example.org)"),
              std::string::npos)
        << dave_calls.out;
    EXPECT_NE(dave_calls.out.find("established with kms.fire.example.org keys"), std::string::npos) << dave_calls.out;
    EXPECT_EQ(bobs_client->wait(std::chrono::seconds(20)), 0) << bobs_client->err();

    // Without the lookup, the AS judges bob by its last answer: alice, who holds only police keys, is redirected as
    // dave was and gives up; a responder it has no answer for is not let through unjudged.
    lookup->signal(SIGTERM);
    lookup->wait();
    auto alice_calls = run({"kmc", "call", "--dir", keys_dir(alice, "police"), "--to", bob, "--to-kms",
                            "kms.police.example.org", "--proxy", proxy});
    EXPECT_EQ(alice_calls.status, 4) << alice_calls.out << alice_calls.err;
    EXPECT_NE(alice_calls.out.find("redirected by sip:as.example.org (initiator KMS kms.police.example.org; offered: "
                                   "kms.fire.example.org)"),
              std::string::npos)
        << alice_calls.out << as->err();
    auto unjudged = run({"kmc", "call", "--dir", keys_dir(dave, "police"), "--to", alice, "--proxy", proxy});
    EXPECT_EQ(unjudged.status, 4) << unjudged.out << unjudged.err;
    EXPECT_NE(unjudged.err.find("refused with 503: the security-domain lookup cannot answer"),
              std::string::npos)
        << unjudged.err;
    as->signal(SIGTERM);
    as->wait();
    EXPECT_NE(as->err().find("not judged: the central lookup https://127.0.0.1:" + lookup_port + " cannot answer"),
              std::string::npos)
        << as->err();
}

TEST_F(kms_two_domains, when_sipp_carries_the_i_messages_of_mcprov_kmc_through_the_as_then_it_redirects_or_the_callee_accepts) {
    permit("police", "fire"); // fire does not permit police
    for (const auto& [user, domain] : {std::pair{bob, "fire"}, {dave, "fire"}, {dave, "police"}})
        ASSERT_EQ(fetch(user, domain).status, 0);
    const auto bob_port = free_sip_port();
    auto bobs_client = answering(bob, "fire", 1, bob_port);
    // The AS follows both KMSs itself.
    write("as.token", token("sip:as@example.org", "mcprov:kms:lookup"));
    const auto as_port = free_sip_port();
    auto as = application_server(as_port, bob_port,
                                 "[lookup]\ntoken_file = \"as.token\"\n[[follow]]\nkms = \"" + url_["police"] +
                                     "\"\nca = \"ca.pem\"\n[[follow]]\nkms = \"" + url_["fire"] + "\"\nca = \"ca.pem\"\n");
    EXPECT_NE(as->err().find("security domains from 2 followed KMS(s)"), std::string::npos) << as->err();
    const auto caller_port = free_sip_port();
    auto sipp = [&](const std::string& scenario) {
        static int n = 0;
        const auto name = "caller-" + std::to_string(n++);
        write(name + ".xml", scenario);
        child_process p("/usr/bin/sipp",
                        {"-sf", path(name + ".xml"), "-m", "1", "-i", "127.0.0.1", "-p", std::to_string(caller_port),
                         "-t", "u1", "-nostdin", "-timeout", "20s", "-timeout_error", "-trace_err", "-error_file",
                         path(name + "-errors.log"), "127.0.0.1:" + std::to_string(as_port)},
                        dir_.path() / name);
        const int status = p.wait(30s).value_or(-1);
        auto errors = support::read_file(dir_.path() / (name + "-errors.log"));
        EXPECT_EQ(status, 0) << (errors ? *errors : std::string()) << p.out() << "\nthe AS: " << as->err();
    };

    // Dave's I_MESSAGE signed in police, to bob under fire: the AS finds police not permitted by fire (step 3).
    auto police_signed = field(send(dave, "police", bob, "fire").out, "I_MESSAGE");
    ASSERT_FALSE(police_signed.empty());
    sipp(caller(bob, police_signed, 488,
                "<RejectedKmsUri Role=.initiator.>kms.police.example.org</RejectedKmsUri>.*"
                "<KmsUri>kms.fire.example.org</KmsUri>",
                dave));
    // Signed in fire: the AS lets it through, bob's client verifies it with its keys and accepts the call.
    auto fire_signed = field(send(dave, "fire", bob, "fire").out, "I_MESSAGE");
    ASSERT_FALSE(fire_signed.empty());
    sipp(caller(bob, fire_signed, 200, {}, dave, true));
    EXPECT_EQ(bobs_client->wait(std::chrono::seconds(20)), 0) << bobs_client->err();
    EXPECT_NE(bobs_client->out().find(dave + ": 200"), std::string::npos) << bobs_client->out();
    as->signal(SIGTERM);
    as->wait();
}

TEST_F(kms_two_domains, when_asked_whether_it_is_ready_and_what_it_did_then_readyz_answers_anyone_and_metrics_an_administrator) {
    ASSERT_EQ(fetch(alice, "police").status, 0);
    auto ready = get("police", "/readyz", "");
    EXPECT_EQ(ready.result_int(), 200);
    EXPECT_EQ(ready.body(), R"({"ready":true,"checks":{"store":"ok"}})");
    EXPECT_EQ(get("police", "/metrics", "").result_int(), 401);
    EXPECT_EQ(get("police", "/metrics", token(alice)).result_int(), 403);
    auto res = get("police", "/metrics", token("sip:admin@example.org", "mcprov:kms:admin"));
    ASSERT_EQ(res.result_int(), 200) << res.body();
    EXPECT_EQ(res[boost::beast::http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
    const auto& text = res.body();
    // kmc fetch: init, keyprov, certcache, one each.
    for (const auto* route : {"init", "keyprov", "certcache"}) {
        EXPECT_NE(text.find("mcprov_http_responses_total{server=\"kms\",route=\"" + std::string(route) +
                            "\",class=\"2xx\"} 1\n"),
                  std::string::npos)
            << route << "\n" << text;
        EXPECT_NE(text.find("mcprov_http_request_duration_seconds_count{server=\"kms\",route=\"" + std::string(route) +
                            "\"} 1\n"),
                  std::string::npos)
            << route << "\n" << text;
    }
    EXPECT_NE(text.find("mcprov_http_errors_total{server=\"kms\",route=\"metrics\"} 2\n"), std::string::npos) << text;
    // The store's calls are measured in the same registry: the key provision read the domain's documents.
    EXPECT_EQ(text.find("mcprov_store_operation_seconds_count{operation=\"get\"} 0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("mcprov_store_operation_seconds_count{operation=\"get\"} "), std::string::npos) << text;
    EXPECT_NE(text.find("mcprov_store_errors_total{operation=\"get\",error=\"io\"} 0\n"), std::string::npos) << text;
}

} // namespace
} // namespace mcprov::testing
