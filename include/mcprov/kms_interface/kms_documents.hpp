#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mcprov/support/result.hpp"
#include "mcprov/xml/schema.hpp"
#include "mcprov/xml/signature.hpp"

// The XML documents of the KMS interface, 3GPP TS 33.180 Annex D (namespace urn:3gpp:ns:mcsecKMSInterface:1.0):
// KmsRequest (D.2.2), KmsResponse / SignedKmsResponse (D.3.1) with KmsInit, KmsKeyProv or KmsCertCache, KmsCertificate
// (D.3.2) and KmsKeySet (D.3.3). Value types, encoders and decoders; docs/kms-interface.md describes the documents
// for operators and the implementers of other clients.
//
// Encoders check their input (sizes, counts, characters XML cannot carry) and return a document that validates
// against the Annex D schema (schemas/ts33180/kms-interface.xsd), serialised as UTF-8 with an XML declaration.
// Decoders take untrusted bytes: they parse with the limits below (no DTD, no entities, no network), validate against
// the schema, then extract; errors name the element ("KmsResponse/KmsMessage/KmsKeyProv/KmsKeySet[2]/UserDecryptKey:
// ..."). Error codes: too_large (a size, depth or count limit), not_well_formed (not XML, not UTF-8, a DOCTYPE),
// schema_invalid (the schema's first complaint, with its line), invalid_argument (another root element, a key of the
// wrong length, a value out of range, a feature mcprov does not support). Nothing throws; every function is safe to
// call from several threads at once.
//
// Every octet string (keys, the UID) is raw octets in a std::string, written as upper-case xsd:hexBinary.
// Times are UTC; whole seconds are written, fractions of a second read are dropped, and a time read without a zone
// designator (as in the examples of Annex D) is taken as UTC.
namespace mcprov::kms_interface {

using time_point = std::chrono::system_clock::time_point;

inline constexpr std::string_view kms_interface_namespace = "urn:3gpp:ns:mcsecKMSInterface:1.0";

// The embedded schema to validate Annex D documents against: it imports the W3C xmldsig and xmlenc schemas and the
// KRR schema, then kms-interface.xsd (which imports those without a location and cannot be compiled alone).
inline constexpr std::string_view kms_interface_schema_path = "ts33180/kms-interface-bundle.xsd";

// The compiled schema (compiled once, then shared). internal if it does not compile.
support::result<std::shared_ptr<const xml::schema>> kms_interface_schema();

// ---------------------------------------------------------------------------------------------------------------
// Request URLs (TS 33.180 D.2.1): HTTP POST, over HTTPS, to resources below this root on the KMS.

inline constexpr std::string_view kms_path_root = "/keymanagement/identity/v1";
inline constexpr std::string_view kms_path_init = "/keymanagement/identity/v1/init";           // KMS Initialize
inline constexpr std::string_view kms_path_keyprov = "/keymanagement/identity/v1/keyprov";     // KMS KeyProvision
inline constexpr std::string_view kms_path_certcache = "/keymanagement/identity/v1/certcache"; // KMS CertCache

// ".../keyprov/<user or group URI, percent-encoded>": keys for that URI rather than the requesting user's.
std::string keyprov_path(std::string_view uri);
// ".../keyprov/<URI>/<time>": keys for the key period holding `ntp_time`, a 64-bit NTP-UTC timestamp (RFC 5905, as
// in the MIKEY payload), written as 16 upper-case hex digits, e.g. D6B4323200000000 for 2014-02-23T08:39:14Z.
std::string keyprov_path(std::string_view uri, std::uint64_t ntp_time);
// ".../certcache/<n>": the cache after the client's latest, number n.
std::string certcache_path(std::int64_t cache_num);

// ---------------------------------------------------------------------------------------------------------------
// Limits on what the decoders accept (and the encoders produce).

inline constexpr std::size_t max_document_bytes = 256 * 1024;
inline constexpr unsigned max_document_depth = 24;
inline constexpr std::size_t max_key_sets = 64;      // KmsKeySet elements in one KmsKeyProv
inline constexpr std::size_t max_certificates = 256; // certificates in one KmsCertCache
inline constexpr std::size_t max_kms_domains = 256;  // KmsDomain elements in one KmsDomainList

// Octet lengths of the keys (MIKEY-SAKKE parameter set 1, RFC 6509) and of the UID (TS 33.180 Annex F).
inline constexpr std::size_t pub_enc_key_size = 257; // SAKKE Z_T, an uncompressed point of E(F_p), p of 1024 bits
inline constexpr std::size_t pub_auth_key_size = 65; // ECCSI KPAK, an uncompressed P-256 point
inline constexpr std::size_t rsk_size = 257;         // UserDecryptKey: SAKKE RSK, an uncompressed point
inline constexpr std::size_t ssk_size = 32;          // UserSigningKeySSK: ECCSI SSK
inline constexpr std::size_t pvt_size = 65;          // UserPubTokenPVT: ECCSI PVT, an uncompressed P-256 point
inline constexpr std::size_t uid_size = 32;          // UserID: the UID of Annex F

// ---------------------------------------------------------------------------------------------------------------
// Values.

enum class kms_role { root, external };

// A KMS certificate (D.3.2, element KmsCertificate): the public keys of one security domain.
struct kms_certificate {
    std::string id;                           // Id attribute; empty: none
    std::string version = "1.1.0";            // Version attribute
    std::optional<kms_role> role;             // Role attribute: Root for the KMS's own, External for a partner's
    std::optional<bool> is_security_gateway;  // IsSecurityGateway attribute
    std::string cert_uri;                     // CertUri; empty: none
    std::string kms_uri;                      // KmsUri
    std::string issuer;                       // Issuer; empty: none
    std::optional<time_point> valid_from;     // ValidFrom
    std::optional<time_point> valid_to;       // ValidTo
    bool revoked = false;                     // Revoked (read as false when absent; always written)
    std::string user_id_format = "2";         // UserIdFormat: "2" is the UID of TS 33.180 Annex F
    std::int64_t user_key_period = 0;         // UserKeyPeriod, seconds (> 0)
    std::int64_t user_key_offset = 0;         // UserKeyOffset, seconds (>= 0)
    std::string pub_enc_key;                  // PubEncKey, pub_enc_key_size octets
    std::string pub_auth_key;                 // PubAuthKey, pub_auth_key_size octets
    int parameter_set = 1;                    // ParameterSet (read as 1 when absent; only 1 is supported)
    std::vector<std::string> kms_domain_list; // KmsDomainList/KmsDomain; empty: no list

