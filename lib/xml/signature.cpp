#include "mcprov/xml/signature.hpp"

#include <array>
#include <climits>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <libxml/globals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

// The defines that fix xmlsec's ABI (XMLSEC_CRYPTO_OPENSSL, XMLSEC_NO_*) come from pkg-config (xmlsec1-openssl).
#include <xmlsec/xmlsec.h>

#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/keys.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/openssl/x509.h>
#include <xmlsec/strings.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>

#include "libxml_access.hpp"
#include "libxml_error.hpp"
#include "mcprov/xml/document.hpp"

namespace mcprov::xml {
namespace {

using support::errc;
using support::make_error;
using support::result;

template <auto free_function> struct deleter {
    template <class T> void operator()(T* p) const noexcept { free_function(p); }
};
using x509_ptr = std::unique_ptr<X509, deleter<&X509_free>>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<&EVP_PKEY_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<&BIO_free>>;
using x509_store_ptr = std::unique_ptr<X509_STORE, deleter<&X509_STORE_free>>;
using x509_store_ctx_ptr = std::unique_ptr<X509_STORE_CTX, deleter<&X509_STORE_CTX_free>>;
using key_ptr = std::unique_ptr<xmlSecKey, deleter<&xmlSecKeyDestroy>>;
using key_data_ptr = std::unique_ptr<xmlSecKeyData, deleter<&xmlSecKeyDataDestroy>>;
using keys_mngr_ptr = std::unique_ptr<xmlSecKeysMngr, deleter<&xmlSecKeysMngrDestroy>>;
using dsig_ctx_ptr = std::unique_ptr<xmlSecDSigCtx, deleter<&xmlSecDSigCtxDestroy>>;

struct x509_stack_deleter { // the stack borrows its certificates
    void operator()(STACK_OF(X509) * stack) const noexcept { sk_X509_free(stack); }
};
using x509_stack_ptr = std::unique_ptr<STACK_OF(X509), x509_stack_deleter>;

const xmlChar* xml_chars(const char* text) {
    return reinterpret_cast<const xmlChar*>(text);
}

const char* text_of(const xmlChar* text) {
    return text == nullptr ? "" : reinterpret_cast<const char*>(text);
}

// ---------------------------------------------------------------------------------------------------------------
// Errors. xmlsec reports through one process-wide callback, installed once; it writes into the log of the call
// running on the same thread, so concurrent calls never see each other's errors. libxml2 errors raised inside
// xmlsec (canonicalisation, tree functions) go to this thread's structured handler for the duration of a call.

struct xmlsec_log {
    std::string first;       // the first error xmlsec reported
    std::string certificate; // the first certificate verification failure
    bool key_not_found = false;
    bool disabled = false; // an algorithm, URI or key source that is not enabled
};

thread_local xmlsec_log* active_log = nullptr;

// xmlsec's "X509_verify_cert: subject=...; issuer=...; err=N; msg=reason" as "reason (subject=...; issuer=...)".
std::string tidy_certificate_error(const std::string& text) {
    const auto reason = text.find("msg=");
    if (reason == std::string::npos) {
        return text;
    }
    std::string out = text.substr(reason + 4);
    const auto subject = text.find("subject=");
    const auto code = text.find("; err=");
    if (subject != std::string::npos && code != std::string::npos && subject < code) {
        out += " (" + text.substr(subject, code - subject) + ")";
    }
    return out;
}

void on_xmlsec_error(const char*, int, const char* function, const char* object, const char* subject, int reason,
                     const char* message) {
    xmlsec_log* log = active_log;
    if (log == nullptr) {
        return;
    }
    try { // called from C: nothing may propagate
        std::string text;
        const auto append = [&text](const char* part) {
            if (part == nullptr || std::strlen(part) == 0 || std::strcmp(part, XMLSEC_ERRORS_NO_MESSAGE) == 0) {
                return;
            }
            if (!text.empty()) {
                text += ": ";
            }
            text += part;
        };
        append(subject != nullptr && std::strlen(subject) > 0 ? subject : function);
        append(object);
        append(message);
        if (log->first.empty()) {
            log->first = text;
        }
        switch (reason) {
        case XMLSEC_ERRORS_R_CERT_VERIFY_FAILED:
        case XMLSEC_ERRORS_R_CERT_NOT_FOUND:
        case XMLSEC_ERRORS_R_CERT_REVOKED:
        case XMLSEC_ERRORS_R_CERT_ISSUER_FAILED:
        case XMLSEC_ERRORS_R_CERT_NOT_YET_VALID:
        case XMLSEC_ERRORS_R_CERT_HAS_EXPIRED:
            if (log->certificate.empty()) {
                log->certificate = tidy_certificate_error(text);
            }
            break;
        case XMLSEC_ERRORS_R_KEY_NOT_FOUND:
            log->key_not_found = true;
            break;
        case XMLSEC_ERRORS_R_TRANSFORM_DISABLED:
        case XMLSEC_ERRORS_R_INVALID_URI_TYPE:
        case XMLSEC_ERRORS_R_KEYDATA_DISABLED:
            log->disabled = true;
            break;
        default:
            break;
        }
    } catch (...) {
    }
}

// Collects xmlsec's and libxml2's errors on this thread while alive, and clears OpenSSL's error queue on both ends.
class error_scope {
public:
    error_scope()
        : previous_log_(std::exchange(active_log, &log_)), previous_handler_(xmlStructuredError),
          previous_context_(xmlStructuredErrorContext) {
        xmlSetStructuredErrorFunc(&libxml_, &detail::error_collector::handler);
        ERR_clear_error();
    }
    ~error_scope() {
        xmlSetStructuredErrorFunc(previous_context_, previous_handler_);
        active_log = previous_log_;
        ERR_clear_error();
    }
    error_scope(const error_scope&) = delete;
    error_scope& operator=(const error_scope&) = delete;

