// What `mcprov kms` does for one KMS KeyProvision request (TS 33.180 Annex D), without HTTP, TLS or sockets, one
// operation per iteration; items_per_second is operations per second. The parts, in the order the KMS runs them:
//   verify_access_token/cached    the bearer token's check when the verifier has seen the token before (a SHA-256
//                                 and a cache look-up: what a user's later requests cost);
//   verify_access_token/uncached  the same token fully checked (ES256 signature, claims): its first request;
//   decode_kms_request            the KmsRequest body mcprov kmc sends (parsed, validated against the Annex D
//                                 schema, read);
//   issue_encode_sign             the key set and the signed answer: issue_user_keys (SAKKE RSK, ECCSI SSK and
//                                 PVT) + encode_kms_response + sign_kms_response;
//   encode_kms_response           the KmsResponse with one KmsKeySet, its values checked and written out as text;
//   sign_kms_response             that document parsed, validated against the schema and read, signed (enveloped
//                                 XML signature, ECDSA P-256, exclusive C14N), and the result validated again;
//   xml_sign_enveloped            the XML signature alone, on the same document (the signer's PEM key and
//                                 certificate are parsed on every call, as the KMS calls it);
//   kms_handler_keyprov           kms_handler::handle on a whole POST .../keyprov request (token, KmsRequest, the
//                                 member check in SQLite, the UID, the keys, encode, sign): all the server does per
//                                 request but parse HTTP, run TLS and move bytes. Also with 2 threads, the ceiling
//                                 of a 2-thread server on this machine (rate over wall time).
// The KMS (a SQLite store in a temp dir, master secrets sealed under a fresh key), its signing certificate (EC P-256,
// from a fresh CA) and the IdMS key are made once. bench/kms.sh compares these with the KMS over HTTPS.
#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include <benchmark/benchmark.h>

#include "mcprov/http/tls.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/kms/kms_handler.hpp"
#include "mcprov/kms/master_secret_vault.hpp"
#include "mcprov/kms/security_domain.hpp"
#include "mcprov/kms/security_domain_store.hpp"
#include "mcprov/kms_interface/kms_documents.hpp"
#include "mcprov/mikey/keys.hpp"
#include "mcprov/mikey/user_identifier.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/log.hpp"
#include "mcprov/xml/signature.hpp"

