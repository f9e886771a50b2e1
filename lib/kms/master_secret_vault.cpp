#include "mcprov/kms/master_secret_vault.hpp"

#include <array>
#include <memory>

#include <boost/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "mcprov/support/encoding.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::kms {
namespace {

using support::errc;
using support::make_error;
using support::result;

constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;
constexpr std::size_t sealed_limit = 4096;

struct cipher_deleter {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, cipher_deleter>;

// Clears a secret's bytes before its memory is released.
struct wiped_string {
    std::string bytes;
    ~wiped_string() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

const unsigned char* octets(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* octets(std::string& s) {
    return reinterpret_cast<unsigned char*>(s.data());
}

std::string random_octets(std::size_t n) {
    std::string out(n, '\0');
    if (RAND_bytes(octets(out), static_cast<int>(n)) != 1) {
        out.clear();
    }
    return out;
}

std::optional<std::string> hex_field(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_string()) {
        return std::nullopt;
    }
    return support::hex_decode(std::string_view(v->get_string()));
}

} // namespace

master_secret_vault::~master_secret_vault() {
    OPENSSL_cleanse(key_.data(), key_.size());
}

result<master_secret_vault> master_secret_vault::from_key(std::string key) {
    if (key.size() != key_size) {
        OPENSSL_cleanse(key.data(), key.size());
        return make_error(errc::invalid_argument,
                          "the master key must be " + std::to_string(key_size) + " octets (64 hex digits)");
    }
    return master_secret_vault(std::move(key));
}

result<master_secret_vault> master_secret_vault::from_key_file(const std::filesystem::path& file) {
    auto text = support::read_secret_file(file, 1024);
    if (!text) {
        return std::move(text).err();
    }
    wiped_string content{std::move(text).value()};
    auto first = content.bytes.find_first_not_of(" \t\r\n");
    auto last = content.bytes.find_last_not_of(" \t\r\n");
    std::string_view digits;
    if (first != std::string::npos) {
        digits = std::string_view(content.bytes).substr(first, last - first + 1);
    }
    auto key = support::hex_decode(digits);
    if (!key || key->size() != key_size) {
        return make_error(errc::invalid_argument, file.string() + ": the master key file must hold 64 hex digits");
    }
    return from_key(std::move(*key));
}

std::string master_secret_vault::generate_key_file_text() {
    wiped_string key{random_octets(key_size)};
    return support::hex_encode(key.bytes) + "\n";
}

result<std::string> master_secret_vault::seal(const mikey::master_secrets& secrets, std::string_view kms_uri) const {
    if (secrets.ksak.size() != mikey::ksak_size || secrets.z.size() != mikey::sakke_master_secret_size) {
        return make_error(errc::invalid_argument, "master secrets of the wrong size");
    }
    wiped_string plain{secrets.ksak + secrets.z};
    auto nonce = random_octets(nonce_size);
    cipher_ctx ctx(EVP_CIPHER_CTX_new());
    if (nonce.empty() || !ctx) {
        return make_error(errc::internal, "cannot set up AES-256-GCM");
    }
    std::string ciphertext(plain.bytes.size(), '\0');
    std::string tag(tag_size, '\0');
    int len = 0;
    bool ok = EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, nonce_size, nullptr) == 1 &&
              EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, octets(key_), octets(nonce)) == 1 &&
              EVP_EncryptUpdate(ctx.get(), nullptr, &len, octets(kms_uri), static_cast<int>(kms_uri.size())) == 1 &&
              EVP_EncryptUpdate(ctx.get(), octets(ciphertext), &len, octets(plain.bytes),
                                static_cast<int>(plain.bytes.size())) == 1 &&
              EVP_EncryptFinal_ex(ctx.get(), octets(ciphertext) + len, &len) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag_size, tag.data()) == 1;
    if (!ok) {
        return make_error(errc::internal, "AES-256-GCM encryption failed");
    }
    boost::json::object o;
    o["version"] = 1;
    o["algorithm"] = "AES-256-GCM";
    o["nonce"] = support::hex_encode(nonce);
    o["ciphertext"] = support::hex_encode(ciphertext);
    o["tag"] = support::hex_encode(tag);
    return boost::json::serialize(o);
}

result<mikey::master_secrets> master_secret_vault::open(std::string_view sealed, std::string_view kms_uri) const {
    if (sealed.size() > sealed_limit) {
        return make_error(errc::invalid_argument, "sealed master secrets larger than " +
                                                      std::to_string(sealed_limit) + " bytes");
    }
    boost::system::error_code ec;
    auto value = boost::json::parse(sealed, ec);
    if (ec || !value.is_object()) {
        return make_error(errc::invalid_argument, "sealed master secrets are not a JSON object");
    }
    const auto& o = value.get_object();
    const auto* version = o.if_contains("version");
    const auto* algorithm = o.if_contains("algorithm");
    if (!version || !version->is_int64() || version->get_int64() != 1 || !algorithm || !algorithm->is_string() ||
        algorithm->get_string() != "AES-256-GCM") {
        return make_error(errc::invalid_argument, "sealed master secrets of an unknown version or algorithm");
    }
    auto nonce = hex_field(o, "nonce");
    auto ciphertext = hex_field(o, "ciphertext");
    auto tag = hex_field(o, "tag");
    if (!nonce || nonce->size() != nonce_size || !tag || tag->size() != tag_size || !ciphertext ||
        ciphertext->size() != mikey::ksak_size + mikey::sakke_master_secret_size) {
        return make_error(errc::invalid_argument, "sealed master secrets with a malformed nonce, ciphertext or tag");
    }
    cipher_ctx ctx(EVP_CIPHER_CTX_new());
    if (!ctx) {
        return make_error(errc::internal, "cannot set up AES-256-GCM");
    }
    wiped_string plain{std::string(ciphertext->size(), '\0')};
    int len = 0;
    bool set_up = EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
                  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, nonce_size, nullptr) == 1 &&
                  EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, octets(key_), octets(*nonce)) == 1 &&
                  EVP_DecryptUpdate(ctx.get(), nullptr, &len, octets(kms_uri), static_cast<int>(kms_uri.size())) ==
                      1 &&
                  EVP_DecryptUpdate(ctx.get(), octets(plain.bytes), &len, octets(*ciphertext),
                                    static_cast<int>(ciphertext->size())) == 1 &&
                  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag_size, tag->data()) == 1;
    if (!set_up) {
        return make_error(errc::internal, "AES-256-GCM decryption failed");
    }
    if (EVP_DecryptFinal_ex(ctx.get(), octets(plain.bytes) + len, &len) != 1) {
        return make_error(errc::unauthenticated, "the master key does not open the stored master secrets of " +
                                                     std::string(kms_uri) +
                                                     " (another key, another domain, or altered)");
    }
    mikey::master_secrets out;
    out.ksak = plain.bytes.substr(0, mikey::ksak_size);
    out.z = plain.bytes.substr(mikey::ksak_size);
    return out;
}

} // namespace mcprov::kms
