#include <csignal>
#include <iostream>

#include "commands.hpp"
#include "mcprov/kms/config.hpp"
#include "mcprov/kms/kms_server.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/support/log.hpp"
#include "serve.hpp"

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
result<std::shared_ptr<kms::security_domain_store>> open_domain_store(const kms::kms_config& config) {
    auto documents = store::open_store(config.store_url, support::create_system_clock());
    if (!documents) {
        return std::move(documents).err();
    }
    return std::make_shared<kms::security_domain_store>(std::move(documents).value());
}

result<std::shared_ptr<kms::security_domain>> open_domain(const kms::kms_config& config) {
    auto clock = support::create_system_clock();
    auto documents = store::open_store(config.store_url, clock);
    if (!documents) {
        return std::move(documents).err();
    }
    return kms::open_security_domain(config, std::move(documents).value(), clock);
}

int run_server(const kms::kms_config& config) {
    support::configure_logging(config.log_level, config.log_format);
    auto log = support::logger("kms");
    block_termination_signals();
    auto clock = support::create_system_clock();
    auto documents = store::open_store(config.store_url, clock);
    auto kms = documents ? kms::create_kms(config, std::move(documents).value(), clock)
                         : result<std::unique_ptr<kms::kms_server>>(std::move(documents).err());
    if (!kms) {
        std::cerr << "mcprov kms: " << kms.err().message << "\n";
        return kms.err().code == errc::invalid_argument ? 2 : 1;
    }
    log->info("{}: serving the security domain on {}://{}:{}", config.domain.kms_uri,
              config.server.tls ? "https" : "http", config.server.address, (*kms)->server->port());
    int signal = wait_for_signal();
    while (signal == SIGHUP) {
        log->info("SIGHUP: nothing to reload; members and external domains are read from the store on each request");
        signal = wait_for_signal();
    }
    log->info("signal {}: finishing requests in flight, then stopping", signal);
    (*kms)->server->stop();
    (*kms)->server->wait();
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
        auto store = open_domain_store(*config);
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
            auto permitted = kms::permit_external_domain(*config, domain, *text);
            if (!permitted) {
                return fail("permit",
                            make_error(permitted.err().code, options->argument + ": " + permitted.err().message));
            }
            std::cout << "permitted " << *permitted << "\n";
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
