// An OMA DM 1.2 server, `mcprov dms`, over HTTPS on loopback, and devices played by `mcprov agent` processes: MD5 and
// HMAC authentication both ways, XML and WBXML, jobs with their results, Atomic rollback, a user who says no,
// notifications (package 0) and refusals.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdlib>

#include "../unit/store/postgres_server.hpp"
#include "../unit/temp_dir.hpp"
#include "child_process.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/http/responses.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

const std::string handset = "IMEI:493005100592800";
const std::string server_id = "dms.mcx-a.example.org";

struct command_result {
    int status = -1;
    std::string out;
    std::string err;
};

class dm_deployment : public ::testing::Test {
protected:
    void SetUp() override {
        auto ca = http::create_certificate_authority("DM CA", std::chrono::hours(24)).value();
        auto cert = http::issue_certificate(ca, "localhost", {"localhost"}, {"127.0.0.1"},
                                            http::certificate_usage::server, std::chrono::hours(24))
                        .value();
        idms_key_ = identity::generate_p256_private_key_pem().value();
        write("ca.pem", ca.certificate_pem);
        write("dms.crt", cert.certificate_pem);
        write("dms.key", cert.private_key_pem);
        write("idms.pub", identity::public_key_pem_from_private(idms_key_).value());
    }

    void write(const std::string& name, const std::string& text) {
        ASSERT_TRUE(support::write_file(dir_.path() / name, text));
    }
    std::string path(const std::string& name) const { return (dir_.path() / name).string(); }

    static bool on_postgresql() {
        const char* backend = std::getenv("MCPROV_TEST_STORE");
        return backend && std::string_view(backend) == "postgresql";
    }

    void start_dms(const std::string& scheme = "md5", const std::string& dm_extra = {},
                   const std::string& tls_extra = {}) {
        std::string store = "[store]\npath = \"dms.db\"\n";
        if (on_postgresql()) {
            auto fresh = fresh_postgres_database();
            ASSERT_TRUE(fresh) << fresh.err().message;
            store = "[store]\nurl = \"" + *fresh + "\"\n";
        }
        write("dms.toml", "[server]\nlisten = \"127.0.0.1:0\"\n"
                          "[tls]\ncertificate = \"dms.crt\"\nprivate_key = \"dms.key\"\n" + tls_extra +
                              store +
                              "[auth]\nissuer = \"https://idms.example.org\"\naudience = \"dms\"\n"
                              "public_key = \"idms.pub\"\n"
                              "[dm]\nserver_id = \"" + server_id + "\"\nauth = \"" + scheme + "\"\n" + dm_extra);
        dms_ = std::make_unique<child_process>(MCPROV_BINARY,
                                               std::vector<std::string>{"dms", "--config", path("dms.toml")},
                                               dir_.path() / "dms");
        auto port = dms_->wait_for_output(R"(on https://127\.0\.0\.1:(\d+)/dm)");
        ASSERT_FALSE(port.empty()) << dms_->err();
        url_ = "https://127.0.0.1:" + port;
    }

    // A device's configuration: its account with the DMS.
    void write_agent(const std::string& name, const std::string& device, const std::string& scheme,
                     const std::string& encoding, const std::string& confirm = "yes",
                     const std::string& client_secret = "device-secret-1", const std::string& push = {},
                     const std::string& device_extra = {}) {
        write(name + ".toml", "[device]\nid = \"" + device + "\"\nfirmware_version = \"1.0\"\n" + device_extra +
                              "[store]\npath = \"" + name + ".db\"\n"
                              "[[account]]\nserver_id = \"" + server_id + "\"\naddress = \"" + url_ + "/dm\"\n"
                              "auth = \"" + scheme + "\"\nencoding = \"" + encoding + "\"\n"
                              "client_secret = \"" + client_secret + "\"\nserver_secret = \"server-secret-1\"\n"
                              "ca = \"ca.pem\"\n"
                              "[ui]\nconfirm = \"" + confirm + "\"\n"
                              "[firmware]\nca = \"ca.pem\"\ndirectory = \"" + name + "-firmware\"\n" +
                              (push.empty() ? "" : "[push]\nlisten = \"" + push + "\"\n"));
    }

