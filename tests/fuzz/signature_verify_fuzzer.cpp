// libFuzzer target: untrusted bytes through enveloped-signature verification against a fixed trusted CA. The seed
// corpus (corpus/signature_verify/) holds documents signed by a certificate of that CA, valid until 2126, so that
// mutations reach xmlsec's transforms, digest, signature and certificate code and not only the parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/xml/signature.hpp"

namespace {

// "CN=mcprov fuzz CA", P-256, self-signed, valid until 2126. Its private key was discarded after signing the seeds.
constexpr std::string_view trusted_ca = R"(-----BEGIN CERTIFICATE-----
MIIBmTCCAT+gAwIBAgIUGRVOSYAPzsuVHybf4uIpRENnL/owCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwObWNwcm92IGZ1enogQ0EwIBcNMjYxMTIzMTkyMzMzWhgPMjEy
NjEwMzAxOTIzMzNaMBkxFzAVBgNVBAMMDm1jcHJvdiBmdXp6IENBMFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAE4UW23v2AcqWZh4s8Rk6E4jVj6ez/d13r+c70yA3N
L//2LA3aFvLvjna4j8ZeP6V1A+CWhMjQaGKybUF1H3PsMaNjMGEwHQYDVR0OBBYE
FN7SHp+efMib271K2tSZpcapV8lBMB8GA1UdIwQYMBaAFN7SHp+efMib271K2tSZ
pcapV8lBMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49
BAMCA0gAMEUCIQCdmDb55C+EHO8e74Cflm5zC/5YGhpb1Dc/7/1BfyA/BAIgX8nE
j5FUKUzPTusj/EXGo4OIuiVEaFECigojLzymah0=
-----END CERTIFICATE-----
)";

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto verified =
        mcprov::xml::verify_enveloped(std::string_view(reinterpret_cast<const char*>(data), size), trusted_ca);
    if (verified) {
        (void)verified->signer_subject.size();
        (void)verified->unsigned_document.size();
    }
    return 0;
}
