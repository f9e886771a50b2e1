// Seed 004 end to end: a device (`mcprov agent`) switched on with a smart card (`mcprov card insert` into the real
// pcscd's vpcd reader) authenticates the (device, card) pair to the network (`mcprov dms`, its switch-on
// authentication asking the real osmo-hlr over GSUP), inserts the card's objects over its own, provisions its MC
// client, calls the DM server whose account the card gave; switched off, it is back to its own; with another card it
// never sees the first card's objects.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "../unit/temp_dir.hpp"
#include "child_process.hpp"
#include "mcprov/agent/smart_card.hpp"
#include "mcprov/gsup/hlr_vty.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/mcs_mo/tnds.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/file.hpp"
#include "osmo_hlr.hpp"
#include "pcscd.hpp"

namespace mcprov::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

const std::string imei = "352099001761481";
const std::string device = "IMEI:" + imei;
const std::string maker_id = "dms.maker.example";
const std::string operator_id = "dms.operator.example";

struct command_result {
    int status = -1;
    std::string out;
    std::string err;
};

struct card_spec {
    std::string name;
    std::string iccid;
    std::string imsi;
    std::string k = "8b7d5c3a1e0f9a2b4c6d8e0f1a2b3c4d";
    std::string opc = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    std::string mc_name;        // the MCS UE initial configuration's Name on the card ("" none)
    std::string bootstrap_body; // the SyncBody commands of its DM bootstrap ("" none)
};

mcs_mo::ue_initial_configuration mc_configuration(const std::string& name) {
    mcs_mo::ue_initial_configuration c;
    c.domain = "mcx-a.example.org";
    c.name = name;
    c.hplmn = "00101";
    c.idms_auth_endpoint = "https://idms.mcx-a.example.org/authorize";
    c.idms_token_endpoint = "https://idms.mcx-a.example.org/token";
    c.http_proxy = "https://proxy.mcx-a.example.org";
    c.gms = c.gms_uri = c.gms_xcap_root_uri = c.group_creation_xui = "https://gms.mcx-a.example.org/xcap";
    c.cms = c.cms_xcap_root_uri = "https://cms.mcx-a.example.org/xcap";
    c.kms = "https://kms.mcx-a.example.org";
    return c;
}

class switch_on_deployment : public ::testing::Test {
protected:
    void SetUp() override {
        auto ca = http::create_certificate_authority("test CA", std::chrono::hours(24)).value();
        auto cert = http::issue_certificate(ca, "localhost", {"localhost"}, {"127.0.0.1"},
                                            http::certificate_usage::server, std::chrono::hours(24))
                        .value();
        idms_key_ = identity::generate_p256_private_key_pem().value();
        write("ca.pem", ca.certificate_pem);
        write("dms.crt", cert.certificate_pem);
        write("dms.key", cert.private_key_pem);
        write("idms.pub", identity::public_key_pem_from_private(idms_key_).value());
        hlr_ = std::make_unique<osmo_hlr>(dir_.path());
        ASSERT_TRUE(hlr_->ready()) << hlr_->log();
        pcscd_ = std::make_unique<pcscd_with_vpcd>(dir_.path());
        ASSERT_TRUE(pcscd_->ready()) << pcscd_->log();
        maker_url_ = start_dms("maker", maker_id, "[mc]\ndomain = \"mcx-a.example.org\"\nname = \"the device's own\"\n"
                                                  "cms_xcap_root_uri = \"https://cms.mcx-a.example.org/xcap\"\n"
                                                  "idms_auth_endpoint = \"https://idms.mcx-a.example.org/authorize\"\n"
                                                  "idms_token_endpoint = \"https://idms.mcx-a.example.org/token\"\n"
                                                  "gms_xcap_root_uri = \"https://gms.mcx-a.example.org/xcap\"\n"
                                                  "kms = \"https://kms.mcx-a.example.org\"\n");
        operator_url_ = start_dms("operator", operator_id, "[hlr]\ngsup = \"" + hlr_->address() + ":4222\"\n");
    }

    void TearDown() override {
        if (card_) {
            card_->signal(SIGTERM);
            card_->wait();
        }
    }

