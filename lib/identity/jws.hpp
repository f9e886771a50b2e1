#pragma once

// Internal to the identity module (and its tests): the ES256 compact JWS layer and P-256 key handling on top of
// OpenSSL 3. Not part of the public interface.

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <openssl/evp.h>

#include "mcprov/support/result.hpp"

namespace mcprov::identity {

struct evp_pkey_deleter {
    void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
using evp_pkey_ptr = std::unique_ptr<EVP_PKEY, evp_pkey_deleter>;

// Loads a SubjectPublicKeyInfo PEM public key; invalid_argument unless it is an EC P-256 key.
support::result<evp_pkey_ptr> load_p256_public_key_pem(std::string_view pem);
// Loads an unencrypted PEM private key (PKCS#8 or traditional EC); invalid_argument unless it is EC P-256.
support::result<evp_pkey_ptr> load_p256_private_key_pem(std::string_view pem);
// Builds a P-256 public key from its affine coordinates (32 bytes each, big-endian), as in a JWK's "x" and "y".
support::result<evp_pkey_ptr> p256_public_key_from_coordinates(std::string_view x, std::string_view y);
// True when key is an EC key on P-256.
bool is_p256_key(const EVP_PKEY* key);

// Verifies an ES256 compact JWS: exactly three base64url segments, a protected header that is a JSON object with
// "alg":"ES256" (no "crit"; "typ", if present, "JWT" or "at+jwt"), a 64-byte R||S signature that verifies under
// key over "header.payload". Returns the decoded (header JSON, payload JSON) texts; the payload is not parsed.
// Errors: unauthenticated with the reason.
support::result<std::pair<std::string, std::string>> verify_es256_compact(std::string_view compact, EVP_PKEY* key);

// Signs header_json and payload_json (taken verbatim) ES256 with a P-256 private key and returns the compact JWS.
support::result<std::string> sign_es256_compact(std::string_view header_json, std::string_view payload_json,
                                                EVP_PKEY* key);

} // namespace mcprov::identity