    const xmlsec_log& log() const noexcept { return log_; }

    std::string describe(std::string_view fallback) const {
        if (!log_.first.empty()) {
            return log_.first;
        }
        return libxml_.best(fallback);
    }

private:
    xmlsec_log log_;
    detail::error_collector libxml_;
    xmlsec_log* previous_log_;
    xmlStructuredErrorFunc previous_handler_;
    void* previous_context_;
};

// ---------------------------------------------------------------------------------------------------------------
// One-time initialisation of xmlsec and its OpenSSL back end.

struct init_state {
    bool ok = false;
    std::string message;
};

const init_state& initialize_xmlsec() {
    static init_state state;
    static std::once_flag once;
    std::call_once(once, [] {
        initialize(); // libxml2, and the project's entity loader
        error_scope errors;
        xmlSecErrorsSetCallback(&on_xmlsec_error);
        if (xmlSecInit() < 0) {
            state.message = "xmlSecInit failed: " + errors.describe("unknown error");
        } else if (xmlSecCheckVersion() != 1) {
            state.message = "the loaded xmlsec library is not compatible with the headers of version " XMLSEC_VERSION;
        } else if (xmlSecCryptoAppInit(nullptr) < 0) {
            state.message = "xmlSecCryptoAppInit failed: " + errors.describe("unknown error");
        } else if (xmlSecCryptoInit() < 0) {
            state.message = "xmlSecCryptoInit failed: " + errors.describe("unknown error");
        } else {
            state.ok = true;
        }
        xmlSecErrorsSetCallback(&on_xmlsec_error); // in case initialisation reset it
    });
    return state;
}

// ---------------------------------------------------------------------------------------------------------------
// PEM input.

// Encrypted keys are refused rather than prompting on the terminal (OpenSSL's default).
int no_password(char*, int, int, void*) {
    return -1;
}

bio_ptr memory_bio(std::string_view bytes) {
    if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
        return nullptr;
    }
    return bio_ptr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

// Every certificate of a PEM bundle, in order. Other PEM blocks are skipped; a damaged certificate block is an error.
result<std::vector<x509_ptr>> read_certificates(std::string_view pem, const std::string& what) {
    ERR_clear_error();
    bio_ptr bio = memory_bio(pem);
    if (!bio) {
        return make_error(errc::invalid_argument, what + " cannot be read");
    }
    std::vector<x509_ptr> certificates;
    while (x509_ptr certificate{PEM_read_bio_X509(bio.get(), nullptr, &no_password, nullptr)}) {
        certificates.push_back(std::move(certificate));
    }
    const unsigned long last = ERR_peek_last_error();
    ERR_clear_error();
    const bool clean_end =
        last == 0 || (ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE);
    if (!clean_end) {
        return make_error(errc::invalid_argument,
                          what + ": certificate " + std::to_string(certificates.size() + 1) + " is not valid PEM");
    }
    if (certificates.empty()) {
        return make_error(errc::invalid_argument, what + " contains no PEM certificate");
    }
    return certificates;
}

bool is_p256(EVP_PKEY* key) {
    std::array<char, 64> name{};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(key, name.data(), name.size(), &length) != 1) {
        return false;
    }
    int nid = OBJ_txt2nid(name.data());
    if (nid == NID_undef) {
        nid = EC_curve_nist2nid(name.data());
    }
    return nid == NID_X9_62_prime256v1;
}

result<pkey_ptr> read_private_key(std::string_view pem) {
    ERR_clear_error();
    bio_ptr bio = memory_bio(pem);
    pkey_ptr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, &no_password, nullptr) : nullptr);
    ERR_clear_error();
    if (!key) {
        return make_error(errc::invalid_argument, "the private key is not an unencrypted PEM private key");
    }
    const int type = EVP_PKEY_get_base_id(key.get());
    if (type == EVP_PKEY_EC) {
        if (!is_p256(key.get())) {
            return make_error(errc::invalid_argument, "the EC private key is not on the P-256 curve");
        }
    } else if (type == EVP_PKEY_RSA) {
        if (EVP_PKEY_get_bits(key.get()) < 2048) {
            return make_error(errc::invalid_argument, "the RSA private key is shorter than 2048 bits");
        }
    } else {
        return make_error(errc::invalid_argument, "the private key is neither EC P-256 nor RSA");
    }
    return key;
}

