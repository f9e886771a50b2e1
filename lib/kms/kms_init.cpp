#include "mcprov/kms/kms_init.hpp"

#include "mcprov/support/log.hpp"

namespace mcprov::kms {

kms_interface::kms_init kms_init::run(std::string_view user) const {
    static const auto log = support::logger("kms");
    log->info("{}: init", support::printable(user));
    return kms_interface::kms_init{domain_->certificate()};
}

} // namespace mcprov::kms
