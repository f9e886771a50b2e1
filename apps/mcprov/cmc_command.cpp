#include <algorithm>
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "mcprov/cmc/profile_fetch.hpp"
#include "mcprov/cmc/served_profile_check.hpp"
#include "mcprov/migration/profile_changes.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/support/log.hpp"
#include "mcprov/xcap/application_usage.hpp"

namespace mcprov::app {
namespace {

struct cmc_options {
    std::string cms;
    std::string ca;
    std::string system;
    std::string user;
    std::string token;
    std::string primary;
    std::string primary_ca;
    std::string primary_token;
    std::string output;
    std::vector<std::string> services;
};

constexpr int exit_request_failed = 1;
constexpr int exit_usage = 2;
constexpr int exit_not_valid_here = 4;

// What a CMS answered, for a message: the status and the problem's detail, written with support::printable.
std::string answer_text(const cmc::cms_answer& answer, std::string_view separator) {
    return std::to_string(answer.status) + std::string(separator) + support::printable(answer.detail());
}

// One service's profile: fetched from the partner, checked, printed and (with --primary) compared. Returns an exit
// code; not_served when the partner serves the user no profile of this service.
constexpr int not_served = -1;

int check_one(const cmc_options& o, xcap::mc_service service, std::string_view ca) {
    const auto name = xcap::to_string(service);
    auto res = cmc::fetch_visitor_profile({o.cms, o.ca, o.token}, service, o.user);
    if (!res) {
        std::cerr << "mcprov cmc: " << o.cms << ": " << res.err().message << "\n";
        return exit_request_failed;
    }
    if (res->status == 404) {
        std::cout << name << ": no profile served (" << answer_text(*res, ": ") << ")\n";
        return not_served;
    }
    if (!res->ok()) {
        std::cerr << "mcprov cmc: " << name << ": " << o.cms << " answered " << answer_text(*res, ": ") << "\n";
        return exit_request_failed;
    }
    // Seed 000, NOTE 3: is this profile valid for the system now serving it?
    auto checked = cmc::check_served_profile(res->body, ca, {o.system, o.user}, std::chrono::system_clock::now());
    if (!checked) {
        std::cerr << "mcprov cmc: " << name << " profile refused: " << support::printable(checked.err().message)
                  << "\n";
        return exit_not_valid_here;
    }
    const auto& stamp = checked->stamp;
    std::cout << name << " profile of " << o.user << " served by " << stamp.serving_system << ": valid\n"
              << "  signed by      " << checked->signer_subject << "\n"
              << "  valid          " << support::format_utc(stamp.valid_from) << " to "
              << support::format_utc(stamp.valid_until) << "\n"
              << "  primary system " << stamp.primary_system << " (" << stamp.source_profile << ")\n"
              << "  template       " << stamp.template_name << "\n"
              << "  entity tag     " << support::printable(res->entity_tag) << "\n";
    if (!res->warning.empty()) {
        std::cout << "  STALE          " << support::printable(res->warning) << ", " << support::printable(res->age)
                  << " s since the primary system last confirmed it\n";
    }
    if (!o.output.empty()) {
        auto file = o.output + "/" + migration::visitor_profile_name(service);
        if (auto written = support::write_file(file, res->body); !written) {
            std::cerr << "mcprov cmc: --output: " << written.err().message << "\n";
            return exit_usage;
        }
    }
    if (o.primary.empty()) {
        return 0;
    }
    auto original = cmc::fetch_migration_profile({o.primary, o.primary_ca, o.primary_token}, service, o.user,
                                                 stamp.source_profile);
    if (!original || !original->ok()) {
        std::cerr << "mcprov cmc: the " << name << " migration profile from " << o.primary << ": "
                  << (original ? answer_text(*original, " ") : original.err().message) << "\n";
        return exit_request_failed;
    }
    auto changes = migration::describe_profile_changes(original->body, checked->unsigned_document);
    if (!changes) {
        std::cerr << "mcprov cmc: comparing: " << changes.err().message << "\n";
        return exit_request_failed;
    }
    std::cout << "  what " << stamp.serving_system << " changed in " << stamp.source_profile << ":\n";
    if (changes->empty()) {
        std::cout << "    nothing\n";
    }
    for (const auto& line : *changes) {
        std::cout << "    " << line << "\n";
    }
    return 0;
}

int run_cmc(const cmc_options& o, const std::vector<xcap::mc_service>& services) {
    auto ca = support::read_file(o.ca, 1024 * 1024);
    if (!ca) {
        std::cerr << "mcprov cmc: --ca: " << ca.err().message << "\n";
        return exit_usage;
    }
    if (!o.output.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(o.output, ec);
        if (ec) {
            std::cerr << "mcprov cmc: --output: " << o.output << ": " << ec.message() << "\n";
            return exit_usage;
        }
    }
    int worst = 0;
    bool served = false;
    for (auto service : services) {
        auto code = check_one(o, service, *ca);
        if (code == not_served) {
            continue;
        }
        served = true;
        worst = std::max(worst, code);
    }
    if (!served && worst == 0) {
        std::cerr << "mcprov cmc: " << o.cms << " serves " << o.user << " no profile\n";
        return exit_request_failed;
    }
    return worst;
}

} // namespace

command add_cmc_command(CLI::App& parent) {
    auto o = std::make_shared<cmc_options>();
    auto* cmd = parent.add_subcommand(
        "cmc", "Configuration management client of a migrating user: fetches the user's profile from a partner\n"
               "system's CMS, checks it is signed by that system (a certificate of --ca naming --system), meant for\n"
               "that system, valid now and the user's own (its XUI-URI is --user), and (with --primary) prints what\n"
               "the partner's template changed against the primary's migration profile. It does so for the user's\n"
               "MCPTT, MCData and MCVideo profiles (or those --service names); a service the partner serves the user\n"
               "no profile of (404) is reported and skipped.\n"
               "Exit codes: 0 every profile served is valid, 1 a request failed or no profile is served, 2 usage,\n"
               "4 a profile is not valid for this system.");
    cmd->add_option("--cms", o->cms, "base URL of the partner system's CMS, e.g. https://127.0.0.1:8445")->required();
    cmd->add_option("--ca", o->ca, "CA certificate (PEM) of the partner system: TLS and the profile's signature")
        ->required();
    cmd->add_option("--system", o->system, "the MC system identity the profile must be signed by and meant for")->required();
    cmd->add_option("--user", o->user, "the migrating user's MC service ID")->required();
    cmd->add_option("--token", o->token, "the user's access token for the partner's CMS")->required();
    cmd->add_option("--primary", o->primary, "base URL of the user's primary CMS, to compare with");
    cmd->add_option("--primary-ca", o->primary_ca, "CA certificate (PEM) of the primary system's CMS");
    cmd->add_option("--primary-token", o->primary_token, "the user's access token for the primary's CMS");
    cmd->add_option("--service", o->services, "mcptt, mcdata or mcvideo (repeatable); default: all three")
        ->check(CLI::IsMember({"mcptt", "mcdata", "mcvideo"}));
    cmd->add_option("--output", o->output,
                    "write each verified profile into this directory, as <service>-user-profile-0.xml");
    return [o] {
        if (!o->primary.empty() && o->primary_token.empty()) {
            std::cerr << "mcprov cmc: --primary needs --primary-token\n";
            return exit_usage;
        }
        std::vector<xcap::mc_service> services;
        for (const auto& s : xcap::mc_services()) {
            if (o->services.empty() || std::find(o->services.begin(), o->services.end(), s.name) != o->services.end()) {
                services.push_back(s.service);
            }
        }
        return run_cmc(*o, services);
    };
}

} // namespace mcprov::app