// What was written to a memory BIO ("" when nothing was).
std::string text_of(BIO* bio) {
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    return length > 0 && data != nullptr ? std::string(data, static_cast<std::size_t>(length)) : std::string{};
}

std::string pem_of(X509* certificate) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    return bio && PEM_write_bio_X509(bio.get(), certificate) == 1 ? text_of(bio.get()) : std::string{};
}

std::string subject_of(X509* certificate) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    return bio && X509_NAME_print_ex(bio.get(), X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253) >= 0
               ? text_of(bio.get())
               : std::string{};
}

// ---------------------------------------------------------------------------------------------------------------
// The document tree.

bool is_dsig(const xmlNode* node, const xmlChar* local_name) {
    return node != nullptr && node->type == XML_ELEMENT_NODE && node->ns != nullptr &&
           xmlStrEqual(node->ns->href, xmlSecDSigNs) && xmlStrEqual(node->name, local_name);
}

std::vector<xmlNodePtr> dsig_children(xmlNodePtr parent, const xmlChar* local_name) {
    std::vector<xmlNodePtr> out;
    for (xmlNodePtr child = parent == nullptr ? nullptr : parent->children; child != nullptr; child = child->next) {
        if (is_dsig(child, local_name)) {
            out.push_back(child);
        }
    }
    return out;
}

xmlNodePtr first_dsig_child(xmlNodePtr parent, const xmlChar* local_name) {
    const auto children = dsig_children(parent, local_name);
    return children.empty() ? nullptr : children.front();
}

