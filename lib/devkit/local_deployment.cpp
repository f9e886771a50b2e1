#include "mcprov/devkit/local_deployment.hpp"

#include <sstream>

#include "mcprov/cmc/profile_fetch.hpp"
#include "mcprov/cmc/served_profile_check.hpp"
#include "mcprov/cms/config.hpp"
#include "mcprov/cms/mc_service_user_database.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/migration/profile_changes.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::devkit {

namespace fs = std::filesystem;
using support::errc;
using support::make_error;
using support::result;

namespace {

result<void> write_files(const fs::path& dir, std::initializer_list<std::pair<std::string, std::string>> files) {
    for (const auto& [name, content] : files) {
        if (auto w = support::write_file(dir / name, content); !w) {
            return w;
        }
    }
    return {};
}

std::string cms_toml(const mc_system& sys, const mc_system& other, int xcap_port, int cscm_port, int other_cscm_port) {
    std::ostringstream config;
    config << "# " << sys.id << ": local deployment CMS, written by mcprov dev. See docs/configuration.md.\n"
           << "[system]\nid = \"" << sys.id << "\"\n\n"
           << "[server]\nlisten = \"127.0.0.1:" << xcap_port << "\"\nthreads = 2\n\n"
           << "[tls]\ncertificate = \"cms.crt\"\nprivate_key = \"cms.key\"\n\n"
           << "[xcap]\nroot = \"/xcap\"\n\n[store]\npath = \"cms.db\"\n\n"
           << "[auth]\nissuer = \"" << sys.issuer() << "\"\naudience = \"" << sys.audience()
           << "\"\npublic_key = \"idms.pub.pem\"\nuser_scope = \"" << user_scope << "\"\nadmin_scope = \""
           << admin_scope << "\"\nservice_scope = \"" << service_scope << "\"\n\n"
           << "[cscm]\nlisten = \"127.0.0.1:" << cscm_port
           << "\"\ncertificate = \"cscm.crt\"\nprivate_key = \"cscm.key\"\n\n"
           << "[migration]\ntemplates = \"templates\"\nmax_stale_seconds = 86400\nprofile_validity_seconds = 86400\n"
           << "release_retry_seconds = 5\n\n"
           << "[[partner]]\nsystem = \"" << other.id << "\"\nendpoint = \"https://127.0.0.1:" << other_cscm_port
           << "\"\nca = \"../" << other.label << "/ca.pem\"\ncertificate_name = \"" << other.cms_name()
           << "\"\nuser_domains = [\"*." << other.id << "\"]\nidms_issuer = \"" << other.issuer()
           << "\"\nidms_public_key = \"../" << other.label << "/idms.pub.pem\"\norganisation_rule = \"sip:{user}@{org}."
           << other.id << "\"\n\n[log]\nlevel = \"info\"\nformat = \"text\"\n";
    return config.str();
}

// The example users' documents in the system's database.
result<void> seed(const fs::path& database_file, const mc_system& sys, const mc_system& other) {
    auto opened = store::create_sqlite_document_store(database_file);
    if (!opened) {
        return std::move(opened).err();
    }
    cms::mc_service_user_database database(std::move(opened).value());
    for (const auto& d : example_user_documents(sys, other)) {
        auto written = database.write({d.auid, d.user, d.name}, d.content, {});
        if (!written) {
            return make_error(written.err().code, "seeding " + d.name + " of " + d.user + ": " + written.err().message);
        }
    }
    return {};
}

} // namespace

local_deployment::local_deployment(fs::path root, int first_port)
    : root_(std::move(root)), first_port_(first_port), domains_{root_ / system_a().label, system_a(), first_port + 4},
      devices_{root_ / system_a().label, system_a(), "https://127.0.0.1:" + std::to_string(first_port), first_port + 6},
      sip_{domains_, system_b(), root_ / system_b().label, first_port + 9} {}

result<void> local_deployment::prepare() const {
    const std::chrono::hours validity(24 * 30);
    for (const auto& [sys, other] : {std::pair{system_a(), system_b()}, std::pair{system_b(), system_a()}}) {
        const auto d = dir(sys);
        std::error_code ec;
        fs::create_directories(d / "templates", ec);
        if (ec) {
            return make_error(errc::io, (d / "templates").string() + ": " + ec.message());
        }
        auto credentials = make_system_credentials(sys.label + " dev CA", sys.id, validity);
        if (!credentials) {
            return std::move(credentials).err();
        }
        auto cscm = http::issue_certificate(credentials->ca, sys.cms_name(), {sys.cms_name()}, {"127.0.0.1"},
                                            http::certificate_usage::server_and_client, validity);
        if (!cscm) {
            return make_error(errc::internal, "certificate issuing failed");
        }
        if (auto w =
                write_files(d, {{"idms.key.pem", credentials->idms_private_key_pem},
                                {"idms.pub.pem", credentials->idms_public_key_pem},
                                {"ca.pem", credentials->ca.certificate_pem},
                                {"ca.key", credentials->ca.private_key_pem},
                                {"cms.crt", credentials->tls.certificate_pem},
                                {"cms.key", credentials->tls.private_key_pem},
                                {"cscm.crt", cscm->certificate_pem},
                                {"cscm.key", cscm->private_key_pem},
                                {"cms.toml", cms_toml(sys, other, xcap_port(sys), cscm_port(sys), cscm_port(other))}});
            !w) {
            return w;
        }
        for (const auto& t : migration_templates(sys, other)) {
            if (auto w = support::write_file(d / "templates" / t.name, t.content); !w) {
                return w;
            }
        }
    }
    for (const auto& [sys, other] : {std::pair{system_a(), system_b()}, std::pair{system_b(), system_a()}}) {
        if (auto seeded = seed(dir(sys) / "cms.db", sys, other); !seeded) {
            return seeded;
        }
    }
    if (auto prepared = domains_.prepare(); !prepared) {
        return prepared;
    }
    if (auto prepared = sip_.prepare(); !prepared) {
        return prepared;
    }
    return devices_.prepare();
}

