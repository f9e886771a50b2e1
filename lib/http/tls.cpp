#include "mcprov/http/tls.hpp"

#include <memory>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

namespace mcprov::http {
namespace {

using support::errc;
using support::make_error;
using support::result;

struct pkey_deleter {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_deleter {
    void operator()(X509* p) const { X509_free(p); }
};
struct bio_deleter {
    void operator()(BIO* p) const { BIO_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;
using x509_ptr = std::unique_ptr<X509, x509_deleter>;
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;

support::error openssl_error(const std::string& what) {
    return make_error(errc::internal, what + " failed");
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(len));
}

result<certificate_and_key> to_pem(X509* cert, EVP_PKEY* key) {
    bio_ptr cert_bio(BIO_new(BIO_s_mem()));
    bio_ptr key_bio(BIO_new(BIO_s_mem()));
    if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert) != 1 ||
        PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        return openssl_error("PEM encoding");
    }
    return certificate_and_key{bio_text(cert_bio.get()), bio_text(key_bio.get())};
}

bool add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) {
        return false;
    }
    bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

// A new certificate for `key` with a random serial, the subject CN and the validity window set.
x509_ptr new_certificate(EVP_PKEY* key, const std::string& common_name, std::chrono::hours validity) {
    x509_ptr cert(X509_new());
    if (!cert || X509_set_version(cert.get(), 2) != 1) {
        return nullptr;
    }
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1) {
        return nullptr;
    }
    serial[0] &= 0x7f; // positive
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    bool ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr;
    BN_free(bn);
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300) &&
         X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                         static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(validity).count())) &&
         X509_set_pubkey(cert.get(), key) == 1 &&
         X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0) == 1;
    return ok ? std::move(cert) : nullptr;
}

pkey_ptr new_p256_key() {
    return pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

// One named identity: a wildcard certificate names a family of hosts, none of them exactly.
result<void> names(X509* cert, const std::string& name) {
    if (X509_check_host(cert, name.data(), name.size(), X509_CHECK_FLAG_NO_WILDCARDS, nullptr) != 1) {
        return make_error(errc::forbidden, "the certificate does not name " + name);
    }
    return {};
}

} // namespace

result<certificate_and_key> create_certificate_authority(const std::string& common_name, std::chrono::hours validity) {
    auto key = new_p256_key();
    if (!key) {
        return openssl_error("key generation");
    }
    auto cert = new_certificate(key.get(), common_name, validity);
    if (!cert || X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) != 1 ||
        !add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
        !add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
        !add_extension(cert.get(), cert.get(), NID_subject_key_identifier, "hash") ||
        X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
        return openssl_error("CA certificate creation");
    }
    return to_pem(cert.get(), key.get());
}

result<certificate_and_key> issue_certificate(const certificate_and_key& ca, const std::string& common_name,
                                              const std::vector<std::string>& dns_names,
                                              const std::vector<std::string>& ip_addresses, certificate_usage usage,
                                              std::chrono::hours validity) {
    bio_ptr ca_cert_bio(BIO_new_mem_buf(ca.certificate_pem.data(), static_cast<int>(ca.certificate_pem.size())));
    bio_ptr ca_key_bio(BIO_new_mem_buf(ca.private_key_pem.data(), static_cast<int>(ca.private_key_pem.size())));
    x509_ptr ca_cert(PEM_read_bio_X509(ca_cert_bio.get(), nullptr, nullptr, nullptr));
    pkey_ptr ca_key(PEM_read_bio_PrivateKey(ca_key_bio.get(), nullptr, nullptr, nullptr));
    if (!ca_cert || !ca_key) {
        return make_error(errc::invalid_argument, "the CA certificate or key is not valid PEM");
    }
    auto key = new_p256_key();
    if (!key) {
        return openssl_error("key generation");
    }
    std::string alt_names;
    for (const auto& name : dns_names) {
        alt_names += (alt_names.empty() ? "DNS:" : ",DNS:") + name;
    }
    for (const auto& ip : ip_addresses) {
        alt_names += (alt_names.empty() ? "IP:" : ",IP:") + ip;
    }
    const char* extended_usage = usage == certificate_usage::server   ? "serverAuth"
                                 : usage == certificate_usage::client ? "clientAuth"
                                                                      : "serverAuth,clientAuth";
    auto cert = new_certificate(key.get(), common_name, validity);
    if (!cert || X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get())) != 1 ||
        !add_extension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
        !add_extension(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature") ||
        !add_extension(cert.get(), ca_cert.get(), NID_ext_key_usage, extended_usage) ||
        !add_extension(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always") ||
        (!alt_names.empty() && !add_extension(cert.get(), ca_cert.get(), NID_subject_alt_name, alt_names)) ||
        X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0) {
        return openssl_error("certificate issuing");
    }
    return to_pem(cert.get(), key.get());
}

result<void> verify_certificate(std::string_view certificate_pem, std::string_view trusted_ca_pem,
                                const std::string& name) {
    bio_ptr cert_bio(BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())));
    x509_ptr cert(cert_bio ? PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!cert) {
        return make_error(errc::invalid_argument, "the certificate is not valid PEM");
    }
    std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
    bio_ptr ca_bio(BIO_new_mem_buf(trusted_ca_pem.data(), static_cast<int>(trusted_ca_pem.size())));
    if (!store || !ca_bio) {
        return openssl_error("certificate store");
    }
    int loaded = 0;
    while (x509_ptr ca{PEM_read_bio_X509(ca_bio.get(), nullptr, nullptr, nullptr)}) {
        if (X509_STORE_add_cert(store.get(), ca.get()) != 1) {
            return openssl_error("certificate store");
        }
        ++loaded;
    }
    ERR_clear_error(); // the end of the bundle reads as an error
    if (loaded == 0) {
        return make_error(errc::invalid_argument, "no CA certificate in the trusted bundle");
    }
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
    if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1) {
        return openssl_error("certificate verification");
    }
    if (X509_verify_cert(ctx.get()) != 1) {
        return make_error(errc::forbidden, std::string("certificate not trusted: ") +
                                               X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
    }
    return names(cert.get(), name);
}

result<void> certificate_names(std::string_view certificate_pem, const std::string& name) {
    bio_ptr cert_bio(BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())));
    x509_ptr cert(cert_bio ? PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!cert) {
        return make_error(errc::invalid_argument, "the certificate is not valid PEM");
    }
    return names(cert.get(), name);
}

} // namespace mcprov::http