// Every ds:Signature element of the tree below (and including) root, in document order, walked without recursion.
std::vector<xmlNodePtr> find_signatures(xmlNodePtr root) {
    std::vector<xmlNodePtr> out;
    xmlNodePtr node = root;
    while (node != nullptr) {
        if (is_dsig(node, xmlSecNodeSignature)) {
            out.push_back(node);
        }
        if (node->type == XML_ELEMENT_NODE && node->children != nullptr) {
            node = node->children;
            continue;
        }
        while (node != nullptr && node != root && node->next == nullptr) {
            node = node->parent;
        }
        if (node == nullptr || node == root) {
            break;
        }
        node = node->next;
    }
    return out;
}

std::string algorithm_of(xmlNodePtr node) {
    xmlChar* value = xmlGetNoNsProp(node, xmlSecAttrAlgorithm);
    std::string out = text_of(value);
    xmlFree(value);
    return out;
}

bool one_of(const std::string& value, std::initializer_list<const xmlChar*> allowed) {
    for (const xmlChar* candidate : allowed) {
        if (value == text_of(candidate)) {
            return true;
        }
    }
    return false;
}

bool is_c14n(const std::string& algorithm) {
    return one_of(algorithm,
                  {xmlSecHrefC14N, xmlSecHrefC14NWithComments, xmlSecHrefExcC14N, xmlSecHrefExcC14NWithComments});
}

support::error refused(std::string message) {
    return make_error(errc::unauthenticated, std::move(message));
}

// The signature's shape, checked before xmlsec runs so that a refusal says precisely what is wrong; the xmlsec
// context is restricted the same way (defence in depth).
result<xmlNodePtr> check_shape(xmlNodePtr root, const signature_options& options) {
    auto signatures = find_signatures(root);
    if (options.embedded_signatures) {
        std::erase_if(signatures, [root](xmlNodePtr s) { return s->parent != root; });
    }
    if (signatures.empty()) {
        return refused("no signature");
    }
    if (signatures.size() > 1) {
        return refused("more than one signature (" + std::to_string(signatures.size()) + ")");
    }
    xmlNodePtr signature = signatures.front();
    if (signature->parent != root) {
        return refused("the signature is not a child of the root element");
    }
    const auto signed_infos = dsig_children(signature, xmlSecNodeSignedInfo);
    if (signed_infos.size() != 1) {
        return refused("the signature does not have exactly one SignedInfo");
    }
    xmlNodePtr signed_info = signed_infos.front();
    if (xmlNodePtr c14n = first_dsig_child(signed_info, xmlSecNodeCanonicalizationMethod);
        c14n == nullptr || !is_c14n(algorithm_of(c14n))) {
        return refused("the canonicalisation method \"" + (c14n ? algorithm_of(c14n) : std::string{}) +
                       "\" is not allowed");
    }
    if (xmlNodePtr method = first_dsig_child(signed_info, xmlSecNodeSignatureMethod);
        method == nullptr || !one_of(algorithm_of(method), {xmlSecHrefEcdsaSha256, xmlSecHrefRsaSha256})) {
        return refused("the signature method \"" + (method ? algorithm_of(method) : std::string{}) +
                       "\" is not allowed");
    }
    const auto references = dsig_children(signed_info, xmlSecNodeReference);
    if (references.size() != 1) {
        return refused("the signature must have exactly one reference, not " + std::to_string(references.size()));
    }
    xmlNodePtr reference = references.front();
    xmlChar* uri = xmlGetNoNsProp(reference, xmlSecAttrURI);
    const bool has_uri = uri != nullptr;
    const std::string uri_text = text_of(uri);
    xmlFree(uri);
    if (!has_uri || !uri_text.empty()) {
        return refused("the reference must be to the whole document (URI=\"\"), not " +
                       (has_uri ? "URI=\"" + uri_text.substr(0, 200) + "\"" : std::string("a missing URI")));
    }
    bool enveloped = false;
    for (xmlNodePtr transforms : dsig_children(reference, xmlSecNodeTransforms)) {
        for (xmlNodePtr transform : dsig_children(transforms, xmlSecNodeTransform)) {
            const std::string algorithm = algorithm_of(transform);
            if (algorithm == text_of(xmlSecHrefEnveloped)) {
                enveloped = true;
            } else if (!is_c14n(algorithm)) {
                return refused("the transform \"" + algorithm.substr(0, 200) + "\" is not allowed");
            }
        }
    }
    if (!enveloped) {
        return refused("the signature is not enveloped (no enveloped-signature transform)");
    }
    if (xmlNodePtr digest = first_dsig_child(reference, xmlSecNodeDigestMethod);
        digest == nullptr || algorithm_of(digest) != text_of(xmlSecHrefSha256)) {
        return refused("the digest method \"" + (digest ? algorithm_of(digest) : std::string{}) + "\" is not allowed");
    }
    xmlNodePtr value = first_dsig_child(signature, xmlSecNodeSignatureValue);
    xmlChar* value_text = value == nullptr ? nullptr : xmlNodeGetContent(value);
    const bool has_value = value_text != nullptr && xmlStrlen(value_text) > 0;
    xmlFree(value_text);
    if (!has_value) {
        return refused("the signature has no SignatureValue");
    }
    xmlNodePtr key_info = first_dsig_child(signature, xmlSecNodeKeyInfo);
    bool has_certificate = false;
    for (xmlNodePtr data : dsig_children(key_info, xmlSecNodeX509Data)) {
        has_certificate = has_certificate || first_dsig_child(data, xmlSecNodeX509Certificate) != nullptr;
    }
    if (!has_certificate) {
        return refused("the signature carries no certificate (KeyInfo/X509Data/X509Certificate)");
    }
    return signature;
}

