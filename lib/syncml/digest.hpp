#pragma once

#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "mcprov/support/encoding.hpp"

// H and B64(H) of OMA-TS-DM_Security-V1_2 (lib/syncml only): H is MD5.
namespace mcprov::syncml::detail {

inline std::string md5(std::string_view bytes) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(bytes.data(), bytes.size(), out, &size, EVP_md5(), nullptr);
    return std::string(reinterpret_cast<const char*>(out), size);
}

inline std::string b64_md5(std::string_view bytes) {
    return support::base64_encode(md5(bytes));
}

} // namespace mcprov::syncml::detail
