#include "mcprov/identity/mc_service_id.hpp"

#include <string>

#include <gtest/gtest.h>

namespace mcprov::identity {
namespace {

using support::errc;

void expect_valid(const std::string& id) {
    auto result = validate_mc_service_id(id);
    ASSERT_TRUE(result) << id << ": " << result.err().message;
    EXPECT_EQ(*result, id);
}

void expect_invalid(const std::string& id) {
    auto result = validate_mc_service_id(id);
    ASSERT_FALSE(result) << id;
    EXPECT_EQ(result.err().code, errc::invalid_argument) << id;
    EXPECT_FALSE(result.err().message.empty());
}

TEST(identity_mc_service_id, when_sip_uri_then_accepted_unchanged) {
    expect_valid("sip:alice@example.com");
    expect_valid("sip:Alice.Smith@MC.Example.org"); // no case folding
    expect_valid("sip:+4912345678@ims.mnc001.mcc262.3gppnetwork.org");
    expect_valid("sip:user-1_a!~*'()&=+$,;?@example.com");
    expect_valid("sip:al%41ce@example.com");
    expect_valid("sip:alice@192.0.2.1");
    expect_valid("sip:alice@localhost");
}

TEST(identity_mc_service_id, when_sips_uri_then_accepted) {
    expect_valid("sips:dispatcher7@mcptt.example.net");
}

TEST(identity_mc_service_id, when_tel_e164_then_accepted) {
    expect_valid("tel:+441234567890");
    expect_valid("tel:+1");
    expect_valid("tel:+123456789012345");
}

TEST(identity_mc_service_id, when_empty_or_without_user_or_host_then_invalid) {
    expect_invalid("");
    expect_invalid("sip:@example.com");
    expect_invalid("sip:alice@");
    expect_invalid("sip:alice");
    expect_invalid("sip:");
}

TEST(identity_mc_service_id, when_uri_parameters_or_headers_then_invalid) {
    expect_invalid("sip:alice@example.com;transport=udp");
    expect_invalid("sip:alice@example.com?subject=x");
    expect_invalid("sip:alice@example.com:5060");
}

TEST(identity_mc_service_id, when_spaces_or_control_characters_then_invalid) {
    expect_invalid("sip:al ice@example.com");
    expect_invalid("sip:alice@example.com ");
    expect_invalid("sip:alice\n@example.com");
    expect_invalid(std::string("sip:alice\0@example.com", 22));
    expect_invalid("sip:al\x7f"
                   "ice@example.com");
    expect_invalid("sip:\xc3\xa9lise@example.com");
}

TEST(identity_mc_service_id, when_path_tricks_then_invalid) {
    expect_invalid("sip:../etc@example.com");
    expect_invalid("sip:a/b@example.com");
    expect_invalid("sip:a\\b@example.com");
    expect_invalid("sip:alice@example..com");
    expect_invalid("sip:a%2e%2e%2fb@example.com");
    expect_invalid("sip:a%2Fb@example.com");
    expect_invalid("sip:a%00b@example.com");
    expect_invalid("sip:a%4@example.com");
    expect_invalid("sip:a%zz@example.com");
}

TEST(identity_mc_service_id, when_over_255_bytes_then_invalid) {
    // "sip:" + user + "@example.com": 4 + 239 + 12 = 255 bytes, the most allowed.
    expect_valid("sip:" + std::string(239, 'a') + "@example.com");
    expect_invalid("sip:" + std::string(240, 'a') + "@example.com");
}

TEST(identity_mc_service_id, when_other_scheme_then_invalid) {
    expect_invalid("http:alice@example.com");
    expect_invalid("http://alice@example.com");
    expect_invalid("SIP:alice@example.com");
    expect_invalid("alice@example.com");
}

TEST(identity_mc_service_id, when_bad_host_then_invalid) {
    expect_invalid("sip:alice@-bad.example.com");
    expect_invalid("sip:alice@bad-.example.com");
    expect_invalid("sip:alice@.example.com");
    expect_invalid("sip:alice@example.com.");
    expect_invalid("sip:alice@exa_mple.com");
    expect_invalid("sip:alice@999.1.1.1");
    expect_invalid("sip:alice@1.2.3");
    expect_invalid("sip:alice@[2001:db8::1]");
    expect_invalid("sip:a@b@example.com");
    expect_invalid("sip:alice@" + std::string(64, 'a') + ".com");
}

TEST(identity_mc_service_id, when_tel_not_e164_then_invalid) {
    expect_invalid("tel:+12ab");
    expect_invalid("tel:1234");
    expect_invalid("tel:+");
    expect_invalid("tel:+1234567890123456");
    expect_invalid("tel:+1-234");
}

} // namespace
} // namespace mcprov::identity