    command_result run(std::vector<std::string> args) {
        static int n = 0;
        child_process p(MCPROV_BINARY, args, dir_.path() / ("command-" + std::to_string(n++)));
        auto status = p.wait(60s);
        return {status.value_or(-1), p.out(), p.err()};
    }

    command_result dms(std::vector<std::string> args) {
        args.insert(args.begin(), {"dms", "--config", path("dms.toml")});
        return run(args);
    }

    command_result session(const std::string& agent) {
        return run({"agent", "--config", path(agent + ".toml"), "--session", server_id});
    }

    void enroll(const std::string& device, const std::string& push = {}) {
        std::vector<std::string> args{"enroll", device, "--client-secret", "device-secret-1", "--server-secret",
                                      "server-secret-1"};
        if (!push.empty()) {
            args.insert(args.end(), {"--push", push});
        }
        auto done = dms(args);
        ASSERT_EQ(done.status, 0) << done.err;
    }

    std::string token(const std::string& scope = "mcprov:dms:admin") {
        auto issuer = identity::create_token_issuer(idms_key_, support::create_system_clock()).value();
        identity::token_request req;
        req.issuer = "https://idms.example.org";
        req.subject = "sip:admin@mcx-a.example.org";
        req.audience = {"dms"};
        req.mc_id = req.subject;
        req.scopes = {scope};
        return issuer->issue(req).value();
    }

    http::response request(boost::beast::http::verb method, const std::string& target, const std::string& body = {},
                           const std::string& bearer = {}) {
        http::client_request req;
        req.method = method;
        req.url = url_ + target;
        req.headers.emplace_back("Authorization", "Bearer " + (bearer.empty() ? token() : bearer));
        if (!body.empty()) {
            req.headers.emplace_back("Content-Type", "application/json");
        }
        req.body = body;
        http::client_options options;
        options.ca_file = path("ca.pem");
        return http::fetch(req, options).value();
    }

    // Queues a job through the admin API; returns its id.
    std::string queue(const std::string& device, const std::string& job_json) {
        auto res = request(boost::beast::http::verb::post, "/dms/v1/devices/" + device + "/jobs", job_json);
        EXPECT_EQ(res.result_int(), 201u) << res.body();
        return std::string(json::parse(res.body()).as_object().at("id").as_string());
    }

    json::object job(const std::string& device, const std::string& id) {
        auto res = request(boost::beast::http::verb::get, "/dms/v1/devices/" + device + "/jobs/" + id);
        EXPECT_EQ(res.result_int(), 200u) << res.body();
        return json::parse(res.body()).as_object();
    }

    // A leaf of the device's stored tree, as `mcprov agent tree` prints it.
    std::optional<std::string> leaf(const std::string& agent, const std::string& uri) {
        auto printed = run({"agent", "--config", path(agent + ".toml"), "tree"});
        EXPECT_EQ(printed.status, 0) << printed.err;
        auto node = json::parse(printed.out).as_object().at("root").as_object();
        std::string rest = uri.substr(2);
        while (!rest.empty()) {
            const auto name = rest.substr(0, rest.find('/'));
            rest = rest.find('/') == std::string::npos ? std::string() : rest.substr(rest.find('/') + 1);
            const auto* children = node.if_contains("children");
            if (!children) {
                return std::nullopt;
            }
            bool found = false;
            for (const auto& c : children->as_array()) {
                if (c.as_object().at("name").as_string() == name) {
                    node = c.as_object();
                    found = true;
                    break;
                }
            }
            if (!found) {
                return std::nullopt;
            }
        }
        return support::base64_decode(std::string(node.at("data").as_string()));
    }

    static std::string state(const json::object& j) { return std::string(j.at("state").as_string()); }
    static std::int64_t status(const json::object& j, std::size_t command) {
        return j.at("outcomes").as_array().at(command).as_object().at("status").as_int64();
    }

