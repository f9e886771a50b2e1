#include <gtest/gtest.h>

#include <mcprov/aka/authentication.hpp>
#include <mcprov/gba/digest.hpp>
#include <mcprov/gba/key_derivation.hpp>
#include <mcprov/support/encoding.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "../unit/temp_dir.hpp"

// GBA's Digest AKA (RFC 3310) and key derivation (TS 33.220 Annex B) against values computed independently: the IMS
// digest-AKA nonce and password that Debian's osmo-auc-gen (libosmocore) prints for a vector, and RFC 2617's digest
// and Annex B's HMAC-SHA-256 computed by the openssl command over the octets laid out here from the specifications'
// text.
namespace mcprov::gba {
namespace {

using support::hex_encode;

std::string run(const std::string& command) {
    std::string output;
    FILE* p = ::popen(command.c_str(), "r");
    if (!p)
        return output;
    std::array<char, 512> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), p))
        output += buffer.data();
    ::pclose(p);
    return output;
}

std::string field(const std::string& output, const std::string& name) {
    const auto at = output.find(name + ":\t");
    if (at == std::string::npos)
        return {};
    const auto start = at + name.size() + 2;
    return output.substr(start, output.find('\n', start) - start);
}

std::string random_octets(std::mt19937_64& rng, std::size_t n) {
    std::string out(n, '\0');
    for (auto& c : out)
        c = static_cast<char>(rng() & 0xff);
    return out;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

class openssl_cli {
public:
    // MD5 of the octets, lower-case hex, by `openssl dgst -md5`.
    std::string md5_hex(const std::string& octets) {
        return run("openssl dgst -md5 -r " + file(octets) + " 2>&1").substr(0, 32);
    }
    // HMAC-SHA-256, lower-case hex, by `openssl mac`.
    std::string hmac_sha256_hex(const std::string& key, const std::string& octets) {
        auto out = run("openssl mac -digest SHA256 -macopt hexkey:" + hex_encode(key) + " -in " + file(octets) +
                       " HMAC 2>&1");
        return lower(out.substr(0, 64));
    }

private:
    std::string file(const std::string& octets) {
        const auto p = dir_.path() / ("in-" + std::to_string(n_++));
        std::ofstream(p, std::ios::binary) << octets;
        return p.string();
    }
    testing::temp_dir dir_;
    int n_ = 0;
};

TEST(gba_vectors, when_a_vector_is_made_then_the_digest_aka_nonce_and_password_are_osmo_auc_gens) {
    std::mt19937_64 rng(std::random_device{}());
    for (int i = 0; i < 10; ++i) {
        const std::string k = random_octets(rng, 16), opc = random_octets(rng, 16), rand = random_octets(rng, 16);
        const std::uint64_t sqn = (rng() & 0xffffff) << 5;
        SCOPED_TRACE("K " + hex_encode(k) + " OPc " + hex_encode(opc) + " RAND " + hex_encode(rand));
        const std::string output = run("osmo-auc-gen -3 -a milenage -k " + hex_encode(k) + " -o " + hex_encode(opc) +
                                       " -r " + hex_encode(rand) + " -s " + std::to_string(sqn) + " -f 8000 2>&1");
        ASSERT_FALSE(field(output, "IMS nonce").empty()) << output;
        const auto av = aka::make_authentication_vector(*aka::milenage::create(k, opc), rand, sqn,
                                                        std::string("\x80\x00", 2));
        EXPECT_EQ(aka_nonce(av.rand, av.autn), field(output, "IMS nonce"));
        // RFC 3310 section 3.4: the password is RES itself, its octets (osmo-auc-gen prints them base64-encoded).
        EXPECT_EQ(support::base64_encode(av.xres), field(output, "IMS res"));
    }
}

TEST(gba_vectors, when_the_device_answers_then_the_response_is_rfc_2617s_auth_int_digest_with_res_as_password) {
    std::mt19937_64 rng(std::random_device{}());
    openssl_cli openssl;
    for (int i = 0; i < 5; ++i) {
        const auto av = aka::make_authentication_vector(
            *aka::milenage::create(random_octets(rng, 16), random_octets(rng, 16)), random_octets(rng, 16), 32,
            std::string("\x80\x00", 2));
        digest_credentials c{.username = "001010000000017@ims.mnc001.mcc001.3gppnetwork.org",
                             .realm = "bsf.mnc001.mcc001.pub.3gppnetwork.org",
                             .nonce = aka_nonce(av.rand, av.autn),
                             .uri = "/",
                             .response = {},
                             .algorithm = "AKAv1-MD5",
                             .cnonce = support::base64_encode(random_octets(rng, 12)),
                             .nc = "00000001",
                             .qop = "auth-int",
                             .opaque = {},
                             .auts = std::nullopt};
        const std::string body = i % 2 ? "" : "<a body/>";
        const auto ha1 = openssl.md5_hex(c.username + ":" + c.realm + ":" + av.xres);
        const auto ha2 = openssl.md5_hex("POST:" + c.uri + ":" + openssl.md5_hex(body));
        const auto expected =
            openssl.md5_hex(ha1 + ":" + c.nonce + ":" + c.nc + ":" + c.cnonce + ":" + c.qop + ":" + ha2);
        EXPECT_EQ(digest_response(c, av.xres, "POST", body), expected);
        // rspauth: the same with an empty method (RFC 2617 section 3.2.3).
        const auto rsp_ha2 = openssl.md5_hex(":" + c.uri + ":" + openssl.md5_hex(body));
        EXPECT_EQ(digest_rspauth(c, av.xres, body),
                  openssl.md5_hex(ha1 + ":" + c.nonce + ":" + c.nc + ":" + c.cnonce + ":" + c.qop + ":" + rsp_ha2));
    }
}

TEST(gba_vectors, when_ks_naf_is_derived_then_it_is_annex_bs_hmac_over_the_octets_the_annex_lays_out) {
    std::mt19937_64 rng(std::random_device{}());
    openssl_cli openssl;
    const auto be16 = [](std::size_t n) {
        return std::string{static_cast<char>((n >> 8) & 0xff), static_cast<char>(n & 0xff)};
    };
    for (int i = 0; i < 5; ++i) {
        const auto ks = random_octets(rng, 32), rand = random_octets(rng, 16);
        const std::string impi = std::to_string(1000000000000 + rng() % 1000000000) + "@ims.mnc001.mcc001.3gppnetwork.org";
        const std::string naf_fqdn = "naf" + std::to_string(i) + ".operator.example";
        const std::string ua = std::string("\x01\x00\x00\x00\x02", 5);
        // TS 33.220 Annex B.2 and B.3: FC = 0x01, P0 = "gba-me", P1 = RAND, P2 = IMPI, P3 = NAF_Id, each followed by
        // its length in two octets.
        const std::string s = std::string(1, '\x01') + "gba-me" + be16(6) + rand + be16(16) + impi + be16(impi.size()) +
                              naf_fqdn + ua + be16(naf_fqdn.size() + 5);
        EXPECT_EQ(hex_encode(ks_naf(ks, rand, impi, naf_id(naf_fqdn, ua))), openssl.hmac_sha256_hex(ks, s));
    }
}

} // namespace
} // namespace mcprov::gba
