#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"

namespace mcprov::xml {

// The signer's private key and certificates, as PEM text.
struct signing_key {
    std::string private_key_pem;       // PKCS#8 or traditional PEM, unencrypted: EC P-256, or RSA of 2048 bits or more
    std::string certificate_chain_pem; // PEM, the signer's certificate first, then intermediates
};

namespace detail {
struct signer_material;
}

// A signing key read once: its private key and certificates parsed and checked against each other, ready to sign
// any number of documents. Reading a PEM key costs more than the signature itself, so a server that signs its
// answers reads its key into a signer when it starts. Copies share the key; safe to use from several threads.
class signer {
public:
    signer() = default; // no key: signs nothing (invalid_argument)

    // Errors: invalid_argument (the key or a certificate unusable, the first certificate not the key's).
    static support::result<signer> read(const signing_key& key);

    bool has_key() const { return material_ != nullptr; }
    const detail::signer_material& material() const { return *material_; } // with a key

private:
    explicit signer(std::shared_ptr<const detail::signer_material> material) : material_(std::move(material)) {}
    std::shared_ptr<const detail::signer_material> material_;
};

// How a signature is made and which documents may carry it.
struct signature_options {
    // SignedInfo and the reference canonicalised with C14N 1.0 (REC-xml-c14n-20010315, what TS 33.180 D.4.2 asks of
    // KMS Redirect Responses) instead of exclusive C14N.
    bool inclusive_c14n = false;
    // The document may hold signatures of its own deeper down (a signed document it embeds): only the signature that
    // is a child of the root element is made or checked; the embedded ones are covered by its digest as they are.
    bool embedded_signatures = false;
};

// Appends an enveloped XML signature (RFC 3275 / XMLDSig 1.0) as the last child of the root element: one reference
// URI="" with the enveloped-signature transform then exclusive C14N, SHA-256 digest, ECDSA-SHA256 signature
// (RSA-SHA256 for an RSA key), SignedInfo canonicalised with exclusive C14N, and the certificate chain in
// KeyInfo/X509Data. Returns the serialised signed document (UTF-8, with XML declaration).
// Errors: the parse errors of xml::parse, invalid_argument (key or certificate unusable, key and certificate do not
// match, signer's certificate outside its validity, document already signed), internal. Safe to call from several threads at once.
support::result<std::string> sign_enveloped(std::string_view document_xml, const signer& key,
                                            const signature_options& options = {});
// The same with a key read for this signature only.
support::result<std::string> sign_enveloped(std::string_view document_xml, const signing_key& key,
                                            const signature_options& options = {});

struct verified_signature {
    std::string signer_subject;         // one-line RFC 2253 subject of the signing certificate
    std::string signer_certificate_pem; // the signing certificate
    std::string unsigned_document; // the document with the Signature element removed, serialised
};

// Verifies that the document carries exactly one ds:Signature, a child of the root element, that it is an enveloped
// signature over the whole document (one Reference, URI="", only the enveloped-signature and inclusive / exclusive
// C14N transforms, no XPath/XSLT, nothing retrieved from outside), that the digest and the signature are correct, and
// that the signing certificate (from KeyInfo/X509Data) chains to one of the trusted CA certificates (PEM, one or
// more; the system's trust store is not used) and is valid now.
// Errors: not_well_formed / too_large (from parsing), invalid_argument (trusted_ca_pem holds no usable certificate),
// unauthenticated with a precise message ("no signature", "more than one signature", "the signature does not
// verify: ...", "the signer's certificate is not trusted: ...", ...). Safe to call from several threads at once.
support::result<verified_signature> verify_enveloped(std::string_view document_xml, std::string_view trusted_ca_pem,
                                                     const signature_options& options = {});

} // namespace mcprov::xml
