#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "mcprov/mikey/i_message.hpp"

namespace mcprov::mikey {
namespace {

// Raw payloads, written octet by octet from RFC 3830 6.x, RFC 6043 6.6, RFC 6509 4.2, so that a test can break any
// field of them.
std::string octets(std::initializer_list<int> values) {
    std::string out;
    for (int v : values) {
        out.push_back(static_cast<char>(v));
    }
    return out;
}
std::string u16(std::size_t v) {
    return octets({static_cast<int>(v >> 8), static_cast<int>(v & 0xFF)});
}

// HDR: version 1, data type 26, next, V=0 PRF=1, CSB ID 0x11223344, #CS, map type, map info.
std::string hdr(int next, int cs_count = 0, int map_type = 1, std::string_view info = {}) {
    return octets({1, 26, next, 0x01, 0x11, 0x22, 0x33, 0x44, cs_count, map_type}) + std::string(info);
}
std::string t_payload(int next) {
    return octets({next, 0, 0xE9, 0x3E, 0x1D, 0x00, 0x80, 0x00, 0x00, 0x00});
}
std::string rand_payload(int next, std::size_t length = 16) {
    return octets({next, static_cast<int>(length)}) + std::string(length, 'r');
}
std::string idr(int next, int role, std::string_view data, int type = 1) {
    return octets({next, role, type}) + u16(data.size()) + std::string(data);
}
std::string sakke(int next, std::string_view data) {
    return octets({next, 1, 2}) + u16(data.size()) + std::string(data);
}
std::string sign(std::string_view signature) {
    return octets({0x20 | static_cast<int>(signature.size() >> 8), static_cast<int>(signature.size() & 0xFF)}) +
           std::string(signature);
}

// HDR, T, RAND, IDRi, IDRr, SAKKE, SIGN.
std::string minimal_bytes() {
    return hdr(5) + t_payload(11) + rand_payload(14) + idr(14, 1, "tel:+1") + idr(26, 2, "tel:+2") + sakke(4, "ss") +
           sign("sig");
}

std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 0x0F];
    }
    return out;
}

i_message full_message() {
    i_message m;
    m.header.v = false;
    m.header.prf = prf_function::mikey_256;
    m.header.csb_id = 0x1ABCDEF0; // a PCK-ID: purpose tag 1 in the four top bits
    m.header.cs_map.type = cs_id_map_type::generic_id;
    m.header.cs_map.generic.push_back(generic_crypto_session{1, 0, true, {7}, std::string("\x01\x02\x03\x04", 4), ""});
    m.t = timestamp{timestamp_type::ntp_utc, 0xE93E1D0080000000ull};
    m.rand = std::string(16, '\x5A');
    m.identities = {
        identity{id_role::initiator, id_type::uri, "sip:alice@mcptt.example.org"},
        identity{id_role::responder, id_type::uri, "sip:bob@mcptt.example.org"},
        identity{id_role::initiator_kms, id_type::uri, "kms.a.example.org"},
        identity{id_role::responder_kms, id_type::uri, "kms.b.example.org"},
    };
    m.policies.push_back(security_policy{7, 0, {{0, std::string(1, '\x06')}, {1, std::string(1, '\x10')}}});
    m.sakke = sakke_payload{sakke_params_set_1, id_scheme_3gpp_hashed_uid, std::string(273, '\x04')};
    m.extensions.push_back(general_extension{6, "sakke-to-self"});
    m.sign = signature_payload{signature_type_eccsi, std::string(129, '\x33')};
    return m;
}

void expect_refused(std::string_view bytes, std::string_view expected_message) {
    auto decoded = decode_i_message(bytes);
    ASSERT_FALSE(decoded) << "accepted: " << hex(bytes);
    EXPECT_EQ(decoded.err().code, support::errc::invalid_argument);
    EXPECT_EQ(decoded.err().message, "malformed MIKEY I_MESSAGE: " + std::string(expected_message));
}

