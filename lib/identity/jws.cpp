#include "jws.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include <boost/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "mcprov/support/encoding.hpp"

namespace mcprov::identity {
namespace {

using support::errc;
using support::make_error;

constexpr std::size_t coordinate_bytes = 32;
constexpr std::size_t signature_bytes = 2 * coordinate_bytes;
constexpr std::size_t max_header_depth = 4;

struct bio_deleter {
    void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;

struct md_ctx_deleter {
    void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_deleter>;

struct ecdsa_sig_deleter {
    void operator()(ECDSA_SIG* sig) const noexcept { ECDSA_SIG_free(sig); }
};
using ecdsa_sig_ptr = std::unique_ptr<ECDSA_SIG, ecdsa_sig_deleter>;

struct bn_deleter {
    void operator()(BIGNUM* bn) const noexcept { BN_free(bn); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_deleter>;

// Never prompt for a pass phrase: an encrypted PEM simply fails to load.
int no_password(char*, int, int, void*) {
    return 0;
}

bio_ptr memory_bio(std::string_view data) {
    if (data.size() > static_cast<std::size_t>(INT32_MAX)) {
        return nullptr;
    }
    return bio_ptr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

support::error unauthenticated(std::string message) {
    return make_error(errc::unauthenticated, std::move(message));
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

// Checks the protected header: a JSON object with "alg":"ES256", an acceptable "typ", and no "crit".
support::result<void> check_header(std::string_view header_json) {
    boost::json::parse_options options;
    options.max_depth = max_header_depth;
    boost::system::error_code ec;
    boost::json::value header = boost::json::parse(header_json, ec, {}, options);
    if (ec) {
        return unauthenticated("token header is not valid JSON");
    }
    const auto* object = header.if_object();
    if (object == nullptr) {
        return unauthenticated("token header is not a JSON object");
    }
    const auto* alg = object->if_contains("alg");
    if (alg == nullptr) {
        return unauthenticated("token header has no alg");
    }
    const auto* alg_text = alg->if_string();
    if (alg_text == nullptr) {
        return unauthenticated("token header alg is not a string");
    }
    if (*alg_text != "ES256") {
        return unauthenticated("token algorithm is not ES256");
    }
    if (const auto* typ = object->if_contains("typ"); typ != nullptr) {
        const auto* typ_text = typ->if_string();
        if (typ_text == nullptr) {
            return unauthenticated("token header typ is not a string");
        }
        std::string_view t(typ_text->data(), typ_text->size());
        if (!iequals(t, "JWT") && !iequals(t, "at+jwt")) {
            return unauthenticated("token type is not JWT or at+jwt");
        }
    }
    if (object->contains("crit")) {
        return unauthenticated("token header has crit extensions, none are supported");
    }
    return {};
}

// Raw R||S (64 bytes) to the DER ECDSA-Sig-Value OpenSSL verifies.
std::optional<std::string> raw_to_der(std::string_view raw) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
    bn_ptr r(BN_bin2bn(bytes, coordinate_bytes, nullptr));
    bn_ptr s(BN_bin2bn(bytes + coordinate_bytes, coordinate_bytes, nullptr));
    ecdsa_sig_ptr sig(ECDSA_SIG_new());
    if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
        return std::nullopt;
    }
    r.release(); // now owned by sig
    s.release();
    int length = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (length <= 0) {
        return std::nullopt;
    }
    std::string der(static_cast<std::size_t>(length), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_ECDSA_SIG(sig.get(), &out) != length) {
        return std::nullopt;
    }
    return der;
}

// DER ECDSA-Sig-Value to raw R||S, each left-padded to 32 bytes.
std::optional<std::string> der_to_raw(const unsigned char* der, std::size_t length) {
    const unsigned char* in = der;
    ecdsa_sig_ptr sig(d2i_ECDSA_SIG(nullptr, &in, static_cast<long>(length)));
    if (!sig) {
        return std::nullopt;
    }
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    std::string raw(signature_bytes, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    if (BN_bn2binpad(r, out, coordinate_bytes) != static_cast<int>(coordinate_bytes) ||
        BN_bn2binpad(s, out + coordinate_bytes, coordinate_bytes) != static_cast<int>(coordinate_bytes)) {
        return std::nullopt;
    }
    return raw;
}

} // namespace

bool is_p256_key(const EVP_PKEY* key) {
    if (key == nullptr || EVP_PKEY_is_a(key, "EC") != 1) {
        return false;
    }
    std::array<char, 80> name{};
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

support::result<evp_pkey_ptr> load_p256_public_key_pem(std::string_view pem) {
    bio_ptr bio = memory_bio(pem);
    if (!bio) {
        return make_error(errc::invalid_argument, "public key PEM cannot be read");
    }
    evp_pkey_ptr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, no_password, nullptr));
    ERR_clear_error();
    if (!key) {
        return make_error(errc::invalid_argument, "public key is not a SubjectPublicKeyInfo PEM");
    }
    if (!is_p256_key(key.get())) {
        return make_error(errc::invalid_argument, "public key is not an EC P-256 key");
    }
    return key;
}

support::result<evp_pkey_ptr> load_p256_private_key_pem(std::string_view pem) {
    bio_ptr bio = memory_bio(pem);
    if (!bio) {
        return make_error(errc::invalid_argument, "private key PEM cannot be read");
    }
    evp_pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
    ERR_clear_error();
    if (!key) {
        return make_error(errc::invalid_argument, "private key is not an unencrypted PEM private key");
    }
    if (!is_p256_key(key.get())) {
        return make_error(errc::invalid_argument, "private key is not an EC P-256 key");
    }
    return key;
}

support::result<evp_pkey_ptr> p256_public_key_from_coordinates(std::string_view x, std::string_view y) {
    if (x.size() != coordinate_bytes || y.size() != coordinate_bytes) {
        return make_error(errc::invalid_argument, "P-256 coordinates must be 32 bytes each");
    }
    std::array<unsigned char, 1 + signature_bytes> point{};
    point[0] = 0x04; // uncompressed
    std::memcpy(point.data() + 1, x.data(), coordinate_bytes);
    std::memcpy(point.data() + 1 + coordinate_bytes, y.data(), coordinate_bytes);

    std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> builder(OSSL_PARAM_BLD_new(), &OSSL_PARAM_BLD_free);
    if (!builder || OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
        return make_error(errc::internal, "cannot build P-256 key parameters");
    }
    std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(builder.get()),
                                                                   &OSSL_PARAM_free);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr),
                                                                    &EVP_PKEY_CTX_free);
    EVP_PKEY* raw_key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw_key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        ERR_clear_error();
        return make_error(errc::invalid_argument, "coordinates are not a point on P-256");
    }
    evp_pkey_ptr key(raw_key);
    // EVP_PKEY_fromdata does not check that the point is on the curve; do so explicitly.
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> check(
        EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr), &EVP_PKEY_CTX_free);
    if (!check || EVP_PKEY_public_check(check.get()) != 1) {
        ERR_clear_error();
        return make_error(errc::invalid_argument, "coordinates are not a point on P-256");
    }
    return key;
}