    bool operator==(const kms_certificate&) const = default;
};

// One user's keys for one key period (D.3.3, element KmsKeySet), carried in the clear: written with
// xsi:type="KeyContentType"; read with it or without any xsi:type (plain key content, as some KMSs write it).
struct kms_key_set {
    std::string id;                       // Id attribute; empty: none
    std::string kms_uri;                  // KmsUri
    std::string cert_uri;                 // CertUri; empty: none
    std::string issuer;                   // Issuer; empty: none
    std::string user_uri;                 // UserUri
    std::string user_id;                  // UserID: the UID, uid_size octets
    std::optional<time_point> valid_from; // ValidFrom
    std::optional<time_point> valid_to;   // ValidTo
    std::int64_t key_period_no = 0;       // KeyPeriodNo (>= 0)
    bool revoked = false;                 // Revoked (read as false when absent; always written)
    std::string user_decrypt_key;         // UserDecryptKey: RSK, rsk_size octets
    std::string user_signing_key_ssk;     // UserSigningKeySSK: SSK, ssk_size octets
    std::string user_pub_token_pvt;       // UserPubTokenPVT: PVT, pvt_size octets

    bool operator==(const kms_key_set&) const = default;
};

// ErrorType (KmsResponse/KmsError, KmsRequest/ClientError).
struct kms_error {
    std::int64_t code = 0; // ErrorCode
    std::string message;   // ErrorMsg

    bool operator==(const kms_error&) const = default;
};

// The codes mcprov's KMS puts in KmsError/ErrorCode. TS 33.180 makes ErrorCode an xsd:integer; mcprov uses the HTTP
// status numbers of the same meaning, so that a client can act on a code it has no table for. Decoders accept any
// integer.
enum class kms_error_code : std::int64_t {
    bad_request = 400,       // the request is not a KmsRequest mcprov understands (syntax, schema, values)
    unauthorized = 401,      // no access token, or one that does not verify
    forbidden = 403,         // the user may not have these keys (another user's URI, a domain not permitted)
    not_found = 404,         // no such user, group, certificate or cache
    conflict = 409,          // the request does not match the KMS (KmsUri, ClientReqUrl)
    payload_too_large = 413, // the request exceeds a limit
    internal_error = 500,    // the KMS failed
    unavailable = 503,       // the KMS cannot serve now (its store is unreachable)
};

std::int64_t to_code(kms_error_code code) noexcept;
// The kms_error_code of an ErrorCode value; nullopt for codes mcprov does not define.
std::optional<kms_error_code> kms_error_code_from(std::int64_t code) noexcept;
// The code that fits an mcprov error (invalid_argument, not_well_formed, schema_invalid -> bad_request, ...).
kms_error_code kms_error_code_for(support::errc code) noexcept;

// KmsRequest (D.2.2). The KrrList and any extension elements of other namespaces are accepted and left out.
struct kms_request {
    std::string user_uri;                  // UserUri
    std::string kms_uri;                   // KmsUri
    time_point time{};                     // Time
    std::string client_id;                 // ClientId; empty: none
    std::string device_id;                 // DeviceId; empty: none
    std::string client_req_url;            // ClientReqUrl: the URL the request was POSTed to
    std::optional<kms_error> client_error; // ClientError