// ---------------------------------------------------------------------------------------------------------------
// xmlsec contexts.

bool enable(xmlSecDSigCtxPtr ctx, std::initializer_list<xmlSecTransformId> reference,
            std::initializer_list<xmlSecTransformId> signature) {
    for (xmlSecTransformId id : reference) {
        if (xmlSecDSigCtxEnableReferenceTransform(ctx, id) < 0) {
            return false;
        }
    }
    for (xmlSecTransformId id : signature) {
        if (xmlSecDSigCtxEnableSignatureTransform(ctx, id) < 0) {
            return false;
        }
    }
    return true;
}

// A verification context that accepts an enveloped whole-document reference, the algorithms named above, and a key
// from KeyInfo/X509Data only (no KeyValue, KeyName, RetrievalMethod or EncryptedKey), checked against the trusted
// certificates of the keys manager.
dsig_ctx_ptr new_verify_context(xmlSecKeysMngrPtr manager) {
    dsig_ctx_ptr ctx(xmlSecDSigCtxCreate(manager));
    if (!ctx) {
        return nullptr;
    }
    ctx->flags = XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS | XMLSEC_DSIG_FLAGS_STORE_SIGNEDINFO_REFERENCES;
    ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
    ctx->keyInfoReadCtx.flags |= XMLSEC_KEYINFO_FLAGS_X509DATA_STOP_ON_INVALID_CERT;
    ctx->keyInfoReadCtx.certsVerificationTime = 0; // now
    ctx->keyInfoReadCtx.maxRetrievalMethodLevel = 0;
    if (xmlSecPtrListAdd(&ctx->keyInfoReadCtx.enabledKeyData,
                         const_cast<void*>(static_cast<const void*>(xmlSecKeyDataX509Id))) < 0 ||
        !enable(ctx.get(),
                {xmlSecTransformEnvelopedId, xmlSecTransformInclC14NId, xmlSecTransformInclC14NWithCommentsId,
                 xmlSecTransformExclC14NId, xmlSecTransformExclC14NWithCommentsId, xmlSecTransformSha256Id},
                {xmlSecTransformInclC14NId, xmlSecTransformInclC14NWithCommentsId, xmlSecTransformExclC14NId,
                 xmlSecTransformExclC14NWithCommentsId, xmlSecTransformEcdsaSha256Id, xmlSecTransformRsaSha256Id})) {
        return nullptr;
    }
    return ctx;
}