namespace {

namespace kms = mcprov::kms;
namespace kms_interface = mcprov::kms_interface;
namespace mikey = mcprov::mikey;
namespace identity = mcprov::identity;
namespace bhttp = boost::beast::http;
using mcprov::support::result;

const std::string kms_uri = "kms.police.example.org";
const std::string alice = "sip:alice@police.example.org";
const std::string idms = "https://idms.example.org";
constexpr const char* key_scope = "3gpp:mc:key_management_service";

// A directory removed with everything in it when the fixture goes (at exit).
struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() / ("mcprov-bench-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
};

struct fixture {
    temp_dir dir;
    std::shared_ptr<kms::security_domain> domain;
    mikey::master_secrets secrets; // for issue_encode_sign: the domain keeps its own to itself
    mcprov::xml::signing_key signing_key; // as PEM text
    std::optional<mcprov::xml::signer> signer; // read once, as `mcprov kms` does when it starts
    std::string uid;
    std::string token;
    std::unique_ptr<identity::access_token_verifier> cached;
    std::unique_ptr<identity::access_token_verifier> uncached;
    std::string request_body;             // a KmsRequest, as mcprov kmc sends it
    kms_interface::kms_response response; // the handler's answer to alice, before encoding
    std::string encoded;                  // the same, encoded
    std::shared_ptr<kms::kms_handler> handler;
    std::string error; // why the fixture could not be made; empty when ready
};

// The value of a result, or the fixture's error.
template <class T> bool take(result<T> r, T& into, fixture& f, const char* what) {
    if (!r) {
        f.error = std::string(what) + ": " + r.err().message;
        return false;
    }
    into = std::move(r).value();
    return true;
}

void make(fixture& f) {
    mcprov::support::configure_logging("warn", mcprov::support::log_format::text); // no line per key set
    auto clock = mcprov::support::create_system_clock();

    mcprov::http::certificate_and_key ca;
    mcprov::http::certificate_and_key server;
    if (!take(mcprov::http::create_certificate_authority("bench CA", std::chrono::hours(24)), ca, f, "CA") ||
        !take(mcprov::http::issue_certificate(ca, "localhost", {"localhost"}, {"127.0.0.1"},
                                              mcprov::http::certificate_usage::server, std::chrono::hours(24)),
              server, f, "certificate")) {
        return;
    }
    f.signing_key = {server.private_key_pem, server.certificate_pem}; // as `mcprov kms` with only [tls]
    auto signer = mcprov::xml::signer::read(f.signing_key);
    if (!signer) {
        f.error = "signer: " + signer.err().message;
        return;
    }
    f.signer = std::move(*signer);

    std::string idms_key;
    std::string idms_public;
    if (!take(identity::generate_p256_private_key_pem(), idms_key, f, "IdMS key") ||
        !take(identity::public_key_pem_from_private(idms_key), idms_public, f, "IdMS public key")) {
        return;
    }
    std::unique_ptr<identity::token_issuer> issuer;
    if (!take(identity::create_token_issuer(idms_key, clock), issuer, f, "token issuer")) {
        return;
    }
    identity::token_request t;
    t.issuer = idms;
    t.subject = alice;
    t.audience = {"kms"};
    t.mc_id = alice;
    t.scopes = {key_scope};
    if (!take(issuer->issue(t), f.token, f, "token")) {
        return;
    }
    kms::access_config access;
    access.verifier.issuer = idms;
    access.verifier.audience = "kms";
    access.verifier.public_key_pem = idms_public;
    auto no_cache = access.verifier;
    no_cache.cache_entries = 0;
    std::unique_ptr<identity::access_token_verifier> handler_verifier;
    if (!take(identity::create_access_token_verifier(access.verifier, clock), f.cached, f, "verifier") ||
        !take(identity::create_access_token_verifier(no_cache, clock), f.uncached, f, "verifier") ||
        !take(identity::create_access_token_verifier(access.verifier, clock), handler_verifier, f, "verifier")) {
        return;
    }

    std::unique_ptr<mcprov::store::document_store> documents;
    if (!take(mcprov::store::create_sqlite_document_store(f.dir.path / "kms.db"), documents, f, "store")) {
        return;
    }
    auto store = std::make_shared<kms::security_domain_store>(
        std::shared_ptr<mcprov::store::document_store>(std::move(documents)));
    std::string master_key(kms::master_secret_vault::key_size, '\0');
    std::random_device rd;
    for (auto& c : master_key) {
        c = static_cast<char>(rd());
    }
    auto vault = kms::master_secret_vault::from_key(master_key);
    if (!vault) {
        f.error = "vault: " + vault.err().message;
        return;
    }
    kms::domain_config config;
    config.kms_uri = kms_uri;
    config.issuer = kms_uri;
    if (!take(kms::security_domain::open(config, store, std::move(vault).value(), clock), f.domain, f, "domain")) {
        return;
    }
    if (auto added = store->add_member(alice); !added) {
        f.error = "member add: " + added.err().message;
        return;
    }

    if (!take(mikey::generate_master_secrets(), f.secrets, f, "master secrets")) {
        return;
    }

    kms_interface::kms_request request;
    request.user_uri = alice;
    request.kms_uri = kms_uri;
    request.time = std::chrono::system_clock::now();
    request.client_id = "mcprov";
    request.client_req_url = "https://" + kms_uri + std::string(kms_interface::kms_path_keyprov);
    if (!take(kms_interface::encode_kms_request(request), f.request_body, f, "KmsRequest")) {
        return;
    }

    // The response as kms_handler::kms_answer fills it.
    auto period = f.domain->current_key_period();
    kms_interface::kms_key_set set;
    if (!period || !take(f.domain->issue_key_set(alice, *period), set, f, "key set")) {
        f.error = f.error.empty() ? "no key period" : f.error;
        return;
    }
    f.uid = set.user_id;
    f.response.user_uri = alice;
    f.response.kms_uri = kms_uri;
    f.response.kms_id = kms_uri;
    f.response.time = std::chrono::system_clock::now();
    f.response.client_req_url = request.client_req_url;
    f.response.body = kms_interface::kms_key_prov{{set}};
    if (!take(kms_interface::encode_kms_response(f.response), f.encoded, f, "encode_kms_response")) {
        return;
    }
    std::string signed_document;
    if (!take(kms_interface::sign_kms_response(f.encoded, *f.signer), signed_document, f, "sign_kms_response")) {
        return;
    }
    f.handler = std::make_shared<kms::kms_handler>(f.domain, access, std::move(handler_verifier), *f.signer);
}

const fixture& shared() {
    static fixture f;
    static const bool made = (make(f), true);
    (void)made;
    return f;
}

template <class F> void run(benchmark::State& state, F operation) {
    const fixture& f = shared();
    if (!f.error.empty()) {
        state.SkipWithError(f.error.c_str());
        return;
    }
    for (auto _ : state) {
        auto result = operation(f);
        if (!result) {
            state.SkipWithError(result.err().message.c_str());
            break;
        }
        benchmark::DoNotOptimize(result);
    }
    state.SetItemsProcessed(state.iterations());
}

void verify_access_token(benchmark::State& state) {
    const bool cached = state.range(0) != 0;
    state.SetLabel(cached ? "cached" : "uncached");
    run(state, [cached](const fixture& f) { return (cached ? f.cached : f.uncached)->verify(f.token); });
}

void decode_kms_request(benchmark::State& state) {
    run(state, [](const fixture& f) { return kms_interface::decode_kms_request(f.request_body); });
}

// issue_user_keys + encode_kms_response + sign_kms_response, filled as the KMS fills them.
void issue_encode_sign(benchmark::State& state) {
    run(state, [](const fixture& f) -> result<std::string> {
        auto keys = mikey::issue_user_keys(f.secrets, f.uid);
        if (!keys) {
            return std::move(keys).err();
        }
        kms_interface::kms_response response = f.response; // everything but the keys, as kms_answer fills it
        auto& set = std::get<kms_interface::kms_key_prov>(response.body).key_sets.front();
        set.user_decrypt_key = std::move(keys->rsk);
        set.user_signing_key_ssk = std::move(keys->ssk);
        set.user_pub_token_pvt = std::move(keys->pvt);
        auto encoded = kms_interface::encode_kms_response(response);
        if (!encoded) {
            return encoded;
        }
        return kms_interface::sign_kms_response(*encoded, *f.signer);
    });
}

void encode_kms_response(benchmark::State& state) {
    run(state, [](const fixture& f) { return kms_interface::encode_kms_response(f.response); });
}

void sign_kms_response(benchmark::State& state) {
    run(state, [](const fixture& f) { return kms_interface::sign_kms_response(f.encoded, *f.signer); });
}

void xml_sign_enveloped(benchmark::State& state) {
    run(state, [](const fixture& f) { return mcprov::xml::sign_enveloped(f.encoded, *f.signer); });
}

// The same, reading the PEM key and certificate for each signature (what the KMS did before it kept a signer).
void xml_sign_enveloped_reading_the_key(benchmark::State& state) {
    run(state, [](const fixture& f) { return mcprov::xml::sign_enveloped(f.encoded, f.signing_key); });
}

void kms_handler_keyprov(benchmark::State& state) {
    run(state, [](const fixture& f) -> result<std::size_t> {
        mcprov::http::request req{bhttp::verb::post, kms_interface::kms_path_keyprov, 11};
        req.set(bhttp::field::host, kms_uri);
        req.set(bhttp::field::authorization, "Bearer " + f.token);
        req.set(bhttp::field::content_type, "application/xml");
        req.body() = f.request_body;
        req.prepare_payload();
        auto res = f.handler->handle(std::move(req), mcprov::http::peer_info{"127.0.0.1", {}, {}});
        if (res.result() != bhttp::status::ok) {
            return mcprov::support::make_error(mcprov::support::errc::internal, "keyprov answered " +
                                                                                    std::to_string(res.result_int()) +
                                                                                    ": " + res.body());
        }
        return res.body().size();
    });
}

BENCHMARK(verify_access_token)->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);
BENCHMARK(decode_kms_request)->Unit(benchmark::kMicrosecond);
BENCHMARK(issue_encode_sign)->Unit(benchmark::kMillisecond);
BENCHMARK(encode_kms_response)->Unit(benchmark::kMillisecond);
BENCHMARK(sign_kms_response)->Unit(benchmark::kMillisecond);
BENCHMARK(xml_sign_enveloped)->Unit(benchmark::kMillisecond);
BENCHMARK(xml_sign_enveloped_reading_the_key)->Unit(benchmark::kMillisecond);
BENCHMARK(kms_handler_keyprov)->Unit(benchmark::kMillisecond);
BENCHMARK(kms_handler_keyprov)->Threads(2)->UseRealTime()->Unit(benchmark::kMillisecond);

} // namespace