TEST(mikey_i_message_codec, when_minimal_message_is_encoded_then_octets_follow_rfc_3830_6043_6509) {
    i_message m;
    m.header.csb_id = 0x11223344;
    m.t = timestamp{timestamp_type::ntp_utc, 0xE93E1D0080000000ull};
    m.rand = std::string(16, 'r');
    m.identities = {identity{id_role::initiator, id_type::uri, "tel:+1"},
                    identity{id_role::responder, id_type::uri, "tel:+2"}};
    m.sakke.data = "ss";
    m.sign.signature = "sig";
    auto encoded = encode_i_message(m);
    ASSERT_TRUE(encoded) << encoded.err().message;
    // clang-format off
    EXPECT_EQ(hex(*encoded), "01" "1a" "05" "01" "11223344" "00" "01"          // HDR: v1, SAKKE msg, next T, PRF 1
                             "0b" "00" "e93e1d0080000000"                      // T: next RAND, NTP-UTC
                             "0e" "10" + hex(std::string(16, 'r')) +           // RAND: next IDR, 16 octets
                             "0e" "01" "01" "0006" + hex("tel:+1") +           // IDRi, URI
                             "1a" "02" "01" "0006" + hex("tel:+2") +           // IDRr, URI, next SAKKE
                             "04" "01" "02" "0002" "7373"                      // SAKKE: next SIGN, set 1, scheme 2
                             "20" "03" "736967");                              // SIGN: ECCSI, 3 octets
    // clang-format on
    EXPECT_EQ(*encoded, minimal_bytes());
}

TEST(mikey_i_message_codec, when_full_message_round_trips_then_every_field_is_kept) {
    const auto m = full_message();
    auto encoded = encode_i_message(m);
    ASSERT_TRUE(encoded) << encoded.err().message;
    auto decoded = decode_i_message(*encoded);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(*decoded, m);
    ASSERT_NE(decoded->find_identity(id_role::responder_kms), nullptr);
    EXPECT_EQ(decoded->find_identity(id_role::responder_kms)->data, "kms.b.example.org");
    EXPECT_EQ(decoded->find_identity(id_role::initiator_uid), nullptr);
    EXPECT_EQ(signed_portion(*encoded, *decoded), std::string_view(*encoded).substr(0, encoded->size() - 129));
}

TEST(mikey_i_message_codec, when_each_map_type_and_timestamp_type_round_trips_then_it_is_kept) {
    auto m = full_message();
    m.header.cs_map = crypto_session_map{};
    m.header.cs_map.type = cs_id_map_type::srtp_id;
    m.header.cs_map.srtp = {{1, 0xDEADBEEF, 7}, {2, 0x01020304, 0}};
    m.t = timestamp{timestamp_type::counter, 0xFFFFFFFF};
    m.header.v = true;
    m.header.prf = prf_function::mikey_1;
    EXPECT_EQ(*decode_i_message(*encode_i_message(m)), m);

    m.header.cs_map = crypto_session_map{};
    m.header.cs_map.type = cs_id_map_type::empty;
    m.header.cs_map.empty_cs_count = 3;
    m.t = timestamp{timestamp_type::ntp, 42};
    EXPECT_EQ(*decode_i_message(*encode_i_message(m)), m);

    m.header.cs_map = crypto_session_map{};
    m.header.cs_map.type = cs_id_map_type::generic_id;
    m.header.cs_map.generic = {generic_crypto_session{6, 0, false, {}, "", ""},
                               generic_crypto_session{7, 1, true, {1, 2, 3}, std::string(300, 'd'), "spi"}};
    EXPECT_EQ(*decode_i_message(*encode_i_message(m)), m);
}

TEST(mikey_i_message_codec, when_payloads_come_in_another_order_then_they_are_still_read) {
    // RFC 3830 fixes only HDR first and SIGN last; a General Extension before the SAKKE payload, SP before the IDRs.
    const auto bytes = hdr(5) + t_payload(11) + rand_payload(10) + octets({14, 1, 0}) + u16(0) + idr(21, 1, "tel:+1") +
                       octets({26, 6}) + u16(2) + "gx" + sakke(4, "ss") + sign("sig");
    auto decoded = decode_i_message(bytes);
    ASSERT_TRUE(decoded) << decoded.err().message;
    EXPECT_EQ(decoded->policies.size(), 1u);
    EXPECT_EQ(decoded->extensions.at(0).data, "gx");
    EXPECT_EQ(decoded->sakke.data, "ss");
}

