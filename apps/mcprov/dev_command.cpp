#include <csignal>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "dev_security_domains.hpp"
#include "mcprov/cms/cms_server.hpp"
#include "mcprov/cms/config.hpp"
#include "mcprov/cms/mc_service_user_database.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/migration/served_profile.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/support/log.hpp"
#include "serve.hpp"

namespace mcprov::app {
namespace {

namespace fs = std::filesystem;

struct dev_options {
    std::string dir;
    int port = 8443;
    bool prepare_only = false;
};

const std::string user_scope = "3gpp:mc:config_management_service";
const std::string admin_scope = "mcprov:cms:admin";
const std::string service_scope = "mcprov:cms:service-server";

struct example_user {
    std::string name;
    std::string organisation;
    std::vector<std::string> groups;
};

const std::vector<example_user> example_users{
    {"alice", "police", {"patrol-north", "patrol-south", "police-internal", "all-police"}},
    {"bob", "fire", {"station-1", "all-fire"}},
    {"carol", "ambulance", {"dispatch", "all-ambulance"}},
};

// One MC system of the local deployment. `a` is the primary system of the example visitors, `b` their partner;
// each is primary for its own users and partner for the other's.
struct dev_system {
    std::string id;    // mcx-a.example.org
    std::string label; // mcx-a
    int xcap_port = 0;
    int cscm_port = 0;

    std::string user_id(const example_user& u) const { return "sip:" + u.name + "@" + u.organisation + "." + id; }
    std::string group_uri(const std::string& group) const { return "sip:" + group + "@groups." + id; }
    std::string issuer() const { return "https://idms." + id; }
    std::string audience() const { return "cms." + id; }
    std::string cms_name() const { return "cms." + id; }
    std::string base() const { return "https://127.0.0.1:" + std::to_string(xcap_port); }
};

// A TS 24.484 Release 13 MCPTT user profile that validates against the schema; `extra` goes at the end of the root.
std::string mcptt_profile(const dev_system& sys, const example_user& u, unsigned index, const std::string& profile_name,
                          bool preselected, unsigned priority, const std::vector<std::string>& groups,
                          const std::string& extra = "") {
    const auto id = sys.user_id(u);
    std::ostringstream x;
    x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<mcptt-user-profile xmlns=\"urn:3gpp:mcptt:user-profile:1.0\" XUI-URI=\"" << id << "\" user-profile-index=\""
      << index << "\">\n"
      << "  <Name>" << u.name << "</Name>\n  <Status>true</Status>\n  <ProfileName>" << profile_name
      << "</ProfileName>\n"
      << (preselected ? "  <Pre-selected-indication/>\n" : "") << "  <Common index=\"common\">\n"
      << "    <UserAlias><alias-entry index=\"alias-1\">" << u.name << "</alias-entry></UserAlias>\n"
      << "    <MCPTTUserID><uri-entry>" << id << "</uri-entry><display-name>" << u.name
      << "</display-name></MCPTTUserID>\n"
      << "    <MCPTT-group-call><MaxSimultaneousCallsN6>3</MaxSimultaneousCallsN6><Priority>" << priority
      << "</Priority></MCPTT-group-call>\n"
      << "    <MissionCriticalOrganization>" << u.organisation << "</MissionCriticalOrganization>\n"
      << "    <anyExt>\n      <allow-private-call>true</allow-private-call>\n"
      << "      <allow-presence-status>true</allow-presence-status>\n"
      << "      <allow-override-of-transmission>" << (priority > 5 ? "true" : "false")
      << "</allow-override-of-transmission>\n"
      << "      <allow-regroup>" << (priority > 5 ? "true" : "false") << "</allow-regroup>\n    </anyExt>\n"
      << "  </Common>\n  <OnNetwork index=\"on-network\">\n    <MCPTTGroupInfo>\n";
    unsigned n = 0;
    for (const auto& g : groups) {
        x << "      <entry index=\"group-" << ++n << "\"><uri-entry>" << sys.group_uri(g)
          << "</uri-entry><display-name>" << g << "</display-name></entry>\n";
    }
    x << "    </MCPTTGroupInfo>\n    <MaxAffiliationsN2>8</MaxAffiliationsN2>\n  </OnNetwork>\n"
      << extra << "</mcptt-user-profile>\n";
    return x.str();
}

std::string mcdata_profile(const dev_system& sys, const example_user& u) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<mcdata-user-profile xmlns=\"urn:3gpp:mcdata:user-profile:1.0\" XUI-URI=\"" +
           sys.user_id(u) + "\" user-profile-index=\"1\">\n  <Name>" + u.name + "</Name>\n</mcdata-user-profile>\n";
}

std::string mcvideo_profile(const dev_system& sys, const example_user& u) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<mcvideo-user-profile xmlns=\"urn:3gpp:mcvideo:user-profile:1.0\" XUI-URI=\"" +
           sys.user_id(u) + "\" user-profile-index=\"1\">\n  <Name>" + u.name + "</Name>\n</mcvideo-user-profile>\n";
}

