#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mcprov/kms_interface/kms_documents.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/result.hpp"

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
// The procedures of this module take the interface, so that tests can give them a fake KMS.
class kms_client {
public:
    // Over HTTPS; KmsRequest times come from `clock` (the system clock when null). Errors: invalid_argument (the CA
    // file cannot be read or used).
    static support::result<std::unique_ptr<kms_client>> create(kms_client_config config,
                                                               std::shared_ptr<support::clock> clock = nullptr);

    virtual ~kms_client() = default;

    // The KMS's own certificate (Role Root).
    virtual support::result<kms_interface::kms_certificate> init() = 0;
    // The user's key set for the key period holding `at` (the current one when unset).
    virtual support::result<kms_interface::kms_key_set>
    keyprov(std::optional<std::chrono::system_clock::time_point> at = std::nullopt) = 0;
    // The external domains' certificates (revoked ones marked), after the client's cache `known` if given.
    virtual support::result<kms_interface::kms_cert_cache>
    certcache(std::optional<std::int64_t> known = std::nullopt) = 0;
    // Reports a use of an external security domain (seed 002, 7.2.X.3.4).
    virtual support::result<void> report_use(std::string_view external_kms_uri, std::string_view peer_uri,
                                             std::chrono::system_clock::time_point used_at) = 0;
};

} // namespace mcprov::kmc
