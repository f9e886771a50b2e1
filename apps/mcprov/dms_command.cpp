#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include <boost/json.hpp>
#include <unistd.h>

#include "commands.hpp"
#include "mcprov/dms/audit.hpp"
#include "mcprov/dms/charging.hpp"
#include "mcprov/dms/dm_interface.hpp"
#include "mcprov/dms/help_desk.hpp"
#include "mcprov/dms/switch_on_authentication.hpp"
#include "mcprov/dms/dms_config.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/log.hpp"
#include "serve.hpp"

namespace mcprov::app {
namespace {

namespace json = boost::json;

struct dms_options {
    std::string config;
    std::vector<std::string> devices;
    std::string job_file;
    std::string job_id;
    std::string client_name;
    std::string client_secret;
    std::string server_secret;
    std::string push_url;
    bool notify = false;
    std::string user;
    bool replace = false;
    std::string imsi;
    std::uint64_t credit = 0;
    std::string currency = "EUR";
    std::string subscription;
    std::string audited_device;
    std::string device; // the one device of enroll, jobs, cancel and show
    std::string format = "jsonl";
    std::string agent;                // help-desk: the help desk's agent
    std::string application_id;       // help-desk install: the application
    std::string application_name;
    std::string application_version;
    std::string application_url;
    std::string application_sha256;
    std::string application_description;
};

int run_server(const dms_options& options) {
    auto config = dms::load_dms_config(options.config);
    if (!config) {
        std::cerr << "mcprov dms: " << config.err().message << "\n";
        return 2;
    }
    support::configure_logging(config->log_level, config->log_format);
    auto log = support::logger("dms");
    block_termination_signals();
    auto clock = support::create_system_clock();
    auto documents = store::open_store(config->store_url, clock);
    if (!documents) {
        std::cerr << "mcprov dms: " << documents.err().message << "\n";
        return 1;
    }
    auto verifier = identity::create_access_token_verifier(config->auth, clock);
    if (!verifier) {
        std::cerr << "mcprov dms: auth.public_key: " << verifier.err().message << "\n";
        return 2;
    }
    http::client_options push_options;
    push_options.timeout = std::chrono::seconds(5);
    auto push_client = http::create_client(push_options);
    if (!push_client) {
        std::cerr << "mcprov dms: " << push_client.err().message << "\n";
        return 1;
    }
    // What the DM server's /metrics serves: its store's calls, its peers' health and its routes'.
    auto metrics = std::make_shared<support::metrics_registry>();
    std::shared_ptr<gsup::hlr_client> hlr;
    if (config->hlr) {
        auto made = gsup::create_gsup_hlr_client(
            *config->hlr, std::make_shared<support::peer_health>(metrics, "mcprov_dms_peer", "hlr"));
        if (!made) {
            std::cerr << "mcprov dms: " << made.err().message << "\n";
            return 1;
        }
        hlr = std::move(made).value();
        log->info("switch-on authentication with the HLR at {}:{} (GSUP)", config->hlr->host, config->hlr->port);
    }
    std::shared_ptr<dms::zn_client> zn;
    if (config->zn) {
        auto made = dms::create_zn_client(*config->zn,
                                          config->session.server_id,
                                          std::make_shared<support::peer_health>(metrics, "mcprov_dms_peer", "bsf"));
        if (!made) {
            std::cerr << "mcprov dms: [gba]: " << made.err().message << "\n";
            return 2;
        }
        zn = std::move(made).value();
        log->info("subscriber authentication with the BSF at {} (Zn, as NAF {})", config->zn->bsf,
                  config->session.server_id);
    }
    auto gate = std::make_shared<dms::operation_gate>(zn, config->subscribers, config->session.server_id);
    std::shared_ptr<dms::payment_gateway> gateway;
    if (config->gateway) {
        auto made = dms::create_payment_gateway_client(*config->gateway);
        if (!made) {
            std::cerr << "mcprov dms: [gateway]: " << made.err().message << "\n";
            return 2;
        }
        gateway = std::move(made).value();
    }
    auto store = store::measured(std::move(documents).value(), metrics);
    auto purchases = config->offers.empty()
                         ? nullptr
                         : std::make_shared<dms::subscriber_purchase>(store, clock, zn, gateway, config->offers,
                                                                      config->session.server_id);
    auto handler = std::make_shared<dms::dm_interface>(
        dms::dm_interface_config{config->session, config->dm_path, config->admin_scope, config->server.tls.has_value(),
                                 config->mc, config->client_certificates, config->mc_ue, config->subscribers},
        store, clock, std::move(verifier).value(), std::move(push_client).value(), hlr, gate, purchases, metrics);
    auto server = http::create_server(config->server, handler);
    if (!server) {
        std::cerr << "mcprov dms: " << server.err().message << "\n";
        return 1;
    }
    log->info("{}: DM server ({}) on {}://{}:{}{}, store {}", config->session.server_id,
              dms::auth_type(config->session.scheme), config->server.tls ? "https" : "http", config->server.address,
              (*server)->port(), config->dm_path, store::redact_url(config->store_url));
    int signal = 0;
    while ((signal = wait_for_signal()) == SIGHUP) {
        log->info("SIGHUP: nothing to reload");
    }
    log->info("signal {}: finishing requests in flight, then stopping", signal);
    (*server)->stop();
    (*server)->wait();
    return 0;
}

// The command line's tools work on the store itself, as the server does (it may be running).
struct store_context {
    dms::dms_config config;
    std::shared_ptr<store::document_store> documents;
    std::string actor;
};

std::optional<store_context> open(const dms_options& options, std::string_view name) {
    auto config = dms::load_dms_config(options.config);
    if (!config) {
        std::cerr << "mcprov dms " << name << ": " << config.err().message << "\n";
        return std::nullopt;
    }
    support::configure_logging("warn", config->log_format);
    auto documents = store::open_store(config->store_url, support::create_system_clock());
    if (!documents) {
        std::cerr << "mcprov dms " << name << ": " << documents.err().message << "\n";
        return std::nullopt;
    }
    const char* user = ::getenv("USER");
    return store_context{std::move(config).value(), std::move(documents).value(),
                         std::string("cli:") + (user ? user : std::to_string(::getuid()))};
}

int fail(std::string_view name, const support::error& e) {
    std::cerr << "mcprov dms " << name << ": " << e.message << "\n";
    return e.code == support::errc::not_found || e.code == support::errc::conflict ? 3 : 1;
}

int run_enroll(const dms_options& options) {
    auto ctx = open(options, "enroll");
    if (!ctx) {
        return 2;
    }
    dms::device_credentials creds;
    creds.client_name = options.client_name.empty() ? options.devices.front() : options.client_name;
    creds.client_secret = options.client_secret;
    creds.server_name = ctx->config.session.server_id;
    creds.server_secret = options.server_secret.empty() ? support::base64url_encode(syncml::random_nonce())
                                                        : options.server_secret;
    creds.push_url = options.push_url;
    dms::device_registry registry(ctx->documents);
    dms::job_queue jobs(ctx->documents);
    if (auto done = dms::enroll_device(registry, jobs, options.devices.front(), creds, ctx->actor,
                                       std::chrono::system_clock::now());
        !done) {
        return fail("enroll", done.err());
    }
    std::cout << json::serialize(json::object{{"device", options.devices.front()},
                                              {"client_name", creds.client_name},
                                              {"server_name", creds.server_name},
                                              {"server_secret", creds.server_secret}})
              << "\n";
    return 0;
}

int run_notify(const dms_options& options, const std::vector<std::string>& devices);

int run_queue(const dms_options& options) {
    auto ctx = open(options, "queue");
    if (!ctx) {
        return 2;
    }
    std::stringstream text;
    if (options.job_file == "-") {
        text << std::cin.rdbuf();
    } else {
        std::ifstream in(options.job_file);
        if (!in) {
            std::cerr << "mcprov dms queue: cannot read " << options.job_file << "\n";
            return 2;
        }
        text << in.rdbuf();
    }
    boost::system::error_code ec;
    auto body = json::parse(text.str(), ec);
    if (ec) {
        std::cerr << "mcprov dms queue: " << options.job_file << " is not JSON: " << ec.message() << "\n";
        return 2;
    }
    auto request = dms::job_request_from_json(body);
    if (!request) {
        std::cerr << "mcprov dms queue: " << options.job_file << ": " << request.err().message << "\n";
        return 2;
    }
    dms::job_queue jobs(ctx->documents);
    auto made = dms::queue_jobs(jobs, options.devices, *request, ctx->actor, std::chrono::system_clock::now());
    if (!made) {
        return fail("queue", made.err());
    }
    for (const auto& j : *made) {
        std::cout << j.device << " " << j.id << "\n";
    }
    return options.notify ? run_notify(options, options.devices) : 0;
}

int run_notify(const dms_options& options, const std::vector<std::string>& devices) {
    auto ctx = open(options, "notify");
    if (!ctx) {
        return 2;
    }
    http::client_options push_options;
    push_options.timeout = std::chrono::seconds(5);
    auto client = http::create_client(push_options);
    if (!client) {
        return fail("notify", client.err());
    }
    dms::device_notifier notifier(ctx->config.session.server_id, ctx->documents, std::move(client).value());
    int status = 0;
    for (const auto& d : devices) {
        auto session = notifier.notify(d, ctx->actor);
        if (!session) {
            std::cerr << "mcprov dms notify: " << d << ": " << session.err().message << "\n";
            status = 1;
            continue;
        }
        std::cout << d << " notified: session " << *session << "\n";
    }
    return status;
}

int run_provision(const dms_options& options) {
    auto ctx = open(options, "provision");
    if (!ctx) {
        return 2;
    }
    if (!ctx->config.mc) {
        std::cerr << "mcprov dms provision: " << options.config << " has no [mc] table\n";
        return 2;
    }
    auto request = dms::mc_configuration_job(*ctx->config.mc, ctx->config.mc_ue,
                                              options.user.empty() ? std::nullopt : std::optional(options.user),
                                              options.replace);
    if (!request) {
        return fail("provision", request.err());
    }
    dms::job_queue jobs(ctx->documents);
    auto made = dms::queue_jobs(jobs, options.devices, *request, ctx->actor, std::chrono::system_clock::now());
    if (!made) {
        return fail("provision", made.err());
    }
    for (const auto& j : *made) {
        std::cout << j.device << " " << j.id << "\n";
    }
    return options.notify ? run_notify(options, options.devices) : 0;
}

int run_jobs(const dms_options& options) {
    auto ctx = open(options, "jobs");
    if (!ctx) {
        return 2;
    }
    dms::job_queue jobs(ctx->documents);
    if (!options.job_id.empty()) {
        auto j = jobs.find(options.devices.front(), options.job_id);
        if (!j) {
            return fail("jobs", j.err());
        }
        std::cout << json::serialize(to_json(*j)) << "\n";
        return 0;
    }
    auto all = jobs.list(options.devices.front());
    if (!all) {
        return fail("jobs", all.err());
    }
    for (const auto& j : *all) {
        std::cout << json::serialize(to_json(j)) << "\n";
    }
    return 0;
}

int run_cancel(const dms_options& options) {
    auto ctx = open(options, "cancel");
    if (!ctx) {
        return 2;
    }
    auto j = dms::job_queue(ctx->documents)
                 .cancel(options.devices.front(), options.job_id, std::chrono::system_clock::now(), ctx->actor);
    if (!j) {
        return fail("cancel", j.err());
    }
    std::cout << json::serialize(to_json(*j)) << "\n";
    return 0;
}

int run_show(const dms_options& options) {
    auto ctx = open(options, "show");
    if (!ctx) {
        return 2;
    }
    dms::device_registry registry(ctx->documents);
    const auto& device = options.devices.front();
    auto creds = registry.credentials(device);
    if (!creds) {
        return fail("show", creds.err());
    }
    if (!*creds) {
        return fail("show", support::make_error(support::errc::not_found, "no device " + device + " is enrolled"));
    }
    auto inventory = registry.inventory(device);
    auto jobs = dms::job_queue(ctx->documents).list(device);
    auto audit = dms::read_audit(*ctx->documents, device);
    if (!inventory || !jobs || !audit) {
        return fail("show", !inventory ? inventory.err() : !jobs ? jobs.err() : audit.err());
    }
    auto shown = dms::device_json(device, *inventory, *jobs).as_object();
    json::array trail;
    for (const auto& a : *audit) {
        trail.push_back(json::object{{"time", support::format_utc(a.time)},
                                     {"actor", a.actor},
                                     {"action", a.action},
                                     {"detail", a.detail}});
    }
    shown["audit"] = std::move(trail);
    std::cout << json::serialize(shown) << "\n";
    return 0;
}

int run_prepaid(const dms_options& options) {
    auto ctx = open(options, "prepaid");
    if (!ctx) {
        return 2;
    }
    auto account = options.credit > 0 ? dms::credit_prepaid(*ctx->documents, options.imsi, options.credit,
                                                            options.currency)
                                      : dms::read_prepaid(*ctx->documents, options.imsi);
    if (!account) {
        return fail("prepaid", account.err());
    }
    if (options.credit > 0) {
        (void)ctx->documents->write_all(dms::audit_writes({.time = std::chrono::system_clock::now(),
                                                           .actor = ctx->actor,
                                                           .action = "credited",
                                                           .device = "IMSI:" + options.imsi,
                                                           .detail = std::to_string(options.credit) + " " +
                                                                     options.currency + " (minor units) to prepaid",
                                                           .subscription = {}}));
    }
    std::cout << json::serialize(json::object{{"imsi", options.imsi},
                                              {"balance", account->balance},
                                              {"currency", account->currency}})
              << "\n";
    return 0;
}

int run_charges(const dms_options& options) {
    auto ctx = open(options, "charges");
    if (!ctx) {
        return 2;
    }
    auto charges = dms::charges_of(*ctx->documents, options.imsi);
    if (!charges) {
        return fail("charges", charges.err());
    }
    for (const auto& c : *charges) {
        json::object line{{"time", support::format_utc(c.time)},
                          {"imsi", c.imsi},
                          {"job", c.job},
                          {"amount", c.amount},
                          {"currency", c.currency},
                          {"means", c.means},
                          {"reference", c.reference},
                          {"description", c.description}};
        if (c.refunded) {
            line["refunded"] = support::format_utc(*c.refunded);
            line["refund_reason"] = c.refund_reason;
        }
        std::cout << json::serialize(line) << "\n";
    }
    return 0;
}

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) {
        return text;
    }
    std::string out = "\"";
    for (char ch : text) {
        out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    }
    return out + "\"";
}

