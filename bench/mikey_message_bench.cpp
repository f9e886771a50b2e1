// A MIKEY-SAKKE I_MESSAGE between users of two security domains (TS 33.180 5.2.2 and Annex E, RFC 6509), one
// operation per iteration, single-threaded; items_per_second is messages per second:
//   build_i_message    alice (KMS A) to bob (KMS B): her keys checked (RFC 6507 5.1.2), a fresh SSV encapsulated to
//                      bob's UID under KMS B (SAKKE, RFC 6508 6.2.1), the message encoded and signed (ECCSI, which
//                      checks her keys again);
//   process_i_message  bob's side: decoded, profile and times checked, the signature verified under KMS A's KPAK,
//                      the SSV decapsulated with his RSK (and its R_(b,S) recomputed, RFC 6508 6.2.2);
//   encode_i_message, decode_i_message  the codec alone, on the same message (about 700 octets).
// The two KMSs are generated once, with different key periods (30 days; one day from 01:00 UTC), as two domains
// would have; the message time is fixed, so every iteration does the same work.
#include <chrono>
#include <string>

#include <benchmark/benchmark.h>

#include "mcprov/mikey/i_message.hpp"
#include "mcprov/mikey/i_message_exchange.hpp"
#include "mcprov/mikey/keys.hpp"
#include "mcprov/mikey/user_identifier.hpp"
#include "mcprov/support/clock.hpp"

namespace {

namespace mikey = mcprov::mikey;
using namespace std::chrono_literals;

const std::string alice = "sip:alice@mcptt.a.example.org";
const std::string bob = "sip:bob@mcptt.b.example.org";

struct fixture {
    mikey::master_secrets secrets_a;
    mikey::master_secrets secrets_b;
    mikey::kms_identity kms_a;
    mikey::kms_identity kms_b;
    std::chrono::system_clock::time_point time;
    mikey::i_message_request request;       // alice to bob
    mikey::responder_credentials responder; // bob
    mikey::kms_trust trust;                 // bob trusts A (an external domain) and B (his own)
    std::string bytes;                      // one built message
    mikey::i_message decoded;               // the same, decoded
    std::string error;                      // why the fixture could not be made; empty when ready
};

mcprov::support::result<mikey::kms_identity> make_kms(const std::string& uri, mikey::key_period_parameters periods,
                                                      mikey::master_secrets& secrets) {
    auto generated = mikey::generate_master_secrets();
    if (!generated) {
        return std::move(generated).err();
    }
    secrets = *generated;
    auto published = mikey::derive_public_keys(secrets);
    if (!published) {
        return std::move(published).err();
    }
    return mikey::kms_identity{uri, *published, periods};
}

mcprov::support::result<mikey::user_keys> keys_for(const mikey::master_secrets& secrets, const mikey::kms_identity& kms,
                                                   const std::string& user, std::uint64_t period) {
    return mikey::issue_user_keys(
        secrets, mikey::mikey_sakke_uid(user, kms.uri, kms.periods.period_seconds, kms.periods.offset_seconds, period));
}

fixture make_fixture() {
    fixture f;
    auto a = make_kms("kms.a.example.org", {2'592'000, 0}, f.secrets_a);
    auto b = make_kms("kms.b.example.org", {86'400, 3'600}, f.secrets_b);
    if (!a || !b) {
        f.error = "cannot make the KMSs: " + (a ? b.err().message : a.err().message);
        return f;
    }
    f.kms_a = *a;
    f.kms_b = *b;
    f.time = *mcprov::support::parse_utc("2024-05-01T12:00:00Z");
    auto period_a = mikey::key_period_number(f.time, f.kms_a.periods);
    auto period_b = mikey::key_period_number(f.time, f.kms_b.periods);
    if (!period_a || !period_b) {
        f.error = "no key period";
        return f;
    }
    auto alice_keys = keys_for(f.secrets_a, f.kms_a, alice, *period_a);
    auto bob_keys = keys_for(f.secrets_b, f.kms_b, bob, *period_b);
    if (!alice_keys || !bob_keys) {
        f.error = "cannot issue the users' keys";
        return f;
    }
    f.request.initiator_uri = alice;
    f.request.initiator_kms = f.kms_a;
    f.request.initiator_keys = *alice_keys;
    f.request.responder_uri = bob;
    f.request.responder_kms = f.kms_b;
    f.request.time = f.time;
    f.responder = mikey::responder_credentials{bob, f.kms_b, *bob_keys, *period_b};
    const auto known_a = mikey::trusted_kms{f.kms_a.keys, f.kms_a.periods};
    const auto known_b = mikey::trusted_kms{f.kms_b.keys, f.kms_b.periods};
    const auto uri_a = f.kms_a.uri;
    const auto uri_b = f.kms_b.uri;
    f.trust = [=](std::string_view uri) -> mcprov::support::result<mikey::trusted_kms> {
        if (uri == uri_a) {
            return known_a;
        }
        if (uri == uri_b) {
            return known_b;
        }
        return mcprov::support::make_error(mcprov::support::errc::forbidden, "not a trusted domain");
    };
    auto built = mikey::build_i_message(f.request);
    if (!built) {
        f.error = "build_i_message: " + built.err().message;
        return f;
    }
    f.bytes = built->bytes;
    auto decoded = mikey::decode_i_message(f.bytes);
    if (!decoded) {
        f.error = "decode_i_message: " + decoded.err().message;
        return f;
    }
    f.decoded = *decoded;
    auto received = mikey::process_i_message(f.bytes, f.responder, f.trust, f.time + 2s, 30s);
    if (!received) {
        f.error = "process_i_message: " + received.err().message;
    } else if (received->ssv != built->ssv) {
        f.error = "process_i_message: another SSV";
    }
    return f;
}

const fixture& shared() {
    static const fixture f = make_fixture();
    return f;
}

// Runs `operation` once per iteration; stops the benchmark with the error of the first failure.
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

void build_i_message(benchmark::State& state) {
    run(state, [](const fixture& f) { return mikey::build_i_message(f.request); });
}

void process_i_message(benchmark::State& state) {
    run(state,
        [](const fixture& f) { return mikey::process_i_message(f.bytes, f.responder, f.trust, f.time + 2s, 30s); });
}

void encode_i_message(benchmark::State& state) {
    run(state, [](const fixture& f) { return mikey::encode_i_message(f.decoded); });
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(shared().bytes.size()));
}

void decode_i_message(benchmark::State& state) {
    run(state, [](const fixture& f) { return mikey::decode_i_message(f.bytes); });
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(shared().bytes.size()));
}

BENCHMARK(build_i_message)->Unit(benchmark::kMillisecond);
BENCHMARK(process_i_message)->Unit(benchmark::kMillisecond);
BENCHMARK(encode_i_message)->Unit(benchmark::kMicrosecond);
BENCHMARK(decode_i_message)->Unit(benchmark::kMicrosecond);

} // namespace
