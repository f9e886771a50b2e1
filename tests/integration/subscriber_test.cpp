// Seed 003 end to end: an operation that needs the subscriber or the user behind a device. The DM server (`mcprov
// dms`, a NAF) holds the operation until the device (`mcprov agent`, its card in the real pcscd's vpcd reader)
// proves in the session, with a key from a GBA bootstrap (`mcprov bsf`, vectors from the real osmo-hlr), who the
// subscriber is, and that the user entered the card's PIN and confirmed; the server verifies the proof with the key
// the BSF gives it over Zn, identifies the subscription, checks its entitlement, charges it, and keeps every decision.
#include <sys/stat.h>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "gba_network.hpp"
#include "mcprov/http/responses.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

const std::string& device = subscriber_device;
const std::string& imsi = subscriber_imsi;
const std::string& operator_id = operator_naf;

class subscriber_deployment : public gba_network {
protected:
    void SetUp() override {
        gba_network::SetUp();
        if (HasFatalFailure())
            return;
        provision_in_hlr();
        insert();
        write("idms.pub",
              identity::public_key_pem_from_private(identity::generate_p256_private_key_pem().value()).value());
    }

    command_result dms(std::vector<std::string> args) {
        args.insert(args.begin(), {"dms", "--config", path("dms.toml")});
        return run(args);
    }
    command_result agent(std::vector<std::string> args) {
        args.insert(args.begin(), {"agent", "--config", path("device.toml")});
        return run(args);
    }

    // The operator's DM server, a NAF of the BSF; `extra` adds to its configuration.
    void start_dms(const std::string& extra = "[subscribers]\nhome_networks = [\"00101\"]\n") {
        write("dms.toml", "[server]\nlisten = \"127.0.0.1:0\"\n"
                          "[tls]\ncertificate = \"server.crt\"\nprivate_key = \"server.key\"\n"
                          "[store]\npath = \"dms.db\"\n"
                          "[auth]\nissuer = \"https://idms.example.org\"\naudience = \"dms\"\npublic_key = \"idms.pub\"\n"
                          "[dm]\nserver_id = \"" + operator_id + "\"\n"
                          "[gba]\nbsf = \"" + bsf_url_ + "\"\ncertificate = \"naf.crt\"\nprivate_key = \"naf.key\"\n"
                          "ca = \"ca.pem\"\n" + extra);
        dms_url_ = "https://127.0.0.1:" + start("dms", R"(on https://127\.0\.0\.1:(\d+)/dm)");
        ASSERT_EQ(dms({"enroll", device, "--client-secret", "device-secret", "--server-secret", "operator-secret"})
                      .status,
                  0);
    }

    // The device: its account with the operator's server, its card slot with the BSF; the user's answers.
    void write_device(const std::string& users_pin = "1234", const std::string& confirm = "yes",
                      const std::string& extra = {}) {
        write("device.toml", "[device]\nid = \"" + device + "\"\n[store]\npath = \"device.db\"\n" + extra +
                             "[[account]]\nserver_id = \"" + operator_id + "\"\naddress = \"" + dms_url_ + "/dm\"\n"
                             "client_secret = \"device-secret\"\nserver_secret = \"operator-secret\"\nca = \"ca.pem\"\n"
                             "[ui]\nconfirm = \"" + confirm + "\"\ntext = \"" + users_pin + "\"\n"
                             "[firmware]\nca = \"ca.pem\"\ndirectory = \"firmware\"\n"
                             "[card]\nreader = \"mcprov vpcd\"\npin = \"1234\"\nca = \"ca.pem\"\nbsf = \"" + bsf_url_ +
                             "\"\nnetwork = \"" + dms_url_ + "/dms/v1/switch-on\"\n");
    }

    // An operation (a Replace of a leaf of the device's), held by a gate.
    std::string queue_gated(const std::string& gate) {
        write("job.json", R"({"commands":[{"command":"add","target":"./Vendor/acme/Tariff","data":"gold"}],"gate":)" +
                              gate + "}");
        auto queued = dms({"queue", device, "--job", path("job.json")});
        EXPECT_EQ(queued.status, 0) << queued.err;
        return queued.out.substr(queued.out.find(' ') + 1, queued.out.find('\n') - queued.out.find(' ') - 1);
    }

