#pragma once

#include <csignal>
#include <cstdlib>
#include <map>
#include <random>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "../unit/store/postgres_server.hpp"
#include "../unit/temp_dir.hpp"
#include "child_process.hpp"
#include "mcprov/devkit/local_deployment.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/xcap/application_usage.hpp"

namespace mcprov::testing {

// The two MC systems of the local deployment (devkit::local_deployment: mcx-a, primary of the example users, and
// mcx-b, their partner) as `mcprov dev --prepare-only` writes them, each run as its own `mcprov cms` process on
// loopback ports.
class two_systems {
public:
    inline static const std::string& user_scope = devkit::user_scope;
    inline static const std::string& admin_scope = devkit::admin_scope;
    inline static const std::string& service_scope = devkit::service_scope;
    inline static const std::string alice = devkit::system_a().user_id(devkit::example_users()[0]);
    inline static const std::string bob = devkit::system_a().user_id(devkit::example_users()[1]);
    inline static const std::string carol = devkit::system_a().user_id(devkit::example_users()[2]);

    two_systems() : deployment_(dir_.path() / "dev", free_port_run()) {
        child_process prepare(MCPROV_BINARY,
                              {"dev", "--dir", deployment_.root().string(), "--port",
                               std::to_string(deployment_.xcap_port(devkit::system_a())), "--prepare-only"},
                              dir_.path() / "prepare");
        EXPECT_EQ(prepare.wait(std::chrono::seconds(60)).value_or(-1), 0) << prepare.err();
        // With MCPROV_TEST_STORE=postgresql each system's store is a fresh database on the run's PostgreSQL server.
        if (const char* backend = std::getenv("MCPROV_TEST_STORE"); backend && std::string_view(backend) == "postgresql") {
            for (const auto* label : {"mcx-a", "mcx-b"}) {
                auto url = fresh_postgres_database();
                EXPECT_TRUE(url) << url.err().message;
                if (url) {
                    copy_documents(dir(label) / "cms.db", *url);
                }
                edit_config(label, "[store]\npath = \"cms.db\"",
                            "[store]\nurl = \"" + (url ? *url : std::string("postgresql://unavailable")) + "\"");
            }
        }
    }
    ~two_systems() {
        for (auto& [label, p] : processes_) {
            p->signal(SIGCONT);
        }
    }

    // The example data `mcprov dev` seeded into a system's SQLite file, written to another store.
    static void copy_documents(const std::filesystem::path& from_file, const std::string& to_url) {
        auto from = store::create_sqlite_document_store(from_file);
        auto to = store::open_store(to_url, support::create_system_clock());
        ASSERT_TRUE(from && to);
        for (const auto& usage : xcap::application_usages()) {
            const std::string auid(usage.auid);
            auto documents = (*from)->list_all(auid);
            ASSERT_TRUE(documents) << documents.err().message;
            for (const auto& d : *documents) {
                auto put = (*to)->put({auid, d.xui, d.name}, d.document.content, {});
                ASSERT_TRUE(put) << put.err().message;
            }
        }
    }

    // The first of the deployment's consecutive ports (six) where nobody listens.
    static int free_port_run() {
        std::random_device rd;
        for (int attempt = 0; attempt < 100; ++attempt) {
            int base = 20000 + static_cast<int>(rd() % 40000);
            bool free = true;
            for (int p = base; p < base + devkit::local_deployment::port_count && free; ++p) {
                int s = ::socket(AF_INET, SOCK_STREAM, 0);
                sockaddr_in addr{};
                addr.sin_family = AF_INET;
                addr.sin_port = htons(static_cast<std::uint16_t>(p));
                addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                free = ::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
                ::close(s);
            }
            if (free) {
                return base;
            }
        }
        return 0;
    }

    static const devkit::mc_system& system(const std::string& label) {
        return label == devkit::system_a().label ? devkit::system_a() : devkit::system_b();
    }
    std::filesystem::path dir(const std::string& label) const { return deployment_.dir(system(label)); }

    // Replaces text in a system's cms.toml (before it starts).
    void edit_config(const std::string& label, const std::string& from, const std::string& to) {
        auto path = dir(label) / "cms.toml";
        auto text = support::read_file(path).value();
        auto at = text.find(from);
        ASSERT_NE(at, std::string::npos) << from;
        text.replace(at, from.size(), to);
        ASSERT_TRUE(support::write_file(path, text));
    }

