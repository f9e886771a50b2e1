#pragma once

#include <memory>
#include <string_view>

#include "mcprov/kms/security_domain.hpp"
#include "mcprov/kms_interface/kms_documents.hpp"

namespace mcprov::kms {

// KMS Initialize (TS 33.180 D.2.1, D.3.1): the domain's own KmsCertificate, Role Root. The certificate is public:
// any caller with the user scope gets it, member or not.
class kms_init {
public:
    explicit kms_init(std::shared_ptr<const security_domain> domain) : domain_(std::move(domain)) {}

    kms_interface::kms_init run(std::string_view user) const;

private:
    std::shared_ptr<const security_domain> domain_;
};

} // namespace mcprov::kms