// The partner's templates for visitors from `primary`: police officers get patrol groups and mutual aid, the
// rest of the primary's users a plainer set.
std::vector<std::pair<std::string, std::string>> templates_for(const dev_system& partner, const dev_system& primary) {
    const std::string head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                             "<migration-template xmlns=\"urn:mcprov:migration-template:1\" name=\"";
    return {
        {primary.label + "-police.xml",
         head + primary.label + "-police\">\n  <applies-to primary-system=\"" + primary.id +
             "\" organisation=\"police\"/>\n  <groups>\n    <allow pattern=\"sip:patrol-*@groups." + primary.id +
             "\"/>\n    <allow pattern=\"sip:all-*@groups." + primary.id +
             "\"/>\n    <deny pattern=\"sip:*-internal@*\"/>\n    <add uri=\"" + partner.group_uri("mutual-aid") +
             "\" display-name=\"Mutual aid\" implicit-affiliation=\"true\"/>\n  </groups>\n"
             "  <priority mode=\"cap\" value=\"3\"/>\n  <authorisations>\n    <withdraw name=\"allow-regroup\"/>\n"
             "    <withdraw name=\"allow-override-*\"/>\n    <withdraw name=\"allow-presence-status\"/>\n"
             "  </authorisations>\n  <operating-area>\n"
             "    <circle latitude=\"51.5072\" longitude=\"-0.1276\" radius-metres=\"25000\"/>\n"
             "  </operating-area>\n</migration-template>\n"},
        {primary.label + ".xml", head + primary.label + "-visitors\">\n  <applies-to primary-system=\"" + primary.id +
                                     "\"/>\n  <groups>\n    <add uri=\"" + partner.group_uri("mutual-aid") +
                                     "\" display-name=\"Mutual aid\"/>\n  </groups>\n"
                                     "  <priority mode=\"replace\" value=\"2\"/>\n  <authorisations>\n"
                                     "    <withdraw name=\"allow-regroup\"/>\n  </authorisations>\n"
                                     "</migration-template>\n"},
    };
}

support::result<void> write_files(const fs::path& dir,
                                  std::initializer_list<std::pair<std::string, std::string>> files) {
    for (const auto& [name, content] : files) {
        if (auto w = support::write_file(dir / name, content); !w) {
            return w;
        }
    }
    return {};
}