    json::object job(const std::string& id) {
        auto shown = dms({"jobs", device, id});
        EXPECT_EQ(shown.status, 0) << shown.err;
        return json::parse(shown.out).as_object();
    }
    std::string audit_of_subscription() { return dms({"audit", "--subscription", imsi}).out; }
    bool device_has_tariff() { return agent({"tree"}).out.find("\"Tariff\"") != std::string::npos; }

    std::string dms_url_;
};

const std::string user_confirms_and_pays =
    R"({"level":"user","confirmation":"Install the gold tariff for 4.99 EUR?","entitlement":"home",)"
    R"("charge":{"amount":499,"currency":"EUR","description":"gold tariff","means":"prepaid"}})";

TEST_F(subscriber_deployment, when_the_user_confirms_and_enters_the_pin_then_the_operation_runs_and_is_charged_once) {
    start_dms();
    write_device();
    ASSERT_EQ(dms({"prepaid", imsi, "--credit", "1000", "--currency", "EUR"}).status, 0);
    const auto id = queue_gated(user_confirms_and_pays);
    auto session = agent({"--session", operator_id});
    ASSERT_EQ(session.status, 0) << session.err;
    auto done = job(id);
    EXPECT_EQ(done.at("state").as_string(), "done") << json::serialize(done);
    EXPECT_TRUE(device_has_tariff());
    auto balance = json::parse(dms({"prepaid", imsi}).out).as_object();
    EXPECT_EQ(balance.at("balance").as_int64(), 501);
    const auto trail = audit_of_subscription();
    for (const auto* action : {"\"identified\"", "\"authenticated\"", "\"consented\"", "\"charged\"", "\"allowed\""})
        EXPECT_NE(trail.find(action), std::string::npos) << action << "\n" << trail;
    EXPECT_NE(trail.find("PIN verified by the card"), std::string::npos) << trail;

    // Another session charges nothing more.
    ASSERT_EQ(agent({"--session", operator_id}).status, 0);
    EXPECT_EQ(json::parse(dms({"prepaid", imsi}).out).as_object().at("balance").as_int64(), 501);
    auto charges = dms({"charges", imsi});
    EXPECT_EQ(std::count(charges.out.begin(), charges.out.end(), '\n'), 1) << charges.out;
    // The pairing learned from the authenticated session.
    EXPECT_NE(dms({"show", device}).out.find("identified"), std::string::npos);
}

TEST_F(subscriber_deployment, when_the_users_pin_is_wrong_then_nothing_runs_and_nothing_is_charged) {
    start_dms();
    write_device("0000");
    ASSERT_EQ(dms({"prepaid", imsi, "--credit", "1000"}).status, 0);
    const auto id = queue_gated(user_confirms_and_pays);
    ASSERT_EQ(agent({"--session", operator_id}).status, 0);
    auto refused = job(id);
    EXPECT_EQ(refused.at("state").as_string(), "failed");
    const std::string reason(refused.at("reason").as_string());
    EXPECT_NE(reason.find("did not authenticate the user"), std::string::npos) << reason;
    EXPECT_NE(reason.find("tries left"), std::string::npos) << reason;
    EXPECT_FALSE(device_has_tariff());
    EXPECT_EQ(json::parse(dms({"prepaid", imsi}).out).as_object().at("balance").as_int64(), 1000);
}

TEST_F(subscriber_deployment, when_the_user_declines_then_the_operation_is_refused_without_a_charge) {
    start_dms();
    write_device("1234", "no");
    ASSERT_EQ(dms({"prepaid", imsi, "--credit", "1000"}).status, 0);
    const auto id = queue_gated(user_confirms_and_pays);
    ASSERT_EQ(agent({"--session", operator_id}).status, 0);
    auto refused = job(id);
    EXPECT_EQ(refused.at("state").as_string(), "failed");
    EXPECT_NE(std::string(refused.at("reason").as_string()).find("declined"), std::string::npos);
    EXPECT_EQ(json::parse(dms({"prepaid", imsi}).out).as_object().at("balance").as_int64(), 1000);
}

