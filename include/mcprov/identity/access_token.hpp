#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/clock.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::identity {

// The claims of a TS 33.180 Annex B access token that mcprov acts on.
struct access_token {
    std::string issuer;
    std::string subject;
    std::vector<std::string> audience;
    std::string client_id;
    // MC ID (claim "mc_id"); a Release 13 token carries only "mcptt_id", which then fills this too.
    std::string mc_id;
    // Per-service MC service IDs ("mcptt_id", "mcdata_id", "mcvideo_id"); empty when the token does not name one.
    std::string mcptt_id;
    std::string mcdata_id;
    std::string mcvideo_id;
    std::vector<std::string> scopes; // the space-separated "scope" claim
    std::chrono::system_clock::time_point issued_at;
    std::chrono::system_clock::time_point expires_at;

    bool has_scope(std::string_view scope) const;
};

struct verifier_config {
    std::string issuer;              // required "iss"
    std::string audience;            // must appear in "aud"
    std::string public_key_pem;      // the identity management server's P-256 public key (SubjectPublicKeyInfo PEM)
    std::chrono::seconds leeway{30}; // clock skew allowed on exp/nbf/iat (TS 33.180: at most 30 s)
    // The longest a token may be valid: exp - iat, and exp - now (for a token without iat), beyond leeway.
    std::chrono::seconds max_lifetime{24 * 3600};
    std::size_t max_token_bytes = 8192;
    std::size_t cache_entries = 4096; // verified tokens remembered until they expire
};

// Verifies compact JWS access tokens signed ES256 (RFC 7515/7518/7519). Only "alg":"ES256" is accepted; "none",
// HMAC and every other algorithm are refused. Thread-safe.
class access_token_verifier {
public:
    virtual ~access_token_verifier() = default;
    // unauthenticated with a precise reason: malformed, bad signature, wrong issuer/audience, expired, not yet
    // valid, valid for longer than max_lifetime, exp/nbf/iat not an integer from 1970 to 9999, missing MC ID;
    // too_large for an oversized token.
    virtual support::result<access_token> verify(std::string_view compact) const = 0;
};

// The "iss" claim of a compact JWS, read without verifying anything: only to pick the verifier (the identity
// management server) a token must then be verified with. Empty when it cannot be read.
std::string unverified_issuer(std::string_view compact, std::size_t max_token_bytes = 8192);

support::result<std::unique_ptr<access_token_verifier>>
create_access_token_verifier(verifier_config config, std::shared_ptr<support::clock> clock);

// What an issued token says; issued_at comes from the issuer's clock.
struct token_request {
    std::string issuer;
    std::string subject;
    std::vector<std::string> audience;
    std::string client_id = "mcprov";
    std::string mc_id;
    std::string mcptt_id; // mcptt_id/mcdata_id/mcvideo_id are each emitted only when non-empty
    std::string mcdata_id;
    std::string mcvideo_id;
    std::vector<std::string> scopes;
    std::chrono::seconds lifetime{3600};
};

// Signs access tokens ES256 with a P-256 private key; what a test or the local deployment uses in place of an
// identity management server.
class token_issuer {
public:
    virtual ~token_issuer() = default;
    virtual support::result<std::string> issue(const token_request& request) const = 0;
};

support::result<std::unique_ptr<token_issuer>> create_token_issuer(std::string private_key_pem,
                                                                   std::shared_ptr<support::clock> clock);

// Key material helpers (PEM, PKCS#8 private and SubjectPublicKeyInfo public).
support::result<std::string> generate_p256_private_key_pem();
support::result<std::string> public_key_pem_from_private(std::string_view private_key_pem);

} // namespace mcprov::identity
