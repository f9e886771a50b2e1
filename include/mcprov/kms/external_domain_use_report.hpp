#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "mcprov/kms/security_domain_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::kms {

// Reporting external security domain use (seed 002, 7.2.X.3.4): a member says it used an external domain with a
// peer, so that misuse can be detected and the domain's certificate revoked. The report is kept with whether this
// domain's policy permitted that domain when it arrived.
class external_domain_use_report {
public:
    external_domain_use_report(std::shared_ptr<security_domain_store> store, std::string kms_uri,
                               std::shared_ptr<const support::clock> clock)
        : store_(std::move(store)), kms_uri_(std::move(kms_uri)), clock_(std::move(clock)) {}

    // `report`: the JSON object {"external_kms_uri", "peer_uri", "used_at" (RFC 3339 UTC)}, nothing else; the
    // reporter is the caller, never a field of the report. Returns what was kept. Errors: forbidden (not a member),
    // invalid_argument (not such an object, naming a member it does not know; a field the store refuses), unavailable
    // (the store failed; the cause is logged, not returned).
    support::result<external_domain_use> run(std::string_view reporter, std::string_view report) const;

private:
    std::shared_ptr<security_domain_store> store_;
    std::string kms_uri_;
    std::shared_ptr<const support::clock> clock_;
};

} // namespace mcprov::kms
