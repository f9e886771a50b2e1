#pragma once

// The operator's network behind a subscriber's card, as real processes: a test CA with a server certificate for
// 127.0.0.1 (server.crt), the NAFs' CA (nafs.pem) with a client certificate for the DM server (naf.crt) and one for
// another NAF (other.crt), the real osmo-hlr, the real pcscd with its vpcd reader, `mcprov bsf` (vectors from the HLR,
// Zn for the DM server), and the subscriber's card built from a description. Tests of GBA and of seed 003 derive.
#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../unit/temp_dir.hpp"
#include "child_process.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/support/file.hpp"
#include "osmo_hlr.hpp"
#include "pcscd.hpp"

namespace mcprov::testing {

inline const std::string subscriber_device = "IMEI:352099001761481";
inline const std::string subscriber_imsi = "001010000000017";
inline const std::string operator_naf = "dms.operator.example";

struct command_result {
    int status = -1;
    std::string out;
    std::string err;
};

class gba_network : public ::testing::Test {
protected:
    void SetUp() override {
        using namespace std::chrono_literals;
        auto ca = http::create_certificate_authority("test CA", 24h).value();
        auto cert = http::issue_certificate(ca, "localhost", {"localhost"}, {"127.0.0.1"},
                                            http::certificate_usage::server, 24h)
                        .value();
        auto nafs = http::create_certificate_authority("NAFs", 24h).value();
        auto naf = http::issue_certificate(nafs, operator_naf, {operator_naf}, {}, http::certificate_usage::client, 24h)
                       .value();
        auto other = http::issue_certificate(nafs, "cms.operator.example", {"cms.operator.example"}, {},
                                             http::certificate_usage::client, 24h)
                         .value();
        write("ca.pem", ca.certificate_pem);
        write("server.crt", cert.certificate_pem);
        write("server.key", cert.private_key_pem);
        write("nafs.pem", nafs.certificate_pem);
        write("naf.crt", naf.certificate_pem);
        write("naf.key", naf.private_key_pem);
        write("other.crt", other.certificate_pem);
        write("other.key", other.private_key_pem);
        hlr_ = std::make_unique<osmo_hlr>(dir_.path());
        ASSERT_TRUE(hlr_->ready()) << hlr_->log();
        pcscd_ = std::make_unique<pcscd_with_vpcd>(dir_.path());
        ASSERT_TRUE(pcscd_->ready()) << pcscd_->log();
        write("bsf.toml", "[server]\nlisten = \"127.0.0.1:0\"\n"
                          "[tls]\ncertificate = \"server.crt\"\nprivate_key = \"server.key\"\nclient_ca = \"nafs.pem\"\n"
                          "[store]\npath = \"bsf.db\"\n"
                          "[hlr]\ngsup = \"" + hlr_->address() + ":4222\"\n"
                          "[bsf]\nname = \"bsf.mnc001.mcc001.pub.3gppnetwork.org\"\n"
                          "[zn]\nnafs = [\"" + operator_naf + "\"]\n"
                          "[metrics]\nlisten = \"127.0.0.1:0\"\n");
        bsf_url_ = "https://127.0.0.1:" + start("bsf", R"(on https://127\.0\.0\.1:(\d+)/)") + "/";
        bsf_metrics_url_ =
            "http://127.0.0.1:" + processes_.front()->wait_for_output(R"(metrics on http://127\.0\.0\.1:(\d+)/metrics)");
        build_card();
    }

    void TearDown() override {
        for (auto& p : processes_) {
            p->signal(SIGTERM);
            p->wait();
        }
    }

    void write(const std::string& name, const std::string& text) {
        ASSERT_TRUE(support::write_file(dir_.path() / name, text));
    }
    std::string path(const std::string& name) const { return (dir_.path() / name).string(); }

    // `mcprov <what> --config <what>.toml`, until it logs `ready`: its first group (the port).
    std::string start(const std::string& what, const std::string& ready) {
        auto p = std::make_unique<child_process>(
            MCPROV_BINARY, std::vector<std::string>{what, "--config", path(what + ".toml")}, dir_.path() / what);
        const auto port = p->wait_for_output(ready);
        EXPECT_FALSE(port.empty()) << p->err();
        processes_.push_back(std::move(p));
        return port;
    }
    // The BSF's standard error (its log).
    std::string bsf_log() const { return processes_.front()->err(); }

    command_result run(std::vector<std::string> args) {
        static int n = 0;
        child_process p(MCPROV_BINARY, args, dir_.path() / ("command-" + std::to_string(n++)));
        auto status = p.wait(std::chrono::seconds(60));
        return {status.value_or(-1), p.out(), p.err()};
    }

    // The subscriber's card (card.json), with K and OPc the HLR is given; `extra` adds to its description.
    void build_card(const std::string& extra = {}) {
        write("card.toml", "[card]\niccid = \"8949000000000000017\"\nimsi = \"" + subscriber_imsi +
                               "\"\nk = \"8b7d5c3a1e0f9a2b4c6d8e0f1a2b3c4d\"\nopc = \"0a1b2c3d4e5f60718293a4b5c6d7e8f9\"\n"
                               "pin = \"1234\"\npuk = \"12345678\"\n" + extra);
        auto built = run({"card", "build", "--description", path("card.toml"), "--image", path("card.json")});
        ASSERT_EQ(built.status, 0) << built.err;
    }
    void provision_in_hlr() {
        auto done = run({"card", "hlr", "--image", path("card.json"), "--vty", hlr_->address() + ":4258"});
        ASSERT_EQ(done.status, 0) << done.err << hlr_->log();
    }
    // The card into the reader (`mcprov card insert`), until the test ends.
    void insert() {
        processes_.push_back(std::make_unique<child_process>(
            MCPROV_BINARY,
            std::vector<std::string>{"card", "insert", "--image", path("card.json"), "--reader",
                                     "127.0.0.1:" + std::to_string(pcscd_->port())},
            dir_.path() / ("insert-" + std::to_string(processes_.size()))));
    }

    temp_dir dir_;
    std::unique_ptr<osmo_hlr> hlr_;
    std::unique_ptr<pcscd_with_vpcd> pcscd_;
    std::vector<std::unique_ptr<child_process>> processes_; // the BSF first
    std::string bsf_url_;
    std::string bsf_metrics_url_; // its loopback metrics listener
};

} // namespace mcprov::testing
