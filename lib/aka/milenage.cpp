#include <mcprov/aka/milenage.hpp>

#include "octets.hpp"

#include <openssl/evp.h>

#include <memory>

namespace mcprov::aka {
namespace {

using support::errc;
using support::make_error;

std::string aes128_encrypt_block(std::string_view key, std::string_view block) {
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    std::string out(32, '\0');
    int n = 0;
    if (!ctx ||
        EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ecb(), nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                           nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
        EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n,
                          reinterpret_cast<const unsigned char*>(block.data()), 16) != 1 ||
        n != 16)
        std::abort(); // AES-128 on a 16-octet block cannot fail short of a broken crypto library
    out.resize(16);
    return out;
}

} // namespace

support::result<milenage> milenage::create(std::string_view k, std::string_view opc) {
    if (k.size() != 16)
        return make_error(errc::invalid_argument, "K must be 16 octets");
    if (opc.size() != 16)
        return make_error(errc::invalid_argument, "OPc must be 16 octets");
    return milenage(std::string(k), std::string(opc));
}

support::result<std::string> milenage::opc_from_op(std::string_view k, std::string_view op) {
    if (k.size() != 16 || op.size() != 16)
        return make_error(errc::invalid_argument, "K and OP must be 16 octets");
    return xor_of(aes128_encrypt_block(k, op), op);
}

std::string milenage::temp(std::string_view rand) const {
    return aes128_encrypt_block(k_, xor_of(rand, opc_));
}

// OUTn = E_K(rot(x xor OPc, rn) xor cn) xor OPc; cn differs from zero only in its last octet.
std::string milenage::out(std::string_view x, int rotate_octets, unsigned char c) const {
    const std::string masked = xor_of(x, opc_);
    std::string rotated(16, '\0');
    for (int i = 0; i < 16; ++i)
        rotated[static_cast<std::size_t>(i)] = masked[static_cast<std::size_t>((i + rotate_octets) % 16)];
    rotated[15] = static_cast<char>(rotated[15] ^ c);
    return xor_of(aes128_encrypt_block(k_, rotated), opc_);
}

std::string milenage::out1(std::string_view rand, std::string_view sqn, std::string_view amf) const {
    const std::string in1 = std::string(sqn) + std::string(amf) + std::string(sqn) + std::string(amf);
    const std::string t = temp(rand);
    // OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc: IN1 is rotated, TEMP is added afterwards.
    const std::string masked = xor_of(in1, opc_);
    std::string rotated(16, '\0');
    for (int i = 0; i < 16; ++i)
        rotated[static_cast<std::size_t>(i)] = masked[static_cast<std::size_t>((i + 8) % 16)];
    return xor_of(aes128_encrypt_block(k_, xor_of(t, rotated)), opc_);
}

std::string milenage::f1(std::string_view rand, std::string_view sqn, std::string_view amf) const {
    return out1(rand, sqn, amf).substr(0, 8);
}

std::string milenage::f1_star(std::string_view rand, std::string_view sqn, std::string_view amf) const {
    return out1(rand, sqn, amf).substr(8, 8);
}

milenage::outputs milenage::f2345(std::string_view rand) const {
    const std::string t = temp(rand);
    const std::string out2 = out(t, 0, 0x01);
    return {.res = out2.substr(8, 8), .ck = out(t, 4, 0x02), .ik = out(t, 8, 0x04), .ak = out2.substr(0, 6)};
}

std::string milenage::f5_star(std::string_view rand) const {
    return out(temp(rand), 12, 0x08).substr(0, 6);
}

} // namespace mcprov::aka