int run_audit(const dms_options& options) {
    auto ctx = open(options, "audit");
    if (!ctx) {
        return 2;
    }
    if (options.audited_device.empty() == options.subscription.empty()) {
        std::cerr << "mcprov dms audit: give a DEVICE or --subscription IMSI\n";
        return 2;
    }
    auto records = options.subscription.empty() ? dms::read_audit(*ctx->documents, options.audited_device)
                                                : dms::read_subscription_audit(*ctx->documents, options.subscription);
    if (!records) {
        return fail("audit", records.err());
    }
    if (options.format == "csv") {
        std::cout << "time,actor,action,device,subscription,detail\r\n";
    }
    for (const auto& r : *records) {
        if (options.format == "csv") {
            std::cout << support::format_utc(r.time) << "," << csv_field(r.actor) << "," << csv_field(r.action) << ","
                      << csv_field(r.device) << "," << csv_field(r.subscription) << "," << csv_field(r.detail)
                      << "\r\n";
        } else {
            std::cout << json::serialize(json::object{{"time", support::format_utc(r.time)},
                                                      {"actor", r.actor},
                                                      {"action", r.action},
                                                      {"device", r.device},
                                                      {"subscription", r.subscription},
                                                      {"detail", r.detail}})
                      << "\n";
        }
    }
    return 0;
}

} // namespace

