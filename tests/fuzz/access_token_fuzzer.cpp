// libFuzzer target for the identity module: the access token verifier (JWS layer and, through inputs signed here
// with the verifier's own key, the claims layer) and the MC service ID validator.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "../../lib/identity/jws.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/identity/mc_service_id.hpp"

namespace {

using namespace mcprov;

struct fuzz_state {
    identity::evp_pkey_ptr private_key;
    std::unique_ptr<identity::access_token_verifier> verifier;
};

// One key pair and verifier for the whole run; the clock is fixed so runs are reproducible.
const fuzz_state& state() {
    static const fuzz_state s = [] {
        fuzz_state out;
        auto private_pem = identity::generate_p256_private_key_pem();
        auto public_pem = private_pem ? identity::public_key_pem_from_private(*private_pem)
                                      : support::result<std::string>(private_pem.err());
        if (!private_pem || !public_pem) {
            __builtin_trap();
        }
        auto key = identity::load_p256_private_key_pem(*private_pem);
        identity::verifier_config config;
        config.issuer = "https://idms.example.com";
        config.audience = "mcprov-cms";
        config.public_key_pem = *public_pem;
        config.cache_entries = 64;
        auto clock = std::make_shared<support::manual_clock>(
            std::chrono::system_clock::time_point(std::chrono::seconds(1'704'067'200)));
        auto verifier = identity::create_access_token_verifier(config, clock);
        if (!key || !verifier) {
            __builtin_trap();
        }
        out.private_key = std::move(*key);
        out.verifier = std::move(*verifier);
        return out;
    }();
    return s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto& s = state();
    std::string_view input(reinterpret_cast<const char*>(data), size);

    // As a token: must be refused (or accepted) without crashing, whatever the bytes.
    (void)s.verifier->verify(input);

    // As a payload: sign it with the verifier's key so the claim checks see arbitrary JSON.
    if (auto signed_token =
            identity::sign_es256_compact(R"({"alg":"ES256","typ":"JWT"})", input, s.private_key.get())) {
        (void)s.verifier->verify(*signed_token);
    }

    // As an MC service ID: a valid one is returned unchanged.
    if (auto id = identity::validate_mc_service_id(input); id && *id != input) {
        __builtin_trap();
    }
    return 0;
}
