#include <iostream>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "commands.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/migration/profile_changes.hpp"
#include "mcprov/migration/served_profile.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/xml/document.hpp"
#include "mcprov/xml/signature.hpp"

namespace mcprov::app {
namespace {

namespace bhttp = boost::beast::http;

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
};

constexpr int exit_request_failed = 1;
constexpr int exit_not_valid_here = 4;

// The detail of a problem+json answer, or the start of whatever the body is.
std::string detail_of(const http::response& res) {
    boost::system::error_code ec;
    auto value = boost::json::parse(res.body(), ec);
    if (!ec && value.is_object()) {
        if (const auto* d = value.as_object().if_contains("detail"); d && d->is_string()) {
            return std::string(d->as_string());
        }
    }
    return res.body().substr(0, 200);
}

support::result<http::response> get(const std::string& url, const std::string& token, const std::string& ca) {
    http::client_request req{bhttp::verb::get, url, {{"Authorization", "Bearer " + token}}, ""};
    http::client_options options;
    if (!ca.empty()) {
        options.ca_file = ca;
    }
    return http::fetch(req, options);
}

// The XUI-URI attribute at the root of a profile ("" when absent or the profile does not parse).
std::string xui_uri_of(std::string_view profile) {
    auto doc = xml::parse(profile);
    if (!doc) {
        return {};
    }
    return doc->root().attribute("XUI-URI").value_or("");
}

std::string profile_url(const std::string& base, const std::string& auid, const std::string& user,
                        const std::string& name) {
    return base + "/xcap/" + auid + "/users/" + user + "/" + name;
}

int run_cmc(const cmc_options& o) {
    auto ca = support::read_file(o.ca, 1024 * 1024);
    if (!ca) {
        std::cerr << "mcprov cmc: --ca: " << ca.err().message << "\n";
        return 2;
    }
    auto res = get(profile_url(o.cms, "org.3gpp.mcptt.user-profile", o.user,
                               std::string(migration::visitor_profile_name)),
                   o.token, o.ca);
    if (!res) {
        std::cerr << "mcprov cmc: " << o.cms << ": " << res.err().message << "\n";
        return exit_request_failed;
    }
    if (res->result() != bhttp::status::ok) {
        std::cerr << "mcprov cmc: " << o.cms << " answered " << res->result_int() << ": " << detail_of(*res) << "\n";
        return exit_request_failed;
    }
    const auto& body = res->body();
    // Seed 000, NOTE 3: is this profile valid for the system now serving it?
    auto verified = xml::verify_enveloped(body, *ca);
    if (!verified) {
        std::cerr << "mcprov cmc: refused: " << verified.err().message << "\n";
        return exit_not_valid_here;
    }
    auto stamp = migration::read_serving_stamp(body);
    if (!stamp) {
        std::cerr << "mcprov cmc: refused: " << stamp.err().message << "\n";
        return exit_not_valid_here;
    }
    if (stamp->serving_system != o.system) {
        std::cerr << "mcprov cmc: refused: the profile is for " << stamp->serving_system << ", not " << o.system
                  << "\n";
        return exit_not_valid_here;
    }
    const auto now = std::chrono::system_clock::now();
    if (now < stamp->valid_from || now >= stamp->valid_until) {
        std::cerr << "mcprov cmc: refused: the profile is valid from " << support::format_utc(stamp->valid_from)
                  << " until " << support::format_utc(stamp->valid_until) << ", not now\n";
        return exit_not_valid_here;
    }
    // Seed 000, NOTE 3, last check: the profile is the user's own (a partner could serve another user's profile).
    auto xui = xui_uri_of(verified->unsigned_document);
    if (xui != o.user) {
        std::cerr << "mcprov cmc: refused: the profile is " << (xui.empty() ? "of no user (no XUI-URI)" : "of " + xui)
                  << ", not " << o.user << "\n";
        return exit_not_valid_here;
    }
    std::cout << "profile of " << o.user << " served by " << stamp->serving_system << ": valid\n"
              << "  signed by      " << verified->signer_subject << "\n"
              << "  valid          " << support::format_utc(stamp->valid_from) << " to "
              << support::format_utc(stamp->valid_until) << "\n"
              << "  primary system " << stamp->primary_system << " (" << stamp->source_profile << ")\n"
              << "  template       " << stamp->template_name << "\n"
              << "  entity tag     " << (*res)[bhttp::field::etag] << "\n";
    if (auto warning = (*res)[bhttp::field::warning]; !warning.empty()) {
        std::cout << "  STALE          " << warning << ", " << (*res)[bhttp::field::age]
                  << " s since the primary system last confirmed it\n";
    }
    if (!o.output.empty()) {
        if (auto written = support::write_file(o.output, body); !written) {
            std::cerr << "mcprov cmc: --output: " << written.err().message << "\n";
            return 2;
        }
    }
    if (o.primary.empty()) {
        return 0;
    }
    auto original = get(profile_url(o.primary, "org.mcprov.migration-profile", o.user, stamp->source_profile),
                        o.primary_token, o.primary_ca);
    if (!original || original->result() != bhttp::status::ok) {
        std::cerr << "mcprov cmc: the migration profile from " << o.primary << ": "
                  << (original ? std::to_string(original->result_int()) + " " + detail_of(*original)
                               : original.err().message)
                  << "\n";
        return exit_request_failed;
    }
    auto changes = migration::describe_profile_changes(original->body(), verified->unsigned_document);
    if (!changes) {
        std::cerr << "mcprov cmc: comparing: " << changes.err().message << "\n";
        return exit_request_failed;
    }
    std::cout << "what " << stamp->serving_system << " changed in " << stamp->source_profile << ":\n";
    if (changes->empty()) {
        std::cout << "  nothing\n";
    }
    for (const auto& line : *changes) {
        std::cout << "  " << line << "\n";
    }
    return 0;
}

} // namespace

command add_cmc_command(CLI::App& parent) {
    auto o = std::make_shared<cmc_options>();
    auto* cmd = parent.add_subcommand(
        "cmc", "Configuration management client of a migrating user: fetches the user's profile from a partner\n"
               "system's CMS, checks it is signed by that CMS, meant for that system, valid now and the user's own\n"
               "(its XUI-URI is --user), and (with --primary) prints what the partner's template changed against\n"
               "the primary's migration profile.\n"
               "Exit codes: 0 valid, 1 request failed, 2 usage, 4 the profile is not valid for this system.");
    cmd->add_option("--cms", o->cms, "base URL of the partner system's CMS, e.g. https://127.0.0.1:8445")->required();
    cmd->add_option("--ca", o->ca, "CA certificate (PEM) of the partner system: TLS and the profile's signature")
        ->required();
    cmd->add_option("--system", o->system, "the MC system identity the profile must be meant for")->required();
    cmd->add_option("--user", o->user, "the migrating user's MC service ID")->required();
    cmd->add_option("--token", o->token, "the user's access token for the partner's CMS")->required();
    cmd->add_option("--primary", o->primary, "base URL of the user's primary CMS, to compare with");
    cmd->add_option("--primary-ca", o->primary_ca, "CA certificate (PEM) of the primary system's CMS");
    cmd->add_option("--primary-token", o->primary_token, "the user's access token for the primary's CMS");
    cmd->add_option("--output", o->output, "write the verified profile to this file");
    return [o] {
        if (!o->primary.empty() && o->primary_token.empty()) {
            std::cerr << "mcprov cmc: --primary needs --primary-token\n";
            return 2;
        }
        return run_cmc(*o);
    };
}

} // namespace mcprov::app