// The signer's certificate checked again, by OpenSSL alone, against the trusted CAs and nothing else: xmlsec's X509
// store also loads the system's default trust store (X509_STORE_set_default_paths), which must not count here.
result<void> check_chain(X509* signer, xmlSecKeyDataPtr x509_data, const std::vector<x509_ptr>& trusted) {
    x509_store_ptr store(X509_STORE_new());
    x509_stack_ptr untrusted(sk_X509_new_null());
    x509_store_ctx_ptr ctx(X509_STORE_CTX_new());
    if (!store || !untrusted || !ctx) {
        return make_error(errc::internal, "cannot allocate a certificate store");
    }
    for (const auto& certificate : trusted) {
        if (X509_STORE_add_cert(store.get(), certificate.get()) != 1) {
            ERR_clear_error(); // a duplicate in the bundle
        }
    }
    const xmlSecSize count = xmlSecOpenSSLKeyDataX509GetCertsSize(x509_data);
    for (xmlSecSize i = 0; i < count; ++i) {
        if (X509* certificate = xmlSecOpenSSLKeyDataX509GetCert(x509_data, i)) {
            if (sk_X509_push(untrusted.get(), certificate) <= 0) {
                return make_error(errc::internal, "cannot build the certificate chain");
            }
        }
    }
    if (X509_STORE_CTX_init(ctx.get(), store.get(), signer, untrusted.get()) != 1) {
        return make_error(errc::internal, "cannot initialise the certificate verification");
    }
    if (X509_verify_cert(ctx.get()) != 1) {
        return refused(std::string("the signer's certificate is not trusted: ") +
                       X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
    }
    return {};
}

} // namespace

namespace detail {
struct signer_material {
    pkey_ptr private_key;
    std::vector<x509_ptr> chain; // the signer's certificate first
};
} // namespace detail

result<signer> signer::read(const signing_key& key) {
    auto private_key = read_private_key(key.private_key_pem);
    if (!private_key) {
        return std::move(private_key).err();
    }
    auto chain = read_certificates(key.certificate_chain_pem, "the certificate chain");
    if (!chain) {
        return std::move(chain).err();
    }
    if (X509_check_private_key(chain->front().get(), private_key->get()) != 1) {
        ERR_clear_error();
        return make_error(errc::invalid_argument, "the first certificate of the chain does not match the private key");
    }
    return signer(std::make_shared<const detail::signer_material>(
        detail::signer_material{std::move(*private_key), std::move(*chain)}));
}

result<std::string> sign_enveloped(std::string_view document_xml, const signing_key& key,
                                   const signature_options& options) {
    auto read = signer::read(key);
    if (!read) {
        return std::move(read).err();
    }
    return sign_enveloped(document_xml, *read, options);
}

