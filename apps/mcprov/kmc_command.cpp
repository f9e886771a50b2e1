#include <iostream>

#include "commands.hpp"
#include "mcprov/kmc/kms_client.hpp"
#include "mcprov/mikey/i_message_exchange.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/file.hpp"

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
    std::string kms_uri;
    std::uint64_t period = 0;
    std::uint64_t offset = 0;
    std::uint64_t number = 0;
    bool report = false;
};

int fail(std::string_view what, const support::error& e) {
    std::cerr << "mcprov kmc " << what << ": " << e.message << "\n";
    if (e.code == errc::forbidden) {
        return exit_refused;
    }
    return e.code == errc::invalid_argument ? exit_usage : exit_failed;
}

std::filesystem::path own_certificate_file(const std::string& dir) {
    return std::filesystem::path(dir) / "kms-certificate.xml";
}
std::filesystem::path key_set_file(const std::string& dir) {
    return std::filesystem::path(dir) / "key-set.xml";
}
std::filesystem::path external_dir(const std::string& dir) {
    return std::filesystem::path(dir) / "external";
}

result<kms_interface::kms_certificate> read_certificate(const std::filesystem::path& file) {
    auto text = support::read_file(file, kms_interface::max_document_bytes);
    if (!text) {
        return std::move(text).err();
    }
    auto certificate = kms_interface::decode_kms_certificate(*text);
    if (!certificate) {
        return make_error(certificate.err().code, file.string() + ": " + certificate.err().message);
    }
    return certificate;
}

result<kms_interface::kms_key_set> read_key_set(const std::filesystem::path& file) {
    auto text = support::read_file(file, kms_interface::max_document_bytes);
    if (!text) {
        return std::move(text).err();
    }
    auto keys = kms_interface::decode_kms_key_set(*text);
    if (!keys) {
        return make_error(keys.err().code, file.string() + ": " + keys.err().message);
    }
    return keys;
}

// What `mcprov kmc fetch` stored in a folder.
result<kmc::key_material> load_material(const std::string& dir) {
    kmc::key_material m;
    auto own = read_certificate(own_certificate_file(dir));
    if (!own) {
        return std::move(own).err();
    }
    m.own = std::move(own).value();
    auto keys = read_key_set(key_set_file(dir));
    if (!keys) {
        return std::move(keys).err();
    }
    m.keys = std::move(keys).value();
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(external_dir(dir), ec)) {
        auto certificate = read_certificate(entry.path());
        if (!certificate) {
            return std::move(certificate).err();
        }
        m.external.push_back(std::move(certificate).value());
    }
    return m;
}