TEST(mikey_i_message_codec, when_message_is_over_8_kib_then_it_is_refused_before_reading) {
    auto decoded = decode_i_message(std::string(max_i_message_size + 1, '\x01'));
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.err().code, support::errc::too_large);
    EXPECT_EQ(decoded.err().message, "MIKEY I_MESSAGE of 8193 octets exceeds the 8192-octet limit");
}

TEST(mikey_i_message_codec, when_header_is_malformed_then_the_field_is_named) {
    expect_refused("", "HDR: truncated in the fixed fields: needs 10 octets, 0 left");
    expect_refused(octets({1, 26, 5, 1, 0, 0, 0}), "HDR: truncated in the fixed fields: needs 10 octets, 7 left");
    auto bytes = minimal_bytes();
    bytes[0] = 2;
    expect_refused(bytes, "HDR: version 2, only version 1 is defined");
    bytes = minimal_bytes();
    bytes[1] = 2;
    expect_refused(bytes, "HDR: data type 2 is not SAKKE msg (26)");
    bytes = minimal_bytes();
    bytes[3] = 0x05;
    expect_refused(bytes, "HDR: PRF func 5 is neither MIKEY-1 (0) nor MIKEY-256 (1)");
    expect_refused(hdr(5, 0, 3) + t_payload(0),
                   "HDR: CS ID map type 3 is none of SRTP-ID (0), Empty map (1) and GENERIC-ID (2)");
}

TEST(mikey_i_message_codec, when_crypto_session_map_overruns_then_the_entry_is_named) {
    expect_refused(hdr(5, 2, 0, octets({1, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0})),
                   "HDR: truncated in SRTP-ID map entry 2 of 2: needs 9 octets, 2 left");
    expect_refused(hdr(5, 1, 2, octets({6, 0, 3, 1})),
                   "HDR: #P 3 exceeds the 1 octets left for the GENERIC-ID map entry 1 of 1 Ps");
    expect_refused(hdr(5, 1, 2, octets({6, 0, 0, 0})),
                   "HDR: truncated in GENERIC-ID map entry 1 of 1 Session Data Length: needs 2 octets, 1 left");
    expect_refused(hdr(5, 1, 2, octets({6, 0, 0, 0, 9, 1, 2})),
                   "HDR: Session Data Length 9 exceeds the 2 octets left for the GENERIC-ID map entry 1 of 1 Session "
                   "Data");
    expect_refused(hdr(5, 1, 2, octets({6, 0, 0, 0, 0})),
                   "HDR: truncated in GENERIC-ID map entry 1 of 1 SPI Length: needs 1 octets, 0 left");
    expect_refused(hdr(5, 1, 2, octets({6, 0, 0, 0, 0, 4, 1})),
                   "HDR: SPI Length 4 exceeds the 1 octets left for the GENERIC-ID map entry 1 of 1 SPI");
}

TEST(mikey_i_message_codec, when_timestamp_or_rand_is_malformed_then_it_is_refused) {
    expect_refused(hdr(5) + octets({11, 0, 1, 2}),
                   "T payload at offset 10: truncated in the 64-bit TS value: needs 8 octets, 2 left");
    expect_refused(hdr(5) + octets({11, 2, 1}),
                   "T payload at offset 10: truncated in the 32-bit TS value: needs 4 octets, 1 left");
    expect_refused(hdr(5) + octets({11, 3, 0, 0, 0, 0, 0, 0, 0, 0}),
                   "T payload at offset 10: TS type 3 is none of NTP-UTC (0), NTP (1) and COUNTER (2)");
    expect_refused(hdr(5) + t_payload(5) + t_payload(0), "T payload at offset 20: a second T payload");
    expect_refused(hdr(5) + t_payload(11) + octets({14, 0}), "RAND payload at offset 20: RAND len is 0");
    expect_refused(hdr(5) + t_payload(11) + octets({14, 16, 1, 2}),
                   "RAND payload at offset 20: RAND len 16 exceeds the 2 octets left for the RAND");
    expect_refused(hdr(11) + rand_payload(11) + rand_payload(0), "RAND payload at offset 28: a second RAND payload");
}

