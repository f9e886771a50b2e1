#pragma once

#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"

// MIKEY-SAKKE keys of parameter set 1 (RFC 6509): ECCSI (RFC 6507) over NIST P-256 with SHA-256, and SAKKE
// (RFC 6508) over the 1024-bit curve of RFC 6509 Appendix A with SHA-256. The primitives are wolfcrypt's; this is
// the only interface to them.
//
// Every byte string is an octet string: integers big-endian and padded to their full size, points uncompressed
// (0x04 || x || y), as RFC 6507 and RFC 6508 write them. A `uid` is the identifier keys are bound to (TS 33.180
// Annex F: 32 octets), but any non-empty octet string of at most max_uid_size octets works, as in the RFC vectors
// (wolfcrypt keeps a SAKKE identifier in a buffer of 128 octets).
//
// Errors: invalid_argument (an input of the wrong size, a point not on the curve, an identifier that is empty or too
// long), unauthenticated (a key pair, signature or encapsulated secret that does not validate), internal (wolfcrypt
// failed otherwise). All functions are safe to call from several threads at once.
namespace mcprov::mikey {

inline constexpr std::size_t ksak_size = 32;  // ECCSI KMS Secret Authentication Key
inline constexpr std::size_t kpak_size = 65;  // ECCSI KMS Public Authentication Key, a P-256 point
inline constexpr std::size_t ssk_size = 32;   // ECCSI Secret Signing Key
inline constexpr std::size_t pvt_size = 65;   // ECCSI Public Validation Token, a P-256 point
inline constexpr std::size_t eccsi_signature_size = 129; // r || s || PVT
inline constexpr std::size_t sakke_master_secret_size = 128; // z, below q
inline constexpr std::size_t sakke_public_key_size = 257;    // Z_T, a point on E(F_p), p of 1024 bits
inline constexpr std::size_t rsk_size = 257;                 // SAKKE Receiver Secret Key, a point on E(F_p)
inline constexpr std::size_t ssv_size = 16;                  // Shared Secret Value, n = 128 bits
inline constexpr std::size_t sakke_encapsulated_size = 273;  // R_(b,S) (257) || H (16)
inline constexpr std::size_t max_uid_size = 128;             // the longest identifier accepted

// What a KMS keeps secret. Never logged, never returned; stored only encrypted.
struct master_secrets {
    std::string ksak;
    std::string z;
};

// What a KMS publishes in its KmsCertificate: PubAuthKey and PubEncKey.
struct public_keys {
    std::string kpak;
    std::string z_t;
};

// What a KMS issues to one user for one key period (KmsKeySet: UserDecryptKey, UserSigningKeySSK, UserPubTokenPVT).
struct user_keys {
    std::string rsk;
    std::string ssk;
    std::string pvt;
};

// Fresh master secrets from the system's random generator.
support::result<master_secrets> generate_master_secrets();

// The public keys of the master secrets (KPAK = [KSAK]G, Z_T = [z]P). invalid_argument when a secret is out of range.
support::result<public_keys> derive_public_keys(const master_secrets& secrets);

// The keys for one identifier: RSK = [(a + z)^-1]P (RFC 6508 6.1.1), and SSK and PVT from a fresh random v
// (RFC 6507 5.1.1).
support::result<user_keys> issue_user_keys(const master_secrets& secrets, std::string_view uid);

// RFC 6508 6.1.2: <[a]P + Z_T, RSK> = g. unauthenticated when it does not hold.
support::result<void> validate_receiver_key(const public_keys& kms, std::string_view uid, std::string_view rsk);

// RFC 6507 5.1.2: PVT on the curve and [SSK]G = [HS]PVT + KPAK. unauthenticated when it does not hold.
support::result<void> validate_signing_keys(const public_keys& kms, std::string_view uid, std::string_view ssk,
                                            std::string_view pvt);

// RFC 6507 5.2.1 HS = hash(G || KPAK || ID || PVT): the hash that binds a signer's identifier to its PVT.
support::result<std::string> eccsi_identifier_hash(const public_keys& kms, std::string_view uid, std::string_view pvt);

// RFC 6507 5.2.1: signs `message` with a fresh random j; the signature is r || s || PVT. The keys are validated first
// (RFC 6507 5.1.2): unauthenticated when they do not hold for this identifier under this KMS.
support::result<std::string> eccsi_sign(const public_keys& kms, std::string_view uid, const user_keys& keys,
                                        std::string_view message);

// RFC 6507 5.2.2. unauthenticated when the signature does not verify for this identifier under this KMS.
support::result<void> eccsi_verify(const public_keys& kms, std::string_view uid, std::string_view message,
                                   std::string_view signature);

struct sakke_encapsulation {
    std::string ssv;          // the shared secret, ssv_size octets
    std::string encapsulated; // R_(b,S) || H, sakke_encapsulated_size octets
};

// RFC 6508 6.2.1: encapsulates `ssv` (ssv_size octets) to the receiver `uid` of the KMS whose Z_T this is.
support::result<sakke_encapsulation> sakke_encapsulate(const public_keys& receiver_kms, std::string_view uid,
                                                       std::string_view ssv);

// The same with a fresh random SSV.
support::result<sakke_encapsulation> sakke_encapsulate(const public_keys& receiver_kms, std::string_view uid);

// RFC 6508 6.2.2: the SSV, after checking that R_(b,S) is the point the SSV determines. unauthenticated when not.
support::result<std::string> sakke_decapsulate(const public_keys& receiver_kms, std::string_view uid,
                                               std::string_view rsk, std::string_view encapsulated);

} // namespace mcprov::mikey
