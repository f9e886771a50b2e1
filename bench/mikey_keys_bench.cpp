// The MIKEY-SAKKE key primitives (RFC 6507 ECCSI, RFC 6508 SAKKE, parameter set 1 of RFC 6509) through the mikey key
// interface, one operation per iteration, single-threaded; items_per_second is operations per second. Every call
// decodes and checks its inputs (points on the curve); a KMS's public keys (KPAK, Z_T) are checked in full (their
// order too) the first time and recognised after that, and a receiver's RSK is prepared at its first decapsulation,
// as in a client or server that sees the same keys message after message.
//   wolfcrypt_sakke_derive  the reference for sakke_decapsulate: wolfcrypt's own decapsulation (wc_DeriveSakkeSSV,
//                           RFC 6508 6.2.2) of the same data, with the RSK and Z_T imported once; mcprov decapsulated
//                           through it until it had its own (lib/mikey/sakke_receiver.cpp).
#include <string>

#include <benchmark/benchmark.h>

// wolfSSL's build options before any of its headers; this file includes no OpenSSL header.
#include <wolfssl/options.h>

#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/sakke.h>

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

void wolfcrypt_sakke_derive(benchmark::State& state) {
    const fixture& f = shared();
    if (!f.ready) {
        state.SkipWithError("the KMS or the user's keys could not be made");
        return;
    }
    SakkeKey key;
    ecc_point* rsk = wc_ecc_new_point();
    const auto* z_t = reinterpret_cast<const byte*>(f.kms.z_t.data());
    const auto* rsk_octets = reinterpret_cast<const byte*>(f.keys.rsk.data());
    const auto* uid = reinterpret_cast<const byte*>(f.uid.data());
    const auto* encapsulated = reinterpret_cast<const byte*>(f.encapsulated.data());
    const word16 ssv_size = static_cast<word16>(f.encapsulated.size() - f.keys.rsk.size());
    if (rsk == nullptr || wc_InitSakkeKey(&key, nullptr, INVALID_DEVID) != 0 ||
        wc_ImportSakkePublicKey(&key, z_t, static_cast<word32>(f.kms.z_t.size()), 1) != 0 ||
        wc_DecodeSakkeRsk(&key, rsk_octets, static_cast<word32>(f.keys.rsk.size()), rsk) != 0 ||
        wc_SetSakkeIdentity(&key, uid, static_cast<word16>(f.uid.size())) != 0 ||
        wc_SetSakkeRsk(&key, rsk, nullptr, 0) != 0) {
        state.SkipWithError("wolfcrypt refused the keys");
        wc_ecc_del_point(rsk);
        return;
    }
    for (auto _ : state) {
        std::string ssv(f.encapsulated.substr(f.keys.rsk.size()));
        if (wc_DeriveSakkeSSV(&key, WC_HASH_TYPE_SHA256, reinterpret_cast<byte*>(ssv.data()), ssv_size, encapsulated,
                              static_cast<word16>(f.keys.rsk.size())) != 0) {
            state.SkipWithError("wc_DeriveSakkeSSV failed");
            break;
        }
        benchmark::DoNotOptimize(ssv);
    }
    wc_FreeSakkeKey(&key);
    wc_ecc_del_point(rsk);
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(generate_master_secrets)->Unit(benchmark::kMillisecond);
BENCHMARK(issue_user_keys)->Unit(benchmark::kMillisecond);
BENCHMARK(validate_receiver_key)->Unit(benchmark::kMillisecond);
BENCHMARK(validate_signing_keys)->Unit(benchmark::kMillisecond);
BENCHMARK(eccsi_sign)->Unit(benchmark::kMillisecond);
BENCHMARK(eccsi_verify)->Unit(benchmark::kMillisecond);
BENCHMARK(sakke_encapsulate)->Unit(benchmark::kMillisecond);
BENCHMARK(sakke_decapsulate)->Unit(benchmark::kMillisecond);
BENCHMARK(wolfcrypt_sakke_derive)->Unit(benchmark::kMillisecond);

} // namespace
