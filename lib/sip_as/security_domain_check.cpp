#include "mcprov/sip_as/security_domain_check.hpp"

#include <algorithm>

namespace mcprov::sip_as {
namespace {

using kms_interface::krr_role;
using support::errc;
using support::make_error;
using support::result;

bool contains(const std::vector<std::string>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

std::string uri_or(const mikey::identity* id, std::string_view fallback) {
    return id && id->type == mikey::id_type::uri ? id->data : std::string(fallback);
}

} // namespace

result<key_management_parties> parties_of(const mikey::i_message& message, std::string_view request_from,
                                          std::string_view request_target) {
    const auto* kmsi = message.find_identity(mikey::id_role::initiator_kms);
    const auto* kmsr = message.find_identity(mikey::id_role::responder_kms);
    if (!kmsi || kmsi->data.empty() || !kmsr || kmsr->data.empty()) {
        return make_error(errc::invalid_argument, std::string("the I_MESSAGE names no ") +
                                                      (!kmsi || kmsi->data.empty() ? "initiator" : "responder") +
                                                      " KMS (IDR" + (!kmsi || kmsi->data.empty() ? "kmsi" : "kmsr") +
                                                      ")");
    }
    return key_management_parties{.initiator = uri_or(message.find_identity(mikey::id_role::initiator), request_from),
                                  .responder = uri_or(message.find_identity(mikey::id_role::responder), request_target),
                                  .initiator_kms = kmsi->data,
                                  .responder_kms = kmsr->data};
}

bool path_policy::allows(std::string_view kms_uri) const {
    return allowed_kms.empty() || contains(allowed_kms, kms_uri);
}

security_domain_check::security_domain_check(std::shared_ptr<const lookup::user_domains> lookup,
                                             path_policy policy)
    : lookup_(std::move(lookup)), policy_(std::move(policy)) {}

result<domain_verdict> security_domain_check::judge(const key_management_parties& p) const {
    auto found = lookup_->domains_of(p.responder);
    if (!found) {
        return std::move(found).err();
    }
    const auto& domains = *found;
    if (domains.empty()) {
        return domain_verdict{};
    }
    const auto responders = std::find_if(domains.begin(), domains.end(),
                                         [&](const lookup::supported_domain& d) { return d.kms_uri == p.responder_kms; });
    if (responders == domains.end() || !policy_.allows(p.responder_kms)) {
        domain_verdict v{.forward = false,
                         .role = krr_role::responder,
                         .rejected_kms = p.responder_kms,
                         .acceptable = {},
                         .reason = responders == domains.end()
                                       ? p.responder + " is not in the security domain of " + p.responder_kms
                                       : p.responder_kms + " is not permitted on this path"};
        // The responder's domains this server allows, those that accept the initiator's KMS first.
        for (const bool accepts_initiator : {true, false}) {
            for (const auto& d : domains) {
                const bool accepts = d.kms_uri == p.initiator_kms || contains(d.permitted_external, p.initiator_kms);
                if (accepts == accepts_initiator && policy_.allows(d.kms_uri) && d.kms_uri != p.responder_kms) {
                    v.acceptable.push_back(d.kms_uri);
                }
            }
        }
        return v;
    }
    const auto& domain = *responders;
    const bool permitted = p.initiator_kms == domain.kms_uri || contains(domain.permitted_external, p.initiator_kms);
    if (!permitted || !policy_.allows(p.initiator_kms)) {
        domain_verdict v{.forward = false,
                         .role = krr_role::initiator,
                         .rejected_kms = p.initiator_kms,
                         .acceptable = {},
                         .reason = !permitted ? p.responder_kms + " does not permit " + p.initiator_kms
                                              : p.initiator_kms + " is not permitted on this path"};
        if (policy_.allows(domain.kms_uri)) {
            v.acceptable.push_back(domain.kms_uri);
        }
        for (const auto& external : domain.permitted_external) {
            if (policy_.allows(external) && external != p.initiator_kms) {
                v.acceptable.push_back(external);
            }
        }
        return v;
    }
    return domain_verdict{};
}

result<krr_narrowing_outcome> narrow_krr(std::string_view received, const path_policy& policy,
                                         const std::string& redirector, std::chrono::system_clock::time_point now,
                                         const std::optional<xml::signer>& key, std::string_view trusted_ca_pem) {
    auto read = kms_interface::decode_kms_redirect_response(received);
    if (!read) {
        return std::move(read).err();
    }
    if (!trusted_ca_pem.empty()) {
        if (auto verified = kms_interface::verify_kms_redirect_response(received, trusted_ca_pem); !verified) {
            return std::move(verified).err();
        }
    }
    krr_narrowing_outcome out;
    for (const auto& uri : read->krr.acceptable) {
        if (policy.allows(uri)) {
            out.acceptable.push_back(uri);
        }
    }
    if (out.acceptable.size() == read->krr.acceptable.size()) {
        return out;
    }
    if (read->nesting + 1 > kms_interface::max_krr_nesting) {
        return make_error(errc::too_large, "the KMS Redirect Response has been narrowed " +
                                               std::to_string(read->nesting + 1) + " times: a redirect loop");
    }
    auto krr = read->krr;
    krr.time = now;
    krr.redirector = redirector;
    krr.acceptable = out.acceptable;
    krr.reason = "narrowed by " + redirector + "'s policy";
    krr.embedded = std::string(received);
    auto body = key ? kms_interface::sign_kms_redirect_response(krr, *key)
                    : kms_interface::encode_kms_redirect_response(krr);
    if (!body) {
        return std::move(body).err();
    }
    out.narrowed = true;
    out.body = std::move(*body);
    return out;
}

result<std::string> redirect_krr(const domain_verdict& verdict, const key_management_parties& parties,
                                 const std::string& redirector, std::chrono::system_clock::time_point now,
                                 const std::optional<xml::signer>& key) {
    const kms_interface::kms_redirect_response krr{.time = now,
                                                   .redirector = redirector,
                                                   .initiator = parties.initiator,
                                                   .responder = parties.responder,
                                                   .role = verdict.role,
                                                   .rejected_kms = verdict.rejected_kms,
                                                   .acceptable = verdict.acceptable,
                                                   .reason = verdict.reason,
                                                   .embedded = std::nullopt};
    return key ? kms_interface::sign_kms_redirect_response(krr, *key) : kms_interface::encode_kms_redirect_response(krr);
}

} // namespace mcprov::sip_as
