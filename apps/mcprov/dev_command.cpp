#include <csignal>
#include <cstdlib>
#include <iostream>

#include "commands.hpp"
#include "mcprov/devkit/smart_cards.hpp"
#include "mcprov/devkit/local_deployment.hpp"
#include "mcprov/migration/served_profile.hpp"
#include "mcprov/support/log.hpp"
#include "serve.hpp"

namespace mcprov::app {
namespace {

namespace fs = std::filesystem;

struct dev_options {
    std::string dir;
    int port = 8443;
    bool prepare_only = false;
    bool no_smart_cards = false;
};

int run_dev(const dev_options& options) {
    support::configure_logging("info", support::log_format::text);
    fs::path dir = options.dir;
    if (dir.empty()) {
        std::string pattern = (fs::temp_directory_path() / "mcprov-dev-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) {
            std::cerr << "mcprov dev: cannot create a temporary directory\n";
            return 1;
        }
        dir = pattern;
    } else {
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec || !fs::is_empty(dir, ec)) {
            std::cerr << "mcprov dev: " << dir.string() << " must be a new or empty directory\n";
            return 2;
        }
    }
    dir = fs::absolute(dir);
    const devkit::local_deployment deployment(dir, options.port);
    const auto& a = devkit::system_a();
    const auto& b = devkit::system_b();
    const auto& domains = deployment.domains();
    if (auto prepared = deployment.prepare(); !prepared) {
        std::cerr << "mcprov dev: " << prepared.err().message << "\n";
        return 1;
    }
    const devkit::smart_cards cards{dir, a, options.port + devkit::local_deployment::port_count};
    if (!options.no_smart_cards) {
        if (auto prepared = cards.prepare(); !prepared) {
            std::cerr << "mcprov dev: smart cards: " << prepared.err().message << "\n";
            return 1;
        }
    }
    if (options.prepare_only) {
        std::cout << dir.string() << "\n";
        return 0;
    }
    block_termination_signals();
    auto running = deployment.start();
    if (!running) {
        std::cerr << "mcprov dev: " << running.err().message << "\n";
        return 1;
    }
    auto key_establishment = domains.demonstrate();
    if (!key_establishment) {
        std::cerr << "mcprov dev: key establishment: " << key_establishment.err().message << "\n";
        return 1;
    }
    auto calls = deployment.sip().demonstrate();
    if (!calls) {
        std::cerr << "mcprov dev: private calls: " << calls.err().message << "\n";
        return 1;
    }
    auto managed = deployment.devices().demonstrate((*running)->devices());
    if (!managed) {
        std::cerr << "mcprov dev: device management: " << managed.err().message << "\n";
        return 1;
    }
    auto migrated = deployment.demonstrate_migration();
    if (!migrated) {
        std::cerr << "mcprov dev: migration: " << migrated.err().message << "\n";
        return 1;
    }
    const auto& users = devkit::example_users();
    const auto alice_id = a.user_id(users[0]);
    auto at_home = deployment.token(a, a.audience(), alice_id, {devkit::user_scope});
    auto visiting = deployment.token(a, b.audience(), alice_id, {devkit::user_scope});
    auto admin_a = deployment.token(a, a.audience(), a.admin_id(), {devkit::admin_scope});
    auto admin_b = deployment.token(b, b.audience(), b.admin_id(), {devkit::admin_scope});
    if (!at_home || !visiting || !admin_a || !admin_b) {
        std::cerr << "mcprov dev: token issuing failed\n";
        return 1;
    }
    const std::string doc = "/xcap/org.3gpp.mcptt.user-profile/users/" + alice_id;
    const std::string curl_a = "curl --cacert " + (dir / a.label / "ca.pem").string();
    const std::string curl_b = "curl --cacert " + (dir / b.label / "ca.pem").string();

