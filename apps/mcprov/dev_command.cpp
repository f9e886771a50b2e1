#include <cstdlib>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "mcprov/cms/config.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/identity/access_token.hpp"
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
};

const std::string issuer = "https://idms.mcx.example.org";
const std::string audience = "mcprov-cms";
const std::string user_scope = "3gpp:mc:config_management_service";
const std::string admin_scope = "mcprov:cms:admin";

struct example_user {
    std::string id;
    std::string name;
    std::string organisation;
    std::vector<std::string> groups;
};

const std::vector<example_user> example_users{
    {"sip:alice@police.mcx.example.org", "Alice", "police", {"patrol-north", "patrol-south", "all-police"}},
    {"sip:bob@fire.mcx.example.org", "Bob", "fire", {"station-1", "all-fire"}},
    {"sip:carol@ambulance.mcx.example.org", "Carol", "ambulance", {"dispatch", "all-ambulance"}},
};

std::string group_uri(const std::string& group) {
    return "sip:" + group + "@groups.mcx.example.org";
}

// A TS 24.484 Release 13 MCPTT user profile that validates against the schema.
std::string mcptt_profile(const example_user& u, unsigned index, const std::string& profile_name, bool preselected,
                          unsigned priority) {
    std::ostringstream x;
    x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<mcptt-user-profile xmlns=\"urn:3gpp:mcptt:user-profile:1.0\" XUI-URI=\"" << u.id
      << "\" user-profile-index=\"" << index << "\">\n"
      << "  <Name>" << u.name << "</Name>\n  <Status>true</Status>\n  <ProfileName>" << profile_name
      << "</ProfileName>\n"
      << (preselected ? "  <Pre-selected-indication/>\n" : "") << "  <Common index=\"common\">\n"
      << "    <UserAlias><alias-entry index=\"alias-1\">" << u.name << "</alias-entry></UserAlias>\n"
      << "    <MCPTTUserID><uri-entry>" << u.id << "</uri-entry><display-name>" << u.name
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
    for (const auto& g : u.groups) {
        x << "      <entry index=\"group-" << ++n << "\"><uri-entry>" << group_uri(g) << "</uri-entry><display-name>"
          << g << "</display-name></entry>\n";
    }
    x << "    </MCPTTGroupInfo>\n    <MaxAffiliationsN2>8</MaxAffiliationsN2>\n  </OnNetwork>\n"
      << "</mcptt-user-profile>\n";
    return x.str();
}

std::string mcdata_profile(const example_user& u) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<mcdata-user-profile xmlns=\"urn:3gpp:mcdata:user-profile:1.0\" XUI-URI=\"" +
           u.id + "\" user-profile-index=\"1\">\n  <Name>" + u.name + "</Name>\n</mcdata-user-profile>\n";
}

std::string mcvideo_profile(const example_user& u) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<mcvideo-user-profile xmlns=\"urn:3gpp:mcvideo:user-profile:1.0\" XUI-URI=\"" +
           u.id + "\" user-profile-index=\"1\">\n  <Name>" + u.name + "</Name>\n</mcvideo-user-profile>\n";
}

support::result<void> prepare(const fs::path& dir, int port) {
    auto idms_key = identity::generate_p256_private_key_pem();
    if (!idms_key) {
        return std::move(idms_key).err();
    }
    auto idms_public = identity::public_key_pem_from_private(*idms_key);
    auto ca = http::create_certificate_authority("mcprov dev CA", std::chrono::hours(24 * 30));
    if (!idms_public || !ca) {
        return support::make_error(support::errc::internal, "key generation failed");
    }
    auto cert = http::issue_certificate(*ca, "localhost", {"localhost"}, {"127.0.0.1", "::1"},
                                        http::certificate_usage::server, std::chrono::hours(24 * 30));
    if (!cert) {
        return std::move(cert).err();
    }
    std::ostringstream config;
    config << "# Local deployment CMS, written by mcprov dev. See docs/configuration.md.\n"
           << "[server]\nlisten = \"127.0.0.1:" << port << "\"\nthreads = 2\n\n"
           << "[tls]\ncertificate = \"cms.crt\"\nprivate_key = \"cms.key\"\n\n"
           << "[xcap]\nroot = \"/xcap\"\n\n[store]\npath = \"cms.db\"\n\n"
           << "[auth]\nissuer = \"" << issuer << "\"\naudience = \"" << audience
           << "\"\npublic_key = \"idms.pub.pem\"\nuser_scope = \"" << user_scope << "\"\nadmin_scope = \""
           << admin_scope << "\"\n\n[log]\nlevel = \"info\"\nformat = \"text\"\n";
    for (auto [name, content] :
         std::initializer_list<std::pair<const char*, const std::string*>>{{"idms.key.pem", &*idms_key},
                                                                           {"idms.pub.pem", &*idms_public},
                                                                           {"ca.pem", &ca->certificate_pem},
                                                                           {"ca.key", &ca->private_key_pem},
                                                                           {"cms.crt", &cert->certificate_pem},
                                                                           {"cms.key", &cert->private_key_pem}}) {
        if (auto w = support::write_file(dir / name, *content); !w) {
            return w;
        }
    }
    return support::write_file(dir / "cms.toml", config.str());
}

