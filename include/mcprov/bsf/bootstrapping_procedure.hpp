#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <variant>

#include "mcprov/gba/bootstrapping.hpp"
#include "mcprov/gba/digest.hpp"
#include "mcprov/gsup/hlr_client.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::bsf {

struct bootstrapping_settings {
    std::string name; // the realm, and the domain of every B-TID
    std::chrono::seconds key_lifetime{std::chrono::hours(12)};
    std::chrono::seconds challenge_lifetime{60};
    // The HLR is asked for at most max_vectors vectors (or re-synchronisations) of one subscriber within
    // vector_window; a request that would ask for more is told to come back later.
    unsigned max_vectors = 10;
    std::chrono::seconds vector_window{60};
};

// The BSF's side of the bootstrapping procedure over Ub (TS 33.220 clause 4.5.2, TS 24.109 clause 5.2): HTTP Digest
// AKA (RFC 3310) with the device, the vector from the subscriber's HLR, then a bootstrapping session (B-TID, Ks, key
// lifetime) kept in the store.
//
// The device names its IMPI (derived from its IMSI) in a first request with an empty nonce; it gets a challenge
// (RAND and AUTN in the nonce, qop auth-int), kept in the store, one per subscriber, for challenge_lifetime. Its answer
// is checked with XRES as the password, in constant time; right or wrong, the challenge is then used up, so that a
// replayed answer meets a fresh challenge and never a second session. An answer with AUTS (the card found the
// sequence number out of range; the digest then uses an empty password) re-synchronises the HLR once per challenge
// and gives a new challenge. A new session replaces the subscriber's previous one. A first request while the
// subscriber's challenge is pending (and was not given for a re-synchronisation) gets that challenge again, without
// asking the HLR: first requests alone, from anyone who knows the IMPI, neither replace it nor use up sequence
// numbers (a wrong answer still uses it up). However the requests come, the HLR is asked about one subscriber at
// most max_vectors times within vector_window (the times are kept in the store, per IMSI, for subscribers the HLR
// knows); past that, the request is throttled until the oldest ask leaves the window.
class bootstrapping_procedure {
public:
    // A successful bootstrap: the 200 OK's body and its Authentication-Info.
    struct bootstrapped {
        gba::bootstrapping_info info;
        std::string body; // the BootstrappingInfo document, which rspauth covers
        std::string authentication_info;
        std::string impi;
    };
    // A challenge to send with 401; `why` says what the request lacked (for the log).
    struct challenged {
        gba::digest_challenge challenge;
        std::string why;
    };
    // Too many vectors of the subscriber were asked for lately: answer 429 with Retry-After.
    struct throttled {
        std::chrono::seconds retry_after;
        std::string why;
    };
    using outcome = std::variant<challenged, bootstrapped, throttled>;

    bootstrapping_procedure(bootstrapping_settings settings, std::shared_ptr<store::document_store> documents,
                            std::shared_ptr<gsup::hlr_client> hlr, std::shared_ptr<support::clock> clock);

    // `presented` is the request's Authorization, `method` and `body` what its digest covers. Errors:
    // invalid_argument (a realm or algorithm this BSF does not use), forbidden (a user name that is not an IMPI of a
    // subscription the HLR serves; a wrong RES; a second AUTS for one challenge), unavailable (the HLR), io.
    support::result<outcome> run(const gba::digest_credentials& presented, std::string_view method,
                                 std::string_view body);

private:
    support::result<outcome> challenge(const std::string& imsi, const std::string& impi,
                                       const std::optional<gsup::hlr_client::resynchronisation>& resync,
                                       std::string why);
    outcome challenge_with(std::string nonce, std::string why) const;

    bootstrapping_settings settings_;
    std::shared_ptr<store::document_store> documents_;
    std::shared_ptr<gsup::hlr_client> hlr_;
    std::shared_ptr<support::clock> clock_;
};

// The store's keys of the BSF (docs/bsf.md): a subscriber's pending challenge, current session and recent asks of the
// HLR by IMSI, the session itself by RAND (what a B-TID carries).
store::document_key challenge_key(const std::string& imsi);
store::document_key subscriber_key(const std::string& imsi);
store::document_key session_key(std::string_view rand);
// When the HLR was last asked for the subscriber's vectors (JSON: {"asked": [UTC times]}).
store::document_key vectors_key(const std::string& imsi);

} // namespace mcprov::bsf