// Keys, certificates, templates and cms.toml of one system, in dir/<label>.
support::result<void> prepare_system(const fs::path& root, const dev_system& sys, const dev_system& other) {
    const auto dir = root / sys.label;
    std::error_code ec;
    fs::create_directories(dir / "templates", ec);
    if (ec) {
        return support::make_error(support::errc::io, (dir / "templates").string() + ": " + ec.message());
    }
    auto idms_key = identity::generate_p256_private_key_pem();
    auto idms_public = idms_key ? identity::public_key_pem_from_private(*idms_key) : support::result<std::string>{""};
    auto ca = http::create_certificate_authority(sys.label + " dev CA", std::chrono::hours(24 * 30));
    if (!idms_key || !idms_public || !ca) {
        return support::make_error(support::errc::internal, "key generation failed");
    }
    auto cert = http::issue_certificate(*ca, "localhost", {"localhost"}, {"127.0.0.1", "::1"},
                                        http::certificate_usage::server, std::chrono::hours(24 * 30));
    auto cscm = http::issue_certificate(*ca, sys.cms_name(), {sys.cms_name()}, {"127.0.0.1"},
                                        http::certificate_usage::server_and_client, std::chrono::hours(24 * 30));
    if (!cert || !cscm) {
        return support::make_error(support::errc::internal, "certificate issuing failed");
    }
    std::ostringstream config;
    config << "# " << sys.id << ": local deployment CMS, written by mcprov dev. See docs/configuration.md.\n"
           << "[system]\nid = \"" << sys.id << "\"\n\n"
           << "[server]\nlisten = \"127.0.0.1:" << sys.xcap_port << "\"\nthreads = 2\n\n"
           << "[tls]\ncertificate = \"cms.crt\"\nprivate_key = \"cms.key\"\n\n"
           << "[xcap]\nroot = \"/xcap\"\n\n[store]\npath = \"cms.db\"\n\n"
           << "[auth]\nissuer = \"" << sys.issuer() << "\"\naudience = \"" << sys.audience()
           << "\"\npublic_key = \"idms.pub.pem\"\nuser_scope = \"" << user_scope << "\"\nadmin_scope = \""
           << admin_scope << "\"\nservice_scope = \"" << service_scope << "\"\n\n"
           << "[cscm]\nlisten = \"127.0.0.1:" << sys.cscm_port
           << "\"\ncertificate = \"cscm.crt\"\nprivate_key = \"cscm.key\"\n\n"
           << "[migration]\ntemplates = \"templates\"\nmax_stale_seconds = 86400\nprofile_validity_seconds = 86400\n"
           << "release_retry_seconds = 5\n\n"
           << "[[partner]]\nsystem = \"" << other.id << "\"\nendpoint = \"https://127.0.0.1:" << other.cscm_port
           << "\"\nca = \"../" << other.label << "/ca.pem\"\ncertificate_name = \"" << other.cms_name()
           << "\"\nuser_domains = [\"*." << other.id << "\"]\nidms_issuer = \"" << other.issuer()
           << "\"\nidms_public_key = \"../" << other.label << "/idms.pub.pem\"\norganisation_rule = \"sip:{user}@{org}."
           << other.id << "\"\n\n[log]\nlevel = \"info\"\nformat = \"text\"\n";
    if (auto w = write_files(dir, {{"idms.key.pem", *idms_key},
                                   {"idms.pub.pem", *idms_public},
                                   {"ca.pem", ca->certificate_pem},
                                   {"ca.key", ca->private_key_pem},
                                   {"cms.crt", cert->certificate_pem},
                                   {"cms.key", cert->private_key_pem},
                                   {"cscm.crt", cscm->certificate_pem},
                                   {"cscm.key", cscm->private_key_pem},
                                   {"cms.toml", config.str()}});
        !w) {
        return w;
    }
    for (const auto& [name, content] : templates_for(sys, other)) {
        if (auto w = support::write_file(dir / "templates" / name, content); !w) {
            return w;
        }
    }
    return {};
}

// The example users' home profiles and their migration profiles: one for the other system, and a default.
support::result<void> seed(const fs::path& root, const dev_system& sys, const dev_system& other) {
    auto opened = store::create_sqlite_document_store(root / sys.label / "cms.db");
    if (!opened) {
        return std::move(opened).err();
    }
    cms::mc_service_user_database database(std::move(opened).value());
    auto put = [&](const char* auid, const std::string& xui, const std::string& name,
                   const std::string& doc) -> support::result<void> {
        auto written = database.write({auid, xui, name}, doc, {});
        if (!written) {
            return support::make_error(written.err().code,
                                       "seeding " + name + " of " + xui + ": " + written.err().message);
        }
        return {};
    };
    const std::string for_other = "  <migration-for xmlns=\"urn:mcprov:migration:1\" partners=\"" + other.id + "\"/>\n";
    const std::string by_default = "  <migration-for xmlns=\"urn:mcprov:migration:1\" default=\"true\"/>\n";
    for (const auto& u : example_users) {
        const auto id = sys.user_id(u);
        for (auto r : {put("org.3gpp.mcptt.user-profile", id, "mcptt-user-profile-1.xml",
                           mcptt_profile(sys, u, 1, "duty", true, 5, u.groups)),
                       put("org.3gpp.mcptt.user-profile", id, "mcptt-user-profile-2.xml",
                           mcptt_profile(sys, u, 2, "incident-command", false, 9, u.groups)),
                       put("org.3gpp.mcdata.user-profile", id, "mcdata-user-profile-1.xml", mcdata_profile(sys, u)),
                       put("org.3gpp.mcvideo.user-profile", id, "mcvideo-user-profile-1.xml", mcvideo_profile(sys, u)),
                       put("org.mcprov.migration-profile", id, "migration-profile-1.xml",
                           mcptt_profile(sys, u, 1, "visiting-" + other.label, true, 7, u.groups, for_other)),
                       put("org.mcprov.migration-profile", id, "migration-profile-2.xml",
                           mcptt_profile(sys, u, 2, "visiting", true, 4, {u.groups.back()}, by_default))}) {
            if (!r) {
                return r;
            }
        }
    }
    return {};
}