support::result<void> seed(cms::mc_service_user_database& database) {
    auto put = [&](const char* auid, const std::string& xui, const std::string& name,
                   const std::string& doc) -> support::result<void> {
        auto written = database.write({auid, xui, name}, doc, {});
        if (!written) {
            return support::make_error(written.err().code,
                                       "seeding " + name + " of " + xui + ": " + written.err().message);
        }
        return {};
    };
    for (const auto& u : example_users) {
        for (auto r : {put("org.3gpp.mcptt.user-profile", u.id, "mcptt-user-profile-1.xml",
                           mcptt_profile(u, 1, "duty", true, 5)),
                       put("org.3gpp.mcptt.user-profile", u.id, "mcptt-user-profile-2.xml",
                           mcptt_profile(u, 2, "incident-command", false, 9)),
                       put("org.3gpp.mcdata.user-profile", u.id, "mcdata-user-profile-1.xml", mcdata_profile(u)),
                       put("org.3gpp.mcvideo.user-profile", u.id, "mcvideo-user-profile-1.xml", mcvideo_profile(u))}) {
            if (!r) {
                return r;
            }
        }
    }
    return {};
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
    if (auto prepared = prepare(dir, options.port); !prepared) {
        std::cerr << "mcprov dev: " << prepared.err().message << "\n";
        return 1;
    }
    auto config = cms::load_cms_config(dir / "cms.toml");
    if (!config) {
        std::cerr << "mcprov dev: " << config.err().message << "\n";
        return 1;
    }
    block_termination_signals();
    auto cms = start_cms(*config);
    if (!cms) {
        std::cerr << "mcprov dev: " << cms.err().message << "\n";
        return 1;
    }
    if (auto seeded = seed(*cms->database); !seeded) {
        std::cerr << "mcprov dev: " << seeded.err().message << "\n";
        return 1;
    }
    auto key = support::read_file(dir / "idms.key.pem");
    auto issuer_impl = identity::create_token_issuer(*key, support::create_system_clock());
    if (!issuer_impl) {
        std::cerr << "mcprov dev: " << issuer_impl.err().message << "\n";
        return 1;
    }
    auto token_for = [&](const std::string& id, std::vector<std::string> scopes) {
        identity::token_request r;
        r.issuer = issuer;
        r.subject = id;
        r.audience = {audience};
        r.mc_id = id;
        r.scopes = std::move(scopes);
        r.lifetime = std::chrono::hours(12);
        auto t = issuer_impl.value()->issue(r);
        return t ? *t : std::string();
    };
    const auto& alice = example_users.front();
    auto alice_token = token_for(alice.id, {user_scope});
    auto admin_token = token_for("sip:admin@mcx.example.org", {admin_scope});
    std::string base = "https://127.0.0.1:" + std::to_string(cms->server->port());
    std::string xcap = base + "/xcap";
    std::string alice_doc = xcap + "/org.3gpp.mcptt.user-profile/users/" + alice.id + "/mcptt-user-profile-1.xml";
    std::string curl = "curl --cacert " + (dir / "ca.pem").string();

    std::cout << "mcprov local deployment: one MC system (mcx.example.org)\n\n"
              << "  CMS (XCAP root)   " << xcap << "\n"
              << "  health            " << base << "/healthz\n"
              << "  files             " << dir.string() << " (cms.toml, cms.db, ca.pem, idms.key.pem, ...)\n"
              << "  users             ";
    for (const auto& u : example_users) {
        std::cout << u.id << " ";
    }
    std::cout << "\n\nTry:\n"
              << "  export ALICE=" << alice_token << "\n"
              << "  export ADMIN=" << admin_token << "\n\n"
              << "  # Alice reads her profile, then asks again with its ETag (304)\n"
              << "  " << curl << " -i -H \"Authorization: Bearer $ALICE\" '" << alice_doc << "'\n"
              << "  " << curl << " -i -H \"Authorization: Bearer $ALICE\" -H 'If-None-Match: <etag>' '" << alice_doc
              << "'\n"
              << "  # one element of it, by XCAP node selector\n"
              << "  " << curl << " -H \"Authorization: Bearer $ALICE\" '" << alice_doc
              << "/~~/mcptt-user-profile/OnNetwork/MCPTTGroupInfo/entry%5B@index=%22group-1%22%5D'\n"
              << "  # another user's profile is refused (403)\n"
              << "  " << curl << " -i -H \"Authorization: Bearer $ALICE\" '" << xcap
              << "/org.3gpp.mcptt.user-profile/users/" << example_users[1].id << "/mcptt-user-profile-1.xml'\n"
              << "  # an administrator replaces a profile\n"
              << "  " << curl << " -i -X PUT -H \"Authorization: Bearer $ADMIN\" -H 'Content-Type: "
              << "application/vnd.3gpp.mcptt-user-profile+xml' --data-binary @profile.xml '" << alice_doc << "'\n"
              << "  # more tokens\n"
              << "  mcprov token --key " << (dir / "idms.key.pem").string() << " --issuer " << issuer << " --audience "
              << audience << " --mc-id " << example_users[2].id << " --scope " << user_scope << "\n\nCtrl-C stops it.\n"
              << std::flush;

    wait_for_termination_signal();
    cms->server->stop();
    cms->server->wait();
    return 0;
}

} // namespace

command add_dev_command(CLI::App& parent) {
    auto options = std::make_shared<dev_options>();
    auto* cmd = parent.add_subcommand(
        "dev", "Run the local deployment: a CMS with its own CA, token key and example users, on loopback.");
    cmd->add_option("--dir", options->dir, "new or empty directory for its files (default: a fresh temporary one)");
    cmd->add_option("--port", options->port, "HTTPS port of the CMS (0: any free port)")
        ->capture_default_str()
        ->check(CLI::Range(0, 65535));
    return [options] { return run_dev(*options); };
}

} // namespace mcprov::app
