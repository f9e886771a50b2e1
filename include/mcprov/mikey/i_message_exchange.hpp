#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/mikey/i_message.hpp"
#include "mcprov/mikey/keys.hpp"
#include "mcprov/mikey/user_identifier.hpp"
#include "mcprov/support/result.hpp"

// Building and processing a MIKEY-SAKKE I_MESSAGE between two MC users (TS 33.180 5.2.2 and Annex E.3, RFC 6509
// section 2): the initiator encapsulates a fresh shared secret (the SSV, e.g. a PCK) to the responder's UID for the
// key period of the message time and signs the message with its own UID's keys; the responder checks who sent it,
// when, under which KMS, and extracts the SSV with its RSK. The two may belong to different KMSs (security domains).
namespace mcprov::mikey {

// A KMS as its users know it: its URI (the IDRkms* payloads, P2 of the UID), its KmsCertificate public keys and its
// key periods.
struct kms_identity {
    std::string uri;
    public_keys keys;
    key_period_parameters periods;
};

// How an I_MESSAGE names its initiator and responder (TS 33.180 Annex E).
enum class identity_form {
    // IDRi and IDRr carry their MC service IDs (URIs), as E.2, E.3 and E.4 (GMK, PCK, CSK) say: what every receiver
    // reads, and what build_i_message writes unless asked otherwise.
    uri,
    // IDRuidi (8) and IDRuidr (9) carry their UIDs (F.2.1) instead: the identity hiding of E.7 (clause 5.2.6). The
    // receiver verifies the signature for the UID and learns the initiator's URI elsewhere (confirm_initiator).
    // build_i_message writes the 32 octets with ID Type byte string (2); process_i_message also takes them with ID
    // Type URI (1), as Streamwide's MIKEY-SAKKE library writes them.
    uid,
};

struct i_message_request {
    std::string initiator_uri;  // IDRi, e.g. the initiator's MC service ID
    kms_identity initiator_kms; // IDRkmsi
    user_keys initiator_keys;   // the initiator's keys for the key period of `time` (only the SSK and PVT are used)
    std::string responder_uri;  // IDRr
    kms_identity responder_kms; // IDRkmsr
    std::chrono::system_clock::time_point time; // the T payload; picks both key periods
    // CSB ID of the HDR. TS 33.180 E.3 makes it the PCK-ID; absent, a fresh PCK-ID: purpose tag 1 (PCK) in the four
    // most significant bits, 28 random bits (TS 33.180 5.2.2).
    std::optional<std::uint32_t> csb_id;
    crypto_session_map cs_map;             // #CS 0 in an empty map by default: the default security profile applies
    std::vector<security_policy> policies; // SP payloads
    std::optional<std::string> ssv;        // ssv_size octets; absent, a fresh random one
    identity_form identities = identity_form::uri; // IDRi and IDRr, or IDRuidi and IDRuidr
};

struct built_i_message {
    std::string bytes; // the encoded I_MESSAGE
    std::string ssv;   // the secret it carries to the responder
};

// invalid_argument for inputs that make no message (an empty URI, a time without a key period, an SSV of the wrong
// size, a message over the size limit); unauthenticated when the initiator's keys are not its keys for the key period
// of `time` under its KMS (so the responder could never verify the signature); internal when the primitives fail.
support::result<built_i_message> build_i_message(const i_message_request& request);

// What the responder trusts of an initiator's KMS: its public keys and key periods. The trust function gets the
// IDRkmsi URI and answers with these, or with its own error (an unknown KMS, a revoked KmsCertificate, an external
// security domain this user may not talk to), which process_i_message returns unchanged.
struct trusted_kms {
    public_keys keys;
    key_period_parameters periods;
};
using kms_trust = std::function<support::result<trusted_kms>(std::string_view kms_uri)>;

struct responder_credentials {
    std::string uri;              // what IDRr must say
    kms_identity kms;             // what IDRkmsr must say, and the KMS of the RSK
    user_keys keys;               // only the RSK is used
    std::uint64_t key_period = 0; // the key period (of `kms`) the keys were issued for
};

struct received_i_message {
    std::string ssv;
    // IDRi, authenticated by the signature. Empty when the message names its initiator by UID only (IDRuidi): the
    // initiator is then known by `initiator_uid` until confirm_initiator binds a URI to it.
    std::string initiator_uri;
    std::string initiator_uid;               // the UID the signature verified for (IDRuidi, or the UID of IDRi)
    std::string initiator_kms_uri;           // IDRkmsi
    key_period_parameters initiator_periods; // the key periods of that KMS, as `trust` gave them
    std::uint64_t key_period = 0;            // the initiator KMS's key period the message was signed in
    std::chrono::system_clock::time_point time;
    i_message message; // everything else (CSB ID, crypto sessions, policies, extensions)
};

// Checks, in this order, each refusal with its own message:
//  1. the message decodes (invalid_argument, the decoder's message);
//  2. it is the TS 33.180 profile: V = 0, an NTP-UTC timestamp; the initiator named by IDRi (a URI) or IDRuidi (a
//     UID of 32 octets, ID Type URI or byte string) or both, the responder by IDRr or IDRuidr or both (Annex E.7);
//     IDRkmsi and IDRkmsr present as URIs; SAKKE parameter set 1 and ID scheme 2, an ECCSI signature of 129 octets,
//     SAKKE data of 273 (invalid_argument);
//  3. `trust` knows the IDRkmsi KMS (its error, unchanged);
//  4. the message time lies within `allowed_skew` of `now` (unauthenticated);
//  5. the initiator KMS's key period of the message time is the current one at `now`: an older one has expired, a
//     later one has not begun (unauthenticated);
//  6. the signature verifies under IDRkmsi for the initiator's UID: the UID of IDRi in that key period, or IDRuidi as
//     it stands; with both, IDRuidi must be the UID of IDRi (unauthenticated);
//  7. the message names this responder and its KMS: IDRr its URI, IDRkmsr its KMS, IDRuidr its UID for the key
//     period of the message time (forbidden: the message is someone else's);
//  8. the responder's keys are for the key period of the message time under its KMS (unauthenticated), and the SAKKE
//     data decapsulates with its RSK (unauthenticated).
// A message that names its initiator by IDRuidi only is authenticated as coming from that UID: who holds it is
// confirmed with confirm_initiator once the initiator's URI is known (from the signalling, TS 33.180 5.2.6).
support::result<received_i_message> process_i_message(std::string_view bytes, const responder_credentials& responder,
                                                      const kms_trust& trust, std::chrono::system_clock::time_point now,
                                                      std::chrono::seconds allowed_skew);

// TS 33.180 5.2.6 and E.7: whether `uri` is the initiator of a received message, i.e. its UID under the initiator's
// KMS in the key period the message was signed in is the UID the signature verified for. On success initiator_uri is
// `uri`. unauthenticated when it is not (and `received` is left as it was).
support::result<void> confirm_initiator(received_i_message& received, std::string_view uri);

} // namespace mcprov::mikey
