#include "mcprov/kms/key_provisioning.hpp"

#include "mcprov/support/log.hpp"

namespace mcprov::kms {

using support::errc;
using support::make_error;
using support::result;

result<kms_interface::kms_key_prov> key_provisioning::run(std::string_view user,
                                                          const std::optional<std::string>& for_uri,
                                                          std::optional<std::uint64_t> ntp_time) const {
    static const auto log = support::logger("kms");
    if (for_uri && *for_uri != user) {
        return make_error(errc::forbidden, std::string(user) + " may not have the keys of " +
                                               support::printable(*for_uri, 200) +
                                               " (group keys are not issued by this KMS)");
    }
    auto number = ntp_time ? mikey::key_period_number(mikey::from_ntp_timestamp(*ntp_time), domain_->periods())
                           : domain_->current_key_period();
    if (!number) {
        return std::move(number).err();
    }
    auto set = domain_->issue_key_set(user, *number);
    if (!set) {
        log->info("{}: keyprov for period {} refused: {}", support::printable(user), *number,
                  support::printable(set.err().message));
        return std::move(set).err();
    }
    log->info("{}: keyprov: key set for period {}", support::printable(user), *number);
    return kms_interface::kms_key_prov{{std::move(set).value()}};
}

} // namespace mcprov::kms