    void write(const std::string& name, const std::string& text) {
        ASSERT_TRUE(support::write_file(dir_.path() / name, text));
    }
    std::string path(const std::string& name) const { return (dir_.path() / name).string(); }

    std::string start_dms(const std::string& name, const std::string& id, const std::string& extra) {
        write(name + ".toml", "[server]\nlisten = \"127.0.0.1:0\"\n"
                              "[tls]\ncertificate = \"dms.crt\"\nprivate_key = \"dms.key\"\n"
                              "[store]\npath = \"" + name + ".db\"\n"
                              "[auth]\nissuer = \"https://idms.example.org\"\naudience = \"dms\"\n"
                              "public_key = \"idms.pub\"\n"
                              "[dm]\nserver_id = \"" + id + "\"\n" + extra);
        auto process = std::make_unique<child_process>(
            MCPROV_BINARY, std::vector<std::string>{"dms", "--config", path(name + ".toml")}, dir_.path() / name);
        const auto port = process->wait_for_output(R"(on https://127\.0\.0\.1:(\d+)/dm)");
        EXPECT_FALSE(port.empty()) << process->err();
        servers_.push_back(std::move(process));
        return "https://127.0.0.1:" + port;
    }

    command_result run(std::vector<std::string> args) {
        static int n = 0;
        child_process p(MCPROV_BINARY, args, dir_.path() / ("command-" + std::to_string(n++)));
        auto status = p.wait(60s);
        return {status.value_or(-1), p.out(), p.err()};
    }

    command_result dms(const std::string& name, std::vector<std::string> args) {
        args.insert(args.begin(), {"dms", "--config", path(name + ".toml")});
        return run(args);
    }

    command_result agent(const std::vector<std::string>& args) {
        std::vector<std::string> all{"agent", "--config", path("device.toml")};
        all.insert(all.end(), args.begin(), args.end());
        return run(all);
    }

    // The device: its own account with the maker's DM server, and its card slot.
    void write_device(const std::string& card_extra = {}, const std::string& confirm = "yes") {
        write("device.toml", "[device]\nid = \"" + device + "\"\n"
                             "[store]\npath = \"device.db\"\n"
                             "[[account]]\nserver_id = \"" + maker_id + "\"\naddress = \"" + maker_url_ + "/dm\"\n"
                             "client_secret = \"device-secret\"\nserver_secret = \"maker-secret\"\nca = \"ca.pem\"\n"
                             "[ui]\nconfirm = \"" + confirm + "\"\n"
                             "[mc_client]\ndirectory = \"mc-client\"\n"
                             "[card]\nreader = \"mcprov vpcd\"\npin = \"1234\"\nca = \"ca.pem\"\n"
                             "network = \"" + operator_url_ + "/dms/v1/switch-on\"\n"
                             "locked = [\"./Vendor/acme/Corporate\"]\n" + card_extra);
    }

