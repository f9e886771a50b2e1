#include "mcprov/dms/client_authentication.hpp"

#include <stdexcept>


#include "mcprov/support/encoding.hpp"

namespace mcprov::dms {
namespace {

constexpr unsigned max_challenges = 2;

} // namespace

std::string_view auth_type(auth_scheme scheme) {
    switch (scheme) {
    case auth_scheme::basic:
        return syncml::auth_basic;
    case auth_scheme::md5:
        return syncml::auth_md5;
    case auth_scheme::mac:
        return syncml::auth_mac;
    }
    return syncml::auth_md5;
}

client_authentication::client_authentication(auth_scheme required, std::function<std::string()> nonces)
    : required_(required), nonces_(std::move(nonces)) {}

bool client_authentication::verify(const presented_credentials& p, const device_credentials& d) const {
    if (!p.source_name.empty() && p.source_name != d.client_name) {
        return false;
    }
    switch (required_) {
    case auth_scheme::mac:
        return p.hmac && p.hmac->username == d.client_name &&
               syncml::credentials_equal(p.hmac->mac, syncml::mac_credential(d.client_name, d.client_secret,
                                                                             d.client_nonce, p.body));
    case auth_scheme::md5:
        return p.cred && p.cred->meta.type == syncml::auth_md5 &&
               syncml::credentials_equal(p.cred->data,
                                         syncml::md5_credential(d.client_name, d.client_secret, d.client_nonce));
    case auth_scheme::basic:
        return p.cred && p.cred->meta.type == syncml::auth_basic &&
               syncml::credentials_equal(p.cred->data, syncml::basic_credential(d.client_name, d.client_secret));
    }
    return false;
}

authentication_outcome client_authentication::challenge(unsigned status) const {
    authentication_outcome out;
    out.status = status;
    syncml::meta chal;
    chal.type = std::string(auth_type(required_));
    chal.format = "b64";
    if (required_ != auth_scheme::basic) {
        out.new_nonce = nonces_();
        chal.next_nonce = support::base64_encode(*out.new_nonce);
    }
    out.chal = std::move(chal);
    return out;
}

authentication_outcome client_authentication::run(const presented_credentials& p, const device_credentials& d,
                                                  session_authentication& session) const {
    const bool presented = required_ == auth_scheme::mac ? p.hmac.has_value() : p.cred.has_value();
    if (session.authenticated && (required_ != auth_scheme::mac || (presented && verify(p, d)))) {
        return {200, std::nullopt, std::nullopt, false};
    }
    session.authenticated = false;
    if (presented && verify(p, d)) {
        session.authenticated = true;
        return challenge(212); // its nonce is the one for the next time
    }
    if (session.challenges >= max_challenges) {
        return {401, std::nullopt, std::nullopt, true};
    }
    ++session.challenges;
    return challenge(presented ? 401 : 407);
}

syncml::credential client_authentication::server_credential(const device_credentials& d) const {
    syncml::credential cred;
    cred.meta.format = "b64";
    if (required_ == auth_scheme::basic) {
        cred.meta.type = std::string(syncml::auth_basic);
        cred.data = syncml::basic_credential(d.server_name, d.server_secret);
    } else {
        cred.meta.type = std::string(syncml::auth_md5);
        cred.data = syncml::md5_credential(d.server_name, d.server_secret, d.server_nonce);
    }
    return cred;
}

} // namespace mcprov::dms
