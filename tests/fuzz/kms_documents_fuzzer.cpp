#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcprov/kms_interface/kms_documents.hpp"

// The TS 33.180 Annex D documents a KMS receives (KmsRequest) and a client receives (KmsResponse, KmsCertificate,
// KmsKeySet), from arbitrary bytes. The first byte picks the decoder ('0' request, '1' response, '2' certificate, '3'
// key set), so that the corpus of each document type keeps reaching its own decoder. A document that decodes must
// survive a round trip through the encoder unchanged: whatever mcprov accepts, it can write, and reads back as the same
// value. (The one refusal allowed is too_large: a compact document near the size limit can grow past it when written
// with indentation.)
namespace {

template <class T, class Encode, class Decode> void round_trip(const T& value, Encode encode, Decode decode) {
    auto text = encode(value);
    if (!text) {
        if (text.err().code == mcprov::support::errc::too_large) {
            return;
        }
        __builtin_trap();
    }
    auto again = decode(*text);
    if (!again || !(*again == value)) {
        __builtin_trap();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mcprov::kms_interface;
    if (size == 0) {
        return 0;
    }
    const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 4) {
    case 0:
        if (auto request = decode_kms_request(bytes)) {
            round_trip(*request, encode_kms_request, decode_kms_request);
        }
        break;
    case 1:
        if (auto response = decode_kms_response(bytes)) {
            round_trip(*response, encode_kms_response, decode_kms_response);
        }
        break;
    case 2:
        if (auto certificate = decode_kms_certificate(bytes)) {
            round_trip(*certificate, encode_kms_certificate, decode_kms_certificate);
        }
        break;
    default:
        if (auto key_set = decode_kms_key_set(bytes)) {
            round_trip(*key_set, encode_kms_key_set, decode_kms_key_set);
        }
        break;
    }
    return 0;
}