    // The card's DM account with the operator's server, as TNDS, and the operator's server knowing it.
    std::string operator_account_add(const std::string& emi) {
        const std::string tnds =
            "<MgmtTree xmlns=\"syncml:dmddf1.2\"><VerDTD>1.2</VerDTD><Node><NodeName>operator</NodeName>"
            "<RTProperties><ACL>Get=" + operator_id + "&amp;Replace=" + operator_id + "</ACL><Format><node/></Format>"
            "<Type><DDFName>urn:oma:mo:oma-dm-dmacc:1.0</DDFName></Type></RTProperties>"
            "<Node><NodeName>ServerID</NodeName><Value>" + operator_id + "</Value></Node>"
            "<Node><NodeName>Name</NodeName><Value>The operator</Value></Node>"
            "<Node><NodeName>AppAddr</NodeName><Node><NodeName>1</NodeName>"
            "<Node><NodeName>Addr</NodeName><Value>" + operator_url_ + "/dm</Value></Node>"
            "<Node><NodeName>AddrType</NodeName><Value>URI</Value></Node></Node></Node>"
            "<Node><NodeName>AAuthPref</NodeName><Value>DIGEST</Value></Node>"
            "<Node><NodeName>AppAuth</NodeName>"
            "<Node><NodeName>1</NodeName><Node><NodeName>AAuthLevel</NodeName><Value>CLCRED</Value></Node>"
            "<Node><NodeName>AAuthType</NodeName><Value>DIGEST</Value></Node>"
            "<Node><NodeName>AAuthName</NodeName><Value>subscriber-a</Value></Node>"
            "<Node><NodeName>AAuthSecret</NodeName><Value>card-secret</Value></Node></Node>"
            "<Node><NodeName>2</NodeName><Node><NodeName>AAuthLevel</NodeName><Value>SRVCRED</Value></Node>"
            "<Node><NodeName>AAuthType</NodeName><Value>DIGEST</Value></Node>"
            "<Node><NodeName>AAuthName</NodeName><Value>" + operator_id + "</Value></Node>"
            "<Node><NodeName>AAuthSecret</NodeName><Value>operator-secret</Value></Node></Node>"
            "</Node></Node></MgmtTree>";
        return "<Add><CmdID>1</CmdID><Meta><Format xmlns=\"syncml:metinf\">xml</Format>"
               "<Type xmlns=\"syncml:metinf\">application/vnd.syncml.dmtnds+xml</Type>"
               "<EMI xmlns=\"syncml:metinf\">" + emi + "</EMI></Meta>"
               "<Item><Target><LocURI>./DMAcc</LocURI></Target><Data><![CDATA[" + tnds + "]]></Data></Item></Add>";
    }

    static std::string leaf_add(const std::string& id, const std::string& uri, const std::string& value,
                                const std::string& emi = {}) {
        return "<Add><CmdID>" + id + "</CmdID>" +
               (emi.empty() ? "" : "<Meta><EMI xmlns=\"syncml:metinf\">" + emi + "</EMI></Meta>") +
               "<Item><Target><LocURI>" + uri + "</LocURI></Target><Data>" + value + "</Data></Item></Add>";
    }

    void build_card(const card_spec& spec, const std::string& description_extra = {}) {
        std::string description = "[card]\niccid = \"" + spec.iccid + "\"\nimsi = \"" + spec.imsi + "\"\nk = \"" +
                                  spec.k + "\"\nopc = \"" + spec.opc + "\"\npin = \"1234\"\npuk = \"12345678\"\n";
        if (!spec.mc_name.empty()) {
            write(spec.name + "-mcs.xml", mcs_mo::to_tnds("UEInitConfig", mcs_mo::ue_initial_configuration_mo,
                                                          mcs_mo::to_mo_leaves(mc_configuration(spec.mc_name))));
            description += "[mcs]\nue_initial_configuration = \"" + spec.name + "-mcs.xml\"\n";
        }
        if (!spec.bootstrap_body.empty()) {
            write(spec.name + "-bootstrap.xml",
                  "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>"
                  "<SessionID>0</SessionID><MsgID>1</MsgID><Target><LocURI>*</LocURI></Target>"
                  "<Source><LocURI>" + operator_id + "</LocURI></Source></SyncHdr><SyncBody>" +
                      spec.bootstrap_body + "<Final/></SyncBody></SyncML>");
            description += "[dm_bootstrap]\nmessage = \"" + spec.name + "-bootstrap.xml\"\n";
        }
        description += description_extra;
        write(spec.name + ".toml", description);
        auto built = run({"card", "build", "--description", path(spec.name + ".toml"), "--image",
                          path(spec.name + ".json")});
        ASSERT_EQ(built.status, 0) << built.err;
    }

    void provision_in_hlr(const card_spec& spec) {
        auto done = run({"card", "hlr", "--image", path(spec.name + ".json"), "--vty", hlr_->address() + ":4258"});
        ASSERT_EQ(done.status, 0) << done.err << hlr_->log();
    }

    void insert(const std::string& name) {
        if (card_) {
            card_->signal(SIGTERM);
            ASSERT_EQ(card_->wait(), 0);
            card_.reset();
        }
        card_ = std::make_unique<child_process>(
            MCPROV_BINARY,
            std::vector<std::string>{"card", "insert", "--image", path(name + ".json"), "--reader",
                                     "127.0.0.1:" + std::to_string(pcscd_->port())},
            dir_.path() / ("insert-" + name + std::to_string(++inserts_)));
    }