result<std::unique_ptr<running_deployment>> local_deployment::start() const {
    std::vector<std::unique_ptr<cms::cms_server>> running;
    for (const auto* sys : {&system_a(), &system_b()}) {
        auto config = cms::load_cms_config(dir(*sys) / "cms.toml");
        if (!config) {
            return std::move(config).err();
        }
        auto clock = support::create_system_clock();
        auto documents = store::open_store(config->store_url, clock);
        auto cms = documents ? cms::create_cms(*config, std::move(documents).value(), clock)
                             : result<std::unique_ptr<cms::cms_server>>(std::move(documents).err());
        if (!cms) {
            for (auto& started : running) {
                started->stop();
            }
            return make_error(cms.err().code, sys->id + ": " + cms.err().message);
        }
        running.push_back(std::move(cms).value());
    }
    auto kms = domains_.start();
    if (!kms) {
        for (auto& started : running) {
            started->stop();
        }
        return std::move(kms).err();
    }
    auto stop_started = [&] {
        for (auto& started : running) {
            started->stop();
        }
        for (auto& k : *kms) {
            k->server->stop();
        }
    };
    auto sip = sip_.start();
    if (!sip) {
        stop_started();
        return std::move(sip).err();
    }
    auto devices = devices_.start();
    if (!devices) {
        (*sip)->stop();
        stop_started();
        return make_error(devices.err().code, "device management: " + devices.err().message);
    }
    return std::make_unique<running_deployment>(std::move(running), std::move(kms).value(), std::move(sip).value(),
                                                std::move(devices).value(), root_);
}

result<std::string> local_deployment::token(const mc_system& issuer_system, const std::string& audience,
                                            const std::string& mc_id, std::vector<std::string> scopes,
                                            std::chrono::seconds lifetime) const {
    auto key = support::read_file(dir(issuer_system) / "idms.key.pem");
    if (!key) {
        return std::move(key).err();
    }
    auto issuer = identity::create_token_issuer(*key, support::create_system_clock());
    if (!issuer) {
        return std::move(issuer).err();
    }
    identity::token_request r;
    r.issuer = issuer_system.issuer();
    r.subject = mc_id;
    r.audience = {audience};
    r.mc_id = mc_id;
    r.scopes = std::move(scopes);
    r.lifetime = lifetime;
    return (*issuer)->issue(r);
}

result<std::string> local_deployment::demonstrate_migration() const {
    const auto& a = system_a();
    const auto& b = system_b();
    const auto alice = a.user_id(example_users()[0]);
    auto visiting = token(a, b.audience(), alice, {user_scope});
    auto at_home = token(a, a.audience(), alice, {user_scope});
    if (!visiting || !at_home) {
        return visiting ? std::move(at_home).err() : std::move(visiting).err();
    }
    const auto b_ca_file = dir(b) / "ca.pem";
    auto b_ca = support::read_file(b_ca_file);
    if (!b_ca) {
        return std::move(b_ca).err();
    }
    std::ostringstream out;
    for (const auto& service : xcap::mc_services()) {
        const std::string name(service.name);
        auto served = cmc::fetch_visitor_profile({base(b), b_ca_file.string(), *visiting}, service.service, alice);
        if (!served || !served->ok()) {
            return make_error(errc::unavailable, name + ": " + b.id + ": " +
                                                     (served ? std::to_string(served->status) + " " + served->detail()
                                                             : served.err().message));
        }
        auto checked =
            cmc::check_served_profile(served->body, *b_ca, {b.id, alice}, std::chrono::system_clock::now());
        if (!checked) {
            return make_error(errc::internal, name + ": the profile " + b.id + " served: " + checked.err().message);
        }
        const auto& stamp = checked->stamp;
        auto original = cmc::fetch_migration_profile({base(a), (dir(a) / "ca.pem").string(), *at_home},
                                                     service.service, alice, stamp.source_profile);
        if (!original || !original->ok()) {
            return make_error(errc::unavailable, name + ": " + a.id + ": " +
                                                     (original ? std::to_string(original->status) + " " +
                                                                     original->detail()
                                                               : original.err().message));
        }
        auto changes = migration::describe_profile_changes(original->body, checked->unsigned_document);
        if (!changes) {
            return std::move(changes).err();
        }
        out << "  " << name << ": " << stamp.source_profile << " of " << a.id << ", template " << stamp.template_name
            << ", signed by " << checked->signer_subject << "\n";
        for (const auto& line : *changes) {
            out << "      " << line << "\n";
        }
    }
    return out.str();
}

std::vector<std::string> running_deployment::reload_templates() {
    std::vector<std::string> failures;
    for (std::size_t i = 0; i < cms_.size(); ++i) {
        const auto& sys = i == 0 ? system_a() : system_b();
        auto config = cms::load_cms_config(root_ / sys.label / "cms.toml");
        auto changed = config ? cms_[i]->reload_templates(*config) : result<std::size_t>(config.err());
        if (!changed) {
            failures.push_back(sys.id + ": templates not reloaded: " + changed.err().message);
        }
    }
    return failures;
}

void running_deployment::stop() {
    if (devices_) {
        devices_->stop();
    }
    if (sip_) {
        sip_->stop();
    }
    for (auto& k : kms_) {
        k->server->stop();
    }
    kms_.clear();
    for (auto& cms : cms_) {
        cms->stop();
    }
    cms_.clear();
}

} // namespace mcprov::devkit
