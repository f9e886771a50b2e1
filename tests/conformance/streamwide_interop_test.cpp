// Interoperation with another MIKEY-SAKKE implementation: the public test vectors of Streamwide's MIKEY-SAKKE library
// (StreamwideTestVectors.md, v5), copied with the documents that go with them into tests/data/interop/streamwide/
// (see the README there). They were produced by that library, not by mcprov, so they check mcprov's reading of TS
// 33.180 against an independent one:
//
//  - the MIKEY-SAKKE UIDs of F.2.1 for five key-period settings, and the UserIDs of four key sets;
//  - key sets whose keys carry no xsi:type (plain key content), validated against their KMS certificate;
//  - four I_MESSAGEs that name both parties by UID (IDRuidi, IDRuidr: TS 33.180 E.7), each verified and decapsulated
//    to the key the vectors publish: a GMK from the group management server to Alice (CSB ID the GUK-ID, F.1.3), a CSK
//    from Alice to the server, a PCK from Alice to Bob, and a GMK in the library's legacy format (two SRTP-ID crypto
//    sessions, a 17-octet key parameters extension) to an interworking function;
//  - the PCK vector end to end through `mcprov kmc verify`, as a user would check it.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "../integration/child_process.hpp"
#include "../unit/temp_dir.hpp"
#include "mcprov/kmc/key_establishment.hpp"
#include "mcprov/kmc/key_material.hpp"
#include "mcprov/kmc/key_material_folder.hpp"
#include "mcprov/kms_interface/kms_documents.hpp"
#include "mcprov/mikey/i_message.hpp"
#include "mcprov/mikey/i_message_exchange.hpp"
#include "mcprov/mikey/key_identifiers.hpp"
#include "mcprov/mikey/user_identifier.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::testing {
namespace {

using namespace std::chrono_literals;
using support::errc;

const std::filesystem::path data_dir = std::filesystem::path(MCPROV_TEST_DATA) / "interop" / "streamwide";

std::string read(const std::string& name) {
    auto text = support::read_file(data_dir / name);
    EXPECT_TRUE(text) << name << ": " << text.err().message;
    return text ? *text : std::string();
}

// A one-line file (base64 or hex), without its line end.
std::string line(const std::string& name) {
    auto text = read(name);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.pop_back();
    }
    return text;
}

std::string octets(const std::string& hex) {
    auto bytes = support::hex_decode(hex);
    EXPECT_TRUE(bytes) << hex;
    return bytes ? *bytes : std::string();
}

// The domain of the vectors: one KMS, kms.mydev.streamwide.com, key periods of 16777215 s from offset 0.
const std::string kms_uri = "kms.mydev.streamwide.com";
constexpr std::uint64_t key_period_seconds = 16'777'215;
constexpr std::uint64_t key_period_number = 236;
const std::string gms = "gms@streamwide.com";
const std::string alice = "sip:alice@streamwide.com";
const std::string bob = "sip:bob@streamwide.com";
const std::string iwf = "sip:iwf_legacy_v1.1.x_format@streamwide.com";

// Every message carries the same time: NTP EC898DA8.00000000.
const auto message_time = *support::parse_utc("2025-10-02T23:47:52Z");

struct vector_message {
    std::string name;      // the files <name>-i-message.b64 and <name>-expected.hex
    std::string initiator; // Initiator URI
    std::string responder; // Responder URI
    std::string key_set;   // the responder's key set
    std::uint32_t csb_id;  // the CSB ID of the HDR
};

const std::vector<vector_message> messages = {
    {"gmk", gms, alice, "alice-keyset.xml", 0x06a12aea},    // Test 1: CSB ID = GUK-ID
    {"csk", alice, gms, "gms-keyset.xml", 0x2ddd5bf0},      // Test 2: CSB ID = CSK-ID
    {"pck", alice, bob, "bob-keyset.xml", 0x16992638},      // Test 3: CSB ID = PCK-ID
    {"gmk-legacy", gms, iwf, "iwf-keyset.xml", 0x048209a7}, // Test 4: CSB ID = GUK-ID
};

