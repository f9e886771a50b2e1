#include <algorithm>

#include <gtest/gtest.h>

#include "mcprov/dms/dms_config.hpp"

#include "../temp_dir.hpp"
#include "mcprov/cms/config.hpp"
#include "mcprov/cms/mc_service_user_database.hpp"
#include "mcprov/devkit/local_deployment.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/kms/config.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/xcap/application_usage.hpp"

namespace mcprov::devkit {
namespace {

namespace fs = std::filesystem;

TEST(example_data, when_the_example_documents_are_listed_then_each_user_has_eight_valid_ones_of_its_own_system) {
    auto documents = example_user_documents(system_a(), system_b());
    ASSERT_EQ(documents.size(), 8 * example_users().size());
    for (const auto& d : documents) {
        EXPECT_TRUE(d.user.ends_with(".mcx-a.example.org")) << d.user;
        const auto* usage = xcap::find_application_usage(d.auid);
        ASSERT_NE(usage, nullptr) << d.auid;
        auto checked = xcap::check_profile_document(*usage, d.user, d.name, d.content);
        EXPECT_TRUE(checked) << d.auid << "/" << d.name << ": " << checked.err().message;
    }
    EXPECT_EQ(documents[0].user, "sip:alice@police.mcx-a.example.org");
    for (const auto* auid : {"org.mcprov.migration-profile", "org.mcprov.mcdata-migration-profile",
                             "org.mcprov.mcvideo-migration-profile"}) {
        auto first = std::find_if(documents.begin(), documents.end(), [&](const auto& d) {
            return d.auid == auid && d.name == "migration-profile-1.xml";
        });
        ASSERT_NE(first, documents.end()) << auid;
        EXPECT_NE(first->content.find("partners=\"mcx-b.example.org\""), std::string::npos) << auid;
    }
    EXPECT_NE(documents[7].content.find("default=\"true\""), std::string::npos);
}

TEST(example_data, when_templates_are_written_for_a_primary_then_police_and_everyone_else_have_one_each) {
    auto templates = migration_templates(system_b(), system_a());
    ASSERT_EQ(templates.size(), 2u);
    EXPECT_EQ(templates[0].name, "mcx-a-police.xml");
    EXPECT_NE(templates[0].content.find("organisation=\"police\""), std::string::npos);
    EXPECT_NE(templates[0].content.find("sip:mutual-aid@groups.mcx-b.example.org"), std::string::npos);
    EXPECT_EQ(templates[1].name, "mcx-a.xml");
}

TEST(local_deployment, when_ports_start_at_p_then_the_cmss_kmss_dms_devices_and_sip_servers_take_the_next_twelve) {
    const local_deployment d("/nowhere", 30000);
    EXPECT_EQ(d.xcap_port(system_a()), 30000);
    EXPECT_EQ(d.cscm_port(system_a()), 30001);
    EXPECT_EQ(d.xcap_port(system_b()), 30002);
    EXPECT_EQ(d.cscm_port(system_b()), 30003);
    EXPECT_EQ(d.domains().url("police"), "https://127.0.0.1:30004");
    EXPECT_EQ(d.domains().url("fire"), "https://127.0.0.1:30005");
    EXPECT_EQ(d.base(system_b()), "https://127.0.0.1:30002");
    EXPECT_EQ(d.dir(system_b()), fs::path("/nowhere/mcx-b"));
    EXPECT_EQ(d.devices().url(), "https://127.0.0.1:30006/dm");
    EXPECT_EQ(d.sip().proxy(system_a()), "sip:127.0.0.1:30009");
    EXPECT_EQ(d.sip().proxy(system_b()), "sip:127.0.0.1:30010");
    EXPECT_EQ(d.sip().callee_port(), 30011);
    EXPECT_EQ(local_deployment::port_count, 12);
}

TEST(local_deployment, when_prepared_then_the_dms_has_its_mc_configuration_and_both_devices_are_enrolled) {
    mcprov::testing::temp_dir dir;
    const local_deployment d(dir.path(), 30000);
    ASSERT_TRUE(d.prepare());
    auto config = dms::load_dms_config(d.devices().dir() / "dms.toml");
    ASSERT_TRUE(config) << config.err().message;
    ASSERT_TRUE(config->mc);
    EXPECT_EQ(config->mc->cms_xcap_root_uri, "https://127.0.0.1:30000/xcap");
    auto documents = store::open_store(config->store_url, support::create_system_clock());
    ASSERT_TRUE(documents);
    for (const auto& device : example_devices()) {
        EXPECT_TRUE(dms::device_registry(*documents).credentials(device.id)->has_value()) << device.id;
        auto agent = agent::load_agent_config(d.devices().device_dir(device) / "agent.toml");
        ASSERT_TRUE(agent) << agent.err().message;
        ASSERT_TRUE(agent->push);
        EXPECT_GT(agent->push->port, 30006);
    }
}

TEST(local_deployment, when_prepared_then_each_system_has_an_agreement_with_the_other_and_its_example_users) {
    mcprov::testing::temp_dir dir;
    const local_deployment d(dir.path(), 30000);
    auto prepared = d.prepare();
    ASSERT_TRUE(prepared) << prepared.err().message;

    for (const auto& [sys, other] : {std::pair{system_a(), system_b()}, std::pair{system_b(), system_a()}}) {
        auto config = cms::load_cms_config(d.dir(sys) / "cms.toml");
        ASSERT_TRUE(config) << config.err().message;
        EXPECT_EQ(config->migration.system, sys.id);
        ASSERT_EQ(config->migration.partners.size(), 1u);
        EXPECT_EQ(config->migration.partners[0].system, other.id);
        EXPECT_EQ(config->migration.partners[0].endpoint, "https://127.0.0.1:" + std::to_string(d.cscm_port(other)));
        EXPECT_EQ(config->server.port, d.xcap_port(sys));
        for (const auto& t : migration_templates(sys, other)) {
            EXPECT_TRUE(fs::exists(d.dir(sys) / "templates" / t.name)) << t.name;
        }

        auto store = store::create_sqlite_document_store(d.dir(sys) / "cms.db");
        ASSERT_TRUE(store) << store.err().message;
        cms::mc_service_user_database database(std::move(store).value());
        for (const auto& doc : example_user_documents(sys, other)) {
            auto stored = database.read({doc.auid, doc.user, doc.name});
            ASSERT_TRUE(stored) << doc.user << " " << doc.name << ": " << stored.err().message;
            EXPECT_EQ(stored->content, doc.content);
        }
    }
    for (const auto& domain : security_domains::names()) {
        auto config = kms::load_kms_config(d.domains().dir(domain) / "kms.toml");
        ASSERT_TRUE(config) << config.err().message;
        EXPECT_TRUE(fs::exists(d.domains().dir(domain) / "certificate.xml"));
    }
}

TEST(local_deployment, when_a_token_is_issued_then_the_systems_identity_management_key_verifies_it) {
    mcprov::testing::temp_dir dir;
    const local_deployment d(dir.path(), 30000);
    ASSERT_TRUE(d.prepare());
    const auto alice = system_a().user_id(example_users()[0]);
    auto token = d.token(system_a(), system_b().audience(), alice, {user_scope});
    ASSERT_TRUE(token) << token.err().message;
    identity::verifier_config v;
    v.issuer = system_a().issuer();
    v.audience = system_b().audience();
    v.public_key_pem = support::read_file(d.dir(system_a()) / "idms.pub.pem").value();
    auto verifier = identity::create_access_token_verifier(v, support::create_system_clock());
    ASSERT_TRUE(verifier) << verifier.err().message;
    auto claims = (*verifier)->verify(*token);
    ASSERT_TRUE(claims) << claims.err().message;
    EXPECT_EQ(claims->mc_id, alice);
}

} // namespace
} // namespace mcprov::devkit
