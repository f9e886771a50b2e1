#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/http/client.hpp"
#include "mcprov/kms_interface/kms_documents.hpp"
#include "mcprov/mikey/i_message_exchange.hpp"

namespace mcprov::kmc {

struct kms_client_config {
    std::string kms_url;           // https://host:port of the user's KMS
    std::filesystem::path ca_file; // CAs trusted for the KMS's TLS certificate and for its response signatures
    std::string access_token;      // the user's, with the KMS's user scope
    std::string user_uri;          // the user the token is for (KmsRequest UserUri)
    std::chrono::seconds timeout{10};
};

// A client of one KMS (TS 33.180 Annex D): init, keyprov and certcache as signed KmsResponses, checked against the
// trusted CAs; and the external-domain use reports. A KmsError answer is an error with the KMS's code and message.
class kms_client {
public:
    static support::result<std::unique_ptr<kms_client>> create(kms_client_config config);

    // The KMS's own certificate (Role Root).
    support::result<kms_interface::kms_certificate> init();
    // The user's key set for the key period holding `at` (the current one when unset).
    support::result<kms_interface::kms_key_set>
    keyprov(std::optional<std::chrono::system_clock::time_point> at = std::nullopt);
    // The external domains' certificates (revoked ones marked), after the client's cache `known` if given.
    support::result<kms_interface::kms_cert_cache> certcache(std::optional<std::int64_t> known = std::nullopt);
    // Reports a use of an external security domain (seed 002, 7.2.X.3.4).
    support::result<void> report_use(std::string_view external_kms_uri, std::string_view peer_uri,
                                     std::chrono::system_clock::time_point used_at);

private:
    kms_client(kms_client_config config, std::unique_ptr<http::client> http, std::string ca_pem)
        : config_(std::move(config)), http_(std::move(http)), ca_pem_(std::move(ca_pem)) {}
    support::result<kms_interface::kms_response> post(const std::string& path);

    kms_client_config config_;
    std::unique_ptr<http::client> http_;
    std::string ca_pem_;
    std::string kms_uri_; // learnt from init
};

// What an MC client holds after init, keyprov and certcache: its KMS's certificate, its key set, and the
// certificates of the external domains its domain permits.
struct key_material {
    kms_interface::kms_certificate own;
    kms_interface::kms_key_set keys;
    std::vector<kms_interface::kms_certificate> external;
};

mikey::kms_identity identity_of(const kms_interface::kms_certificate& certificate);

// The certificate of `kms_uri` as this client may use it: its own KMS's, or a permitted external one that is not
// revoked and is valid at `now`. Errors: forbidden ("not permitted": not in the certcache; "revoked"; "expired").
support::result<kms_interface::kms_certificate>
usable_certificate(const key_material& material, std::string_view kms_uri, std::chrono::system_clock::time_point now);

// The trust function of mikey::process_i_message for this client: usable_certificate's answer.
mikey::kms_trust trust_of(const key_material& material, std::chrono::system_clock::time_point now);

// The client's own credentials as a responder.
support::result<mikey::responder_credentials> responder_of(const key_material& material);

// Checks a key set against its KMS's certificate (RFC 6508 6.1.2 for the RSK, RFC 6507 5.1.2 for the SSK and PVT).
// unauthenticated when they do not validate.
support::result<void> validate_key_set(const kms_interface::kms_certificate& kms,
                                       const kms_interface::kms_key_set& keys);

} // namespace mcprov::kmc