    // A full session of a device with jobs of every kind: what the judge of each scheme and encoding sees.
    void jobs_are_carried_out(const std::string& scheme, const std::string& encoding) {
        start_dms(scheme);
        enroll(handset);
        write_agent("handset", handset, scheme, encoding);
        const auto get = queue(handset, R"({"commands":[{"command":"get","target":"./DevDetail/FwV"}]})");
        const auto add = queue(handset, R"({"commands":[{"command":"add","target":"./Vendor/MCS/CMS",)"
                                        R"("data":"https://cms.mcx-a.example.org/xcap"}]})");
        const auto ask = queue(handset, R"({"commands":[{"command":"alert","alert":1101,"text":"Restart now?"}]})");
        auto done = session("handset");
        ASSERT_EQ(done.status, 0) << done.err;

        auto got = job(handset, get);
        EXPECT_EQ(state(got), "done");
        EXPECT_EQ(got.at("outcomes").as_array()[0].as_object().at("results").as_array()[0].as_object().at("data"),
                  "1.0");
        EXPECT_EQ(status(job(handset, add), 0), 200) << "the root takes Add from every server";
        EXPECT_EQ(leaf("handset", "./Vendor/MCS/CMS"), "https://cms.mcx-a.example.org/xcap");
        EXPECT_EQ(status(job(handset, ask), 0), 200) << "the user said yes";
        auto device = request(boost::beast::http::verb::get, "/dms/v1/devices/" + handset);
        auto inventory = json::parse(device.body()).as_object();
        EXPECT_EQ(inventory.at("dev_info").as_object().at("./DevDetail/FwV"), "1.0");
        EXPECT_EQ(inventory.at("jobs_pending"), 0);
        const auto again = queue(handset, R"({"commands":[{"command":"get","target":"./DevInfo/DmV"}]})");
        auto second = session("handset");
        ASSERT_EQ(second.status, 0) << "a second session, with the nonces the first left both ways: " << second.err;
        EXPECT_EQ(state(job(handset, again)), "done");

        auto metrics = request(boost::beast::http::verb::get, "/metrics").body();
        // The four jobs above and the inventory job enrolment queues.
        EXPECT_NE(metrics.find("mcprov_dm_jobs_finished_total{outcome=\"done\"} 5\n"), std::string::npos) << metrics;
        EXPECT_NE(metrics.find("mcprov_dm_jobs_finished_total{outcome=\"failed\"} 0\n"), std::string::npos) << metrics;
        EXPECT_NE(metrics.find("mcprov_dm_sessions_ended_total 2\n"), std::string::npos) << metrics;
        // Each DM message is one store transaction, measured in the same registry.
        EXPECT_EQ(metrics.find("mcprov_store_operation_seconds_count{operation=\"transact\"} 0\n"), std::string::npos)
            << metrics;
        EXPECT_NE(metrics.find("mcprov_store_errors_total{operation=\"transact\",error=\"io\"} 0\n"),
                  std::string::npos)
            << metrics;
    }

    temp_dir dir_;
    std::string idms_key_;
    std::unique_ptr<child_process> dms_;
    std::string url_;
};

TEST_F(dm_deployment, when_a_device_authenticates_with_md5_in_xml_then_its_jobs_are_carried_out) {
    jobs_are_carried_out("md5", "xml");
}

TEST_F(dm_deployment, when_a_device_speaks_wbxml_then_the_same_session_happens) {
    jobs_are_carried_out("md5", "wbxml");
}

TEST_F(dm_deployment, when_both_sides_authenticate_with_hmac_then_the_session_happens) {
    jobs_are_carried_out("mac", "xml");
}

TEST_F(dm_deployment, when_a_job_is_atomic_and_one_command_fails_then_the_device_keeps_none) {
    start_dms();
    enroll(handset);
    write_agent("handset", handset, "md5", "wbxml");
    ASSERT_EQ(session("handset").status, 0) << "the first session reads the inventory";
    const auto id = queue(handset, R"({"atomic":true,"commands":[)"
                                   R"({"command":"add","target":"./DMAcc/acc1/Name","data":"renamed"},)"
                                   R"({"command":"replace","target":"./DevInfo/Man","data":"someone"}]})");
    ASSERT_EQ(session("handset").status, 0);
    auto j = job(handset, id);
    EXPECT_EQ(state(j), "failed");
    EXPECT_EQ(j.at("atomic_status"), 507);
    EXPECT_EQ(leaf("handset", "./DMAcc/acc1/Name"), server_id) << "rolled back";
    EXPECT_EQ(leaf("handset", "./DevInfo/Man"), "mcprov");
}

TEST_F(dm_deployment, when_objects_and_results_exceed_a_message_then_they_travel_in_chunks_both_ways) {
    start_dms("md5", "max_msg_size = 8192\n");
    enroll(handset);
    write_agent("handset", handset, "md5", "wbxml", "yes", "device-secret-1", {},
                "max_message_bytes = 8192\nmax_object_bytes = 65536\n");
    std::string big;
    for (int i = 0; big.size() < 40000; ++i) {
        big += "line " + std::to_string(i) + " of a large object\n";
    }
    const auto put = queue(handset, json::serialize(json::object{
                                        {"commands", json::array{json::object{{"command", "add"},
                                                                              {"target", "./Vendor/Large"},
                                                                              {"data", big}}}}}));
    const auto get = queue(handset, R"({"commands":[{"command":"get","target":"./Vendor/Large"}]})");
    ASSERT_EQ(session("handset").status, 0);
    EXPECT_EQ(state(job(handset, put)), "done");
    EXPECT_EQ(leaf("handset", "./Vendor/Large"), big);
    ASSERT_EQ(session("handset").status, 0) << "the Get of the whole object, in its own session";
    auto j = job(handset, get);
    EXPECT_EQ(state(j), "done");
    EXPECT_EQ(j.at("outcomes").as_array()[0].as_object().at("results").as_array()[0].as_object().at("data").as_string(),
              big);
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

std::string sha256_of(const std::string& data) {
    return support::hex_encode(support::sha256(data));
}

TEST_F(dm_deployment, when_a_firmware_update_is_queued_then_the_device_downloads_checks_installs_and_reports) {
    start_dms();
    enroll(handset);
    write_agent("handset", handset, "md5", "wbxml");
    const std::string package(200000, 'F');
    http::server_config config;
    config.tls = http::tls_config{dir_.path() / "dms.crt", dir_.path() / "dms.key", {}};
    auto server = http::create_server(config, std::make_shared<package_server>(package)).value();
    const auto url = "https://127.0.0.1:" + std::to_string(server->port()) + "/fw-2.0.bin";
    const auto update = queue(handset, R"({"firmware":{"url":")" + url + R"(","version":"2.0","sha256":")" +
                                           sha256_of(package) + R"("}})");
    const auto corrupt = queue(handset, R"({"firmware":{"url":")" + url + R"(","version":"3.0","sha256":")" +
                                            std::string(64, '0') + R"("}})");
    auto done = session("handset");
    ASSERT_EQ(done.status, 0) << done.err;
    auto j = job(handset, update);
    EXPECT_EQ(state(j), "done");
    EXPECT_EQ(status(j, 3), 202) << "the Exec accepted, carried out after the session";
    const auto report = j.at("outcomes").as_array()[3].as_object().at("results").as_array()[0].as_object();
    EXPECT_EQ(report.at("data"), "200");
    EXPECT_EQ(report.at("type"), "org.openmobilealliance.dm.firmwareupdate.downloadandupdate");
    auto bad = job(handset, corrupt);
    EXPECT_EQ(state(bad), "failed");
    EXPECT_EQ(bad.at("outcomes").as_array()[3].as_object().at("results").as_array()[0].as_object().at("data"), "402")
        << "a corrupted package";
    EXPECT_EQ(leaf("handset", "./DevDetail/FwV"), "2.0") << "the corrupted one was not installed";
    EXPECT_EQ(leaf("handset", "./FUMO/fw/State"), "20") << "its download failed";
    server->stop();
    server->wait();
}

