#pragma once

#include <gtest/gtest.h>

#include "../unit/store/postgres_server.hpp"
#include "../unit/temp_dir.hpp"
#include "child_process.hpp"
#include "mcprov/devkit/example_data.hpp"
#include "mcprov/devkit/system_credentials.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::testing {

// One MC system's CMS as a real `mcprov cms` process on a loopback port, with its own CA, TLS certificate and
// token key (as the local deployment makes them: devkit::make_system_credentials), in a fresh directory.
class cms_deployment {
public:
    static constexpr const char* issuer = "https://idms.example.org";
    static constexpr const char* audience = "mcprov-cms";
    inline static const std::string& user_scope = devkit::user_scope;
    inline static const std::string& admin_scope = devkit::admin_scope;

    explicit cms_deployment(std::string extra_config = "") {
        auto credentials = devkit::make_system_credentials("test CA", "mcx-test.example.org", std::chrono::hours(24));
        EXPECT_TRUE(credentials) << credentials.err().message;
        write("idms.pub.pem", credentials->idms_public_key_pem);
        write("ca.pem", credentials->ca.certificate_pem);
        write("cms.crt", credentials->tls.certificate_pem);
        write("cms.key", credentials->tls.private_key_pem);
        write("cms.toml", std::string("[server]\nlisten = \"127.0.0.1:0\"\nthreads = 2\nmax_body_bytes = 65536\n"
                                      "shutdown_grace_seconds = 5\n") +
                              extra_config + "[tls]\ncertificate = \"cms.crt\"\nprivate_key = \"cms.key\"\n" +
                              store_table() + "[auth]\nissuer = \"" + issuer + "\"\naudience = \"" + audience +
                              "\"\npublic_key = \"idms.pub.pem\"\n");
        clock_ = std::make_shared<support::manual_clock>(std::chrono::system_clock::now());
        issuer_ = std::move(identity::create_token_issuer(credentials->idms_private_key_pem, clock_)).value();
    }

    // The [store] table: a SQLite file in the deployment's folder, or with MCPROV_TEST_STORE=postgresql a fresh
    // database on the test run's PostgreSQL server.
    static std::string store_table() {
        const char* backend = std::getenv("MCPROV_TEST_STORE");
        if (!backend || std::string_view(backend) != "postgresql") {
            return "[store]\npath = \"cms.db\"\n";
        }
        auto url = fresh_postgres_database();
        if (!url) {
            ADD_FAILURE() << url.err().message;
            return "[store]\nurl = \"postgresql://unavailable\"\n";
        }
        return "[store]\nurl = \"" + *url + "\"\n";
    }

    const std::filesystem::path& dir() const { return dir_.path(); }
    std::string config() const { return (dir() / "cms.toml").string(); }

    // Runs `mcprov <args>` to completion; returns (exit code, stdout + stderr).
    std::pair<int, std::string> run(const std::vector<std::string>& args) {
        child_process p(MCPROV_BINARY, args, dir() / ("run-" + std::to_string(++runs_)));
        auto code = p.wait(std::chrono::seconds(60));
        return {code.value_or(-1), p.out() + p.err()};
    }

    // Starts the CMS and waits until it serves.
    bool start() {
        process_ = std::make_unique<child_process>(MCPROV_BINARY, std::vector<std::string>{"cms", "--config", config()},
                                                   dir() / "cms");
        auto port = process_->wait_for_output(R"(serving .* on https://127\.0\.0\.1:(\d+)/xcap)");
        if (port.empty()) {
            ADD_FAILURE() << "the CMS did not start: " << process_->err();
            return false;
        }
        base_ = "https://127.0.0.1:" + port;
        return true;
    }

    // Starts one more `mcprov cms` process on the same configuration (and so the same store) on a port of its own;
    // returns its base URL, or "" when it does not start.
    std::string start_another() {
        auto& p = others_.emplace_back(
            std::make_unique<child_process>(MCPROV_BINARY, std::vector<std::string>{"cms", "--config", config()},
                                            dir() / ("cms-" + std::to_string(others_.size() + 2))));
        auto port = p->wait_for_output(R"(serving .* on https://127\.0\.0\.1:(\d+)/xcap)");
        if (port.empty()) {
            ADD_FAILURE() << "another CMS process did not start: " << p->err();
            return {};
        }
        return "https://127.0.0.1:" + port;
    }

    child_process& process() { return *process_; }
    const std::string& base() const { return base_; }

    std::string document_url(const std::string& auid, const std::string& xui, const std::string& name) const {
        return base_ + "/xcap/" + auid + "/users/" + xui + "/" + name;
    }

    // A token issued now (or at `issued_at`), as the identity management server would.
    std::string token(const std::string& mc_id, std::vector<std::string> scopes,
                      std::chrono::seconds lifetime = std::chrono::seconds(600),
                      std::optional<std::chrono::system_clock::time_point> issued_at = std::nullopt) const {
        clock_->set(issued_at.value_or(std::chrono::system_clock::now()));
        identity::token_request r;
        r.issuer = issuer;
        r.subject = mc_id;
        r.audience = {audience};
        r.mc_id = mc_id;
        r.scopes = std::move(scopes);
        r.lifetime = lifetime;
        return issuer_->issue(r).value();
    }
    std::string user_token(const std::string& mc_id) const { return token(mc_id, {user_scope}); }
    std::string admin_token() const { return token("sip:admin@example.org", {admin_scope}); }

    support::result<http::response> request(boost::beast::http::verb method, const std::string& url,
                                            const std::string& token,
                                            std::vector<std::pair<std::string, std::string>> headers = {},
                                            std::string body = "") const {
        http::client_request req{method, url, std::move(headers), std::move(body)};
        if (!token.empty()) {
            req.headers.emplace_back("Authorization", "Bearer " + token);
        }
        http::client_options options;
        options.ca_file = dir() / "ca.pem";
        return http::fetch(req, options);
    }

private:
    void write(const std::string& name, const std::string& content) {
        ASSERT_TRUE(support::write_file(dir() / name, content));
    }

    temp_dir dir_;
    std::shared_ptr<support::manual_clock> clock_;
    std::unique_ptr<identity::token_issuer> issuer_;
    std::unique_ptr<child_process> process_;
    std::vector<std::unique_ptr<child_process>> others_;
    std::string base_;
    int runs_ = 0;
};

} // namespace mcprov::testing