    // The card pulled out, and pcscd aware of it (as a person takes a moment before the next card goes in).
    void remove_card() {
        card_->signal(SIGTERM);
        ASSERT_EQ(card_->wait(), 0);
        card_.reset();
        ASSERT_TRUE(agent::wait_for_card_removal("mcprov vpcd", 10'000).has_value());
    }

    json::object tree() {
        auto printed = agent({"tree"});
        EXPECT_EQ(printed.status, 0) << printed.err;
        return json::parse(printed.out).as_object();
    }

    // A leaf's value as the device holds it, nullopt when the node is not there.
    std::optional<std::string> leaf(const std::string& uri) {
        const auto t = tree();
        const json::object* at = &t.at("root").as_object();
        std::string_view rest = std::string_view(uri).substr(2);
        while (!rest.empty()) {
            const auto name = rest.substr(0, rest.find('/'));
            rest = rest.find('/') == std::string_view::npos ? std::string_view{} : rest.substr(rest.find('/') + 1);
            const auto* children = at->if_contains("children");
            if (!children)
                return std::nullopt;
            const json::object* next = nullptr;
            for (const auto& c : children->as_array())
                if (c.as_object().at("name").as_string() == name)
                    next = &c.as_object();
            if (!next)
                return std::nullopt;
            at = next;
        }
        const auto* data = at->if_contains("data");
        return data ? support::base64_decode(data->as_string()).value_or("?") : std::string("(interior)");
    }

    std::string mc_client_document() {
        auto document = support::read_file(dir_.path() / "mc-client" / "ue-init-config.xml");
        return document ? *document : std::string();
    }

    std::string token() {
        auto issuer = identity::create_token_issuer(idms_key_, support::create_system_clock()).value();
        identity::token_request req;
        req.issuer = "https://idms.example.org";
        req.subject = "sip:admin@mcx-a.example.org";
        req.audience = {"dms"};
        req.mc_id = req.subject;
        req.scopes = {"mcprov:dms:admin"};
        return issuer->issue(req).value();
    }

    json::value operator_api(const std::string& target) {
        http::client_options options;
        options.ca_file = dir_.path() / "ca.pem";
        http::client_request req;
        req.url = operator_url_ + target;
        req.headers.emplace_back("Authorization", "Bearer " + token());
        auto res = http::fetch(req, options);
        EXPECT_TRUE(res.has_value());
        EXPECT_EQ(res->result_int(), 200u) << res->body();
        return json::parse(res->body());
    }

    // The device's own MC configuration, from the maker's server, and the operator's server knowing card A's account.
    void prepare_device() {
        ASSERT_EQ(dms("maker", {"enroll", device, "--client-secret", "device-secret", "--server-secret",
                                "maker-secret"})
                      .status,
                  0);
        ASSERT_EQ(dms("maker", {"provision", device}).status, 0);
        ASSERT_EQ(dms("operator", {"enroll", device, "--client-name", "subscriber-a", "--client-secret",
                                   "card-secret", "--server-secret", "operator-secret"})
                      .status,
                  0);
        auto session = agent({"--session", maker_id});
        ASSERT_EQ(session.status, 0) << session.err;
        ASSERT_NE(mc_client_document().find("the device's own"), std::string::npos);
    }

    testing::temp_dir dir_;
    std::string idms_key_;
    std::unique_ptr<osmo_hlr> hlr_;
    std::unique_ptr<pcscd_with_vpcd> pcscd_;
    std::vector<std::unique_ptr<child_process>> servers_;
    std::unique_ptr<child_process> card_;
    std::string maker_url_;
    std::string operator_url_;
    int inserts_ = 0;
};

card_spec card_a() {
    return {.name = "card-a", .iccid = "8949000000000000017", .imsi = "001010000000017",
            .k = "8b7d5c3a1e0f9a2b4c6d8e0f1a2b3c4d", .opc = "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
            .mc_name = "card A's configuration", .bootstrap_body = {}};
}

card_spec card_b() {
    return {.name = "card-b", .iccid = "8949000000000000025", .imsi = "001010000000025",
            .k = "00112233445566778899aabbccddeeff", .opc = "ffeeddccbbaa99887766554433221100",
            .mc_name = "card B's configuration", .bootstrap_body = {}};
}

TEST_F(switch_on_deployment, when_switched_on_off_and_on_with_another_card_then_the_tree_and_mc_client_follow_the_card) {
    auto a = card_a();
    a.bootstrap_body = operator_account_add("persist") + leaf_add("2", "./Vendor/acme/Proxy", "proxy-a:8080", "confirm") +
                       leaf_add("3", "./Vendor/acme/Corporate/VPN", "vpn-a");
    build_card(a);
    build_card(card_b());
    provision_in_hlr(a);
    provision_in_hlr(card_b());
    write_device();
    prepare_device();
    const auto own = tree();

    // Switch-on with card A: authenticated, its objects in, the locked one not, the operator called.
    insert("card-a");
    auto on = agent({"switch-on"});
    ASSERT_EQ(on.status, 0) << on.err << on.out;
    EXPECT_NE(on.out.find("switched on with card 8949000000000000017 (IMSI 001010000000017)"), std::string::npos)
        << on.out;
    EXPECT_NE(on.out.find("not used: ./Vendor/acme/Corporate/VPN: locked by the device's corporate policy"),
              std::string::npos)
        << on.out;
    EXPECT_NE(on.out.find("session with " + operator_id + " (account from the card)"), std::string::npos) << on.out;
    EXPECT_EQ(leaf("./MCS/UEInitConfig/Name"), "card A's configuration");
    EXPECT_EQ(leaf("./Vendor/acme/Proxy"), "proxy-a:8080");
    EXPECT_EQ(leaf("./Vendor/acme/Corporate/VPN"), std::nullopt);
    EXPECT_EQ(leaf("./Vendor/mcprov/SmartCard/ICCID"), "8949000000000000017");
    EXPECT_EQ(leaf("./DMAcc/operator/ServerID"), operator_id);
    EXPECT_NE(mc_client_document().find("card A's configuration"), std::string::npos) << "the USIM's values prevail";

    // The network keeps who was where: the operator's history and the HLR's IMEI.
    const auto cards = operator_api("/dms/v1/devices/" + device + "/cards").as_object().at("cards").as_array();
    ASSERT_EQ(cards.size(), 1u);
    EXPECT_EQ(cards[0].as_object().at("iccid").as_string(), "8949000000000000017");
    EXPECT_EQ(cards[0].as_object().at("imsi").as_string(), "001010000000017");
    const auto subscriber = gsup::show_subscriber({.host = hlr_->address(), .port = 4258, .timeout = 5000ms},
                                                  "001010000000017");
    ASSERT_TRUE(subscriber.has_value());
    EXPECT_NE(subscriber->find("IMEI: " + imei), std::string::npos) << *subscriber;

    // Switch-off: the device's own values are back, the persistent account stays.
    auto off = agent({"switch-off"});
    ASSERT_EQ(off.status, 0) << off.err;
    EXPECT_NE(off.out.find("kept: ./DMAcc/operator"), std::string::npos) << off.out;
    EXPECT_EQ(leaf("./MCS/UEInitConfig/Name"), "the device's own");
    EXPECT_EQ(leaf("./Vendor/acme/Proxy"), std::nullopt);
    EXPECT_EQ(leaf("./DMAcc/operator/ServerID"), operator_id);
    EXPECT_NE(mc_client_document().find("the device's own"), std::string::npos);

    // Card B: nothing of card A's, persistent or not.
    remove_card();
    insert("card-b");
    auto on_b = agent({"switch-on"});
    ASSERT_EQ(on_b.status, 0) << on_b.err << on_b.out;
    EXPECT_EQ(leaf("./DMAcc/operator"), std::nullopt);
    EXPECT_EQ(leaf("./MCS/UEInitConfig/Name"), "card B's configuration");
    EXPECT_EQ(leaf("./Vendor/mcprov/SmartCard/ICCID"), "8949000000000000025");
    ASSERT_EQ(agent({"switch-off"}).status, 0);
    EXPECT_EQ(json::serialize(tree()), json::serialize(own)) << "after switch-off the tree is the device's own, exactly";
    EXPECT_EQ(operator_api("/dms/v1/devices/" + device + "/cards").as_object().at("cards").as_array().size(), 2u);
}

TEST_F(switch_on_deployment, when_the_user_declines_then_the_object_that_asks_for_agreement_is_not_used) {
    auto a = card_a();
    a.bootstrap_body = leaf_add("1", "./Vendor/acme/Proxy", "proxy-a:8080", "confirm");
    build_card(a);
    provision_in_hlr(a);
    write_device({}, "no");
    insert("card-a");
    auto on = agent({"switch-on"});
    ASSERT_EQ(on.status, 0) << on.err;
    EXPECT_NE(on.out.find("not used: ./Vendor/acme/Proxy: the user did not agree"), std::string::npos) << on.out;
    EXPECT_EQ(leaf("./Vendor/acme/Proxy"), std::nullopt);
    EXPECT_EQ(leaf("./MCS/UEInitConfig/Name"), "card A's configuration");
}

TEST_F(switch_on_deployment, when_the_pin_is_wrong_then_nothing_of_the_card_is_used) {
    build_card(card_a());
    provision_in_hlr(card_a());
    write_device();
    write("device.toml", support::read_file(dir_.path() / "device.toml")->replace(
                             support::read_file(dir_.path() / "device.toml")->find("pin = \"1234\""), 12,
                             "pin = \"9999\""));
    insert("card-a");
    const auto before = tree();
    auto on = agent({"switch-on"});
    EXPECT_EQ(on.status, 3) << on.out;
    EXPECT_NE(on.err.find("wrong PIN: 2 tries left"), std::string::npos) << on.err;
    EXPECT_EQ(tree(), before);
}

TEST_F(switch_on_deployment, when_the_network_does_not_know_the_subscription_then_nothing_of_the_card_is_used) {
    build_card(card_a()); // not in the HLR
    write_device();
    insert("card-a");
    const auto before = tree();
    auto on = agent({"switch-on"});
    EXPECT_EQ(on.status, 3) << on.out;
    EXPECT_NE(on.err.find("the network does not serve this card"), std::string::npos) << on.err;
    EXPECT_EQ(tree(), before);
    EXPECT_FALSE(std::filesystem::exists(dir_.path() / "mc-client" / "ue-init-config.xml"));
}

TEST_F(switch_on_deployment, when_the_hlr_holds_another_key_then_the_card_refuses_the_network_and_nothing_is_used) {
    auto a = card_a();
    build_card(a);
    auto other = a;
    other.name = "card-a-other-key";
    other.k = "ffffffffffffffffffffffffffffffff";
    build_card(other);
    provision_in_hlr(other); // the HLR's K is not the card's
    write_device();
    insert("card-a");
    const auto before = tree();
    auto on = agent({"switch-on"});
    EXPECT_EQ(on.status, 3) << on.out;
    EXPECT_NE(on.err.find("MAC failure"), std::string::npos) << on.err;
    EXPECT_EQ(tree(), before);
}

TEST_F(switch_on_deployment, when_the_card_is_ahead_of_the_hlr_then_they_resynchronise_and_the_switch_on_succeeds) {
    build_card(card_a());
    provision_in_hlr(card_a());
    // The card has accepted far higher sequence numbers in every IND slot than the fresh HLR will send.
    auto image = json::parse(*support::read_file(dir_.path() / "card-a.json")).as_object();
    json::array seq;
    for (int i = 0; i < 32; ++i) {
        seq.emplace_back(100000);
    }
    image["sqn"] = json::object{{"ind_bits", 5}, {"highest", std::uint64_t{100000} << 5}, {"seq_by_ind", seq}};
    write("card-a.json", json::serialize(image));
    write_device();
    insert("card-a");
    auto on = agent({"switch-on"});
    ASSERT_EQ(on.status, 0) << on.err;
    EXPECT_EQ(leaf("./MCS/UEInitConfig/Name"), "card A's configuration");
}

TEST_F(switch_on_deployment, when_the_operator_clears_the_persistence_over_the_air_then_switch_off_withdraws_it) {
    auto a = card_a();
    a.mc_name.clear();
    a.bootstrap_body = operator_account_add("persist");
    build_card(a);
    provision_in_hlr(a);
    write_device();
    prepare_device();
    insert("card-a");
    ASSERT_EQ(agent({"switch-on"}).status, 0);
    ASSERT_EQ(leaf("./Vendor/mcprov/SmartCard/Objects/1/URI"), "./DMAcc/operator");
    ASSERT_EQ(leaf("./Vendor/mcprov/SmartCard/Objects/1/Persist"), "true");

    // The operator's server sets Persist to false and the device takes it in its next session.
    write("persist.json", R"({"commands":[{"command":"replace","target":"./Vendor/mcprov/SmartCard/Objects/1/Persist",)"
                          R"("format":"bool","data":"false"}]})");
    auto queued = dms("operator", {"queue", device, "--job", path("persist.json")});
    ASSERT_EQ(queued.status, 0) << queued.err;
    auto session = agent({"--session", operator_id});
    ASSERT_EQ(session.status, 0) << session.err;
    EXPECT_EQ(leaf("./Vendor/mcprov/SmartCard/Objects/1/Persist"), "false");

    auto off = agent({"switch-off"});
    ASSERT_EQ(off.status, 0) << off.err;
    EXPECT_EQ(leaf("./DMAcc/operator"), std::nullopt);
}

TEST_F(switch_on_deployment, when_an_object_is_encrypted_for_a_device_class_then_only_a_device_of_that_class_uses_it) {
    auto classes = http::create_certificate_authority("device classes", std::chrono::hours(24)).value();
    auto handsets = http::issue_certificate(classes, "mcx-handset", {}, {}, http::certificate_usage::client,
                                            std::chrono::hours(24))
                        .value();
    write("mcx-handset.pem", handsets.certificate_pem);
    write("mcx-handset.key", handsets.private_key_pem);
    write("secure.xml", "<MgmtTree xmlns=\"syncml:dmddf1.2\"><VerDTD>1.2</VerDTD><Node><NodeName>Secure</NodeName>"
                        "<Node><NodeName>Key</NodeName><Value>only for handsets</Value></Node></Node></MgmtTree>");
    auto a = card_a();
    a.bootstrap_body = leaf_add("1", "./Vendor/acme/Proxy", "proxy-a:8080");
    build_card(a, "[[dm_bootstrap.encrypted]]\ntarget = \"./Vendor/acme\"\ntnds = \"secure.xml\"\n"
                  "device_class = \"mcx-handset\"\ncertificate = \"mcx-handset.pem\"\n");
    provision_in_hlr(a);
    insert("card-a");

    // A device of another class (no key for handsets) ignores it and says why.
    write_device();
    auto other = agent({"switch-on"});
    ASSERT_EQ(other.status, 0) << other.err;
    EXPECT_NE(other.out.find("not used: ./Vendor/acme: encrypted for device class \"mcx-handset\""), std::string::npos)
        << other.out;
    EXPECT_EQ(leaf("./Vendor/acme/Secure/Key"), std::nullopt);
    EXPECT_EQ(leaf("./Vendor/acme/Proxy"), "proxy-a:8080");
    ASSERT_EQ(agent({"switch-off"}).status, 0);

    // A handset opens it.
    write_device("device_class = \"mcx-handset\"\nclass_key = \"mcx-handset.key\"\n");
    auto handset = agent({"switch-on"});
    ASSERT_EQ(handset.status, 0) << handset.err;
    EXPECT_EQ(leaf("./Vendor/acme/Secure/Key"), "only for handsets");
}

TEST_F(switch_on_deployment, when_the_device_dies_during_switch_on_then_the_tree_is_before_or_after_never_between) {
    auto a = card_a();
    a.bootstrap_body = operator_account_add("persist") + leaf_add("2", "./Vendor/acme/Proxy", "proxy-a:8080");
    build_card(a);
    provision_in_hlr(a);
    write_device();
    insert("card-a");
    const auto before = json::serialize(tree());
    // Killed the moment the network has authenticated the card, while the objects are being read and inserted.
    child_process dying(MCPROV_BINARY, {"agent", "--config", path("device.toml"), "switch-on"}, dir_.path() / "dying");
    ASSERT_FALSE(dying.wait_for_output("authenticated by the network").empty()) << dying.err();
    dying.signal(SIGKILL);
    dying.wait();
    const auto after_crash = tree();
    const bool untouched = json::serialize(after_crash) == before;
    const bool complete = leaf("./Vendor/mcprov/SmartCard/ICCID") == a.iccid &&
                          leaf("./DMAcc/operator/ServerID") == operator_id &&
                          leaf("./Vendor/acme/Proxy") == "proxy-a:8080" &&
                          leaf("./MCS/UEInitConfig/Name") == "card A's configuration";
    EXPECT_TRUE(untouched || complete) << json::serialize(after_crash);

    // Switched on again, the device gets to the complete state; switched off, back to before.
    ASSERT_EQ(agent({"switch-on"}).status, 0);
    EXPECT_EQ(leaf("./Vendor/acme/Proxy"), "proxy-a:8080");
    ASSERT_EQ(agent({"switch-off"}).status, 0);
    EXPECT_EQ(leaf("./Vendor/acme/Proxy"), std::nullopt);
}

TEST(switch_on_dev, when_mcprov_dev_runs_then_a_device_is_switched_on_with_card_a_off_and_on_with_card_b) {
    testing::temp_dir dir;
    const auto port = std::to_string(20000 + ::getpid() % 20000);
    child_process dev(MCPROV_BINARY, {"dev", "--port", port, "--dir", (dir.path() / "dev").string()},
                      dir.path() / "dev-run");
    ASSERT_FALSE(dev.wait_for_output("Ctrl-C stops it", 120s).empty()) << dev.out() << dev.err();
    const auto out = dev.out();
    dev.signal(SIGTERM);
    EXPECT_EQ(dev.wait(), 0);
    EXPECT_NE(out.find("switched on with card A (8949000000000000017, IMSI 001010000000017), authenticated by the "
                       "network; in the tree: ./MCS/UEInitConfig ./Vendor/acme/APN ./Vendor/acme/Proxy"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("its MC client now: Police of A (card A)"), std::string::npos) << out;
    // The signalling path: through, redirected twice then established, narrowed to nothing and given up.
    EXPECT_NE(out.find("INVITE signed in kms.fire.mcx-a.example.org to sip:alice@police.mcx-a.example.org under "
                       "kms.police.mcx-a.example.org: 200 (established)\n      established; the callee's client: 200, "
                       "the caller's domain is external to the callee's"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("INVITE signed in kms.police.mcx-a.example.org to sip:bob@fire.mcx-a.example.org under "
                       "kms.fire.mcx-a.example.org: 488, redirected by sip:as.mcx-a.example.org (initiator KMS "
                       "kms.police.mcx-a.example.org; offered: kms.fire.mcx-a.example.org)\n      INVITE signed in "
                       "kms.fire.mcx-a.example.org to sip:bob@fire.mcx-a.example.org under "
                       "kms.fire.mcx-a.example.org: 200 (established)"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("redirected by sip:as.mcx-b.example.org (responder KMS kms.police.mcx-a.example.org; offered: "
                       "none)\n      not established: the redirect from sip:as.mcx-b.example.org offers no security "
                       "domain"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("kept: ./Vendor/acme/APN; its MC client again: Police of A (the device's own)"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("its MC client now: Police of A (card B)"), std::string::npos) << out;
    EXPECT_NE(out.find("firmware 2.0: the user was asked \"Update to firmware 2.0 for 1.99 EUR?\", said yes and typed "
                       "PIN 1234: authenticated by the card and GBA, 1.99 EUR charged (prepaid now 3.01 EUR), installed"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("firmware 3.0: the user was asked \"Update to firmware 3.0 for 1.99 EUR?\", said yes and typed "
                       "PIN 9999: refused: the device did not authenticate the user: "),
              std::string::npos)
        << out;
}

} // namespace
} // namespace mcprov::testing