TEST_F(subscriber_deployment, when_the_prepaid_balance_does_not_cover_it_then_it_is_refused_and_nothing_runs) {
    start_dms();
    write_device();
    ASSERT_EQ(dms({"prepaid", imsi, "--credit", "100"}).status, 0);
    const auto id = queue_gated(user_confirms_and_pays);
    ASSERT_EQ(agent({"--session", operator_id}).status, 0);
    auto refused = job(id);
    EXPECT_EQ(refused.at("state").as_string(), "failed");
    EXPECT_NE(std::string(refused.at("reason").as_string()).find("does not cover"), std::string::npos);
    EXPECT_FALSE(device_has_tariff());
}

TEST_F(subscriber_deployment, when_the_subscription_is_not_the_operators_then_a_home_only_operation_is_refused) {
    start_dms("[subscribers]\nhome_networks = [\"26201\"]\n");
    write_device();
    const auto id = queue_gated(R"({"level":"subscriber","entitlement":"home"})");
    ASSERT_EQ(agent({"--session", operator_id}).status, 0);
    auto refused = job(id);
    EXPECT_EQ(refused.at("state").as_string(), "failed");
    EXPECT_NE(std::string(refused.at("reason").as_string()).find("not one of this operator's"), std::string::npos);
    // Identified all the same, and on the record.
    EXPECT_NE(audit_of_subscription().find("\"refused\""), std::string::npos);
}

TEST_F(subscriber_deployment, when_the_subscriber_level_is_enough_then_the_bill_is_charged_without_asking_the_user) {
    start_dms();
    write_device("0000", "no"); // the user would refuse: nobody asks
    const auto id = queue_gated(R"({"level":"subscriber","charge":{"amount":99,"currency":"EUR","means":"bill"}})");
    ASSERT_EQ(agent({"--session", operator_id}).status, 0);
    EXPECT_EQ(job(id).at("state").as_string(), "done");
    EXPECT_TRUE(device_has_tariff());
    auto charges = dms({"charges", imsi});
    EXPECT_NE(charges.out.find("\"means\":\"bill\""), std::string::npos) << charges.out;
    // The audit export as CSV, for the operator's tools.
    auto csv = dms({"audit", "--subscription", imsi, "--format", "csv"});
    EXPECT_EQ(csv.out.rfind("time,actor,action,device,subscription,detail\r\n", 0), 0u) << csv.out;
    EXPECT_NE(csv.out.find(",charged,"), std::string::npos) << csv.out;
}

// Serves one firmware package over HTTPS, as a vendor's download server would.
class package_server final : public http::handler {
public:
    explicit package_server(std::string package) : package_(std::move(package)) {}
    http::response handle(http::request&& req, const http::peer_info&) override {
        auto res = http::make_response(boost::beast::http::status::ok, req.version());
        res.set(boost::beast::http::field::content_type, "application/octet-stream");
        res.body() = package_;
        return res;
    }

private:
    std::string package_;
};

TEST_F(subscriber_deployment, when_a_firmware_update_needs_the_user_then_it_is_authenticated_confirmed_paid_and_installed) {
    start_dms();
    write_device();
    ASSERT_EQ(dms({"prepaid", imsi, "--credit", "500"}).status, 0);
    const std::string package(50000, 'F');
    http::server_config config;
    config.tls = http::tls_config{dir_.path() / "server.crt", dir_.path() / "server.key", {}};
    auto server = http::create_server(config, std::make_shared<package_server>(package)).value();
    const auto url = "https://127.0.0.1:" + std::to_string(server->port()) + "/fw-2.0.bin";
    write("job.json", R"({"firmware":{"url":")" + url + R"(","version":"2.0","sha256":")" +
                          support::hex_encode(support::sha256(package)) +
                          R"("},"gate":{"level":"user","confirmation":"Update to firmware 2.0 for 1.99 EUR?",)"
                          R"("charge":{"amount":199,"currency":"EUR","means":"prepaid","description":"firmware 2.0"}}})");
    auto queued = dms({"queue", device, "--job", path("job.json")});
    ASSERT_EQ(queued.status, 0) << queued.err;
    const auto id = queued.out.substr(queued.out.find(' ') + 1, queued.out.find('\n') - queued.out.find(' ') - 1);
    ASSERT_EQ(agent({"--session", operator_id}).status, 0);
    auto done = job(id);
    EXPECT_EQ(done.at("state").as_string(), "done") << json::serialize(done);
    EXPECT_NE(agent({"tree"}).out.find(support::base64_encode("2.0")), std::string::npos);
    EXPECT_EQ(json::parse(dms({"prepaid", imsi}).out).as_object().at("balance").as_int64(), 301);
    server->stop();
    server->wait();
}

