#include "jws.hpp"

#include <string>

#include <gtest/gtest.h>

#include "mcprov/identity/access_token.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::identity {
namespace {

using support::errc;

// RFC 7515 Appendix A.3: ES256 example (P-256 JWK x/y; the signature is one specific randomized ECDSA signature).
constexpr const char* a3_x = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
constexpr const char* a3_y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
constexpr const char* a3_compact =
    "eyJhbGciOiJFUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

evp_pkey_ptr a3_public_key() {
    auto x = support::base64url_decode(a3_x);
    auto y = support::base64url_decode(a3_y);
    EXPECT_TRUE(x && y);
    auto key = p256_public_key_from_coordinates(*x, *y);
    EXPECT_TRUE(key) << key.err().message;
    return std::move(*key);
}

TEST(identity_jws, when_rfc7515_a3_example_then_signature_verifies) {
    auto key = a3_public_key();
    ASSERT_TRUE(key);
    auto verified = verify_es256_compact(a3_compact, key.get());
    ASSERT_TRUE(verified) << verified.err().message;
    EXPECT_EQ(verified->first, R"({"alg":"ES256"})");
    EXPECT_EQ(verified->second, "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}");
}

TEST(identity_jws, when_rfc7515_a3_signature_altered_then_refused) {
    auto key = a3_public_key();
    ASSERT_TRUE(key);
    std::string compact = a3_compact;
    // Flip the last R byte: decode, change, re-encode the signature segment.
    auto dot = compact.rfind('.');
    auto signature = support::base64url_decode(std::string_view(compact).substr(dot + 1));
    ASSERT_TRUE(signature);
    (*signature)[31] = static_cast<char>((*signature)[31] ^ 1);
    compact = compact.substr(0, dot + 1) + support::base64url_encode(*signature);
    auto verified = verify_es256_compact(compact, key.get());
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.err().code, errc::unauthenticated);
    EXPECT_EQ(verified.err().message, "token signature does not verify");
}

TEST(identity_jws, when_rfc7515_a3_payload_altered_then_refused) {
    auto key = a3_public_key();
    ASSERT_TRUE(key);
    std::string compact = a3_compact;
    auto first = compact.find('.');
    auto second = compact.find('.', first + 1);
    std::string payload =
        support::base64url_encode(R"({"iss":"joe","exp":1300819380,"http://example.com/is_root":false})");
    compact = compact.substr(0, first + 1) + payload + compact.substr(second);
    auto verified = verify_es256_compact(compact, key.get());
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.err().message, "token signature does not verify");
}

TEST(identity_jws, when_signed_then_verifies_with_the_matching_public_key) {
    auto private_pem = generate_p256_private_key_pem();
    ASSERT_TRUE(private_pem);
    auto public_pem = public_key_pem_from_private(*private_pem);
    ASSERT_TRUE(public_pem);
    auto private_key = load_p256_private_key_pem(*private_pem);
    auto public_key = load_p256_public_key_pem(*public_pem);
    ASSERT_TRUE(private_key && public_key);
    auto compact = sign_es256_compact(R"({"alg":"ES256"})", R"({"a":1})", private_key->get());
    ASSERT_TRUE(compact) << compact.err().message;
    // The signature segment is always 64 bytes (86 base64url characters), whatever the size of R and S.
    EXPECT_EQ(compact->size() - compact->rfind('.') - 1, 86u);
    auto verified = verify_es256_compact(*compact, public_key->get());
    ASSERT_TRUE(verified) << verified.err().message;
    EXPECT_EQ(verified->second, R"({"a":1})");
}

TEST(identity_jws, when_coordinates_not_on_curve_then_invalid_argument) {
    auto x = support::base64url_decode(a3_x);
    auto y = support::base64url_decode(a3_y);
    ASSERT_TRUE(x && y);
    (*y)[31] = static_cast<char>((*y)[31] ^ 1);
    auto key = p256_public_key_from_coordinates(*x, *y);
    ASSERT_FALSE(key);
    EXPECT_EQ(key.err().code, errc::invalid_argument);
    auto short_key = p256_public_key_from_coordinates(x->substr(1), *y);
    ASSERT_FALSE(short_key);
}

} // namespace
} // namespace mcprov::identity
