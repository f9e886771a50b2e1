#include <iostream>

#include "commands.hpp"
#include "mcprov/kmc/key_establishment.hpp"
#include "mcprov/kmc/key_material_fetch.hpp"
#include "mcprov/kmc/key_material_folder.hpp"
#include "mcprov/kmc/private_call.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/mikey/user_identifier.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::app {
namespace {

using support::errc;
using support::make_error;
using support::result;

// Exit status: 0 done, 1 the request or check failed, 2 usage or unreadable input, 4 refused by policy (a domain
// not permitted, a revoked certificate).
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;
constexpr int exit_refused = 4;

struct kmc_options {
    std::string kms;
    std::string ca;
    std::string token;
    std::string user;
    std::string dir;
    std::string to;
    std::string to_kms;
    std::string message;
    std::string time;
    std::vector<std::string> certificates;
    std::vector<std::string> also; // other folders of the same user, one per further domain it belongs to
    std::string key_set;
    std::string from;             // the initiator's URI as the signalling names it (receive, verify)
    bool hide_identities = false; // send: IDRuidi and IDRuidr instead of IDRi and IDRr
    std::string kms_uri;
    std::uint64_t period = 0;
    std::uint64_t offset = 0;
    std::uint64_t number = 0;
    bool report = false;
    std::string proxy;        // call: the application server
    std::uint16_t port = 0;   // answer: where to listen
    unsigned calls = 1;       // answer: how many calls
    unsigned rounds = 4;      // call: INVITEs at most
    std::string trusted_ca;   // call: KRRs must verify against it
};

// Messages carry text from peers and from messages that did not verify: written with support::printable, so that
// neither can reach the terminal as control characters.
int fail(std::string_view what, const support::error& e) {
    std::cerr << "mcprov kmc " << what << ": " << support::printable(e.message) << "\n";
    if (e.code == errc::forbidden) {
        return exit_refused;
    }
    return e.code == errc::invalid_argument ? exit_usage : exit_failed;
}

result<std::chrono::system_clock::time_point> time_option(const std::string& text) {
    if (text.empty()) {
        return std::chrono::system_clock::now();
    }
    auto t = support::parse_utc(text);
    if (!t) {
        return make_error(errc::invalid_argument, "--time must be RFC 3339 UTC, e.g. 2026-11-29T12:00:00Z");
    }
    return *t;
}

result<std::string> message_option(const std::string& text) {
    auto bytes = support::base64_decode(text);
    if (!bytes) {
        return make_error(errc::invalid_argument, "the message is not base64 (RFC 4648)");
    }
    return std::move(bytes).value();
}

int run_fetch(const kmc_options& o) {
    auto client = kmc::kms_client::create({o.kms, o.ca, o.token, o.user, std::chrono::seconds(10)});
    if (!client) {
        return fail("fetch", client.err());
    }
    auto fetched = kmc::fetch_key_material(**client);
    if (!fetched) {
        return fail("fetch", fetched.err());
    }
    if (auto stored = kmc::key_material_folder(o.dir).store(fetched->material); !stored) {
        return fail("fetch", stored.err());
    }
    const auto& m = fetched->material;
    std::cout << o.user << ": " << support::printable(m.own.kms_uri) << ", key period " << m.keys.key_period_no
              << " (keys validated)\n";
    std::cout << "certcache " << fetched->cache_num.value_or(0) << ":";
    for (const auto& c : m.external) {
        std::cout << " " << support::printable(c.kms_uri) << (c.revoked ? " (revoked)" : "");
    }
    std::cout << (m.external.empty() ? " no external domains\n" : "\n");
    return 0;
}

int run_send(const kmc_options& o) {
    std::vector<std::filesystem::path> also(o.also.begin(), o.also.end());
    auto material = kmc::load_key_material(o.dir, also);
    if (!material) {
        return fail("send", material.err());
    }
    auto now = time_option(o.time);
    if (!now) {
        return fail("send", now.err());
    }
    auto built = kmc::send_i_message(*material, o.to, o.to_kms, *now,
                                     o.hide_identities ? mikey::identity_form::uid : mikey::identity_form::uri);
    if (!built) {
        return fail("send", built.err());
    }
    std::cout << "I_MESSAGE " << support::base64_encode(built->bytes) << "\n";
    std::cout << "SSV " << support::hex_encode(built->ssv) << "\n";
    return 0;
}

// --from: the initiator's URI as the signalling names it, which must be the one the message was signed for (the
// check of TS 33.180 5.2.6 for a message that hides its initiator, and a plain comparison for one that names it).
result<void> confirm_from(const kmc_options& o, mikey::received_i_message& received) {
    if (o.from.empty()) {
        return {};
    }
    return mikey::confirm_initiator(received, o.from);
}

// The initiator as the message and --from establish it: its URI, or the UID of a hidden initiator.
std::string initiator_text(const mikey::received_i_message& received) {
    if (received.initiator_uri.empty()) {
        return "UID " + support::hex_encode(received.initiator_uid) + " (identity hidden, not confirmed)";
    }
    return support::printable(received.initiator_uri);
}

int run_receive(const kmc_options& o) {
    auto material = kmc::key_material_folder(o.dir).load();
    if (!material) {
        return fail("receive", material.err());
    }
    auto bytes = message_option(o.message);
    if (!bytes) {
        return fail("receive", bytes.err());
    }
    auto now = time_option(o.time);
    if (!now) {
        return fail("receive", now.err());
    }
    auto received = kmc::receive_i_message(*material, *bytes, *now);
    if (!received) {
        return fail("receive", received.err());
    }
    if (auto confirmed = confirm_from(o, *received); !confirmed) {
        return fail("receive", confirmed.err());
    }
    std::cout << "from " << initiator_text(*received) << " (" << support::printable(received->initiator_kms_uri)
              << ")\n";
    std::cout << "SSV " << support::hex_encode(received->ssv) << "\n";
    if (o.report && kmc::uses_external_domain(*material, *received)) {
        auto client =
            kmc::kms_client::create({o.kms, o.ca, o.token, material->keys.user_uri, std::chrono::seconds(10)});
        auto reported =
            client ? kmc::report_external_domain_use(**client, *material, *received, *now) : result<bool>(client.err());
        if (!reported) {
            return fail("receive: report", reported.err());
        }
        std::cout << "reported the use of " << support::printable(received->initiator_kms_uri) << " to "
                  << material->own.kms_uri << "\n";
    }
    return 0;
}

// For checking against other implementations: everything from files, nothing from a KMS.
int run_verify(const kmc_options& o) {
    auto keys = kmc::read_kms_key_set(o.key_set);
    if (!keys) {
        return fail("verify", keys.err());
    }
    std::vector<kms_interface::kms_certificate> certificates;
    for (const auto& file : o.certificates) {
        auto certificate = kmc::read_kms_certificate(file);
        if (!certificate) {
            return fail("verify", certificate.err());
        }
        certificates.push_back(std::move(certificate).value());
    }
    auto bytes = message_option(o.message);
    if (!bytes) {
        return fail("verify", bytes.err());
    }
    auto now = time_option(o.time);
    if (!now) {
        return fail("verify", now.err());
    }
    auto received = kmc::verify_i_message(std::move(keys).value(), std::move(certificates), *bytes, *now);
    if (!received) {
        return fail("verify", received.err());
    }
    if (auto confirmed = confirm_from(o, *received); !confirmed) {
        return fail("verify", confirmed.err());
    }
    std::cout << support::hex_encode(received->ssv) << "\n";
    return 0;
}

// Seed 002 steps 1 and 7: a private call through the application server, following its redirects.
int run_call(const kmc_options& o) {
    kmc::private_call_request request{.held = {}, .to = o.to, .responder_kms = o.to_kms, .proxy = o.proxy,
                                      .max_rounds = o.rounds, .trusted_ca_pem = {}};
    std::vector<std::string> dirs{o.dir};
    dirs.insert(dirs.end(), o.also.begin(), o.also.end());
    for (const auto& d : dirs) {
        auto material = kmc::key_material_folder(d).load();
        if (!material) {
            return fail("call", material.err());
        }
        request.held.push_back(std::move(material).value());
    }
    if (!o.trusted_ca.empty()) {
        auto pem = support::read_file(o.trusted_ca, 1 << 20);
        if (!pem) {
            return fail("call", make_error(errc::invalid_argument, "--trusted-ca: " + pem.err().message));
        }
        request.trusted_ca_pem = *pem;
    }
    auto outcome = kmc::place_private_call(request);
    if (!outcome) {
        return fail("call", outcome.err());
    }
    for (const auto& line : outcome->rounds) {
        std::cout << support::printable(line) << "\n";
    }
    if (!outcome->established) {
        std::cerr << "mcprov kmc call: " << support::printable(outcome->why) << "\n";
        return exit_refused;
    }
    std::cout << "established with " << request.held[outcome->keys.material].own.kms_uri << " keys, "
              << outcome->keys.responder_kms << " for " << o.to << "\n";
    return 0;
}

// Seed 002 step 4: the terminating client.
int run_answer(const kmc_options& o) {
    auto material = kmc::key_material_folder(o.dir).load();
    if (!material) {
        return fail("answer", material.err());
    }
    std::unique_ptr<kmc::kms_client> client;
    if (o.report) {
        auto made = kmc::kms_client::create({o.kms, o.ca, o.token, material->keys.user_uri, std::chrono::seconds(10)});
        if (!made) {
            return fail("answer", made.err());
        }
        client = std::move(made).value();
    }
    auto answered = kmc::answer_private_calls(
        *material, o.port, o.calls, std::chrono::seconds(60),
        [&](const kmc::answered_call& call) {
            std::cout << support::printable(call.from) << ": " << call.status
                      << (call.why.empty() ? "" : " (" + support::printable(call.why) + ")")
                      << (call.reported ? ", the use of " + support::printable(call.initiator_kms) + " reported"
                                        : std::string())
                      << std::endl;
        },
        [&] { std::cout << "listening on sip:127.0.0.1:" << o.port << std::endl; }, client.get());
    if (!answered) {
        return fail("answer", answered.err());
    }
    return 0;
}

int run_uid(const kmc_options& o) {
    if (o.period == 0) {
        return fail("uid", make_error(errc::invalid_argument, "--period must be at least 1"));
    }
    auto uid = mikey::mikey_sakke_uid(o.user, o.kms_uri, o.period, o.offset, o.number);
    if (uid.empty()) {
        return fail("uid", make_error(errc::invalid_argument, "a URI longer than 65535 octets"));
    }
    std::cout << support::hex_encode(uid) << "\n";
    return 0;
}

} // namespace