int run_cards(const dms_options& options) {
    auto ctx = open(options, "cards");
    if (!ctx) {
        return 2;
    }
    if (options.subscription.empty() == options.audited_device.empty()) {
        std::cerr << "mcprov dms cards: give a device (IMEI:<15 digits>) or --subscription IMSI\n";
        return 2;
    }
    if (!options.subscription.empty()) {
        auto pairings = dms::pairings_of_subscription(*ctx->documents, options.subscription);
        if (!pairings) {
            return fail("cards", pairings.err());
        }
        json::array devices;
        for (const auto& p : *pairings) {
            devices.push_back(json::object{
                {"time", support::format_utc(p.time)}, {"imei", p.imei}, {"imsi", p.imsi}, {"iccid", p.iccid}});
        }
        std::cout << json::serialize(json::object{{"imsi", options.subscription}, {"devices", std::move(devices)}})
                  << "\n";
        return 0;
    }
    if (!options.audited_device.starts_with("IMEI:")) {
        std::cerr << "mcprov dms cards: cards are known by IMEI: the device must be IMEI:<15 digits>\n";
        return 2;
    }
    auto pairings = dms::pairings_of_device(*ctx->documents, options.audited_device.substr(5));
    if (!pairings) {
        return fail("cards", pairings.err());
    }
    std::cout << json::serialize(dms::cards_json(options.audited_device, *pairings)) << "\n";
    return 0;
}