kms_interface::kms_certificate certificate() {
    auto c = kms_interface::decode_kms_certificate(read("kms-certificate.xml"));
    EXPECT_TRUE(c) << c.err().message;
    return *c;
}

kms_interface::kms_key_set key_set(const std::string& file) {
    auto k = kms_interface::decode_kms_key_set(read(file));
    EXPECT_TRUE(k) << file << ": " << k.err().message;
    return k ? *k : kms_interface::kms_key_set{};
}

std::string message_bytes(const vector_message& v) {
    auto bytes = support::base64_decode(line(v.name + "-i-message.b64"));
    EXPECT_TRUE(bytes) << v.name;
    return bytes ? *bytes : std::string();
}

// ---------------------------------------------------------------------------------------------------------------
// The data files are the published values.

TEST(streamwide_interop, when_the_data_files_are_read_then_they_are_the_values_the_vectors_publish) {
    const auto published = read("StreamwideTestVectors.md");
    for (const auto& v : messages) {
        EXPECT_NE(published.find("I-MESSAGE     : mikey " + line(v.name + "-i-message.b64") + "\n"), std::string::npos)
            << v.name;
        EXPECT_NE(published.find(" : " + line(v.name + "-expected.hex") + "\n"), std::string::npos) << v.name;
        EXPECT_NE(published.find("Initiator URI : " + v.initiator + "\n"), std::string::npos) << v.name;
        EXPECT_NE(published.find("Responder URI : " + v.responder + "\n"), std::string::npos) << v.name;
    }
    for (const auto* file : {"alice-keyset.xml", "bob-keyset.xml", "gms-keyset.xml", "iwf-keyset.xml"}) {
        const auto k = key_set(file);
        EXPECT_NE(published.find("UserUri           : " + k.user_uri + "\n"), std::string::npos) << file;
        for (const auto& octets : {k.user_id, k.user_decrypt_key, k.user_signing_key_ssk, k.user_pub_token_pvt}) {
            EXPECT_NE(published.find(" : " + support::hex_encode(octets) + "\n"), std::string::npos) << file;
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// (a) UIDs (TS 33.180 F.2.1).

TEST(streamwide_interop, when_the_uids_of_the_five_key_period_settings_are_computed_then_each_is_the_published_one) {
    std::istringstream lines(read("uid-vectors.txt"));
    std::string text;
    int checked = 0;
    while (std::getline(lines, text)) {
        if (text.empty() || text.front() == '#') {
            continue;
        }
        std::istringstream fields(text);
        std::string uri, kms, uid;
        std::uint64_t period = 0, offset = 0, number = 0;
        ASSERT_TRUE(fields >> uri >> kms >> period >> offset >> number >> uid) << text;
        EXPECT_EQ(support::hex_encode(mikey::mikey_sakke_uid(uri, kms, period, offset, number)), uid) << text;
        ++checked;
    }
    EXPECT_EQ(checked, 5);
}

TEST(streamwide_interop, when_the_uids_of_the_four_users_are_computed_then_they_are_their_key_sets_user_ids) {
    for (const auto* file : {"alice-keyset.xml", "bob-keyset.xml", "gms-keyset.xml", "iwf-keyset.xml"}) {
        const auto k = key_set(file);
        EXPECT_EQ(k.kms_uri, kms_uri);
        EXPECT_EQ(k.key_period_no, static_cast<std::int64_t>(key_period_number));
        EXPECT_EQ(k.user_id, mikey::mikey_sakke_uid(k.user_uri, kms_uri, key_period_seconds, 0, key_period_number))
            << file;
    }
    // The key period of the messages' time is the key sets' one.
    EXPECT_EQ(*mikey::key_period_number(message_time, {key_period_seconds, 0}), key_period_number);
}

// ---------------------------------------------------------------------------------------------------------------
// Key sets without xsi:type and the KMS's documents.

TEST(streamwide_interop, when_key_sets_carry_keys_without_xsi_type_then_they_decode_and_validate_against_the_kms) {
    const auto kms = certificate();
    EXPECT_EQ(kms.kms_uri, kms_uri);
    EXPECT_EQ(kms.user_key_period, static_cast<std::int64_t>(key_period_seconds));
    EXPECT_EQ(kms.user_key_offset, 0);
    for (const auto* file : {"alice-keyset.xml", "bob-keyset.xml", "gms-keyset.xml", "iwf-keyset.xml"}) {
        ASSERT_EQ(read(file).find("xsi:type"), std::string::npos) << file;
        auto valid = kmc::validate_key_set(kms, key_set(file));
        EXPECT_TRUE(valid) << file << ": " << valid.err().message;
    }
}

TEST(streamwide_interop, when_the_libraries_kms_responses_are_decoded_then_their_certificate_and_key_set_come_out) {
    // The responses of its KMS agent's unit tests: unsigned, times without a zone, the key set's keys untyped.
    auto init = kms_interface::decode_kms_response(read("test_init_response.xml"));
    ASSERT_TRUE(init) << init.err().message;
    const auto& certificate = std::get<kms_interface::kms_init>(init->body).certificate;
    EXPECT_EQ(certificate.kms_uri, "localhost:8080");
    EXPECT_EQ(certificate.user_key_period, 2'592'000);

    auto prov = kms_interface::decode_kms_response(read("test_key_prov_response.xml"));
    ASSERT_TRUE(prov) << prov.err().message;
    const auto& sets = std::get<kms_interface::kms_key_prov>(prov->body).key_sets;
    ASSERT_EQ(sets.size(), 1u);
    EXPECT_EQ(sets[0].user_uri, "alice@org.com");
    EXPECT_EQ(sets[0].key_period_no, 625);
    EXPECT_EQ(sets[0].user_id, octets("060c5cddd13b87be1e37d3ff091101684b88aadef26c409a8b49c8da9dd81a05"));
    // Its UserID is the UID of its user, KMS and key period; its keys are parser fixtures (they do not validate
    // against the certificate of the other document, which holds the RFC 6507 and RFC 6508 public keys), so only
    // their reading is checked.
    EXPECT_EQ(sets[0].user_id, mikey::mikey_sakke_uid("alice@org.com", "localhost:8080", 2'592'000, 0, 625));
    EXPECT_EQ(sets[0].user_signing_key_ssk, octets("D31C6FD21791D92D0BC721B50125C2B83450F4727EC5A845853AD30E023C34F3"));

    // What mcprov reads of them it writes (keys typed KeyContentType) and reads back the same.
    for (const auto* response : {&*init, &*prov}) {
        auto written = kms_interface::encode_kms_response(*response);
        ASSERT_TRUE(written) << written.err().message;
        EXPECT_EQ(kms_interface::decode_kms_response(*written).value(), *response);
    }
    const auto bob_keys = key_set("bob-keyset.xml");
    auto written = kms_interface::encode_kms_key_set(bob_keys);
    ASSERT_TRUE(written) << written.err().message;
    EXPECT_NE(written->find("<UserDecryptKey xsi:type=\"KeyContentType\">"), std::string::npos);
    EXPECT_EQ(kms_interface::decode_kms_key_set(*written).value(), bob_keys);
}

// ---------------------------------------------------------------------------------------------------------------
// (b) Each I_MESSAGE: its payloads, its signature, the key it carries.

TEST(streamwide_interop, when_the_messages_are_decoded_then_they_name_both_parties_by_uid_only) {
    for (const auto& v : messages) {
        auto m = mikey::decode_i_message(message_bytes(v));
        ASSERT_TRUE(m) << v.name << ": " << m.err().message;
        EXPECT_EQ(m->header.csb_id, v.csb_id) << v.name;
        EXPECT_FALSE(m->find_identity(mikey::id_role::initiator)) << v.name;
        EXPECT_FALSE(m->find_identity(mikey::id_role::responder)) << v.name;
        const auto* uidi = m->find_identity(mikey::id_role::initiator_uid);
        const auto* uidr = m->find_identity(mikey::id_role::responder_uid);
        ASSERT_TRUE(uidi && uidr) << v.name;
        EXPECT_EQ(uidi->type, mikey::id_type::uri) << v.name << ": the library writes UIDs with ID Type URI";
        EXPECT_EQ(uidi->data, mikey::mikey_sakke_uid(v.initiator, kms_uri, key_period_seconds, 0, key_period_number));
        EXPECT_EQ(uidr->data, mikey::mikey_sakke_uid(v.responder, kms_uri, key_period_seconds, 0, key_period_number));
        EXPECT_EQ(m->find_identity(mikey::id_role::initiator_kms)->data, kms_uri);
        EXPECT_EQ(m->find_identity(mikey::id_role::responder_kms)->data, kms_uri);
        EXPECT_EQ(mikey::from_ntp_timestamp(m->t.value), message_time) << v.name;
    }
}

// Through the library: process_i_message with the responder's keys, trusting the one KMS.
support::result<mikey::received_i_message> process(const vector_message& v, std::string_view bytes,
                                                   const std::string& key_set_file,
                                                   std::chrono::system_clock::time_point now = message_time + 1s) {
    const auto kms = certificate();
    kmc::key_material material{kms, key_set(key_set_file), {}};
    auto responder = kmc::responder_of(material);
    EXPECT_TRUE(responder) << v.name;
    return mikey::process_i_message(bytes, *responder, kmc::trust_of(material, now), now, kmc::allowed_clock_skew);
}

TEST(streamwide_interop, when_each_message_is_processed_then_its_signature_verifies_and_it_carries_the_published_key) {
    for (const auto& v : messages) {
        SCOPED_TRACE(v.name);
        auto received = process(v, message_bytes(v), v.key_set);
        ASSERT_TRUE(received) << received.err().message;
        EXPECT_EQ(support::hex_encode(received->ssv), line(v.name + "-expected.hex"));
        EXPECT_EQ(received->initiator_uri, "") << "hidden until confirmed";
        EXPECT_EQ(received->initiator_uid,
                  mikey::mikey_sakke_uid(v.initiator, kms_uri, key_period_seconds, 0, key_period_number));
        EXPECT_EQ(received->initiator_kms_uri, kms_uri);
        EXPECT_EQ(received->key_period, key_period_number);
        EXPECT_EQ(received->time, message_time);
        ASSERT_TRUE(mikey::confirm_initiator(*received, v.initiator));
        EXPECT_EQ(received->initiator_uri, v.initiator);
    }
}

TEST(streamwide_interop, when_the_messages_are_verified_from_the_documents_then_kmc_gives_the_published_keys_too) {
    for (const auto& v : messages) {
        SCOPED_TRACE(v.name);
        auto received = kmc::verify_i_message(key_set(v.key_set), {certificate()}, message_bytes(v), message_time);
        ASSERT_TRUE(received) << received.err().message;
        EXPECT_EQ(support::hex_encode(received->ssv), line(v.name + "-expected.hex"));
    }
}

TEST(streamwide_interop, when_the_key_ids_are_read_then_pck_csk_and_the_gmk_ids_behind_the_guk_ids_are_published) {
    const auto gmk = octets(line("gmk-expected.hex"));
    // Test 3: the PCK-ID (purpose 1); Test 2: the CSK-ID (purpose 2).
    EXPECT_EQ(mikey::purpose_tag(0x16992638), mikey::key_purpose::pck);
    EXPECT_EQ(mikey::purpose_tag(0x2ddd5bf0), mikey::key_purpose::csk);
    // Tests 1 and 4: the CSB ID is the GUK-ID of the one GMK-ID 0df9bc39 for each receiver (F.1.3).
    EXPECT_EQ(*mikey::gmk_id_of(0x06a12aea, gmk, alice), 0x0df9bc39u);
    EXPECT_EQ(*mikey::guk_id_of(0x0df9bc39, gmk, alice), 0x06a12aeau);
    EXPECT_EQ(*mikey::gmk_id_of(0x048209a7, octets(line("gmk-legacy-expected.hex")), iwf), 0x0df9bc39u);
    // The GENERIC-ID crypto session of Test 1 carries GMK-ID || GUK-ID as its SPI, CS ID 4; Test 2's CS ID is 6.
    auto m = mikey::decode_i_message(message_bytes(messages[0]));
    ASSERT_TRUE(m);
    ASSERT_EQ(m->header.cs_map.generic.size(), 1u);
    EXPECT_EQ(m->header.cs_map.generic[0].cs_id, 4);
    EXPECT_EQ(m->header.cs_map.generic[0].spi, octets("0df9bc3906a12aea"));
}

TEST(streamwide_interop, when_a_message_is_altered_or_misdirected_then_it_is_refused) {
    const auto& pck = messages[2];
    auto bytes = message_bytes(pck);
    // One bit of the RAND (octets 22 to 37: after the HDR of 10 and the T payload of 10), which the signature covers.
    auto tampered = bytes;
    tampered[25] = static_cast<char>(tampered[25] ^ 0x01);
    auto r = process(pck, tampered, pck.key_set);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().code, errc::unauthenticated) << r.err().message;
    // Bob's message at Alice: IDRuidr is not hers.
    r = process(pck, bytes, "alice-keyset.xml");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().code, errc::forbidden) << r.err().message;
    // Outside the allowed skew.
    r = process(pck, bytes, pck.key_set, message_time + 61s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().code, errc::unauthenticated) << r.err().message;
    // Someone else claiming to have sent it.
    r = process(pck, bytes, pck.key_set);
    ASSERT_TRUE(r) << r.err().message;
    auto claimed = mikey::confirm_initiator(*r, gms);
    ASSERT_FALSE(claimed);
    EXPECT_EQ(claimed.err().code, errc::unauthenticated);
}

// ---------------------------------------------------------------------------------------------------------------
// (c) `mcprov kmc verify` on the PCK vector, end to end.

struct command_result {
    int status = -1;
    std::string out;
    std::string err;
};

command_result run(const std::vector<std::string>& args) {
    static temp_dir logs;
    static int n = 0;
    child_process p(MCPROV_BINARY, args, logs.path() / ("kmc-" + std::to_string(n++)));
    auto status = p.wait(60s);
    return {status.value_or(-1), p.out(), p.err()};
}

std::vector<std::string> verify_pck(std::vector<std::string> extra) {
    std::vector<std::string> args{"kmc",           "verify",
                                  "--certificate", (data_dir / "kms-certificate.xml").string(),
                                  "--key-set",     (data_dir / "bob-keyset.xml").string(),
                                  "--message",     line("pck-i-message.b64"),
                                  "--time",        "2025-10-02T23:48:00Z"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

TEST(streamwide_interop, when_kmc_verify_checks_the_pck_vector_then_it_prints_the_published_pck) {
    auto verified = run(verify_pck({}));
    ASSERT_EQ(verified.status, 0) << verified.err;
    EXPECT_EQ(verified.out, read("pck-expected.hex"));

    auto from_alice = run(verify_pck({"--from", alice}));
    ASSERT_EQ(from_alice.status, 0) << from_alice.err;
    EXPECT_EQ(from_alice.out, read("pck-expected.hex"));

    auto from_gms = run(verify_pck({"--from", gms}));
    EXPECT_EQ(from_gms.status, 1) << from_gms.err;
    EXPECT_EQ(from_gms.out, "");
    EXPECT_NE(from_gms.err.find("mcprov kmc verify: MIKEY-SAKKE I_MESSAGE not confirmed: its initiator UID " +
                                support::hex_encode(
                                    mikey::mikey_sakke_uid(alice, kms_uri, key_period_seconds, 0, key_period_number)) +
                                " is not " + gms),
              std::string::npos)
        << from_gms.err;

    // A minute and more after the message: too late.
    auto late = verify_pck({});
    late.back() = "2025-10-02T23:48:53Z";
    auto refused = run(late);
    EXPECT_EQ(refused.status, 1) << refused.err;
}

TEST(streamwide_interop, when_kmc_uid_computes_the_first_uid_vector_then_it_prints_the_published_uid) {
    auto uid = run({"kmc", "uid", "--user", "sip:user@example.org", "--kms-uri", "kms.example.org", "--period",
                    "2592000", "--offset", "0", "--number", "1"});
    ASSERT_EQ(uid.status, 0) << uid.err;
    EXPECT_EQ(uid.out, "74e2af803ab5d72841bbced0ce319ffe64f6fe23c88a2d258aabcf6ac5658ef4\n");
}

} // namespace
} // namespace mcprov::testing