command add_kmc_command(CLI::App& parent) {
    auto o = std::make_shared<kmc_options>();
    auto* kmc = parent.add_subcommand(
        "kmc", "MIKEY-SAKKE endpoint: fetch a user's keys from its KMS, build and process I_MESSAGEs\n"
               "(RFC 6509, TS 33.180). Exit status: 0 done, 1 failed, 2 usage or input, 4 refused by policy.");
    kmc->require_subcommand(1);

    auto* fetch = kmc->add_subcommand("fetch", "init, keyprov and certcache from the user's KMS; the certificate,\n"
                                               "the key set (validated) and the external certificates go to --dir.");
    fetch->add_option("--kms", o->kms, "the KMS, https://host:port")->required();
    fetch->add_option("--ca", o->ca, "CA certificate(s) trusted for the KMS (TLS and signed responses)")
        ->required()
        ->check(CLI::ExistingFile);
    fetch->add_option("--token", o->token, "the user's access token")->required();
    fetch->add_option("--user", o->user, "the user's URI (the token's MCPTT ID)")->required();
    fetch->add_option("--dir", o->dir, "folder for what is fetched")->required();

    auto* send = kmc->add_subcommand("send", "Build an I_MESSAGE to --to with the keys in --dir; prints it in\n"
                                             "base64 and the shared secret (SSV) in hex.");
    send->add_option("--dir", o->dir, "what `kmc fetch` stored")->required();
    send->add_option("--to", o->to, "the responder's URI")->required();
    send->add_option("--to-kms", o->to_kms, "the responder's KMS URI (default: the sender's own)");
    send->add_option("--time", o->time, "the message time, RFC 3339 UTC (default: now)");
    send->add_flag("--hide-identities", o->hide_identities,
                   "name sender and responder by their UIDs (IDRuidi, IDRuidr: TS 33.180 E.7)\n"
                   "instead of their URIs");
    send->add_option("--also", o->also,
                     "another folder `kmc fetch` stored for the same user in another domain it\n"
                     "belongs to: that domain's certificate is usable too");

    auto* receive = kmc->add_subcommand("receive", "Process an I_MESSAGE with the keys in --dir; prints the sender\n"
                                                   "and the SSV in hex, or why it is refused.");
    receive->add_option("--dir", o->dir, "what `kmc fetch` stored")->required();
    receive->add_option("--message", o->message, "the I_MESSAGE in base64")->required();
    receive->add_option("--time", o->time, "the time to check against, RFC 3339 UTC (default: now)");
    receive->add_option("--from", o->from,
                        "the sender's URI as the signalling names it: the message must be signed\n"
                        "for it (confirms a sender the message hides behind its UID)");
    receive->add_flag("--report", o->report,
                      "report the use of an external domain to the user's KMS (needs --kms,\n"
                      "--ca and --token)");
    receive->add_option("--kms", o->kms, "the user's KMS, https://host:port (with --report)");
    receive->add_option("--ca", o->ca, "CA trusted for the KMS (with --report)");
    receive->add_option("--token", o->token, "the user's access token (with --report)");

    auto* verify = kmc->add_subcommand(
        "verify", "Check an I_MESSAGE from another implementation: the responder's KMS certificate(s) and key set\n"
                  "as TS 33.180 XML documents, the message in base64. Prints the SSV in hex, or says why not.");
    verify
        ->add_option("--certificate", o->certificates,
                     "KmsCertificate document: the responder's KMS's, then those of trusted external KMSs")
        ->required()
        ->check(CLI::ExistingFile);
    verify->add_option("--key-set", o->key_set, "the responder's KmsKeySet document")
        ->required()
        ->check(CLI::ExistingFile);
    verify->add_option("--message", o->message, "the I_MESSAGE in base64")->required();
    verify->add_option("--time", o->time, "the time to check against, RFC 3339 UTC (default: now)");
    verify->add_option("--from", o->from,
                       "the sender's URI: the message must be signed for it (confirms a sender\n"
                       "the message hides behind its UID)");

    auto* call = kmc->add_subcommand(
        "call", "Place a private call to --to through the application server --proxy, the I_MESSAGE in the INVITE's\n"
                "SDP; follow its KMS Redirect Responses with another domain this user holds keys for (--dir, --also),\n"
                "or refuse and say why (exit status 4). Prints each attempt. See docs/kmc.md.");
    call->add_option("--dir", o->dir, "what `kmc fetch` stored: the keys that sign first")->required();
    call->add_option("--also", o->also, "the user's keys in another security domain it belongs to");
    call->add_option("--to", o->to, "the called user's URI")->required();
    call->add_option("--to-kms", o->to_kms, "the responder's KMS URI of the first attempt (default: the caller's own)");
    call->add_option("--proxy", o->proxy, "the application server, sip:host:port")->required();
    call->add_option("--rounds", o->rounds, "INVITEs at most (default 4)");
    call->add_option("--trusted-ca", o->trusted_ca, "KMS Redirect Responses must verify against these CAs (PEM)");

    auto* answer = kmc->add_subcommand(
        "answer", "Answer private calls on 127.0.0.1:--port for the user of --dir: an I_MESSAGE it can process is\n"
                  "accepted (200); one under another KMS than its own, or signed in a domain its domain does not\n"
                  "permit, is refused with 488 and a KMS Redirect Response. Prints each call.");
    answer->add_option("--dir", o->dir, "what `kmc fetch` stored")->required();
    answer->add_option("--port", o->port, "the UDP port to listen on")->required();
    answer->add_option("--calls", o->calls, "how many calls to answer (default 1)");
    answer->add_flag("--report", o->report,
                     "report each use of an external domain to the user's KMS (needs --kms, --ca and --token)");
    answer->add_option("--kms", o->kms, "the user's KMS, https://host:port (with --report)");
    answer->add_option("--ca", o->ca, "CA trusted for the KMS (with --report)");
    answer->add_option("--token", o->token, "the user's access token (with --report)");

    auto* uid = kmc->add_subcommand("uid", "Print the MIKEY-SAKKE UID (TS 33.180 F.2.1) in hex.");
    uid->add_option("--user", o->user, "the user's URI")->required();
    uid->add_option("--kms-uri", o->kms_uri, "the KMS URI")->required();
    uid->add_option("--period", o->period, "UserKeyPeriod, seconds")->required();
    uid->add_option("--offset", o->offset, "UserKeyOffset, seconds")->required();
    uid->add_option("--number", o->number, "the key period number")->required();

    return [=]() -> int {
        if (fetch->parsed()) {
            return run_fetch(*o);
        }
        if (send->parsed()) {
            return run_send(*o);
        }
        if (call->parsed()) {
            return run_call(*o);
        }
        if (answer->parsed()) {
            return run_answer(*o);
        }
        if (receive->parsed()) {
            if (o->report && (o->kms.empty() || o->ca.empty() || o->token.empty())) {
                std::cerr << "mcprov kmc receive: --report needs --kms, --ca and --token\n";
                return exit_usage;
            }
            return run_receive(*o);
        }
        if (verify->parsed()) {
            return run_verify(*o);
        }
        return run_uid(*o);
    };
}

} // namespace mcprov::app