support::result<std::string> token(const fs::path& root, const dev_system& issuer_system, const std::string& audience,
                                   const std::string& id, std::vector<std::string> scopes) {
    auto key = support::read_file(root / issuer_system.label / "idms.key.pem");
    if (!key) {
        return std::move(key).err();
    }
    auto issuer = identity::create_token_issuer(*key, support::create_system_clock());
    if (!issuer) {
        return std::move(issuer).err();
    }
    identity::token_request r;
    r.issuer = issuer_system.issuer();
    r.subject = id;
    r.audience = {audience};
    r.mc_id = id;
    r.scopes = std::move(scopes);
    r.lifetime = std::chrono::hours(12);
    return issuer.value()->issue(r);
}

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
    const dev_system a{"mcx-a.example.org", "mcx-a", options.port, options.port + 1};
    const dev_system b{"mcx-b.example.org", "mcx-b", options.port + 2, options.port + 3};
    const dev_security_domains domains{dir / a.label, a.id, options.port + 4};
    for (auto r :
         {prepare_system(dir, a, b), prepare_system(dir, b, a), seed(dir, a, b), seed(dir, b, a), domains.prepare()}) {
        if (!r) {
            std::cerr << "mcprov dev: " << r.err().message << "\n";
            return 1;
        }
    }
    if (options.prepare_only) {
        std::cout << dir.string() << "\n";
        return 0;
    }
    block_termination_signals();
    std::vector<std::unique_ptr<cms::cms_server>> running;
    for (const auto* sys : {&a, &b}) {
        auto config = cms::load_cms_config(dir / sys->label / "cms.toml");
        if (!config) {
            std::cerr << "mcprov dev: " << config.err().message << "\n";
            return 1;
        }
        auto clock = support::create_system_clock();
        auto documents = store::open_store(config->store_url, clock);
        auto cms = documents ? cms::create_cms(*config, std::move(documents).value(), clock)
                             : support::result<std::unique_ptr<cms::cms_server>>(std::move(documents).err());
        if (!cms) {
            std::cerr << "mcprov dev: " << sys->id << ": " << cms.err().message << "\n";
            return 1;
        }
        running.push_back(std::move(cms).value());
    }
    auto kms = domains.start();
    if (!kms) {
        std::cerr << "mcprov dev: " << kms.err().message << "\n";
        return 1;
    }
    auto key_establishment = domains.demonstrate();
    if (!key_establishment) {
        std::cerr << "mcprov dev: key establishment: " << key_establishment.err().message << "\n";
        return 1;
    }
    const auto& alice = example_users.front();
    const auto alice_id = a.user_id(alice);
    auto at_home = token(dir, a, a.audience(), alice_id, {user_scope});
    auto visiting = token(dir, a, b.audience(), alice_id, {user_scope});
    auto admin_a = token(dir, a, a.audience(), "sip:admin@" + a.id, {admin_scope});
    auto admin_b = token(dir, b, b.audience(), "sip:admin@" + b.id, {admin_scope});
    if (!at_home || !visiting || !admin_a || !admin_b) {
        std::cerr << "mcprov dev: token issuing failed\n";
        return 1;
    }
    const std::string doc = "/xcap/org.3gpp.mcptt.user-profile/users/" + alice_id;
    const std::string curl_a = "curl --cacert " + (dir / a.label / "ca.pem").string();
    const std::string curl_b = "curl --cacert " + (dir / b.label / "ca.pem").string();

    std::cout << "mcprov local deployment: two MC systems with a migration agreement\n\n";
    for (const auto* sys : {&a, &b}) {
        std::cout << "  " << sys->id << "   CMS " << sys->base()
                  << "/xcap   CSCM-x https://127.0.0.1:" << sys->cscm_port << "   files " << (dir / sys->label).string()
                  << "\n";
    }
    for (const auto* domain : {"police", "fire"}) {
        std::cout << "  security domain " << domains.kms_uri(domain) << "   KMS " << domains.url(domain) << "   files "
                  << domains.dir(domain).string() << "\n";
    }
    std::cout << "  users of " << a.id << ": ";
    for (const auto& u : example_users) {
        std::cout << a.user_id(u) << " ";
    }
    std::cout << "\n\nSecurity domains of " << a.id
              << ": alice in police, bob in fire, carol in both; police permits "
                 "fire, fire permits nobody. Key establishment across them, just now:\n"
              << *key_establishment;
    std::cout << "\nTry:\n"
              << "  export ALICE=" << *at_home << "\n"
              << "  export ALICE_AT_B=" << *visiting << "\n"
              << "  export ADMIN_A=" << *admin_a << "\n"
              << "  export ADMIN_B=" << *admin_b << "\n\n"
              << "  # Alice at home reads her profile\n"
              << "  " << curl_a << " -H \"Authorization: Bearer $ALICE\" '" << a.base() << doc
              << "/mcptt-user-profile-1.xml'\n"
              << "  # Alice migrates to " << b.id << ": its CMS fetches her migration profile from " << a.id
              << ",\n  # applies its template, signs and stores the result, and serves it\n"
              << "  " << curl_b << " -i -H \"Authorization: Bearer $ALICE_AT_B\" '" << b.base() << doc << "/"
              << migration::visitor_profile_name << "'\n"
              << "  # the same, checked (signature, serving system, validity) and compared with the migration profile\n"
              << "  mcprov cmc --cms " << b.base() << " --ca " << (dir / b.label / "ca.pem").string() << " --system "
              << b.id << " --user " << alice_id << " --token \"$ALICE_AT_B\" \\\n      --primary " << a.base()
              << " --primary-ca " << (dir / a.label / "ca.pem").string() << " --primary-token \"$ALICE\"\n"
              << "  # where " << a.id << "'s users are served and what they received; " << b.id << "'s visitors\n"
              << "  " << curl_a << " -H \"Authorization: Bearer $ADMIN_A\" " << a.base() << "/migration/serving\n"
              << "  " << curl_b << " -H \"Authorization: Bearer $ADMIN_B\" " << b.base() << "/migration/visitors\n"
              << "  # more tokens\n"
              << "  mcprov token --key " << (dir / a.label / "idms.key.pem").string() << " --issuer " << a.issuer()
              << " --audience " << b.audience() << " --mc-id " << a.user_id(example_users[1]) << " --scope "
              << user_scope << "\n"
              << "  # carol's keys from the fire domain's KMS (docs/kmc.md), and fire's administration (docs/kms.md)\n"
              << "  mcprov kmc fetch --kms " << domains.url("fire") << " --ca " << (dir / a.label / "ca.pem").string()
              << " --user " << a.user_id(example_users[2]) << " --dir carol-fire --token \"$(mcprov token --key "
              << (dir / a.label / "idms.key.pem").string() << " --issuer " << a.issuer() << " --audience "
              << domains.kms_uri("fire") << " --mc-id " << a.user_id(example_users[2])
              << " --scope 3gpp:mc:key_management_service)\"\n"
              << "  mcprov kms --config " << (domains.dir("fire") / "kms.toml").string() << " external\n"
              << "\nEdit " << (dir / b.label / "templates").string()
              << " and send SIGHUP to apply a template change. Ctrl-C stops it.\n"
              << std::flush;

    int signal = 0;
    while ((signal = wait_for_signal()) == SIGHUP) {
        for (std::size_t i = 0; i < running.size(); ++i) {
            const auto* sys = i == 0 ? &a : &b;
            auto config = cms::load_cms_config(dir / sys->label / "cms.toml");
            auto changed = config ? running[i]->reload_templates(*config) : support::result<std::size_t>(config.err());
            if (!changed) {
                std::cerr << sys->id << ": templates not reloaded: " << changed.err().message << "\n";
            }
        }
    }
    for (auto& k : *kms) {
        k->server->stop();
    }
    for (auto& cms : running) {
        cms->stop();
    }
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
        "across them that policy allows and one it refuses.");
    cmd->add_option("--dir", options->dir, "new or empty directory for its files (default: a fresh temporary one)");
    cmd->add_option("--port", options->port,
                    "first of six ports: mcx-a's CMS and CSCM-x, mcx-b's CMS and CSCM-x, then the KMSs of mcx-a's\n"
                    "security domains police and fire")
        ->capture_default_str()
        ->check(CLI::Range(1024, 65530));
    cmd->add_flag("--prepare-only", options->prepare_only,
                  "write the two systems' files and databases, print the directory and exit");
    return [options] { return run_dev(*options); };
}

} // namespace mcprov::app