support::result<std::pair<std::string, std::string>> verify_es256_compact(std::string_view compact, EVP_PKEY* key) {
    auto first = compact.find('.');
    if (first == std::string_view::npos) {
        return unauthenticated("token is not a compact JWS: expected three segments");
    }
    auto second = compact.find('.', first + 1);
    if (second == std::string_view::npos || compact.find('.', second + 1) != std::string_view::npos) {
        return unauthenticated("token is not a compact JWS: expected three segments");
    }
    std::string_view header_segment = compact.substr(0, first);
    std::string_view payload_segment = compact.substr(first + 1, second - first - 1);
    std::string_view signature_segment = compact.substr(second + 1);

    auto header_json = support::base64url_decode(header_segment);
    if (!header_json || header_json->empty()) {
        return unauthenticated("token header is not base64url");
    }
    auto payload_json = support::base64url_decode(payload_segment);
    if (!payload_json || payload_json->empty()) {
        return unauthenticated("token payload is not base64url");
    }
    auto signature = support::base64url_decode(signature_segment);
    if (!signature) {
        return unauthenticated("token signature is not base64url");
    }
    if (auto checked = check_header(*header_json); !checked) {
        return std::move(checked).err();
    }
    if (signature->size() != signature_bytes) {
        return unauthenticated("token signature is not 64 bytes (ES256 R||S)");
    }
    auto der = raw_to_der(*signature);
    if (!der) {
        return unauthenticated("token signature is malformed");
    }
    if (key == nullptr) {
        return make_error(errc::internal, "no verification key");
    }

    std::string_view signing_input = compact.substr(0, second);
    md_ctx_ptr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
        ERR_clear_error();
        return make_error(errc::internal, "cannot initialise ES256 verification");
    }
    int verified = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(der->data()), der->size(),
                                    reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
    ERR_clear_error();
    if (verified != 1) {
        return unauthenticated("token signature does not verify");
    }
    return std::pair<std::string, std::string>(std::move(*header_json), std::move(*payload_json));
}

support::result<std::string> sign_es256_compact(std::string_view header_json, std::string_view payload_json,
                                                EVP_PKEY* key) {
    if (!is_p256_key(key)) {
        return make_error(errc::invalid_argument, "signing key is not an EC P-256 key");
    }
    std::string compact = support::base64url_encode(header_json);
    compact += '.';
    compact += support::base64url_encode(payload_json);

    md_ctx_ptr ctx(EVP_MD_CTX_new());
    const auto* input = reinterpret_cast<const unsigned char*>(compact.data());
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
        ERR_clear_error();
        return make_error(errc::internal, "cannot initialise ES256 signing");
    }
    // EVP_PKEY_get_size is the largest DER ECDSA-Sig-Value the key can produce.
    std::vector<unsigned char> der(static_cast<std::size_t>(std::max(EVP_PKEY_get_size(key), 0)));
    std::size_t der_length = der.size();
    if (EVP_DigestSign(ctx.get(), der.data(), &der_length, input, compact.size()) != 1) {
        ERR_clear_error();
        return make_error(errc::internal, "ES256 signing failed");
    }
    auto raw = der_to_raw(der.data(), der_length);
    if (!raw) {
        return make_error(errc::internal, "ES256 signature cannot be converted to R||S");
    }
    compact += '.';
    compact += support::base64url_encode(*raw);
    return compact;
}

} // namespace mcprov::identity
