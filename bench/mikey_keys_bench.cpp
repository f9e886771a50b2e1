// The MIKEY-SAKKE key primitives (RFC 6507 ECCSI, RFC 6508 SAKKE, parameter set 1 of RFC 6509) through the mikey key
// interface, one operation per iteration, single-threaded; items_per_second is operations per second. Every call
// decodes and checks its inputs (points on the curve, Z_T and KPAK through wc_ecc_check_key), as a server does with
// keys it did not make itself.
#include <string>

#include <benchmark/benchmark.h>

#include "mcprov/mikey/keys.hpp"

namespace {

namespace mikey = mcprov::mikey;

// A KMS and the keys of one user, made once.
struct fixture {
    mikey::master_secrets secrets;
    mikey::public_keys kms;
    std::string uid = std::string(32, 'u'); // a TS 33.180 UID is 32 octets
    mikey::user_keys keys;
    std::string message = std::string(256, 'm'); // about the size of a MIKEY I_MESSAGE
    std::string signature;
    std::string encapsulated;
    bool ready = false;
};

const fixture& shared() {
    static const fixture f = [] {
        fixture made;
        auto secrets = mikey::generate_master_secrets();
        if (!secrets) {
            return made;
        }
        made.secrets = *secrets;
        auto kms = mikey::derive_public_keys(made.secrets);
        auto keys = mikey::issue_user_keys(made.secrets, made.uid);
        if (!kms || !keys) {
            return made;
        }
        made.kms = *kms;
        made.keys = *keys;
        auto signature = mikey::eccsi_sign(made.kms, made.uid, made.keys, made.message);
        auto encapsulated = mikey::sakke_encapsulate(made.kms, made.uid);
        if (!signature || !encapsulated) {
            return made;
        }
        made.signature = *signature;
        made.encapsulated = encapsulated->encapsulated;
        made.ready = true;
        return made;
    }();
    return f;
}

// Runs `operation` once per iteration; stops the benchmark with the error of the first failure.
template <class F> void run(benchmark::State& state, F operation) {
    const fixture& f = shared();
    if (!f.ready) {
        state.SkipWithError("could not make the KMS and user keys");
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

void generate_master_secrets(benchmark::State& state) {
    run(state, [](const fixture&) { return mikey::generate_master_secrets(); });
}

void issue_user_keys(benchmark::State& state) {
    run(state, [](const fixture& f) { return mikey::issue_user_keys(f.secrets, f.uid); });
}

void validate_receiver_key(benchmark::State& state) {
    run(state, [](const fixture& f) { return mikey::validate_receiver_key(f.kms, f.uid, f.keys.rsk); });
}

void validate_signing_keys(benchmark::State& state) {
    run(state, [](const fixture& f) { return mikey::validate_signing_keys(f.kms, f.uid, f.keys.ssk, f.keys.pvt); });
}

void eccsi_sign(benchmark::State& state) {
    run(state, [](const fixture& f) { return mikey::eccsi_sign(f.kms, f.uid, f.keys, f.message); });
}

void eccsi_verify(benchmark::State& state) {
    run(state, [](const fixture& f) { return mikey::eccsi_verify(f.kms, f.uid, f.message, f.signature); });
}

void sakke_encapsulate(benchmark::State& state) {
    run(state, [](const fixture& f) { return mikey::sakke_encapsulate(f.kms, f.uid); });
}

void sakke_decapsulate(benchmark::State& state) {
    run(state, [](const fixture& f) { return mikey::sakke_decapsulate(f.kms, f.uid, f.keys.rsk, f.encapsulated); });
}

BENCHMARK(generate_master_secrets)->Unit(benchmark::kMillisecond);
BENCHMARK(issue_user_keys)->Unit(benchmark::kMillisecond);
BENCHMARK(validate_receiver_key)->Unit(benchmark::kMillisecond);
BENCHMARK(validate_signing_keys)->Unit(benchmark::kMillisecond);
BENCHMARK(eccsi_sign)->Unit(benchmark::kMillisecond);
BENCHMARK(eccsi_verify)->Unit(benchmark::kMillisecond);
BENCHMARK(sakke_encapsulate)->Unit(benchmark::kMillisecond);
BENCHMARK(sakke_decapsulate)->Unit(benchmark::kMillisecond);

} // namespace