TEST_F(dm_deployment, when_the_mc_configuration_is_provisioned_then_the_mc_client_finds_its_cms_and_idms) {
    start_dms("md5", "[mc]\ndomain = \"mcx-a.example.org\"\n"
                     "cms_xcap_root_uri = \"https://cms.mcx-a.example.org/xcap\"\n"
                     "idms_auth_endpoint = \"https://idms.mcx-a.example.org/authorize\"\n"
                     "idms_token_endpoint = \"https://idms.mcx-a.example.org/token\"\n"
                     "gms_xcap_root_uri = \"https://gms.mcx-a.example.org/xcap\"\n"
                     "kms = \"https://kms.mcx-a.example.org\"\n"
                     "prioritized_groups = [\"sip:all-police@groups.mcx-a.example.org\"]\n"
                     "max_group_calls = 2\n");
    enroll(handset);
    write_agent("handset", handset, "md5", "xml");
    auto res = request(boost::beast::http::verb::post, "/dms/v1/devices/" + handset + "/mc-configuration",
                       R"({"user":"sip:alice@mcx-a.example.org"})");
    ASSERT_EQ(res.result_int(), 201u) << res.body();
    const auto id = std::string(json::parse(res.body()).as_object().at("id").as_string());
    ASSERT_EQ(session("handset").status, 0);
    EXPECT_EQ(state(job(handset, id)), "done");
    EXPECT_EQ(leaf("handset", "./MCS/UEInitConfig/OnNetwork/CMSXCAPRootURI"), "https://cms.mcx-a.example.org/xcap");
    auto document = support::read_file(dir_.path() / "mc-client" / "ue-init-config.xml");
    ASSERT_TRUE(document) << "handed to the MC client";
    EXPECT_NE(document->find("<CMS-XCAP-root-URI>https://cms.mcx-a.example.org/xcap</CMS-XCAP-root-URI>"),
              std::string::npos);
    EXPECT_NE(document->find("<idms-token-endpoint>https://idms.mcx-a.example.org/token</idms-token-endpoint>"),
              std::string::npos);
    EXPECT_NE(document->find("User-ID=\"sip:alice@mcx-a.example.org\""), std::string::npos);
    auto ue_config = support::read_file(dir_.path() / "mc-client" / "ue-config.xml");
    ASSERT_TRUE(ue_config) << "the MCPTT UE configuration too";
    EXPECT_NE(ue_config->find("<MCPTT-Group-ID>sip:all-police@groups.mcx-a.example.org</MCPTT-Group-ID>"),
              std::string::npos);
    EXPECT_NE(ue_config->find("<Max-Simul-Call-N4>2</Max-Simul-Call-N4>"), std::string::npos);

    auto again = dms({"provision", handset});
    ASSERT_EQ(again.status, 0) << again.err;
    ASSERT_EQ(session("handset").status, 0);
    const auto second = again.out.substr(handset.size() + 1, again.out.find('\n') - handset.size() - 1);
    EXPECT_EQ(state(job(handset, second)), "failed") << "it is there already: --replace is needed";
    auto replaced = dms({"provision", handset, "--replace"});
    ASSERT_EQ(replaced.status, 0) << replaced.err;
    ASSERT_EQ(session("handset").status, 0);
    const auto third = replaced.out.substr(handset.size() + 1, replaced.out.find('\n') - handset.size() - 1);
    EXPECT_EQ(state(job(handset, third)), "done");
}