int run_help_desk_query(const dms_options& options) {
    auto ctx = open(options, "help-desk query");
    if (!ctx) {
        return 2;
    }
    dms::job_queue jobs(ctx->documents);
    auto made = dms::queue_jobs(jobs, options.devices, dms::help_desk_query(), ctx->actor + " (help desk: " + options.agent + ")",
                                std::chrono::system_clock::now());
    if (!made) {
        return fail("help-desk query", made.err());
    }
    std::cout << made->front().device << " " << made->front().id << "\n";
    return options.notify ? run_notify(options, options.devices) : 0;
}

int run_help_desk_report(const dms_options& options) {
    auto ctx = open(options, "help-desk report");
    if (!ctx) {
        return 2;
    }
    dms::job_queue jobs(ctx->documents);
    std::optional<dms::job> query;
    if (!options.job_id.empty()) {
        auto j = jobs.find(options.devices.front(), options.job_id);
        if (!j) {
            return fail("help-desk report", j.err());
        }
        query = std::move(j).value();
    } else {
        auto all = jobs.list(options.devices.front());
        if (!all) {
            return fail("help-desk report", all.err());
        }
        query = dms::latest_help_desk_query(*all);
        if (!query) {
            std::cerr << "mcprov dms help-desk report: no help-desk query for " << options.devices.front() << "\n";
            return 3;
        }
    }
    auto answers = dms::help_desk_report(*query);
    if (!answers) {
        return fail("help-desk report", answers.err());
    }
    json::object nodes;
    for (const auto& a : *answers) {
        nodes[a.node] = a.value ? json::value(*a.value) : json::value(json::object{{"missing", a.missing}});
    }
    std::cout << json::serialize(json::object{{"device", query->device},
                                              {"job", query->id},
                                              {"state", std::string(dms::to_string(query->state))},
                                              {"nodes", std::move(nodes)}})
              << "\n";
    return 0;
}

