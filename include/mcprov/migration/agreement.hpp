#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/migration/template_catalogue.hpp"

namespace mcprov::migration {

// A migration agreement with one partner MC system, as this system's operator configured it. The same agreement
// serves both directions: this system as primary for the partner's requests, and as partner for the partner's
// visiting users.
struct partner_agreement {
    std::string system;               // the partner MC system's identity
    std::string endpoint;             // base URL of its CSCM-x interface, e.g. https://cscm.mcx-b.example.org:9443
    std::string ca_pem;               // the certificate authority that vouches for its CMS, both directions
    std::string ca_file;              // where ca_pem came from (for the TLS client)
    std::string certificate_name;     // the name its CMS certificate must carry
    std::vector<std::string> user_domains; // patterns over the host part of its users' MC service IDs
    std::string idms_issuer;          // its identity management server, whose tokens its visiting users present
    std::string idms_public_key_pem;
    std::optional<organisation_rule> organisation;
};

// The host part of a sip: or sips: MC service ID ("sip:alice@police.mcx-a.example.org" gives
// "police.mcx-a.example.org"), as written: what follows the first '@' up to a port, parameters (';') or headers
// ('?'); the ID may be enclosed in <>. Empty when there is none or the ID is not one a SIP parser reads the same
// way: another scheme, no user, a ';' or '?' in the user part, a host with characters other than letters, digits,
// '-' and '.' (or a bracketed IPv6 reference), a port that is not 1 to 5 digits, or anything else after the host.
std::string_view host_of(std::string_view mc_service_id);

// Whether an MC service ID belongs to the partner's users: its host matches one of user_domains, compared without
// regard to case (host names are case-insensitive).
bool is_user_of(const partner_agreement& agreement, std::string_view mc_service_id);

// The agreements of one MC system.
class agreement_set {
public:
    // invalid_argument when two agreements name the same system or the same identity management server.
    static support::result<agreement_set> create(std::vector<partner_agreement> agreements);

    const partner_agreement* find_system(std::string_view system) const;
    const partner_agreement* find_idms(std::string_view issuer) const;
    const std::vector<partner_agreement>& all() const { return agreements_; }
    bool empty() const { return agreements_.empty(); }

private:
    std::vector<partner_agreement> agreements_;
};

} // namespace mcprov::migration
