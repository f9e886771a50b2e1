#pragma once

#include <chrono>
#include <string>

#include "mcprov/agent/smart_card.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::agent {

// What a device keeps of a GBA bootstrap (GBA_ME: Ks stays in the device, TS 33.220 clause 4.5.2).
struct gba_session {
    std::string btid;
    std::string impi;
    std::string rand; // raw, 16 octets
    std::string ks;   // raw, CK || IK
    std::chrono::system_clock::time_point lifetime;
};

// The device's side of the bootstrapping procedure over Ub (TS 24.109 clause 5.2, HTTP Digest AKA of RFC 3310): it
// names its IMPI, has the card answer the BSF's RAND and AUTN with AUTHENTICATE (PIN1 must already be verified when
// the card asks for it), answers with RES as the digest password, checks the BSF's rspauth, and takes the B-TID and
// key lifetime. When the card finds the sequence number out of range it sends AUTS once, and answers the new
// challenge.
//
// Errors: unauthenticated (the card refused the BSF's AUTN: not the subscriber's network; the BSF's rspauth does not
// verify), forbidden (the BSF refused the subscriber or the response), unavailable (BSF or card), invalid_argument (a
// malformed answer from the BSF).
class gba_bootstrapping {
public:
    gba_bootstrapping(http::client& client, std::string bsf_url) : client_(client), url_(std::move(bsf_url)) {}

    support::result<gba_session> run(usim_card& card, const std::string& impi);

private:
    http::client& client_;
    std::string url_;
};

// Ks_NAF for a NAF of this session (TS 33.220 Annex B.3).
std::string ks_naf_of(const gba_session& session, std::string_view naf_fqdn, std::string_view ua_protocol_id);

} // namespace mcprov::agent