TEST(mikey_i_message_codec, when_idr_is_malformed_then_it_is_refused) {
    const auto prefix = hdr(5) + t_payload(11) + rand_payload(14);
    expect_refused(prefix + octets({26, 1, 1, 0}),
                   "IDR payload at offset 38: truncated in the fixed fields: needs 5 octets, 4 left");
    expect_refused(prefix + idr(26, 0, "x"),
                   "IDR payload at offset 38: ID Role 0 is not one of 1 to 9 (RFC 6043, RFC 6509, TS 33.180)");
    expect_refused(prefix + idr(26, 10, "x"),
                   "IDR payload at offset 38: ID Role 10 is not one of 1 to 9 (RFC 6043, RFC 6509, TS 33.180)");
    expect_refused(prefix + idr(26, 1, "x", 3),
                   "IDR payload at offset 38: ID Type 3 is none of NAI (0), URI (1) and byte string (2)");
    expect_refused(prefix + octets({26, 1, 1}) + u16(40) + "tel:+1",
                   "IDR payload at offset 38: ID len 40 exceeds the 6 octets left for the ID data");
    expect_refused(prefix + idr(14, 6, "kms") + idr(26, 6, "kms"),
                   "IDR payload at offset 46: a second IDRkmsi payload");
}

TEST(mikey_i_message_codec, when_security_policy_is_malformed_then_it_is_refused) {
    const auto prefix = hdr(5) + t_payload(11) + rand_payload(10);
    expect_refused(prefix + octets({26, 1, 0}) + u16(9) + octets({0, 1, 6}),
                   "SP payload at offset 38: Policy param length 9 exceeds the 3 octets left for the Policy param");
    expect_refused(prefix + octets({26, 1, 0}) + u16(4) + octets({0, 1, 6, 1}) + sakke(4, "") + sign(""),
                   "SP payload at offset 38: Policy param 2 is cut off after its Type: the Policy param length ends "
                   "inside it");
    expect_refused(prefix + octets({26, 1, 0}) + u16(5) + octets({0, 1, 6, 1, 2}) + sakke(4, "") + sign(""),
                   "SP payload at offset 38: Policy param 2 (type 1) has Length 2 but only 0 octets remain in the "
                   "Policy param length");
}

TEST(mikey_i_message_codec, when_sakke_or_extension_is_malformed_then_it_is_refused) {
    const auto prefix = hdr(5) + t_payload(11) + rand_payload(26);
    expect_refused(prefix + octets({4, 1, 2}) + u16(273) + "short",
                   "SAKKE payload at offset 38: SAKKE data length 273 exceeds the 5 octets left for the SAKKE data");
    expect_refused(prefix + sakke(26, "a") + sakke(4, "b"), "SAKKE payload at offset 44: a second SAKKE payload");
    expect_refused(hdr(5) + t_payload(11) + rand_payload(21) + octets({26, 6}) + u16(3) + "gx",
                   "General Extension payload at offset 38: Length 3 exceeds the 2 octets left for the Data");
}

TEST(mikey_i_message_codec, when_signature_is_malformed_or_followed_then_it_is_refused) {
    const auto prefix = hdr(5) + t_payload(11) + rand_payload(26) + sakke(4, "ss");
    expect_refused(prefix + octets({0x20}),
                   "SIGN payload at offset 45: truncated in S type and Signature len: needs 2 octets, 1 left");
    expect_refused(prefix + octets({0x20, 129}) + std::string(128, 's'),
                   "SIGN payload at offset 45: Signature len 129 exceeds the 128 octets left for the Signature");
    expect_refused(prefix + sign("sig") + "x",
                   "SIGN payload at offset 45: 1 octets follow the SIGN payload, which must end the message");
    expect_refused(minimal_bytes() + std::string(3, '\0'),
                   "SIGN payload at offset 67: 3 octets follow the SIGN payload, which must end the message");
}

