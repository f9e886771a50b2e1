#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "mcprov/syncml/credentials.hpp"
#include "mcprov/syncml/message.hpp"

namespace mcprov::dms {

enum class auth_scheme { basic, md5, mac };

std::string_view auth_type(auth_scheme scheme); // syncml:auth-basic, syncml:auth-md5, syncml:auth-MAC

// What the server keeps about one device's credentials (its DMAcc entries, seen from the server).
struct device_credentials {
    std::string client_name;   // the device's user name (CLCRED AAuthName; SyncHdr Source LocName)
    std::string client_secret; // the device's password towards the server
    std::string client_nonce;  // raw: the nonce the server last gave the device (NextNonce)
    std::string server_name;   // the server's name towards the device (SRVCRED AAuthName)
    std::string server_secret; // a password of its own per device (DM Security 5.1.1)
    std::string server_nonce;  // raw: the nonce the device last gave the server
    // Where its notifications (package 0) go: the push endpoint standing in for its WAP push or SMS address; empty:
    // the device is not notified, it calls in.
    std::string push_url{};
};

// Where one session stands (kept with the session).
struct session_authentication {
    bool authenticated = false;
    unsigned challenges = 0; // challenges sent in this session
};

// What a message presented: its SyncHdr Cred, or (auth-MAC) the x-syncml-hmac header and the body it covers.
struct presented_credentials {
    std::optional<syncml::credential> cred;
    std::optional<syncml::hmac_header> hmac;
    std::string_view body;
    std::string_view source_name; // SyncHdr Source LocName
};

struct authentication_outcome {
    unsigned status = 0;                  // for the SyncHdr's Status: 200, 212, 401 or 407
    std::optional<syncml::meta> chal;     // the challenge to send with it
    std::optional<std::string> new_nonce; // raw: to keep as the device's client_nonce (it is in chal)
    bool end_session = false;             // the second challenge failed too: answer, then end the session
};

// OMA DM 1.2 clause 9 and DM Security 5.1: the server authenticates the device. A message of a session not yet
// authenticated must carry the device's credentials of the required scheme, made with the nonce the server gave last:
//  - none: 407 and a challenge with a fresh nonce;
//  - wrong (another scheme, another name, a stale nonce, a replayed message): 401 and a challenge with a fresh nonce;
//  - right: 212 (the session is authenticated) and a fresh nonce for the next time.
// After two challenges in a session, a failure ends it (401, no challenge): a client never loops. Once authenticated,
// messages need no credentials (200), except with auth-MAC, where every message carries a MAC over its body, made with
// the latest nonce. Nonces are 16 bytes from `nonces`; credentials are compared in constant time.
class client_authentication {
public:
    client_authentication(auth_scheme required, std::function<std::string()> nonces);

    authentication_outcome run(const presented_credentials& presented, const device_credentials& device,
                               session_authentication& session) const;

    // The server's credentials towards the device (its Cred in every message of an md5 or basic session).
    syncml::credential server_credential(const device_credentials& device) const;

private:
    bool verify(const presented_credentials& presented, const device_credentials& device) const;
    authentication_outcome challenge(unsigned status) const;

    auth_scheme required_;
    std::function<std::string()> nonces_;
};

} // namespace mcprov::dms
