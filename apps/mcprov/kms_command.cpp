#include <csignal>
#include <iostream>

#include "commands.hpp"
#include "mcprov/kms/config.hpp"
#include "mcprov/kms/kms_handler.hpp"
#include "mcprov/kms/security_domain.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/support/log.hpp"
#include "serve.hpp"
#include "serve_kms.hpp"

namespace mcprov::app {
namespace {

using support::errc;
using support::make_error;
using support::result;

struct kms_options {
    std::string config;
    std::string output;
    std::string argument; // a user URI, a certificate file or a KMS URI, by subcommand
    std::string reason;
};

// The domain's store, without its secrets: what the administration subcommands change.
result<std::shared_ptr<kms::security_domain_store>> open_store(const kms::kms_config& config) {
    auto documents = store::create_sqlite_document_store(config.database);
    if (!documents) {
        return std::move(documents).err();
    }
    return std::make_shared<kms::security_domain_store>(
        std::shared_ptr<store::document_store>(std::move(documents).value()));
}

result<std::shared_ptr<kms::security_domain>> open_domain(const kms::kms_config& config) {
    auto store = open_store(config);
    if (!store) {
        return std::move(store).err();
    }
    auto vault = kms::master_secret_vault::from_key_file(config.domain.master_key);
    if (!vault) {
        return make_error(vault.err().code, "domain.master_key: " + vault.err().message);
    }
    return kms::security_domain::open(config.domain, std::move(store).value(), std::move(vault).value(),
                                      support::create_system_clock());
}

} // namespace

result<running_kms> start_kms(const kms::kms_config& config) {
    auto domain = open_domain(config);
    if (!domain) {
        return std::move(domain).err();
    }
    auto verifier = identity::create_access_token_verifier(config.access.verifier, support::create_system_clock());
    if (!verifier) {
        return make_error(errc::invalid_argument, "auth.public_key: " + verifier.err().message);
    }
    auto key = support::read_file(config.signing_key, 64 * 1024);
    auto chain = support::read_file(config.signing_certificate, 256 * 1024);
    if (!key || !chain) {
        return make_error(errc::invalid_argument, "the response signing certificate and key cannot be read: " +
                                                      (key ? chain.err().message : key.err().message));
    }
    // A key that cannot sign would only show at the first request, as a 500 to every client.
    kms_interface::kms_response probe;
    probe.user_uri = "sip:probe@" + config.domain.kms_uri;
    probe.kms_uri = config.domain.kms_uri;
    probe.client_req_url = "https://" + config.domain.kms_uri + "/";
    probe.body = kms_interface::kms_error{500, "probe"};
    auto probe_xml = kms_interface::encode_kms_response(probe);
    xml::signing_key signing{*key, *chain};
    if (auto signed_probe = probe_xml ? kms_interface::sign_kms_response(*probe_xml, signing) : std::move(probe_xml);
        !signed_probe) {
        return make_error(errc::invalid_argument,
                          "the response signing certificate and key cannot sign: " + signed_probe.err().message);
    }
    running_kms out;
    out.domain = *domain;
    out.handler = std::make_shared<kms::kms_handler>(*domain, config.access, std::move(verifier).value(),
                                                     xml::signing_key{std::move(*key), std::move(*chain)});
    auto server = http::create_server(config.server, out.handler);
    if (!server) {
        return std::move(server).err();
    }
    out.server = std::move(server).value();
    return out;
}

namespace {

int run_server(const kms::kms_config& config) {
    support::configure_logging(config.log_level, config.log_format);
    auto log = support::logger("kms");
    block_termination_signals();
    auto kms = start_kms(config);
    if (!kms) {
        std::cerr << "mcprov kms: " << kms.err().message << "\n";
        return kms.err().code == errc::invalid_argument ? 2 : 1;
    }
    log->info("{}: serving the security domain on {}://{}:{}", config.domain.kms_uri,
              config.server.tls ? "https" : "http", config.server.address, kms->server->port());
    int signal = wait_for_signal();
    while (signal == SIGHUP) {
        log->info("SIGHUP: nothing to reload; members and external domains are read from the store on each request");
        signal = wait_for_signal();
    }
    log->info("signal {}: finishing requests in flight, then stopping", signal);
    kms->server->stop();
    kms->server->wait();
    log->info("stopped");
    return 0;
}

int fail(std::string_view what, const support::error& e) {
    std::cerr << "mcprov kms " << what << ": " << e.message << "\n";
    return e.code == errc::invalid_argument ? 2 : 1;
}

} // namespace

command add_kms_command(CLI::App& parent) {
    auto options = std::make_shared<kms_options>();
    auto* kms = parent.add_subcommand(
        "kms", "Run the key management server (KMS) of one security domain (TS 33.180 Annex D).\n"
               "Stops gracefully on SIGTERM or SIGINT. The subcommands administer the domain in its store;\n"
               "they work while the server runs. See docs/kms.md.");
    kms->add_option("-c,--config", options->config, "TOML configuration file (see docs/kms.md)")
        ->check(CLI::ExistingFile);

    auto* keygen = kms->add_subcommand("keygen", "Write a new master key file (64 hex digits, mode 600) for\n"
                                                 "domain.master_key. It seals the domain's master secrets: keep it\n"
                                                 "apart from the database, and do not lose it.");
    keygen->add_option("-o,--output", options->output, "file to create (must not exist)")->required();

    auto* member = kms->add_subcommand("member", "Administer the domain's members.");
    member->require_subcommand(1);
    auto* member_add = member->add_subcommand("add", "Make USER (an MC service ID URI) a member.");
    member_add->add_option("user", options->argument, "the user's URI")->required();
    auto* member_remove = member->add_subcommand("remove", "Remove USER from the domain.");
    member_remove->add_option("user", options->argument, "the user's URI")->required();
    auto* member_list = member->add_subcommand("list", "List the members.");

    auto* certificate = kms->add_subcommand(
        "certificate", "Print this domain's KmsCertificate (XML): what another domain's administrator imports\n"
                       "with `mcprov kms permit`.");
    auto* permit = kms->add_subcommand("permit", "Permit the external domain whose KmsCertificate (XML) is in FILE:\n"
                                                 "its certificate is then served in certcache.");
    permit->add_option("file", options->argument, "the external domain's KmsCertificate")
        ->required()
        ->check(CLI::ExistingFile);
    auto* withdraw = kms->add_subcommand("withdraw", "Stop permitting the external domain KMS_URI.");
    withdraw->add_option("kms_uri", options->argument, "the external domain's KMS URI")->required();
    auto* revoke = kms->add_subcommand("revoke", "Revoke the certificate of the external domain KMS_URI: certcache\n"
                                                 "then lists it as revoked, and clients refuse keys it vouches for.");
    revoke->add_option("kms_uri", options->argument, "the external domain's KMS URI")->required();
    revoke->add_option("--reason", options->reason, "why (kept with the revocation)");
    auto* external = kms->add_subcommand("external", "List the permitted external domains.");
    auto* reports = kms->add_subcommand("reports", "List the clients' reports of external-domain use; those the\n"
                                                   "domain's policy did not permit are marked NOT PERMITTED.");
    reports->add_option("--user", options->argument, "only this reporter's");

    for (auto* sub : {member, certificate, permit, withdraw, revoke, external, reports}) {
        sub->fallthrough();
    }
    for (auto* sub : {member_add, member_remove, member_list}) {
        sub->fallthrough();
    }

    return [=]() -> int {
        if (keygen->parsed()) {
            if (std::filesystem::exists(options->output)) {
                std::cerr << "mcprov kms keygen: " << options->output << " exists; not overwritten\n";
                return 1;
            }
            auto written = support::write_file(options->output, kms::master_secret_vault::generate_key_file_text());
            return written ? 0 : fail("keygen", written.err());
        }
        if (options->config.empty()) {
            std::cerr << "mcprov kms: --config is required\n";
            return 2;
        }
        auto config = kms::load_kms_config(options->config);
        if (!config) {
            std::cerr << "mcprov kms: " << config.err().message << "\n";
            return 2;
        }
        support::configure_logging(certificate->parsed() ? "warn" : "info", config->log_format);
        if (certificate->parsed()) {
            auto domain = open_domain(*config);
            if (!domain) {
                return fail("certificate", domain.err());
            }
            auto xml = kms_interface::encode_kms_certificate((*domain)->certificate());
            if (!xml) {
                return fail("certificate", xml.err());
            }
            std::cout << *xml;
            return 0;
        }
        bool administers = member->parsed() || permit->parsed() || withdraw->parsed() || revoke->parsed() ||
                           external->parsed() || reports->parsed();
        if (!administers) {
            return run_server(*config);
        }
        auto store = open_store(*config);
        if (!store) {
            return fail("", store.err());
        }
        auto& domain = **store;
        if (member_add->parsed() || member_remove->parsed()) {
            auto done =
                member_add->parsed() ? domain.add_member(options->argument) : domain.remove_member(options->argument);
            return done ? 0 : fail("member", done.err());
        }
        if (member_list->parsed()) {
            auto members = domain.members();
            if (!members) {
                return fail("member list", members.err());
            }
            for (const auto& m : *members) {
                std::cout << m << "\n";
            }
            return 0;
        }
        if (permit->parsed()) {
            auto text = support::read_file(options->argument, kms_interface::max_document_bytes);
            if (!text) {
                return fail("permit", text.err());
            }
            auto certificate_of_peer = kms_interface::decode_kms_certificate(*text);
            if (!certificate_of_peer) {
                return fail("permit", make_error(errc::invalid_argument,
                                                 options->argument + ": " + certificate_of_peer.err().message));
            }
            if (certificate_of_peer->kms_uri == config->domain.kms_uri) {
                return fail("permit", make_error(errc::invalid_argument,
                                                 "that is this domain's own certificate, not an external one"));
            }
            auto stored_form = kms_interface::encode_kms_certificate(*certificate_of_peer);
            if (!stored_form) {
                return fail("permit", stored_form.err());
            }
            auto done = domain.permit(certificate_of_peer->kms_uri, *stored_form);
            if (!done) {
                return fail("permit", done.err());
            }
            std::cout << "permitted " << certificate_of_peer->kms_uri << "\n";
            return 0;
        }
        if (withdraw->parsed()) {
            auto done = domain.withdraw(options->argument);
            return done ? 0 : fail("withdraw", done.err());
        }
        if (revoke->parsed()) {
            auto done = domain.revoke(options->argument, options->reason, std::chrono::system_clock::now());
            if (!done) {
                return fail("revoke", done.err());
            }
            std::cout << "revoked " << options->argument << "\n";
            return 0;
        }
        if (external->parsed()) {
            auto cache = domain.external_domains();
            if (!cache) {
                return fail("external", cache.err());
            }
            std::cout << "cache number " << cache->cache_number << "\n";
            for (const auto& e : cache->domains) {
                std::cout << e.kms_uri;
                if (e.revoked) {
                    std::cout << "  REVOKED " << (e.revoked_at ? support::format_utc(*e.revoked_at) : "") << " "
                              << e.revocation_reason;
                }
                std::cout << "\n";
            }
            return 0;
        }
        auto uses = options->argument.empty() ? domain.uses() : domain.uses(std::string_view(options->argument));
        if (!uses) {
            return fail("reports", uses.err());
        }
        for (const auto& u : *uses) {
            std::cout << support::format_utc(u.used_at) << "  " << u.reporter << " used " << u.external_kms_uri
                      << " with " << u.peer_uri << (u.permitted ? "" : "  NOT PERMITTED")
                      << (u.revoked ? " (revoked)" : "") << "\n";
        }
        return 0;
    };
}

} // namespace mcprov::app