TEST_F(subscriber_deployment, when_a_paid_firmware_update_fails_at_the_device_then_the_charge_is_given_back) {
    start_dms();
    write_device();
    ASSERT_EQ(dms({"prepaid", imsi, "--credit", "500"}).status, 0);
    http::server_config config;
    config.tls = http::tls_config{dir_.path() / "server.crt", dir_.path() / "server.key", {}};
    auto server = http::create_server(config, std::make_shared<package_server>("not the package")).value();
    const auto url = "https://127.0.0.1:" + std::to_string(server->port()) + "/fw-2.0.bin";
    write("job.json", R"({"firmware":{"url":")" + url + R"(","version":"2.0","sha256":")" + std::string(64, 'a') +
                          R"("},"gate":{"level":"subscriber",)"
                          R"("charge":{"amount":199,"currency":"EUR","means":"prepaid","description":"firmware 2.0"}}})");
    auto queued = dms({"queue", device, "--job", path("job.json")});
    ASSERT_EQ(queued.status, 0) << queued.err;
    const auto id = queued.out.substr(queued.out.find(' ') + 1, queued.out.find('\n') - queued.out.find(' ') - 1);
    ASSERT_EQ(agent({"--session", operator_id}).status, 0);
    auto failed = job(id);
    EXPECT_EQ(failed.at("state").as_string(), "failed") << json::serialize(failed);
    EXPECT_EQ(failed.at("reason").as_string(), "the device reported result 402");
    EXPECT_EQ(json::parse(dms({"prepaid", imsi}).out).as_object().at("balance").as_int64(), 500);
    auto charge = json::parse(dms({"charges", imsi}).out).as_object();
    EXPECT_EQ(charge.at("refund_reason").as_string(), "the device reported result 402");
    EXPECT_NE(audit_of_subscription().find("\"refunded\""), std::string::npos);
    server->stop();
    server->wait();
}

TEST_F(subscriber_deployment, when_the_help_desk_has_an_application_installed_then_only_the_authenticated_users_yes_installs_it) {
    start_dms();
    write_device();
    auto queried = dms({"help-desk", "query", device, "--agent", "Sam"});
    ASSERT_EQ(queried.status, 0) << queried.err;
    ASSERT_EQ(agent({"--session", operator_id}).status, 0);
    auto report = json::parse(dms({"help-desk", "report", device}).out).as_object();
    const auto& nodes = report.at("nodes").as_object();
    EXPECT_EQ(nodes.at("./DevInfo/DevId").as_string(), device) << json::serialize(report);
    EXPECT_EQ(nodes.at("./DevDetail/FwV").as_string(), "1.0");
    EXPECT_EQ(nodes.at("./SCOMO/Inventory/Deployed").as_string(), "");
    EXPECT_EQ(nodes.at("./MCS").as_string(), "");

    const std::string package(20000, 'D');
    http::server_config config;
    config.tls = http::tls_config{dir_.path() / "server.crt", dir_.path() / "server.key", {}};
    auto server = http::create_server(config, std::make_shared<package_server>(package)).value();
    const auto url = "https://127.0.0.1:" + std::to_string(server->port()) + "/diag.pkg";
    auto install = [&](const std::string& app) {
        auto queued = dms({"help-desk", "install", device, "--agent", "Sam", "--id", app, "--name", "Diagnostics",
                           "--version", "1.2", "--url", url, "--sha256", support::hex_encode(support::sha256(package))});
        EXPECT_EQ(queued.status, 0) << queued.err;
        return queued.out.substr(queued.out.find(' ') + 1, queued.out.find(" held") - queued.out.find(' ') - 1);
    };
    // The user says no: nothing is installed.
    write_device("1234", "no");
    const auto declined = install("com.example.nodiag");
    ASSERT_EQ(agent({"--session", operator_id}).status, 0);
    EXPECT_EQ(job(declined).at("state").as_string(), "failed");
    // The user says yes and enters the card's PIN: installed, and the device acknowledges it.
    write_device();
    const auto id = install("com.example.diag");
    ASSERT_EQ(agent({"--session", operator_id}).status, 0);
    auto done = job(id);
    EXPECT_EQ(done.at("state").as_string(), "done") << json::serialize(done);
    EXPECT_NE(json::serialize(done).find("<ResultCode>1200</ResultCode>"), std::string::npos);
    ASSERT_EQ(dms({"help-desk", "query", device, "--agent", "Sam"}).status, 0);
    ASSERT_EQ(agent({"--session", operator_id}).status, 0);
    report = json::parse(dms({"help-desk", "report", device}).out).as_object();
    EXPECT_EQ(report.at("nodes").at("./SCOMO/Inventory/Deployed").as_string(), "com.example.diag");

    const auto trail = audit_of_subscription();
    EXPECT_NE(trail.find("The help desk (Sam) asks to install Diagnostics 1.2 on this device. Allow?"),
              std::string::npos) << trail;
    EXPECT_NE(trail.find("PIN verified by the card"), std::string::npos) << trail;
    EXPECT_NE(dms({"audit", device}).out.find("help desk: Sam"), std::string::npos);
    server->stop();
    server->wait();
}

