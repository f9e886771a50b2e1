#pragma once

#include <memory>

#include "mcprov/http/server.hpp"
#include "mcprov/kms/config.hpp"
#include "mcprov/kms/kms_handler.hpp"
#include "mcprov/kms/security_domain.hpp"

namespace mcprov::app {

// A KMS built from its configuration: the domain opened with its master key, the token check, the HTTP interface.
struct running_kms {
    std::shared_ptr<kms::security_domain> domain;
    std::shared_ptr<kms::kms_handler> handler;
    std::unique_ptr<http::server> server;
};

support::result<running_kms> start_kms(const kms::kms_config& config);

} // namespace mcprov::app