int run_help_desk_install(const dms_options& options) {
    auto ctx = open(options, "help-desk install");
    if (!ctx) {
        return 2;
    }
    json::object application{{"id", options.application_id},
                             {"version", options.application_version},
                             {"url", options.application_url},
                             {"sha256", options.application_sha256}};
    if (!options.application_name.empty()) {
        application["name"] = options.application_name;
    }
    if (!options.application_description.empty()) {
        application["description"] = options.application_description;
    }
    auto request = dms::help_desk_installation(application, options.agent);
    if (!request) {
        std::cerr << "mcprov dms help-desk install: " << request.err().message << "\n";
        return 2;
    }
    dms::job_queue jobs(ctx->documents);
    auto made = dms::queue_jobs(jobs, options.devices, *request, ctx->actor + " (help desk: " + options.agent + ")",
                                std::chrono::system_clock::now());
    if (!made) {
        return fail("help-desk install", made.err());
    }
    // The operation first, then its gate.
    std::cout << made->front().device << " " << made->front().id << " held by " << made->back().id << "\n";
    return options.notify ? run_notify(options, options.devices) : 0;
}

command add_dms_command(CLI::App& parent) {
    auto options = std::make_shared<dms_options>();
    auto* dms = parent.add_subcommand(
        "dms", "Run an OMA DM 1.2 device management server (SyncML DM in XML and WBXML over HTTPS), or,\n"
               "with a subcommand, manage its devices and jobs in its store (the server may be running).\n"
               "Stops gracefully on SIGTERM or SIGINT. See docs/dms.md.");
    dms->add_option("-c,--config", options->config, "TOML configuration file (see docs/dms.md)")
        ->required()
        ->check(CLI::ExistingFile);

    auto* enroll = dms->add_subcommand(
        "enroll", "mcprov dms --config FILE enroll DEVICE --client-secret S [--client-name N] [--server-secret S]\n"
                  "Enrol a device (its DevId, e.g. IMEI:493005100592800) with the password it presents (CLCRED).\n"
                  "The server's password towards it (SRVCRED) is generated unless given; both are printed as JSON,\n"
                  "for the device's DMAcc. Exit status: 0 enrolled, 3 enrolled already, 1 or 2 nothing done.");
    enroll->fallthrough();
    enroll->add_option("device", options->device, "the device's id")->required();
    enroll->add_option("--client-secret", options->client_secret, "the device's password (8 to 256 bytes)")
        ->required();
    enroll->add_option("--client-name", options->client_name, "the device's user name (default: its id)");
    enroll->add_option("--server-secret", options->server_secret, "the server's password towards this device");
    enroll->add_option("--push", options->push_url,
                       "the device's push address for notifications (package 0), e.g. http://127.0.0.1:9100/push");

    auto* queue = dms->add_subcommand(
        "queue", "mcprov dms --config FILE queue DEVICE... --job FILE\n"
                 "Queue a job (JSON, see docs/dms.md: commands get, add, replace, delete, exec and alert, and\n"
                 "atomic) for each DEVICE, carried out at its next session; prints each device's job id.\n"
                 "All or nothing. Exit status: 0 queued, 3 a device is not enrolled, 1 or 2 nothing done (with\n"
                 "--notify, 1 also when a device could not be notified: its job is queued all the same).");
    queue->fallthrough();
    queue->add_option("devices", options->devices, "the devices' ids")->required();
    queue->add_option("--job", options->job_file, "the job's JSON file, or - for standard input")->required();
    queue->add_flag("--notify", options->notify, "notify each device (package 0) so that it calls in now");

    auto* notify = dms->add_subcommand("notify", "mcprov dms --config FILE notify DEVICE...\n"
                                                 "Send each device a notification (package 0) so that it opens a "
                                                 "session now.\nExit status: 0 all notified, 1 some not reached.");
    notify->fallthrough();
    notify->add_option("devices", options->devices, "the devices' ids")->required();

    auto* provision = dms->add_subcommand(
        "provision", "mcprov dms --config FILE provision DEVICE... [--user MC-ID] [--replace] [--notify]\n"
                     "Queue the MCS UE initial configuration (TS 24.483) made from the [mc] table for each DEVICE:\n"
                     "one Atomic that adds ./MCS/UEInitConfig (--replace deletes the one there first). Prints each\n"
                     "device's job id.");
    provision->fallthrough();
    provision->add_option("devices", options->devices, "the devices' ids")->required();
    provision->add_option("--user", options->user, "the MC service ID of the device's default user profile");
    provision->add_flag("--replace", options->replace, "replace the configuration the device has");
    provision->add_flag("--notify", options->notify, "notify each device so that it calls in now");

    auto* jobs = dms->add_subcommand("jobs", "mcprov dms --config FILE jobs DEVICE [JOB]\n"
                                             "Print a device's jobs (or one), pending then finished, as JSON lines,\n"
                                             "with every command's status and results.");
    jobs->fallthrough();
    jobs->add_option("device", options->device, "the device's id")->required();
    jobs->add_option("job", options->job_id, "one job's id");

    auto* cancel = dms->add_subcommand("cancel", "mcprov dms --config FILE cancel DEVICE JOB\n"
                                                 "Withdraw a job not yet sent. Exit status 3 when it was sent already.");
    cancel->fallthrough();
    cancel->add_option("device", options->device, "the device's id")->required();
    cancel->add_option("job", options->job_id, "the job's id")->required();

    auto* show = dms->add_subcommand("show", "mcprov dms --config FILE show DEVICE\n"
                                             "Print a device's inventory (DevInfo, last session, jobs) and audit "
                                             "trail as JSON.");
    show->fallthrough();
    show->add_option("device", options->device, "the device's id")->required();

    auto* prepaid = dms->add_subcommand(
        "prepaid", "mcprov dms --config FILE prepaid IMSI [--credit AMOUNT [--currency EUR]]\n"
                   "Print a subscription's prepaid balance (minor units), after crediting AMOUNT to it (an account\n"
                   "is opened in the currency at its first credit). Exit status 3: no account.");
    prepaid->fallthrough();
    prepaid->add_option("imsi", options->imsi, "the subscription's IMSI")->required();
    prepaid->add_option("--credit", options->credit, "minor units (cents) to add");
    prepaid->add_option("--currency", options->currency, "ISO 4217 code of a new account (default EUR)");

    auto* charges = dms->add_subcommand("charges", "mcprov dms --config FILE charges IMSI\n"
                                                   "Print what was charged to a subscription, as JSON lines, oldest "
                                                   "first.");
    charges->fallthrough();
    charges->add_option("imsi", options->imsi, "the subscription's IMSI")->required();

    auto* audit = dms->add_subcommand(
        "audit", "mcprov dms --config FILE audit (DEVICE | --subscription IMSI) [--format jsonl|csv]\n"
                 "Export the audit records of a device or a subscription, oldest first: who was identified, how\n"
                 "authenticated, what was consented to and charged, what operators did (docs/dms.md).");
    audit->fallthrough();
    audit->add_option("device", options->audited_device, "the device's id");
    audit->add_option("--subscription", options->subscription, "the subscription's IMSI");
    audit->add_option("--format", options->format, "jsonl (default) or csv")->check(CLI::IsMember({"jsonl", "csv"}));

    auto* cards = dms->add_subcommand(
        "cards", "mcprov dms --config FILE cards (DEVICE | --subscription IMSI)\n"
                 "Print the (device, card) pairings the network authenticated, oldest first: the cards that were in\n"
                 "a device (IMEI:<15 digits>), or the devices a subscription was in, as JSON.");
    cards->fallthrough();
    cards->add_option("device", options->audited_device, "the device's id, IMEI:<15 digits>");
    cards->add_option("--subscription", options->subscription, "the subscription's IMSI");

    auto* help_desk = dms->add_subcommand(
        "help-desk", "mcprov dms --config FILE help-desk (query | report | install) DEVICE ...\n"
                     "Help-desk problem determination (docs/subscriber-authentication.md, \"Help desk\"): query the\n"
                     "device, read what it reported, install an application once its authenticated user allows it.");
    help_desk->require_subcommand(1);
    auto* hd_query = help_desk->add_subcommand(
        "query", "mcprov dms --config FILE help-desk query DEVICE --agent NAME [--notify]\n"
                 "Queue the help desk's query (device type, make, model, serial, firmware, software and hardware\n"
                 "versions, capabilities, installed applications, MC configuration); prints the job's id.");
    hd_query->fallthrough();
    hd_query->add_option("device", options->device, "the device's id")->required();
    hd_query->add_option("--agent", options->agent, "the help desk's agent (recorded as who asked)")->required();
    hd_query->add_flag("--notify", options->notify, "notify the device so that it calls in now");
    auto* hd_report = help_desk->add_subcommand(
        "report", "mcprov dms --config FILE help-desk report DEVICE [JOB]\n"
                  "Print what the device answered to the newest help-desk query (or JOB), node by node, as JSON.\n"
                  "Exit status 3: no query for the device.");
    hd_report->fallthrough();
    hd_report->add_option("device", options->device, "the device's id")->required();
    hd_report->add_option("job", options->job_id, "the query's job id");
    auto* hd_install = help_desk->add_subcommand(
        "install", "mcprov dms --config FILE help-desk install DEVICE --agent NAME --id ID --version V --url URL\n"
                   "        --sha256 HEX [--name NAME] [--description TEXT] [--notify]\n"
                   "Queue the installation of an application (SCOMO DownloadInstall) held until the device's user\n"
                   "allows it, knowing the card's PIN (a user-level gate); prints the job's id and its gate's.");
    hd_install->fallthrough();
    hd_install->add_option("device", options->device, "the device's id")->required();
    hd_install->add_option("--agent", options->agent, "the help desk's agent (named to the user)")->required();
    hd_install->add_option("--id", options->application_id, "the application's package id")->required();
    hd_install->add_option("--version", options->application_version, "its version")->required();
    hd_install->add_option("--url", options->application_url, "where the device downloads it (http(s))")->required();
    hd_install->add_option("--sha256", options->application_sha256, "the package's SHA-256, hex")->required();
    hd_install->add_option("--name", options->application_name, "the name the user sees (default: the id)");
    hd_install->add_option("--description", options->application_description, "what it does");
    hd_install->add_flag("--notify", options->notify, "notify the device so that it calls in now");

    return [=] {
        if (!options->device.empty()) {
            options->devices = {options->device};
        }
        if (cards->parsed()) {
            return run_cards(*options);
        }
        if (hd_query->parsed()) {
            return run_help_desk_query(*options);
        }
        if (hd_report->parsed()) {
            return run_help_desk_report(*options);
        }
        if (hd_install->parsed()) {
            return run_help_desk_install(*options);
        }
        if (prepaid->parsed()) {
            return run_prepaid(*options);
        }
        if (charges->parsed()) {
            return run_charges(*options);
        }
        if (audit->parsed()) {
            return run_audit(*options);
        }
        if (enroll->parsed()) {
            return run_enroll(*options);
        }
        if (queue->parsed()) {
            return run_queue(*options);
        }
        if (jobs->parsed()) {
            return run_jobs(*options);
        }
        if (cancel->parsed()) {
            return run_cancel(*options);
        }
        if (show->parsed()) {
            return run_show(*options);
        }
        if (provision->parsed()) {
            return run_provision(*options);
        }
        if (notify->parsed()) {
            return run_notify(*options, options->devices);
        }
        return run_server(*options);
    };
}

} // namespace mcprov::app