TEST(mikey_i_message_codec, when_payload_chain_is_broken_then_it_is_refused) {
    expect_refused(hdr(7) + octets({0, 0, 0}),
                   "CERT (7) payload at offset 10 is not one a MIKEY-SAKKE I_MESSAGE carries");
    expect_refused(hdr(5) + t_payload(99) + "x",
                   "unassigned type 99 payload at offset 20 is not one a MIKEY-SAKKE I_MESSAGE carries");
    expect_refused(hdr(5) + t_payload(11) + rand_payload(26) + sakke(0, "ss"),
                   "the payload chain ends (Next payload 0) at offset 45 without a SIGN payload");
    expect_refused(hdr(5) + t_payload(11), "the message ends at offset 20 where a RAND (11) payload should start");
    expect_refused(hdr(5) + t_payload(26) + sakke(4, "ss") + sign(""), "no RAND payload before the SIGN payload");
    expect_refused(hdr(11) + rand_payload(26) + sakke(4, "ss") + sign(""), "no T payload before the SIGN payload");
    expect_refused(hdr(5) + t_payload(11) + rand_payload(4) + sign(""), "no SAKKE payload before the SIGN payload");
}

TEST(mikey_i_message_codec, when_any_prefix_of_a_valid_message_is_given_then_it_is_refused_not_read) {
    const auto bytes = *encode_i_message(full_message());
    for (std::size_t length = 0; length < bytes.size(); ++length) {
        auto decoded = decode_i_message(std::string_view(bytes).substr(0, length));
        ASSERT_FALSE(decoded) << "a prefix of " << length << " octets was accepted";
        EXPECT_EQ(decoded.err().code, support::errc::invalid_argument);
    }
    EXPECT_TRUE(decode_i_message(bytes));
}

TEST(mikey_i_message_codec, when_a_field_does_not_fit_its_width_then_encoding_refuses) {
    const auto refuses = [](const i_message& m, std::string_view expected) {
        auto encoded = encode_i_message(m);
        ASSERT_FALSE(encoded);
        EXPECT_EQ(encoded.err().code, support::errc::invalid_argument);
        EXPECT_EQ(encoded.err().message, "cannot encode MIKEY I_MESSAGE: " + std::string(expected));
    };
    auto m = full_message();
    m.rand.clear();
    refuses(m, "a RAND of 0 octets (RAND len is 1 to 255)");
    m = full_message();
    m.rand = std::string(256, 'r');
    refuses(m, "a RAND of 256 octets (RAND len is 1 to 255)");
    m = full_message();
    m.identities[0].data = std::string(0x10000, 'u');
    refuses(m, "the IDRi ID data of 65536 octets (ID len is 16 bits)");
    m = full_message();
    m.identities.push_back(m.identities[1]);
    refuses(m, "two IDRr payloads");
    m = full_message();
    m.sign.signature = std::string(4096, 's');
    refuses(m, "a SIGN payload of S type 2 and 4096 octets (4 and 12 bits)");
    m = full_message();
    m.header.cs_map.generic[0].policies.assign(128, 1);
    refuses(m, "a GENERIC-ID session of 128 policies (#P is 7 bits)");
    m = full_message();
    m.header.cs_map.generic.assign(256, generic_crypto_session{});
    refuses(m, "a GENERIC-ID map of 256 sessions (#CS is 8 bits)");
    m = full_message();
    m.t = timestamp{timestamp_type::counter, 0x100000000ull};
    refuses(m, "a COUNTER timestamp above 32 bits");
    m = full_message();
    m.policies[0].parameters[0].value = std::string(256, 'v');
    refuses(m, "a Policy param value of 256 octets (Length is 8 bits)");

    m = full_message();
    m.extensions.push_back(general_extension{7, std::string(8000, 'x')});
    auto encoded = encode_i_message(m);
    ASSERT_FALSE(encoded);
    EXPECT_EQ(encoded.err().code, support::errc::too_large);
}

} // namespace
} // namespace mcprov::mikey