TEST_F(subscriber_deployment, when_a_bug_fix_is_for_home_subscribers_then_it_is_traced_against_the_subscription_and_free_for_plans_that_include_it) {
    start_dms();
    write_device();
    const auto id = queue_gated(R"({"level":"subscriber","entitlement":"home","charge":{"amount":99,"currency":"EUR",)"
                                R"("means":"bill","description":"fix","waived_for":["00101*"]}})");
    ASSERT_EQ(agent({"--session", operator_id}).status, 0);
    EXPECT_EQ(job(id).at("state").as_string(), "done");
    EXPECT_EQ(dms({"charges", imsi}).out, "");
    const auto trail = audit_of_subscription();
    EXPECT_NE(trail.find("included in the subscription"), std::string::npos) << trail;
    EXPECT_NE(trail.find("\"allowed\",\"device\":\"" + device), std::string::npos) << trail;
}

TEST_F(subscriber_deployment, when_a_used_device_is_first_used_with_a_subscription_then_its_stale_configuration_is_overridden_after_the_subscriber_confirms) {
    write("used-device.json", R"({"commands":[{"command":"replace","target":"./Vendor/acme/APN","data":"operator.apn"}]})");
    start_dms("[hlr]\ngsup = \"" + hlr_->address() + ":4222\"\n"
              "[used_device]\njob = \"used-device.json\"\nconfirm = \"Configure this device for the operator?\"\n");
    write_device();
    // The device as it came, second-hand: a stale APN.
    write("stale.json", R"({"commands":[{"command":"add","target":"./Vendor/acme/APN","data":"stale.apn"}]})");
    ASSERT_EQ(dms({"queue", device, "--job", path("stale.json")}).status, 0);
    ASSERT_EQ(agent({"--session", operator_id}).status, 0);
    ASSERT_NE(agent({"tree"}).out.find(support::base64_encode("stale.apn")), std::string::npos);

    // First use with the subscription: the network authenticates the pair, the operator's configuration follows.
    auto on = agent({"switch-on"});
    ASSERT_EQ(on.status, 0) << on.err;
    ASSERT_EQ(agent({"--session", operator_id}).status, 0);
    const auto tree = agent({"tree"}).out;
    EXPECT_NE(tree.find(support::base64_encode("operator.apn")), std::string::npos) << tree;
    const auto trail = dms({"audit", device}).out;
    EXPECT_NE(trail.find("policy:used-device"), std::string::npos) << trail;
    EXPECT_NE(trail.find("consented"), std::string::npos) << trail;
    // The pairing the network authenticated, from either side.
    auto in_device = json::parse(dms({"cards", device}).out).as_object().at("cards").as_array();
    ASSERT_FALSE(in_device.empty());
    EXPECT_EQ(in_device.back().at("imsi").as_string(), imsi);
    auto of_subscription = json::parse(dms({"cards", "--subscription", imsi}).out).as_object().at("devices").as_array();
    ASSERT_FALSE(of_subscription.empty());
    EXPECT_EQ(of_subscription.back().at("imei").as_string(), device.substr(5));

    // The same subscription again is no first use: nothing more is queued.
    ASSERT_EQ(agent({"switch-off"}).status, 0);
    ASSERT_EQ(agent({"switch-on"}).status, 0);
    auto jobs = dms({"jobs", device});
    EXPECT_EQ(jobs.out.find("\"state\":\"queued\""), std::string::npos) << jobs.out;
}