    std::cout << "mcprov local deployment: two MC systems with a migration agreement\n\n";
    for (const auto* sys : {&a, &b}) {
        std::cout << "  " << sys->id << "   CMS " << deployment.base(*sys)
                  << "/xcap   CSCM-x https://127.0.0.1:" << deployment.cscm_port(*sys) << "   files "
                  << deployment.dir(*sys).string() << "\n";
    }
    for (const auto* domain : {"police", "fire"}) {
        std::cout << "  security domain " << domains.kms_uri(domain) << "   KMS " << domains.url(domain) << "   files "
                  << domains.dir(domain).string() << "\n";
    }
    const auto& sip = deployment.sip();
    for (const auto* sys : {&a, &b}) {
        std::cout << "  application server of " << sys->id << "   " << sip.proxy(*sys) << " (udp, tcp)   files "
                  << sip.config(*sys).parent_path().string() << "\n";
    }
    const auto& dm = deployment.devices();
    std::cout << "  DM server of " << a.id << "   " << dm.url() << "   files " << dm.dir().string() << "\n";
    std::cout << "  users of " << a.id << ": ";
    for (const auto& u : users) {
        std::cout << a.user_id(u) << " ";
    }
    std::cout << "\n\nSecurity domains of " << a.id
              << ": alice in police, bob in fire, carol in both; police permits "
                 "fire, fire permits nobody. Key establishment across them, just now:\n"
              << *key_establishment;
    std::cout << "\nPrivate calls through the application servers (mcx-a's follows both KMSs; " << b.id
              << "'s, in front of it for visitors, allows only police); the called user's client answers on "
                 "sip:127.0.0.1:"
              << sip.callee_port() << "; just now:\n"
              << *calls;
    std::cout << "\nDevice management of " << a.id << ": an MC handset and a corporate device, enrolled with its DM "
                 "server; just now:\n"
              << *managed;
    std::cout << "\n" << alice_id << " visits " << b.id << ", just now: " << b.id
              << " adapted each of her profiles from " << a.id << " with its template (mcprov cmc shows the same):\n"
              << *migrated;
    std::unique_ptr<devkit::running_smart_cards> running_cards;
    if (!options.no_smart_cards) {
        std::cout << "\nSmart card dynamic provisioning (osmo-hlr on " << cards.hlr_address()
                  << ", pcscd with the vpcd reader \"mcprov dev vpcd\", the operator's DM server " << cards.dms_url()
                  << ", files " << cards.dir().string() << "); just now:\n";
        auto started = cards.start();
        auto shown = started ? cards.demonstrate(**started) : support::result<std::string>(started.err());
        if (!shown) {
            std::cout << "  not shown: " << shown.err().message << "\n";
        } else {
            std::cout << *shown << "  # the smartphone's tree, with what card B brought\n  mcprov agent --config "
                      << (cards.dir() / "device" / "agent.toml").string() << " tree\n";
            std::cout << "\nThe subscriber and the user behind an operation (the BSF " << cards.bsf_url()
                      << ", GBA with card B); just now:\n";
            auto subscriber = cards.demonstrate_subscriber(**started);
            if (!subscriber) {
                std::cout << "  not shown: " << subscriber.err().message << "\n";
            } else {
                std::cout << *subscriber << "  # every decision about card B's subscriber\n  mcprov dms --config "
                          << (cards.dir() / "dms.toml").string() << " audit --subscription 001010000000025\n";
            }
            running_cards = std::move(*started);
        }
    }
    std::cout << "\nTry:\n"
              << "  export ALICE=" << *at_home << "\n"
              << "  export ALICE_AT_B=" << *visiting << "\n"
              << "  export ADMIN_A=" << *admin_a << "\n"
              << "  export ADMIN_B=" << *admin_b << "\n\n"
              << "  # Alice at home reads her profile\n"
              << "  " << curl_a << " -H \"Authorization: Bearer $ALICE\" '" << deployment.base(a) << doc
              << "/mcptt-user-profile-1.xml'\n"
              << "  # Alice migrates to " << b.id << ": its CMS fetches her migration profile from " << a.id
              << ",\n  # applies its template, signs and stores the result, and serves it\n"
              << "  " << curl_b << " -i -H \"Authorization: Bearer $ALICE_AT_B\" '" << deployment.base(b) << doc << "/"
              << migration::visitor_profile_name(xcap::mc_service::mcptt) << "'\n"
              << "  # her MCData and MCVideo profiles there\n"
              << "  " << curl_b << " -H \"Authorization: Bearer $ALICE_AT_B\" '" << deployment.base(b)
              << "/xcap/org.3gpp.mcdata.user-profile/users/" << alice_id << "/mcdata-user-profile-0.xml'\n"
              << "  " << curl_b << " -H \"Authorization: Bearer $ALICE_AT_B\" '" << deployment.base(b)
              << "/xcap/org.3gpp.mcvideo.user-profile/users/" << alice_id << "/mcvideo-user-profile-0.xml'\n"
              << "  # all three, checked (signature, serving system, validity) and compared with the migration profiles\n"
              << "  mcprov cmc --cms " << deployment.base(b) << " --ca " << (dir / b.label / "ca.pem").string()
              << " --system " << b.id << " --user " << alice_id << " --token \"$ALICE_AT_B\" \\\n      --primary "
              << deployment.base(a) << " --primary-ca " << (dir / a.label / "ca.pem").string()
              << " --primary-token \"$ALICE\"\n"
              << "  # where " << a.id << "'s users are served and what they received; " << b.id << "'s visitors\n"
              << "  " << curl_a << " -H \"Authorization: Bearer $ADMIN_A\" " << deployment.base(a)
              << "/migration/serving\n"
              << "  " << curl_b << " -H \"Authorization: Bearer $ADMIN_B\" " << deployment.base(b)
              << "/migration/visitors\n"
              << "  # more tokens\n"
              << "  mcprov token --key " << (dir / a.label / "idms.key.pem").string() << " --issuer " << a.issuer()
              << " --audience " << b.audience() << " --mc-id " << a.user_id(users[1]) << " --scope "
              << devkit::user_scope << "\n"
              << "  # carol's keys from the fire domain's KMS (docs/kmc.md), and fire's administration (docs/kms.md)\n"
              << "  mcprov kmc fetch --kms " << domains.url("fire") << " --ca " << (dir / a.label / "ca.pem").string()
              << " --user " << a.user_id(users[2]) << " --dir carol-fire --token \"$(mcprov token --key "
              << (dir / a.label / "idms.key.pem").string() << " --issuer " << a.issuer() << " --audience "
              << domains.kms_uri("fire") << " --mc-id " << a.user_id(users[2]) << " --scope " << devkit::key_scope
              << ")\"\n"
              << "  mcprov kms --config " << (domains.dir("fire") / "kms.toml").string() << " external\n"
              << "  # bob answers, carol calls him through " << a.id << "'s application server (docs/kmc.md)\n"
              << "  mcprov kmc answer --dir bob-fire --port " << sip.callee_port() << " --calls 1 &\n"
              << "  mcprov kmc call --dir carol-fire --to " << a.user_id(users[1]) << " --proxy " << sip.proxy(a)
              << "\n"
              << "  # device management (docs/dms.md, docs/agent.md): queue a job for the corporate device, notify it\n"
              << "  # (package 0: it calls in at once), then read the job's result and the device's inventory\n"
              << "  echo '{\"commands\":[{\"command\":\"get\",\"target\":\"./DevDetail/FwV\"},"
                 "{\"command\":\"alert\",\"alert\":1101,\"text\":\"Install the police apps?\"}]}' |\n"
              << "    mcprov dms --config " << (dm.dir() / "dms.toml").string() << " queue "
              << devkit::example_devices()[1].id << " --job - --notify\n"
              << "  mcprov dms --config " << (dm.dir() / "dms.toml").string() << " jobs "
              << devkit::example_devices()[1].id << "\n"
              << "  mcprov dms --config " << (dm.dir() / "dms.toml").string() << " show "
              << devkit::example_devices()[0].id << "\n"
              << "  # what the handset's MC client was given\n"
              << "  cat " << (dm.device_dir(devkit::example_devices()[0]) / "mc-client" / "ue-init-config.xml").string()
              << "\n"
              << "\nEdit " << (dir / b.label / "templates").string()
              << " and send SIGHUP to apply a template change. Ctrl-C stops it.\n"
              << std::flush;