TEST_F(dm_deployment, when_client_certificates_are_required_then_only_the_device_with_its_own_gets_in) {
    auto devices_ca = http::create_certificate_authority("devices CA", std::chrono::hours(24)).value();
    for (const auto& [name, subject] : {std::pair{"handset", handset}, {"other", std::string("IMEI:1")}}) {
        auto cert = http::issue_certificate(devices_ca, subject, {}, {}, http::certificate_usage::client,
                                            std::chrono::hours(24))
                        .value();
        write(std::string(name) + ".crt", cert.certificate_pem);
        write(std::string(name) + ".key", cert.private_key_pem);
    }
    write("devices-ca.pem", devices_ca.certificate_pem);
    start_dms("md5", "client_certificates = \"required\"\n", "client_ca = \"devices-ca.pem\"\n");
    enroll(handset);
    for (const auto& [name, cert] : {std::pair{"own", "handset"}, {"foreign", "other"}, {"none", ""}}) {
        write_agent(name, handset, "md5", "xml");
        if (*cert) {
            auto text = support::read_file(path(std::string(name) + ".toml")).value();
            text.replace(text.find("ca = \"ca.pem\"\n"), 14,
                         std::string("ca = \"ca.pem\"\ncertificate = \"") + cert + ".crt\"\nprivate_key = \"" +
                             cert + ".key\"\n");
            write(std::string(name) + ".toml", text);
        }
    }
    EXPECT_EQ(session("own").status, 0);
    EXPECT_EQ(session("foreign").status, 1) << "another device's certificate: 403";
    EXPECT_EQ(session("none").status, 1) << "no certificate, and they are required";
    // The admin API stays reachable with a token alone.
    EXPECT_EQ(request(boost::beast::http::verb::get, "/dms/v1/devices").result_int(), 200u);
}