result<std::string> sign_enveloped(std::string_view document_xml, const signer& key,
                                   const signature_options& options) {
    if (const auto& init = initialize_xmlsec(); !init.ok) {
        return make_error(errc::internal, init.message);
    }
    if (!key.has_key()) {
        return make_error(errc::invalid_argument, "no signing key");
    }
    auto doc = parse(document_xml);
    if (!doc) {
        return std::move(doc).err();
    }
    xmlNodePtr root = detail::libxml_node(doc->root());
    const auto existing = find_signatures(root);
    if (std::any_of(existing.begin(), existing.end(),
                    [&](xmlNodePtr s) { return !options.embedded_signatures || s->parent == root; })) {
        return make_error(errc::invalid_argument, "the document is already signed");
    }
    const auto& material = key.material();
    X509* signer_certificate = material.chain.front().get();
    if (X509_cmp_current_time(X509_get0_notAfter(signer_certificate)) <= 0) {
        return make_error(errc::invalid_argument, "the signer's certificate has expired");
    }
    if (X509_cmp_current_time(X509_get0_notBefore(signer_certificate)) >= 0) {
        return make_error(errc::invalid_argument, "the signer's certificate is not valid yet");
    }
    // xmlsec takes ownership of what it is given: it gets references of its own to the signer's key and certificates.
    EVP_PKEY_up_ref(material.private_key.get());
    pkey_ptr private_key(material.private_key.get());
    std::vector<x509_ptr> chain;
    for (const auto& certificate : material.chain) {
        X509_up_ref(certificate.get());
        chain.emplace_back(certificate.get());
    }
    const bool is_ec = EVP_PKEY_get_base_id(private_key.get()) == EVP_PKEY_EC;

    error_scope errors;
    const auto failed = [&errors](std::string_view what) {
        return make_error(errc::internal, std::string(what) + ": " + errors.describe("unknown error"));
    };
    key_data_ptr value(xmlSecOpenSSLEvpKeyAdopt(private_key.get()));
    if (!value) {
        return failed("cannot use the private key");
    }
    (void)private_key.release(); // now owned by value
    key_ptr signing(xmlSecKeyCreate());
    if (!signing || xmlSecKeySetValue(signing.get(), value.get()) < 0) {
        return failed("cannot create the signing key");
    }
    (void)value.release(); // now owned by signing
    xmlSecKeyDataPtr x509_data = xmlSecKeyEnsureData(signing.get(), xmlSecOpenSSLKeyDataX509Id);
    if (x509_data == nullptr) {
        return failed("cannot attach the certificates to the signing key");
    }
    for (auto& certificate : chain) {
        if (xmlSecOpenSSLKeyDataX509AdoptCert(x509_data, certificate.get()) < 0) {
            return failed("cannot attach a certificate to the signing key");
        }
        (void)certificate.release(); // now owned by x509_data
    }

    // The template: <ds:Signature> with one reference to the whole document, the last child of the root.
    const auto c14n = options.inclusive_c14n ? xmlSecTransformInclC14NId : xmlSecTransformExclC14NId;
    xmlNodePtr signature = xmlSecTmplSignatureCreateNsPref(
        detail::libxml_doc(*doc), c14n,
        is_ec ? xmlSecTransformEcdsaSha256Id : xmlSecTransformRsaSha256Id, nullptr, xml_chars("ds"));
    if (signature == nullptr) {
        return failed("cannot create the signature template");
    }
    if (xmlAddChild(root, signature) == nullptr) {
        xmlFreeNode(signature);
        return failed("cannot add the signature to the document");
    }
    xmlNodePtr reference =
        xmlSecTmplSignatureAddReference(signature, xmlSecTransformSha256Id, nullptr, xml_chars(""), nullptr);
    xmlNodePtr key_info = xmlSecTmplSignatureEnsureKeyInfo(signature, nullptr);
    xmlNodePtr x509_node = key_info == nullptr ? nullptr : xmlSecTmplKeyInfoAddX509Data(key_info);
    if (reference == nullptr || xmlSecTmplReferenceAddTransform(reference, xmlSecTransformEnvelopedId) == nullptr ||
        xmlSecTmplReferenceAddTransform(reference, c14n) == nullptr || x509_node == nullptr ||
        xmlSecTmplX509DataAddCertificate(x509_node) == nullptr) {
        return failed("cannot fill the signature template");
    }

    dsig_ctx_ptr ctx(xmlSecDSigCtxCreate(nullptr));
    if (!ctx) {
        return failed("cannot create the signature context");
    }
    ctx->signKey = signing.release(); // now owned by ctx
    if (xmlSecDSigCtxSign(ctx.get(), signature) < 0 || ctx->status != xmlSecDSigStatusSucceeded) {
        return failed("signing failed");
    }
    ctx.reset();
    std::string out = doc->serialize();
    if (out.empty()) {
        return make_error(errc::internal, "cannot serialise the signed document");
    }
    return out;
}