TEST_F(subscriber_deployment, when_a_corporate_device_is_switched_on_with_another_subscription_then_it_is_refused) {
    start_dms("[hlr]\ngsup = \"" + hlr_->address() + ":4222\"\n"
              "[[corporation]]\nname = \"acme\"\ndevices = [\"" + device + "\"]\nsubscriptions = [\"26201*\"]\n");
    write_device();
    auto on = agent({"switch-on"});
    EXPECT_EQ(on.status, 3);
    EXPECT_NE(on.err.find("acme"), std::string::npos) << on.err;
    EXPECT_NE(dms({"audit", device}).out.find("\"refused\""), std::string::npos);
}

TEST_F(subscriber_deployment, when_a_corporate_device_is_not_customised_then_the_session_corrects_it_after_authenticating_the_subscription) {
    write("customise.json", R"({"commands":[{"command":"add","target":"./Vendor/acme/Customised","data":"acme"}]})");
    start_dms("[[corporation]]\nname = \"acme\"\ndevices = [\"" + device + "\"]\nsubscriptions = [\"00101*\"]\n"
              "customisation_version = \"2.0-acme\"\ncustomisation_job = \"customise.json\"\n");
    write_device();
    // Its first session reports its firmware (1.0): the corporation's customisation follows in the same session.
    ASSERT_EQ(agent({"--session", operator_id}).status, 0);
    EXPECT_NE(agent({"tree"}).out.find(support::base64_encode("acme")), std::string::npos);
    const auto trail = dms({"audit", device}).out;
    EXPECT_NE(trail.find("policy:corporate-customisation"), std::string::npos) << trail;
    EXPECT_NE(trail.find("\"allowed\""), std::string::npos) << trail;
    // Nothing more once it is queued: another session adds no job.
    const auto before = dms({"jobs", device}).out;
    ASSERT_EQ(agent({"--session", operator_id}).status, 0);
    const auto after = dms({"jobs", device}).out;
    EXPECT_EQ(std::count(before.begin(), before.end(), '\n'), std::count(after.begin(), after.end(), '\n')) << after;
}

// Seed 003 5.1.5: the device's local link (the agent listening), a test payment gateway, the operator's offers.
class pc_deployment : public subscriber_deployment {
protected:
    void start_all(const std::string& gateway_timeout_ms = "5000") {
        write("api.key", "merchant-key\n");
        ASSERT_EQ(::chmod(path("api.key").c_str(), 0600), 0);
        auto gateway = std::make_unique<child_process>(
            MCPROV_BINARY,
            std::vector<std::string>{"payment-gateway", "--listen", "127.0.0.1:0", "--certificate", path("server.crt"),
                                     "--private-key", path("server.key"), "--store", path("gateway.db"),
                                     "--api-key-file", path("api.key")},
            dir_.path() / "gateway");
        const auto port = gateway->wait_for_output(R"(test payment gateway on https://127\.0\.0\.1:(\d+)/)");
        ASSERT_FALSE(port.empty()) << gateway->err();
        processes_.push_back(std::move(gateway));
        gateway_url_ = "https://127.0.0.1:" + port + "/";
        write("game.json", R"({"commands":[{"command":"add","target":"./Vendor/acme/Game","data":"on"}]})");
        start_dms("[subscribers]\nhome_networks = [\"00101\"]\n"
                  "[gateway]\nurl = \"" + gateway_url_ + "\"\nca = \"ca.pem\"\napi_key_file = \"api.key\"\n"
                  "timeout_ms = " + gateway_timeout_ms + "\n"
                  "[[offer]]\nid = \"game\"\ndescription = \"the game service\"\namount = 299\ncurrency = \"EUR\"\n"
                  "job = \"game.json\"\n");
        write_device("0000", "no", "[push]\nlisten = \"127.0.0.1:0\"\n");
        auto daemon = std::make_unique<child_process>(
            MCPROV_BINARY, std::vector<std::string>{"agent", "--config", path("device.toml")}, dir_.path() / "device");
        const auto link = daemon->wait_for_output(R"(notifications on http://127\.0\.0\.1:(\d+)/push)");
        ASSERT_FALSE(link.empty()) << daemon->err();
        processes_.push_back(std::move(daemon));
        link_ = "http://127.0.0.1:" + link;
    }