    bool operator==(const kms_request&) const = default;
};

// KmsMessage/KmsInit: the KMS's own (Root) certificate.
struct kms_init {
    kms_certificate certificate;

    bool operator==(const kms_init&) const = default;
};

// KmsMessage/KmsKeyProv: the user's key sets (at most max_key_sets).
struct kms_key_prov {
    std::vector<kms_key_set> key_sets;

    bool operator==(const kms_key_prov&) const = default;
};

// KmsMessage/KmsCertCache: the certificates of the partner domains (at most max_certificates), and the number of
// this cache.
struct kms_cert_cache {
    std::vector<kms_certificate> certificates;
    std::optional<std::int64_t> cache_num; // CacheNum attribute

    bool operator==(const kms_cert_cache&) const = default;
};

// KmsResponse (D.3.1): exactly one of the three messages, or an error.
struct kms_response {
    std::string user_uri;       // UserUri
    std::string kms_uri;        // KmsUri
    time_point time{};          // Time
    std::string kms_id;         // KmsId; empty: none
    std::string client_req_url; // ClientReqUrl
    std::variant<kms_init, kms_key_prov, kms_cert_cache, kms_error> body;

    bool operator==(const kms_response&) const = default;
};

// ---------------------------------------------------------------------------------------------------------------
// Encoders and decoders.

// A KmsCertificate document (root element KmsCertificate), e.g. to hand to another domain's administrator.
support::result<std::string> encode_kms_certificate(const kms_certificate& certificate);
// Root element KmsCertificate, or SignedKmsCertificate (whose ds:Signature, if any, is not checked).
support::result<kms_certificate> decode_kms_certificate(std::string_view document);

// A KmsKeySet document (root element KmsKeySet).
support::result<std::string> encode_kms_key_set(const kms_key_set& key_set);
// Root element KmsKeySet. A key element without xsi:type is plain key content (hexBinary), as if it said
// KeyContentType; so it is in a KmsKeySet inside a KmsResponse. Keys carried encrypted under a transport key
// (xsi:type="EncKeyContentType", the security extension of D.1) are refused with invalid_argument: mcprov holds no TrK.
support::result<kms_key_set> decode_kms_key_set(std::string_view document);

// A KmsRequest document (Version 1.1.0).
support::result<std::string> encode_kms_request(const kms_request& request);
// Root element KmsRequest, or SignedKmsRequest (whose ds:Signature is not checked: the InK/TrK HMAC signature of the
// D.1 security extension is not supported).
support::result<kms_request> decode_kms_request(std::string_view document);

// A SignedKmsResponse document holding the KmsResponse (Version 1.0.0), not yet signed: sign it with
// sign_kms_response, or send it as it is (the schema makes the signature optional).
support::result<std::string> encode_kms_response(const kms_response& response);
// Root element SignedKmsResponse or KmsResponse. A signature is not checked: use verify_kms_response for that.
// invalid_argument when the response holds neither a message nor an error, or both.
support::result<kms_response> decode_kms_response(std::string_view document);

// Signs an encoded SignedKmsResponse with xml::sign_enveloped: the ds:Signature becomes the last child of the root,
// after the KmsResponse, which is where SignedKmsResponseType puts it. The result validates against the schema.
// Errors: those of decoding (the input must be an unsigned SignedKmsResponse) and of xml::sign_enveloped.
support::result<std::string> sign_kms_response(std::string_view document, const xml::signer& key);

struct verified_kms_response {
    kms_response response;
    std::string signer_subject; // RFC 2253 subject of the certificate that signed it
};

// Checks the enveloped signature of a SignedKmsResponse against the trusted CA certificates (xml::verify_enveloped:
// unauthenticated when it is missing, does not verify or is not trusted), then decodes it.
support::result<verified_kms_response> verify_kms_response(std::string_view document, std::string_view trusted_ca_pem);

} // namespace mcprov::kms_interface
