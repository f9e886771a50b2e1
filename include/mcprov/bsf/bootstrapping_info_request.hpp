#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mcprov/gba/bootstrapping.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::bsf {

// Zn (TS 33.220 clause 4.5.3, TS 29.109's Bootstrapping-Info-Request): a NAF that a device gave a B-TID asks for the
// key of that B-TID for its own NAF_Id, and the subscriber's identity. The BSF derives Ks_NAF from the session's Ks
// (Annex B.3); Ks itself never leaves the BSF.
//
// A NAF is authorised when its FQDN (NAF_Id without its last five octets) is one of `nafs` and its client certificate
// names that FQDN: a NAF gets keys for its own name only.
class bootstrapping_info_request {
public:
    bootstrapping_info_request(std::vector<std::string> nafs, std::shared_ptr<const store::document_store> documents,
                               std::shared_ptr<support::clock> clock);

    // Errors: forbidden (a NAF not authorised, or asking for another NAF's key), not_found (no session of this B-TID,
    // or it has expired: the device must bootstrap again), invalid_argument, io.
    support::result<gba::zn_answer> run(const gba::zn_request& request, std::string_view naf_certificate_pem) const;

private:
    std::vector<std::string> nafs_;
    std::shared_ptr<const store::document_store> documents_;
    std::shared_ptr<support::clock> clock_;
};

} // namespace mcprov::bsf