    command_result pc_agent(const std::string& means, const std::string& pin = "1234",
                            const std::string& card = "4111111111111111") {
        write("pc.toml", "[device]\nlink = \"" + link_ + "\"\n[dms]\nurl = \"" + dms_url_ + "\"\nca = \"ca.pem\"\n"
                         "[gateway]\nurl = \"" + gateway_url_ + "\"\nca = \"ca.pem\"\n"
                         "[user]\nconsent = \"yes\"\noffers = [\"game\"]\nmeans = \"" + means + "\"\npin = \"" + pin +
                         "\"\ncard_number = \"" + card + "\"\ncard_expiry = \"12/39\"\ncard_cvc = \"123\"\n");
        return run({"pc-agent", "--config", path("pc.toml")});
    }

    std::size_t charges() {
        const auto out = dms({"charges", imsi}).out;
        return static_cast<std::size_t>(std::count(out.begin(), out.end(), '\n'));
    }

    std::string gateway_url_;
    std::string link_;
};

TEST_F(pc_deployment, when_the_user_buys_through_the_pc_and_pays_by_card_then_the_device_is_provisioned_and_charged_once) {
    start_all();
    auto done = pc_agent("card");
    ASSERT_EQ(done.status, 0) << done.out << done.err;
    EXPECT_NE(done.out.find("found " + device), std::string::npos) << done.out;
    EXPECT_NE(done.out.find("Buy the game service for 2.99 EUR, paid by card?"), std::string::npos) << done.out;
    EXPECT_NE(agent({"tree"}).out.find("\"Game\""), std::string::npos);
    auto charged = dms({"charges", imsi}).out;
    EXPECT_NE(charged.find("\"means\":\"card\""), std::string::npos) << charged;
    EXPECT_NE(charged.find("\"reference\":\"pay_"), std::string::npos) << charged;
    EXPECT_EQ(charges(), 1u);
    EXPECT_NE(audit_of_subscription().find("through a PC agent"), std::string::npos);
}

TEST_F(pc_deployment, when_the_bank_answers_late_then_the_purchase_is_completed_again_and_paid_once) {
    start_all("1000");
    auto done = pc_agent("card", "1234", "4000000000000119");
    ASSERT_EQ(done.status, 0) << done.out << done.err;
    EXPECT_NE(done.out.find("trying again"), std::string::npos) << done.out;
    EXPECT_EQ(charges(), 1u);
}

TEST_F(pc_deployment, when_the_card_is_declined_or_the_pin_wrong_then_nothing_is_provisioned_or_charged) {
    start_all();
    auto declined = pc_agent("card", "1234", "4000000000000002");
    EXPECT_EQ(declined.status, 3) << declined.out << declined.err;
    EXPECT_NE(declined.err.find("card declined"), std::string::npos) << declined.err;
    auto wrong_pin = pc_agent("prepaid", "9999");
    EXPECT_EQ(wrong_pin.status, 3) << wrong_pin.out << wrong_pin.err;
    EXPECT_NE(wrong_pin.err.find("tries left"), std::string::npos) << wrong_pin.err;
    EXPECT_EQ(charges(), 0u);
    EXPECT_EQ(agent({"tree"}).out.find("\"Game\""), std::string::npos);
}

TEST_F(pc_deployment, when_the_user_pays_from_prepaid_then_the_balance_is_debited_after_authentication_and_agreement) {
    start_all();
    ASSERT_EQ(dms({"prepaid", imsi, "--credit", "1000"}).status, 0);
    auto done = pc_agent("prepaid");
    ASSERT_EQ(done.status, 0) << done.out << done.err;
    EXPECT_EQ(json::parse(dms({"prepaid", imsi}).out).as_object().at("balance").as_int64(), 701);
    auto bill = pc_agent("bill");
    ASSERT_EQ(bill.status, 0) << bill.out << bill.err;
    EXPECT_EQ(charges(), 2u);
}

} // namespace
} // namespace mcprov::testing