result<verified_signature> verify_enveloped(std::string_view document_xml, std::string_view trusted_ca_pem,
                                            const signature_options& options) {
    if (const auto& init = initialize_xmlsec(); !init.ok) {
        return make_error(errc::internal, init.message);
    }
    auto trusted = read_certificates(trusted_ca_pem, "the trusted CA bundle");
    if (!trusted) {
        return std::move(trusted).err();
    }
    auto doc = parse(document_xml);
    if (!doc) {
        return std::move(doc).err();
    }
    auto signature = check_shape(detail::libxml_node(doc->root()), options);
    if (!signature) {
        return std::move(signature).err();
    }

    error_scope errors;
    const auto failed = [&errors](std::string_view what) {
        return make_error(errc::internal, std::string(what) + ": " + errors.describe("unknown error"));
    };
    keys_mngr_ptr manager(xmlSecKeysMngrCreate());
    if (!manager || xmlSecCryptoAppDefaultKeysMngrInit(manager.get()) < 0) {
        return failed("cannot create the keys manager");
    }
    xmlSecKeyDataStorePtr store = xmlSecKeysMngrGetDataStore(manager.get(), xmlSecOpenSSLX509StoreId);
    if (store == nullptr) {
        return failed("cannot find the X509 store of the keys manager");
    }
    for (const auto& certificate : *trusted) {
        if (X509_up_ref(certificate.get()) != 1) {
            return failed("cannot reference a trusted certificate");
        }
        if (xmlSecOpenSSLX509StoreAdoptCert(store, certificate.get(), xmlSecKeyDataTypeTrusted) < 0) {
            X509_free(certificate.get());
            return failed("cannot add a trusted certificate");
        }
    }
    dsig_ctx_ptr ctx = new_verify_context(manager.get());
    if (!ctx) {
        return failed("cannot create the verification context");
    }

    if (xmlSecDSigCtxVerify(ctx.get(), *signature) < 0) {
        const xmlsec_log& log = errors.log();
        if (!log.certificate.empty()) {
            return refused("the signer's certificate is not trusted: " + log.certificate);
        }
        if (log.key_not_found) {
            return refused("the signer's certificate is not trusted: no certificate of KeyInfo/X509Data chains to a "
                           "trusted CA (" +
                           errors.describe("key not found") + ")");
        }
        if (log.disabled) {
            return refused("the signature uses an algorithm or URI that is not allowed: " + errors.describe(""));
        }
        return refused("the signature cannot be processed: " + errors.describe("unknown error"));
    }
    if (ctx->status != xmlSecDSigStatusSucceeded) {
        for (xmlSecSize i = 0; i < xmlSecPtrListGetSize(&ctx->signedInfoReferences); ++i) {
            auto* reference =
                static_cast<xmlSecDSigReferenceCtxPtr>(xmlSecPtrListGetItem(&ctx->signedInfoReferences, i));
            if (reference != nullptr && reference->status != xmlSecDSigStatusSucceeded) {
                return refused("the signature does not verify: the document does not match its digest");
            }
        }
        return refused("the signature does not verify");
    }
    // What was verified must be what check_shape() looked at: one reference, to the whole document.
    if (xmlSecPtrListGetSize(&ctx->signedInfoReferences) != 1) {
        return refused("the signature must have exactly one reference");
    }
    auto* reference = static_cast<xmlSecDSigReferenceCtxPtr>(xmlSecPtrListGetItem(&ctx->signedInfoReferences, 0));
    if (reference == nullptr || reference->uri == nullptr || reference->uri[0] != '\0' ||
        reference->status != xmlSecDSigStatusSucceeded) {
        return refused("the reference must be to the whole document (URI=\"\")");
    }
    xmlSecKeyDataPtr x509_data =
        ctx->signKey == nullptr ? nullptr : xmlSecKeyGetData(ctx->signKey, xmlSecOpenSSLKeyDataX509Id);
    X509* signer = x509_data == nullptr ? nullptr : xmlSecOpenSSLKeyDataX509GetKeyCert(x509_data);
    if (signer == nullptr) {
        return refused("the signing key does not come from a verified certificate");
    }
    if (auto chained = check_chain(signer, x509_data, *trusted); !chained) {
        return std::move(chained).err();
    }
    verified_signature out;
    out.signer_subject = subject_of(signer);
    out.signer_certificate_pem = pem_of(signer);
    ctx.reset(); // before the tree it points into changes

    xmlUnlinkNode(*signature);
    xmlFreeNode(*signature);
    out.unsigned_document = doc->serialize();
    return out;
}

} // namespace mcprov::xml