    int signal = 0;
    while ((signal = wait_for_signal()) == SIGHUP) {
        for (const auto& failure : (*running)->reload_templates()) {
            std::cerr << failure << "\n";
        }
    }
    running_cards.reset();
    (*running)->stop();
    return 0;
}

} // namespace

command add_dev_command(CLI::App& parent) {
    auto options = std::make_shared<dev_options>();
    auto* cmd = parent.add_subcommand(
        "dev",
        "Run the local deployment on loopback: two MC systems (mcx-a, mcx-b), each a CMS with its own CA, token\n"
        "key, example users, migration agreement with the other and templates for the other's visitors; and\n"
        "two security domains of mcx-a (police, fire), each with its KMS, showing one key establishment\n"
        "across them that policy allows and one it refuses; and an application server per system in the\n"
        "signalling path, showing a private call that goes through, one redirected and retried in the offered\n"
        "domain, and one refused (docs/sip-as.md); and mcx-a's DM server with two devices (an MC\n"
        "handset, provisioned with its MCS UE initial configuration, and a corporate device); and, unless\n"
        "--no-smart-cards, a device switched on with smart card A, off, and on with card B, authenticated by an\n"
        "operator's DM server with osmo-hlr, the cards in pcscd's vpcd reader (docs/smart-card-provisioning.md).");
    cmd->add_option("--dir", options->dir, "new or empty directory for its files (default: a fresh temporary one)");
    cmd->add_option("--port", options->port,
                    "first of twelve ports (1024 to 65520): mcx-a's CMS and CSCM-x, mcx-b's CMS and CSCM-x, the\n"
                    "KMSs of mcx-a's security domains police and fire, mcx-a's DM server and its two devices' push\n"
                    "endpoints, then\n"
                    "(UDP and TCP) the application servers of mcx-a and mcx-b and the called user's client")
        ->capture_default_str()
        ->check(CLI::Range(1024, 65520)); // sixteen ports with the smart cards
    cmd->add_flag("--no-smart-cards", options->no_smart_cards,
                  "leave out the smart cards (osmo-hlr, pcscd, the operator's DM server and its BSF on the four ports\n"
                  "after the twelve: pcscd's socket is the machine's, so only one runs at a time)");
    cmd->add_flag("--prepare-only", options->prepare_only,
                  "write the two systems' files and databases, print the directory and exit");
    return [options] { return run_dev(*options); };
}

} // namespace mcprov::app