std::string file_name_for(std::string_view uri) {
    std::string out;
    for (char c : uri) {
        out += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_';
    }
    return out + ".xml";
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

int run_fetch(const kmc_options& o) {
    auto client = kmc::kms_client::create({o.kms, o.ca, o.token, o.user, std::chrono::seconds(10)});
    if (!client) {
        return fail("fetch", client.err());
    }
    auto own = (*client)->init();
    if (!own) {
        return fail("fetch: init", own.err());
    }
    auto keys = (*client)->keyprov();
    if (!keys) {
        return fail("fetch: keyprov", keys.err());
    }
    if (auto valid = kmc::validate_key_set(*own, *keys); !valid) {
        return fail("fetch: keyprov", valid.err());
    }
    auto cache = (*client)->certcache();
    if (!cache) {
        return fail("fetch: certcache", cache.err());
    }
    std::error_code ec;
    std::filesystem::remove_all(external_dir(o.dir), ec);
    std::filesystem::create_directories(external_dir(o.dir), ec);
    if (ec) {
        return fail("fetch", make_error(errc::io, o.dir + ": " + ec.message()));
    }
    auto own_xml = kms_interface::encode_kms_certificate(*own);
    auto keys_xml = kms_interface::encode_kms_key_set(*keys);
    if (!own_xml || !keys_xml) {
        return fail("fetch", own_xml ? keys_xml.err() : own_xml.err());
    }
    for (const auto& [file, text] :
         {std::pair{own_certificate_file(o.dir), *own_xml}, {key_set_file(o.dir), *keys_xml}}) {
        if (auto written = support::write_file(file, text); !written) {
            return fail("fetch", written.err());
        }
    }
    std::cout << o.user << ": " << own->kms_uri << ", key period " << keys->key_period_no << " (keys validated)\n";
    std::cout << "certcache " << cache->cache_num.value_or(0) << ":";
    for (const auto& c : cache->certificates) {
        auto xml = kms_interface::encode_kms_certificate(c);
        if (!xml) {
            return fail("fetch", xml.err());
        }
        if (auto written = support::write_file(external_dir(o.dir) / file_name_for(c.kms_uri), *xml); !written) {
            return fail("fetch", written.err());
        }
        std::cout << " " << c.kms_uri << (c.revoked ? " (revoked)" : "");
    }
    std::cout << (cache->certificates.empty() ? " no external domains\n" : "\n");
    return 0;
}

int run_send(const kmc_options& o) {
    auto material = load_material(o.dir);
    if (!material) {
        return fail("send", material.err());
    }
    auto now = time_option(o.time);
    if (!now) {
        return fail("send", now.err());
    }
    // A user of several domains holds each domain's own certificate: all of them are usable.
    for (const auto& dir : o.also) {
        auto other = read_certificate(own_certificate_file(dir));
        if (!other) {
            return fail("send", other.err());
        }
        material->external.push_back(std::move(other).value());
    }
    auto to_kms = o.to_kms.empty() ? material->own.kms_uri : o.to_kms;
    auto responder = kmc::usable_certificate(*material, to_kms, *now);
    if (!responder) {
        return fail("send", responder.err());
    }
    mikey::i_message_request request;
    request.initiator_uri = material->keys.user_uri;
    request.initiator_kms = kmc::identity_of(material->own);
    request.initiator_keys = {material->keys.user_decrypt_key, material->keys.user_signing_key_ssk,
                              material->keys.user_pub_token_pvt};
    request.responder_uri = o.to;
    request.responder_kms = kmc::identity_of(*responder);
    request.time = *now;
    auto built = mikey::build_i_message(request);
    if (!built) {
        return fail("send", built.err());
    }
    std::cout << "I_MESSAGE " << support::base64_encode(built->bytes) << "\n";
    std::cout << "SSV " << support::hex_encode(built->ssv) << "\n";
    return 0;
}

int run_receive(const kmc_options& o) {
    auto material = load_material(o.dir);
    if (!material) {
        return fail("receive", material.err());
    }
    auto bytes = support::base64_decode(o.message);
    if (!bytes) {
        return fail("receive", make_error(errc::invalid_argument, "the message is not base64 (RFC 4648)"));
    }
    auto now = time_option(o.time);
    if (!now) {
        return fail("receive", now.err());
    }
    auto responder = kmc::responder_of(*material);
    if (!responder) {
        return fail("receive", responder.err());
    }
    auto received =
        mikey::process_i_message(*bytes, *responder, kmc::trust_of(*material, *now), *now, std::chrono::seconds(60));
    if (!received) {
        return fail("receive", received.err());
    }
    std::cout << "from " << received->initiator_uri << " (" << received->initiator_kms_uri << ")\n";
    std::cout << "SSV " << support::hex_encode(received->ssv) << "\n";
    if (o.report && received->initiator_kms_uri != material->own.kms_uri) {
        auto client =
            kmc::kms_client::create({o.kms, o.ca, o.token, material->keys.user_uri, std::chrono::seconds(10)});
        auto reported = client ? (*client)->report_use(received->initiator_kms_uri, received->initiator_uri, *now)
                               : result<void>(client.err());
        if (!reported) {
            return fail("receive: report", reported.err());
        }
        std::cout << "reported the use of " << received->initiator_kms_uri << " to " << material->own.kms_uri << "\n";
    }
    return 0;
}

// For checking against other implementations: everything from files, nothing from a KMS.
int run_verify(const kmc_options& o) {
    auto keys = read_key_set(o.key_set);
    if (!keys) {
        return fail("verify", keys.err());
    }
    kmc::key_material material;
    material.keys = std::move(keys).value();
    bool own_found = false;
    for (const auto& file : o.certificates) {
        auto certificate = read_certificate(file);
        if (!certificate) {
            return fail("verify", certificate.err());
        }
        if (certificate->kms_uri == material.keys.kms_uri && !own_found) {
            material.own = std::move(certificate).value();
            own_found = true;
        } else {
            material.external.push_back(std::move(certificate).value());
        }
    }
    if (!own_found) {
        return fail("verify", make_error(errc::invalid_argument,
                                         "no --certificate is of the key set's KMS, " + material.keys.kms_uri));
    }
    if (auto valid = kmc::validate_key_set(material.own, material.keys); !valid) {
        return fail("verify", valid.err());
    }
    auto bytes = support::base64_decode(o.message);
    if (!bytes) {
        return fail("verify", make_error(errc::invalid_argument, "the message is not base64 (RFC 4648)"));
    }
    auto now = time_option(o.time);
    if (!now) {
        return fail("verify", now.err());
    }
    auto responder = kmc::responder_of(material);
    if (!responder) {
        return fail("verify", responder.err());
    }
    auto received =
        mikey::process_i_message(*bytes, *responder, kmc::trust_of(material, *now), *now, std::chrono::seconds(60));
    if (!received) {
        return fail("verify", received.err());
    }
    std::cout << support::hex_encode(received->ssv) << "\n";
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
    send->add_option("--also", o->also,
                     "another folder `kmc fetch` stored for the same user in another domain it\n"
                     "belongs to: that domain's certificate is usable too");

    auto* receive = kmc->add_subcommand("receive", "Process an I_MESSAGE with the keys in --dir; prints the sender\n"
                                                   "and the SSV in hex, or why it is refused.");
    receive->add_option("--dir", o->dir, "what `kmc fetch` stored")->required();
    receive->add_option("--message", o->message, "the I_MESSAGE in base64")->required();
    receive->add_option("--time", o->time, "the time to check against, RFC 3339 UTC (default: now)");
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