TEST_F(dm_deployment, when_the_user_says_no_then_the_rest_of_the_job_is_not_done) {
    start_dms();
    enroll(handset);
    write_agent("handset", handset, "md5", "xml", "no");
    const auto id = queue(handset, R"({"commands":[{"command":"alert","alert":1101,"text":"Wipe the device?"},)"
                                   R"({"command":"replace","target":"./DMAcc/acc1/Name","data":"wiped"}]})");
    ASSERT_EQ(session("handset").status, 0);
    auto j = job(handset, id);
    EXPECT_EQ(state(j), "failed");
    EXPECT_EQ(status(j, 0), 304);
    EXPECT_EQ(status(j, 1), 215);
    EXPECT_EQ(leaf("handset", "./DMAcc/acc1/Name"), server_id);
}

TEST_F(dm_deployment, when_the_server_notifies_a_device_then_it_calls_in_and_the_job_is_done) {
    start_dms();
    auto agent_port = std::string("127.0.0.1:0");
    write_agent("handset", handset, "md5", "xml", "yes", "device-secret-1", agent_port);
    child_process agent(MCPROV_BINARY, {"agent", "--config", path("handset.toml")}, dir_.path() / "agent");
    const auto port = agent.wait_for_output(R"(notifications on http://127\.0\.0\.1:(\d+)/push)");
    ASSERT_FALSE(port.empty()) << agent.err();
    enroll(handset, "http://127.0.0.1:" + port + "/push");
    const auto id = queue(handset, R"({"commands":[{"command":"get","target":"./DevInfo/DmV"}],"notify":true})");
    json::object j;
    for (int i = 0; i < 500 && state(j = job(handset, id)) != "done"; ++i) {
        agent.wait(20ms); // the device works on its own: give it the time, checking that it is still there
    }
    EXPECT_EQ(state(j), "done") << agent.err();
    EXPECT_EQ(j.at("outcomes").as_array()[0].as_object().at("results").as_array()[0].as_object().at("data"), "1.2");
}

TEST_F(dm_deployment, when_a_device_presents_a_wrong_password_then_it_is_refused_and_its_jobs_wait) {
    start_dms();
    enroll(handset);
    write_agent("handset", handset, "md5", "xml", "yes", "a-wrong-password");
    const auto id = queue(handset, R"({"commands":[{"command":"get","target":"./DevInfo/DmV"}]})");
    auto refused = session("handset");
    EXPECT_EQ(refused.status, 3) << refused.err;
    EXPECT_EQ(state(job(handset, id)), "queued");
    auto device = json::parse(request(boost::beast::http::verb::get, "/dms/v1/devices/" + handset).body());
    EXPECT_FALSE(device.as_object().contains("last_session"));
    auto metrics = request(boost::beast::http::verb::get, "/metrics").body();
    EXPECT_NE(metrics.find("mcprov_dm_messages_total{device=\"authenticated\"} 0\n"), std::string::npos) << metrics;
    EXPECT_EQ(metrics.find("mcprov_dm_messages_total{device=\"unauthenticated\"} 0\n"), std::string::npos) << metrics;
}

TEST_F(dm_deployment, when_the_admin_api_is_called_without_the_admin_scope_then_403_and_nothing_is_queued) {
    start_dms();
    enroll(handset);
    auto res = request(boost::beast::http::verb::post, "/dms/v1/devices/" + handset + "/jobs",
                       R"({"commands":[{"command":"get","target":"./DevInfo/DmV"}]})", token("mcprov:cms:admin"));
    EXPECT_EQ(res.result_int(), 403u);
    auto jobs = json::parse(request(boost::beast::http::verb::get, "/dms/v1/devices/" + handset + "/jobs").body());
    EXPECT_EQ(jobs.as_object().at("jobs").as_array().size(), 1u) << "only the inventory job of the enrolment";
}

} // namespace
} // namespace mcprov::testing