    bool start(const std::string& label) {
        auto& p = processes_[label];
        p = std::make_unique<child_process>(
            MCPROV_BINARY, std::vector<std::string>{"cms", "--config", (dir(label) / "cms.toml").string()},
            dir_.path() / (label + "-run-" + std::to_string(++runs_)));
        if (p->wait_for_output(R"(CSCM-x for \d+ partner system\(s\) on https://127\.0\.0\.1:(\d+))").empty()) {
            ADD_FAILURE() << label << " did not start: " << p->err();
            return false;
        }
        return true;
    }
    // Starts one more `mcprov cms` process of `label`'s system on the same configuration (and so the same store),
    // with XCAP and CSCM-x listeners on ports of its own; returns its XCAP base URL and CSCM-x port.
    std::pair<std::string, std::string> start_another(const std::string& label) {
        auto text = support::read_file(dir(label) / "cms.toml").value();
        for (auto port : {xcap_port(label), cscm_port(label)}) {
            auto listen = "127.0.0.1:" + std::to_string(port) + "\"";
            auto at = text.find(listen);
            EXPECT_NE(at, std::string::npos) << listen;
            text.replace(at, listen.size(), "127.0.0.1:0\"");
        }
        const auto config = dir(label) / ("cms-" + std::to_string(++runs_) + ".toml");
        EXPECT_TRUE(support::write_file(config, text));
        auto& p = others_.emplace_back(std::make_unique<child_process>(
            MCPROV_BINARY, std::vector<std::string>{"cms", "--config", config.string()},
            dir_.path() / (label + "-other-" + std::to_string(runs_))));
        auto cscm = p->wait_for_output(R"(CSCM-x for \d+ partner system\(s\) on https://127\.0\.0\.1:(\d+))");
        auto xcap = p->wait_for_output(R"(serving .* on https://127\.0\.0\.1:(\d+)/xcap)");
        if (cscm.empty() || xcap.empty()) {
            ADD_FAILURE() << label << " (another process) did not start: " << p->err();
            return {};
        }
        return {"https://127.0.0.1:" + xcap, cscm};
    }
    child_process& process(const std::string& label) { return *processes_.at(label); }
    std::string log(const std::string& label) { return process(label).out() + process(label).err(); }

    int xcap_port(const std::string& label) const { return deployment_.xcap_port(system(label)); }
    int cscm_port(const std::string& label) const { return deployment_.cscm_port(system(label)); }
    std::string base(const std::string& label) const { return deployment_.base(system(label)); }
    std::string profile_url(const std::string& label, const std::string& user,
                            const std::string& name = "mcptt-user-profile-0.xml") const {
        return service_profile_url(label, "mcptt", user, name);
    }
    // A document of the user profile usage of `service` ("mcptt", "mcdata", "mcvideo"); by default the one a
    // visitor is served.
    std::string service_profile_url(const std::string& label, const std::string& service, const std::string& user,
                                    const std::string& name = {}) const {
        return base(label) + "/xcap/org.3gpp." + service + ".user-profile/users/" + user + "/" +
               (name.empty() ? service + "-user-profile-0.xml" : name);
    }

    // A token of `issuer_label`'s identity management server for use at `audience_label`'s CMS.
    std::string token(const std::string& issuer_label, const std::string& audience_label, const std::string& id,
                      std::vector<std::string> scopes) const {
        auto token = deployment_.token(system(issuer_label), system(audience_label).audience(), id, std::move(scopes),
                                       std::chrono::hours(1));
        EXPECT_TRUE(token) << token.err().message;
        return token ? std::move(token).value() : std::string();
    }
    std::string visitor_token(const std::string& id) const { return token("mcx-a", "mcx-b", id, {user_scope}); }
    std::string admin_token(const std::string& label) const {
        return token(label, label, system(label).admin_id(), {admin_scope});
    }

    // A request to `label`'s CMS (trusting its CA).
    http::response request(const std::string& label, boost::beast::http::verb method, const std::string& url,
                           const std::string& token, std::vector<std::pair<std::string, std::string>> headers = {},
                           std::string body = "") const {
        http::client_request req{method, url, std::move(headers), std::move(body)};
        if (!token.empty()) {
            req.headers.emplace_back("Authorization", "Bearer " + token);
        }
        http::client_options options;
        options.ca_file = dir(label) / "ca.pem";
        // Longer than a visitor's procedure may take (its lease, 20 s in the local deployment): after a partner was
        // killed mid-procedure, the next request for that visitor waits for the dead process's lease to expire.
        options.timeout = std::chrono::seconds(40);
        auto res = http::fetch(req, options);
        EXPECT_TRUE(res) << res.err().message;
        return res ? std::move(res).value() : http::response{};
    }
    http::response get(const std::string& label, const std::string& url, const std::string& token,
                       std::vector<std::pair<std::string, std::string>> headers = {}) const {
        return request(label, boost::beast::http::verb::get, url, token, std::move(headers));
    }

private:
    temp_dir dir_;
    devkit::local_deployment deployment_;
    int runs_ = 0;
    std::map<std::string, std::unique_ptr<child_process>> processes_;
    std::vector<std::unique_ptr<child_process>> others_;
};

} // namespace mcprov::testing
