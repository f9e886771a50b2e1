#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/kms_interface/kms_redirect_response.hpp"
#include "mcprov/lookup/security_domain_lookup.hpp"
#include "mcprov/mikey/i_message.hpp"
#include "mcprov/support/result.hpp"
#include "mcprov/xml/signature.hpp"

// An application server in the signalling path of a private call (seed 002, 7.2.X.3.2 steps 2, 3, 5 and 6; TS 33.180
// 5.2.8): it checks the security domains an I_MESSAGE uses against the target's domains (the security-domain lookup)
// and its own policy, and either lets the request go on or answers a KMS Redirect Response; it narrows the KRRs that
// come back from downstream by the same policy.
namespace mcprov::sip_as {

// Who an I_MESSAGE is between, and under which KMSs.
struct key_management_parties {
    std::string initiator;     // IDRi when it is a URI, else the request's From
    std::string responder;     // IDRr when it is a URI, else the request's target
    std::string initiator_kms; // IDRkmsi: the KMS of the initiator's signing key
    std::string responder_kms; // IDRkmsr: the KMS under which the key is encapsulated to the responder
};

// Errors: invalid_argument when the message names no initiator or responder KMS (an I_MESSAGE MIKEY-SAKKE endpoints
// could not process either), with which is missing.
support::result<key_management_parties> parties_of(const mikey::i_message& message, std::string_view request_from,
                                                    std::string_view request_target);

// This server's own policy: the KMS URIs (security domains) it lets be used on its path; empty: any the lookup knows.
struct path_policy {
    std::vector<std::string> allowed_kms;
    bool allows(std::string_view kms_uri) const;
};

struct domain_verdict {
    bool forward = true;
    // When not forwarded: the KRR's content.
    kms_interface::krr_role role = kms_interface::krr_role::responder;
    std::string rejected_kms;
    std::vector<std::string> acceptable;
    std::string reason;
};

// The check of steps 2 and 3. The responder's KMS must be one of the responder's domains (the lookup) that this
// server allows, else a redirect for the responder's role lists the responder's allowed domains (those that accept
// the initiator's KMS first). Then the initiator's KMS must be the responder's KMS or an external domain that domain
// permits, and allowed here, else a redirect for the initiator's role lists the responder's KMS and the external
// domains it permits that are allowed here. A responder the lookup does not know is let through: this server cannot
// judge it, a server or client further on will. Errors: those of the lookup (unavailable: this server cannot judge).
class security_domain_check {
public:
    security_domain_check(std::shared_ptr<const lookup::user_domains> lookup, path_policy policy);
    support::result<domain_verdict> judge(const key_management_parties& parties) const;
    const path_policy& policy() const { return policy_; }

private:
    std::shared_ptr<const lookup::user_domains> lookup_;
    path_policy policy_;
};

// What a server does with a KRR from downstream (steps 5 and 6).
struct krr_narrowing_outcome {
    bool narrowed = false; // false: the KRR goes on untouched
    std::string body;      // narrowed: this server's KRR, embedding the one received
    std::vector<std::string> acceptable;
};

// Narrows a KRR received from downstream by this server's policy: when some of its KMS URIs are not allowed here, a
// new KRR (made by `redirector` at `now`, signed when `key` is given) embeds the received one with the shorter list;
// otherwise the received one goes on as it is. `trusted_ca_pem` non-empty: the received KRR's signatures must verify
// against it. Errors: those of decoding the KRR (it does not validate: the caller answers 502), unauthenticated (its
// signature does not verify), too_large (embedding it would nest too deep: a redirect loop).
support::result<krr_narrowing_outcome> narrow_krr(std::string_view received, const path_policy& policy,
                                                  const std::string& redirector,
                                                  std::chrono::system_clock::time_point now,
                                                  const std::optional<xml::signer>& key,
                                                  std::string_view trusted_ca_pem);

// This server's own KRR for a verdict that does not forward.
support::result<std::string> redirect_krr(const domain_verdict& verdict, const key_management_parties& parties,
                                          const std::string& redirector, std::chrono::system_clock::time_point now,
                                          const std::optional<xml::signer>& key);

} // namespace mcprov::sip_as
