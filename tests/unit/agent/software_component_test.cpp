#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "mcprov/agent/software_component.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::agent {
namespace {

namespace bhttp = boost::beast::http;

const std::string package = "diagnostics application, version 2";

// The package server: one body per URL, 404 for the rest.
class fake_package_server final : public http::client {
public:
    support::result<http::response> fetch(const http::client_request& req) override { return fetch(req, 1 << 20); }
    support::result<http::response> fetch(const http::client_request& req, std::size_t max) override {
        ++fetched;
        http::response res;
        const auto found = bodies.find(req.url);
        res.result(found == bodies.end() ? bhttp::status::not_found : bhttp::status::ok);
        res.body() = found == bodies.end() ? "" : found->second;
        if (res.body().size() > max)
            return support::make_error(support::errc::too_large, "over the limit");
        return res;
    }
    std::size_t idle_connections() const override { return 0; }
    std::size_t prune_idle() override { return 0; }
    handshake_counts handshakes() const override { return {}; }

    std::map<std::string, std::string> bodies{{"https://apps.example/diag.pkg", package}};
    int fetched = 0;
};

class software_component_test : public ::testing::Test {
protected:
    void SetUp() override {
        config.directory = std::filesystem::temp_directory_path() /
                           ("mcprov-scomo-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(config.directory);
        ASSERT_TRUE(install_software_object(tree, "dms").has_value());
    }
    void TearDown() override { std::filesystem::remove_all(config.directory); }

    // What the DMS's application job adds, as server `server`.
    void add_package(const std::string& server = "dms", std::string digest = "") {
        const std::string node = "./SCOMO/Download/diag";
        ASSERT_EQ(tree.add(node, {"node", "", ""}, server), dm_status::ok);
        if (digest.empty())
            digest = support::hex_encode(support::sha256(package));
        for (const auto& [leaf, value] : std::map<std::string, std::string>{{"PkgID", "com.example.diag"},
                                                                            {"Name", "Diagnostics"},
                                                                            {"PkgURL", "https://apps.example/diag.pkg"},
                                                                            {"Description", "Finds faults"},
                                                                            {"Ext/PkgDigest", digest},
                                                                            {"Ext/PkgVersion", "2.0"}})
            ASSERT_EQ(tree.add(node + "/" + leaf, {"chr", "text/plain", value}, server), dm_status::ok) << leaf;
    }

    exec_decision exec(const std::string& uri, const std::string& server = "dms") {
        return accept_software_exec(tree, uri, server, std::string("job-1"), config);
    }

    management_tree tree;
    software_config config;
    fake_package_server packages;
};

TEST_F(software_component_test, when_a_package_is_downloaded_and_installed_then_it_is_deployed_active_and_reported) {
    add_package();
    auto decision = exec("./SCOMO/Download/diag/Operations/DownloadInstall");
    ASSERT_EQ(decision.status, 202u);
    ASSERT_TRUE(decision.accepted);
    EXPECT_EQ(packages.fetched, 0); // after the session, not during it

    auto report = carry_out_software_operation(tree, *decision.accepted, config, 1 << 20, packages);
    EXPECT_EQ(report.data, "1226");
    EXPECT_EQ(report.correlator, "job-1");
    ASSERT_EQ(report.items.size(), 1u);
    EXPECT_EQ(report.items[0].meta.type, "urn:oma:at:scomo:1.0:OperationComplete");
    EXPECT_EQ(report.items[0].source, "./SCOMO/Download/diag/Operations/DownloadInstall");
    EXPECT_EQ(report.items[0].target, "./SCOMO/Inventory/Deployed/diag");
    EXPECT_EQ(report.items[0].data, "<ResultCode>1200</ResultCode><Identifier>com.example.diag</Identifier>");

    EXPECT_EQ(tree.get("./SCOMO/Inventory/Deployed/diag/ID", "dms").value->data, "com.example.diag");
    EXPECT_EQ(tree.get("./SCOMO/Inventory/Deployed/diag/Version", "dms").value->data, "2.0");
    EXPECT_EQ(tree.get("./SCOMO/Inventory/Deployed/diag/State", "dms").value->data, "20");
    EXPECT_EQ(tree.get("./SCOMO/Inventory/Deployed", "dms").value->data, "diag");
    EXPECT_FALSE(tree.exists("./SCOMO/Download/diag")); // so that it can be added again
    auto installed = support::read_file(config.directory / "diag" / "package");
    ASSERT_TRUE(installed.has_value());
    EXPECT_EQ(*installed, package);
    EXPECT_TRUE(std::filesystem::exists(config.directory / "diag" / "active"));
}

TEST_F(software_component_test, when_the_package_is_not_the_digests_then_nothing_is_installed_and_1407_reported) {
    add_package("dms", std::string(64, 'a'));
    auto decision = exec("./SCOMO/Download/diag/Operations/DownloadInstall");
    ASSERT_TRUE(decision.accepted);
    auto report = carry_out_software_operation(tree, *decision.accepted, config, 1 << 20, packages);
    EXPECT_EQ(report.items.at(0).data, "<ResultCode>1407</ResultCode><Identifier>com.example.diag</Identifier>");
    EXPECT_EQ(report.items.at(0).meta.mark, "critical");
    EXPECT_FALSE(tree.exists("./SCOMO/Inventory/Deployed/diag"));
    EXPECT_FALSE(std::filesystem::exists(config.directory / "diag"));
}

TEST_F(software_component_test, when_the_package_server_has_no_package_then_1500_is_reported) {
    add_package();
    packages.bodies.clear();
    auto decision = exec("./SCOMO/Download/diag/Operations/DownloadInstallInactive");
    ASSERT_TRUE(decision.accepted);
    auto report = carry_out_software_operation(tree, *decision.accepted, config, 1 << 20, packages);
    EXPECT_EQ(report.items.at(0).data, "<ResultCode>1500</ResultCode><Identifier>com.example.diag</Identifier>");
}

TEST_F(software_component_test, when_installed_inactive_then_it_is_activated_deactivated_and_removed_by_exec) {
    add_package();
    auto decision = exec("./SCOMO/Download/diag/Operations/DownloadInstallInactive");
    ASSERT_TRUE(decision.accepted);
    (void)carry_out_software_operation(tree, *decision.accepted, config, 1 << 20, packages);
    EXPECT_EQ(tree.value("./SCOMO/Inventory/Deployed/diag/State")->data, "10");
    EXPECT_FALSE(std::filesystem::exists(config.directory / "diag" / "active"));

    EXPECT_EQ(exec("./SCOMO/Inventory/Deployed/diag/Operations/Activate").status, 200u);
    EXPECT_EQ(tree.value("./SCOMO/Inventory/Deployed/diag/State")->data, "20");
    EXPECT_TRUE(std::filesystem::exists(config.directory / "diag" / "active"));
    EXPECT_EQ(exec("./SCOMO/Inventory/Deployed/diag/Operations/Deactivate").status, 200u);
    EXPECT_EQ(tree.value("./SCOMO/Inventory/Deployed/diag/State")->data, "10");
    EXPECT_EQ(exec("./SCOMO/Inventory/Deployed/diag/Operations/Activate", "other").status, 425u);
    EXPECT_EQ(exec("./SCOMO/Inventory/Deployed/diag/Operations/Remove").status, 200u);
    EXPECT_FALSE(tree.exists("./SCOMO/Inventory/Deployed/diag"));
    EXPECT_FALSE(std::filesystem::exists(config.directory / "diag"));
    EXPECT_EQ(exec("./SCOMO/Inventory/Deployed/diag/Operations/Remove").status, 404u);
}

TEST_F(software_component_test, when_a_server_asks_what_the_object_does_not_allow_then_it_is_refused_with_a_status) {
    add_package();
    EXPECT_EQ(exec("./SCOMO/Download/diag/Operations/DownloadInstall", "other").status, 425u); // not its package
    EXPECT_EQ(exec("./SCOMO/Download/diag/Operations/Download").status, 406u);
    EXPECT_EQ(exec("./SCOMO/Download/diag/Operations/Install").status, 405u);
    EXPECT_EQ(exec("./SCOMO/Download/none/Operations/DownloadInstall").status, 404u);
    ASSERT_EQ(tree.remove("./SCOMO/Download/diag/Ext/PkgDigest", "dms"), dm_status::ok);
    EXPECT_EQ(exec("./SCOMO/Download/diag/Operations/DownloadInstall").status, 400u);
    // The inventory is the device's own: no server adds a component to it, nor changes one.
    EXPECT_NE(tree.add("./SCOMO/Inventory/Deployed/fake", {"node", "", ""}, "dms"), dm_status::ok);
    EXPECT_EQ(packages.fetched, 0);
}

} // namespace
} // namespace mcprov::agent
