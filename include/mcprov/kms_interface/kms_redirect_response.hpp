#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/result.hpp"
#include "mcprov/xml/signature.hpp"

// The KMS Redirect Response (KRR) of TS 33.180 clauses 5.2.8 and D.4: the body of the SIP 488 "Not Acceptable Here" an
// entity answers when a KMS URI of a MIKEY I_MESSAGE is not acceptable to it (an application server on the path, or
// the terminating client), listing the KMS URIs that would be. A server that narrows a KRR it received never edits
// it: it makes its own, embedding the one it received. A KRR may be signed (D.4.2: C14N 1.0, SHA-256, ECDSA-SHA256,
// the X.509 certificate in KeyInfo). The child elements are mcprov's (schemas/ts33180/kms-krr.xsd says why);
// docs/kms-interface.md describes them for the implementers of other clients.
namespace mcprov::kms_interface {

inline constexpr std::string_view krr_namespace = "urn:3gpp:ns:mcsecKMSKRR:1.0";
inline constexpr std::string_view krr_media_type = "application/vnd.3gpp.kmsredirectresponse+xml";

// A decoder refuses a larger document, KRRs embedded deeper (a redirect that went round more servers than any path
// has), or more acceptable KMS URIs.
inline constexpr std::size_t max_krr_bytes = 64 * 1024;
inline constexpr std::size_t max_krr_nesting = 8;
inline constexpr std::size_t max_krr_kms_uris = 32;

// Whose KMS the KRR is about: the responder's (IDRkmsr, the KMS under which the I_MESSAGE encapsulates to the
// responder) or the initiator's (IDRkmsi, the KMS of the initiator's signing key).
enum class krr_role { initiator, responder };
std::string_view to_string(krr_role role);

struct kms_redirect_response {
    std::chrono::system_clock::time_point time{};
    std::string redirector; // the URI of the entity that made it (an AS's SIP URI, or the terminating user)
    std::string initiator;  // the I_MESSAGE's parties
    std::string responder;
    krr_role role = krr_role::responder;
    std::string rejected_kms;            // the KMS URI found unacceptable
    std::vector<std::string> acceptable; // the KMS URIs acceptable in that role, most preferred first
    std::string reason{};                // for people; optional
    // The KRR this one narrows, the document as it was received (so that its own signature still verifies).
    std::optional<std::string> embedded{};

    friend bool operator==(const kms_redirect_response&, const kms_redirect_response&) = default;
};

// The document, unsigned, valid against the schema. Errors: invalid_argument (a value the document cannot carry, an
// embedded KRR that does not read), too_large.
support::result<std::string> encode_kms_redirect_response(const kms_redirect_response& krr);
// The document signed as D.4.2 profiles it (an enveloped signature, C14N 1.0; the embedded KRR keeps its own).
support::result<std::string> sign_kms_redirect_response(const kms_redirect_response& krr, const xml::signer& key);

// A KRR read from untrusted bytes: parsed within the limits above, validated against the schema, its values taken.
// Its signature (and the embedded ones) are not checked here: verify_kms_redirect_response does. Errors: too_large,
// not_well_formed, schema_invalid, invalid_argument (another root element).
struct received_krr {
    kms_redirect_response krr;
    bool is_signed = false;
    std::size_t nesting = 0; // how many KRRs it embeds, one in another
};
support::result<received_krr> decode_kms_redirect_response(std::string_view document);

// Whose signatures a verified KRR carries: the signer of this one, then of each embedded one (empty: unsigned).
struct krr_signers {
    std::vector<std::string> subjects;
};
// Decodes the KRR and verifies its signature and every embedded KRR's against the trusted CAs (PEM). Errors: those of
// decoding; unauthenticated when a KRR is not signed or its signature does not verify (the message says which).
support::result<krr_signers> verify_kms_redirect_response(std::string_view document, std::string_view trusted_ca_pem);

} // namespace mcprov::kms_interface
