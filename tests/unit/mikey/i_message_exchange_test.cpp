#include <gtest/gtest.h>

#include <map>
#include <string>

#include "mcprov/mikey/i_message_exchange.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::mikey {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;
using support::errc;

// Alice (KMS A, 30-day key periods) calls Bob (KMS B, another security domain, daily periods from 01:00 UTC).
// 2024-05-01T12:00:00Z lies well inside period 1513 of A and period 45411 of B.
const system_clock::time_point t0 = *support::parse_utc("2024-05-01T12:00:00Z");
const std::string alice = "sip:alice@mcptt.a.example.org";
const std::string bob = "sip:bob@mcptt.b.example.org";
const std::string carol = "sip:carol@mcptt.b.example.org";
constexpr key_period_parameters periods_a{2'592'000, 0};
constexpr key_period_parameters periods_b{86'400, 3'600};

class mikey_i_message_exchange : public ::testing::Test {
protected:
    struct kms_state {
        master_secrets secrets;
        kms_identity identity;
    };
    struct world {
        kms_state a;
        kms_state b;
        std::uint64_t period_a = 0;
        std::uint64_t period_b = 0;
        user_keys alice_keys;
        user_keys bob_keys;
        user_keys carol_keys;
    };

    static kms_state make_kms(std::string uri, key_period_parameters periods) {
        auto secrets = generate_master_secrets();
        EXPECT_TRUE(secrets) << secrets.err().message;
        auto published = derive_public_keys(*secrets);
        EXPECT_TRUE(published) << published.err().message;
        return kms_state{*secrets, kms_identity{std::move(uri), *published, periods}};
    }

    static user_keys keys_for(const kms_state& kms, const std::string& user, std::uint64_t period) {
        const auto uid = mikey_sakke_uid(user, kms.identity.uri, kms.identity.periods.period_seconds,
                                         kms.identity.periods.offset_seconds, period);
        auto keys = issue_user_keys(kms.secrets, uid);
        EXPECT_TRUE(keys) << keys.err().message;
        return *keys;
    }

    static void SetUpTestSuite() {
        w_ = new world;
        w_->a = make_kms("kms.a.example.org", periods_a);
        w_->b = make_kms("kms.b.example.org", periods_b);
        w_->period_a = *key_period_number(t0, periods_a);
        w_->period_b = *key_period_number(t0, periods_b);
        w_->alice_keys = keys_for(w_->a, alice, w_->period_a);
        w_->bob_keys = keys_for(w_->b, bob, w_->period_b);
        w_->carol_keys = keys_for(w_->b, carol, w_->period_b);
    }
    static void TearDownTestSuite() {
        delete w_;
        w_ = nullptr;
    }

    static i_message_request request(system_clock::time_point time = t0) {
        i_message_request r;
        r.initiator_uri = alice;
        r.initiator_kms = w_->a.identity;
        r.initiator_keys = w_->alice_keys;
        r.responder_uri = bob;
        r.responder_kms = w_->b.identity;
        r.time = time;
        return r;
    }

    static responder_credentials bob_credentials() {
        return responder_credentials{bob, w_->b.identity, w_->bob_keys, w_->period_b};
    }

    // Bob trusts his own KMS and, as an external security domain, KMS A.
    static kms_trust trust() {
        return [](std::string_view uri) -> support::result<trusted_kms> {
            if (uri == w_->a.identity.uri) {
                return trusted_kms{w_->a.identity.keys, w_->a.identity.periods};
            }
            if (uri == w_->b.identity.uri) {
                return trusted_kms{w_->b.identity.keys, w_->b.identity.periods};
            }
            return support::make_error(errc::forbidden,
                                       "KMS " + std::string(uri) + " is not a trusted security domain");
        };
    }

    static std::string built(const i_message_request& r = request()) {
        auto message = build_i_message(r);
        EXPECT_TRUE(message) << message.err().message;
        return message ? message->bytes : std::string();
    }

    static support::result<received_i_message> process(std::string_view bytes, system_clock::time_point now = t0 + 2s,
                                                       const responder_credentials& who = bob_credentials()) {
        return process_i_message(bytes, who, trust(), now, 30s);
    }

    // Decodes, changes and re-encodes a built message (breaking its signature, which is checked after the profile).
    template <class F> static std::string altered(F change) {
        auto m = *decode_i_message(built());
        change(m);
        auto encoded = encode_i_message(m);
        EXPECT_TRUE(encoded) << encoded.err().message;
        return *encoded;
    }

    static std::string uid_of(const kms_state& kms, const std::string& user, std::uint64_t period) {
        return mikey_sakke_uid(user, kms.identity.uri, kms.identity.periods.period_seconds,
                               kms.identity.periods.offset_seconds, period);
    }

    // A message built by Alice, changed, and signed again with her keys: a message another implementation could have
    // sent, whose signature holds.
    template <class F> static std::string resigned(F change, const i_message_request& r = request()) {
        auto m = *decode_i_message(built(r));
        change(m);
        auto encoded = encode_i_message(m);
        EXPECT_TRUE(encoded) << encoded.err().message;
        auto bytes = *encoded;
        const std::string_view to_sign(bytes.data(), bytes.size() - eccsi_signature_size);
        auto signature = eccsi_sign(w_->a.identity.keys, uid_of(w_->a, alice, w_->period_a), w_->alice_keys, to_sign);
        EXPECT_TRUE(signature) << signature.err().message;
        bytes.replace(bytes.size() - eccsi_signature_size, eccsi_signature_size, *signature);
        return bytes;
    }

    static i_message_request hidden_request() {
        auto r = request();
        r.identities = identity_form::uid;
        return r;
    }

    static void expect_refused(const support::result<received_i_message>& r, errc code, std::string_view message) {
        ASSERT_FALSE(r) << "accepted";
        EXPECT_EQ(r.err().code, code) << r.err().message;
        EXPECT_EQ(r.err().message, message);
    }

    static world* w_;
};

mikey_i_message_exchange::world* mikey_i_message_exchange::w_ = nullptr;

TEST_F(mikey_i_message_exchange, when_alice_sends_to_bob_across_kmss_then_bob_gets_the_ssv_and_knows_it_is_alice) {
    auto message = build_i_message(request());
    ASSERT_TRUE(message) << message.err().message;
    EXPECT_EQ(message->ssv.size(), ssv_size);

    auto received = process(message->bytes);
    ASSERT_TRUE(received) << received.err().message;
    EXPECT_EQ(received->ssv, message->ssv);
    EXPECT_EQ(received->initiator_uri, alice);
    EXPECT_EQ(received->initiator_kms_uri, "kms.a.example.org");
    EXPECT_EQ(received->key_period, w_->period_a);
    EXPECT_EQ(received->time, t0);
    EXPECT_EQ(received->message.header.csb_id >> 28, 1u) << "a PCK-ID carries purpose tag 1";
    EXPECT_EQ(received->message.header.prf, prf_function::mikey_256);
    EXPECT_EQ(received->message.rand.size(), 16u);
}

TEST_F(mikey_i_message_exchange, when_message_is_built_then_it_has_the_ts_33180_payloads_in_rfc_6509_order) {
    const auto bytes = built();
    auto m = decode_i_message(bytes);
    ASSERT_TRUE(m) << m.err().message;
    ASSERT_EQ(m->identities.size(), 4u);
    EXPECT_EQ(m->identities[0], (identity{id_role::initiator, id_type::uri, alice}));
    EXPECT_EQ(m->identities[1], (identity{id_role::responder, id_type::uri, bob}));
    EXPECT_EQ(m->identities[2], (identity{id_role::initiator_kms, id_type::uri, "kms.a.example.org"}));
    EXPECT_EQ(m->identities[3], (identity{id_role::responder_kms, id_type::uri, "kms.b.example.org"}));
    EXPECT_EQ(m->t.type, timestamp_type::ntp_utc);
    EXPECT_EQ(from_ntp_timestamp(m->t.value), t0);
    EXPECT_EQ(m->sakke.params, sakke_params_set_1);
    EXPECT_EQ(m->sakke.id_scheme, id_scheme_3gpp_hashed_uid);
    EXPECT_EQ(m->sakke.data.size(), sakke_encapsulated_size);
    EXPECT_EQ(m->sign.type, signature_type_eccsi);
    EXPECT_EQ(m->sign.signature.size(), eccsi_signature_size);
    // The signature covers everything before it, S type and Signature len included: it verifies over exactly that.
    const auto uid =
        mikey_sakke_uid(alice, "kms.a.example.org", periods_a.period_seconds, periods_a.offset_seconds, w_->period_a);
    EXPECT_TRUE(eccsi_verify(w_->a.identity.keys, uid, std::string_view(bytes).substr(0, bytes.size() - 129),
                             m->sign.signature));
    EXPECT_FALSE(eccsi_verify(w_->a.identity.keys, uid, std::string_view(bytes).substr(0, bytes.size() - 131),
                              m->sign.signature));
}

TEST_F(mikey_i_message_exchange, when_caller_fixes_ssv_csb_id_and_policies_then_they_travel) {
    auto r = request();
    r.ssv = std::string(16, '\x42');
    r.csb_id = 0x1234ABCD;
    r.cs_map.type = cs_id_map_type::generic_id;
    r.cs_map.generic.push_back(generic_crypto_session{6, 0, false, {1}, "", ""});
    r.policies.push_back(security_policy{1, 0, {{0, std::string(1, '\x06')}, {20, std::string(1, '\x10')}}});
    auto received = process(built(r));
    ASSERT_TRUE(received) << received.err().message;
    EXPECT_EQ(received->ssv, *r.ssv);
    EXPECT_EQ(received->message.header.csb_id, 0x1234ABCDu);
    EXPECT_EQ(received->message.header.cs_map, r.cs_map);
    EXPECT_EQ(received->message.policies, r.policies);
}

TEST_F(mikey_i_message_exchange, when_any_signed_octet_or_the_signature_is_changed_then_the_signature_is_refused) {
    const auto bytes = built();
    const std::string expected = "MIKEY-SAKKE I_MESSAGE refused: its signature does not verify for " + alice +
                                 " in key period " + std::to_string(w_->period_a) + " of KMS kms.a.example.org (";
    for (std::size_t index : {std::size_t{4}, std::size_t{25} /* RAND */, bytes.size() - 200 /* SAKKE data */,
                              bytes.size() - 129 /* r */, bytes.size() - 70 /* s */, bytes.size() - 1 /* PVT */}) {
        auto tampered = bytes;
        tampered[index] = static_cast<char>(tampered[index] ^ 0x01);
        auto r = process(tampered);
        ASSERT_FALSE(r) << "tampered octet " << index << " was accepted";
        EXPECT_EQ(r.err().code, errc::unauthenticated) << r.err().message;
        EXPECT_EQ(r.err().message.substr(0, expected.size()), expected) << index << ": " << r.err().message;
    }
}

TEST_F(mikey_i_message_exchange, when_initiator_kms_is_not_trusted_then_the_trust_functions_refusal_is_returned) {
    // A KMS Bob has never heard of (KMS A's secrets under another URI, so that Alice has keys from it).
    kms_state rogue{w_->a.secrets, w_->a.identity};
    rogue.identity.uri = "kms.rogue.example.org";
    auto r = request();
    r.initiator_kms = rogue.identity;
    r.initiator_keys = keys_for(rogue, alice, w_->period_a);
    expect_refused(process(built(r)), errc::forbidden, "KMS kms.rogue.example.org is not a trusted security domain");
}

TEST_F(mikey_i_message_exchange, when_message_is_for_someone_else_then_it_is_refused_as_not_ours) {
    const auto bytes = built();
    responder_credentials carol_credentials{carol, w_->b.identity, w_->carol_keys, w_->period_b};
    expect_refused(process(bytes, t0, carol_credentials), errc::forbidden,
                   "MIKEY-SAKKE I_MESSAGE refused: it is for " + bob + ", not for this responder " + carol);

    auto elsewhere = bob_credentials();
    elsewhere.kms.uri = "kms.c.example.org";
    expect_refused(process(bytes, t0, elsewhere), errc::forbidden,
                   "MIKEY-SAKKE I_MESSAGE refused: it encapsulates to KMS kms.b.example.org, not to this responder's "
                   "KMS kms.c.example.org");
}

TEST_F(mikey_i_message_exchange, when_message_time_is_beyond_the_skew_then_it_is_refused_either_way) {
    const auto bytes = built();
    EXPECT_TRUE(process(bytes, t0 + 30s));
    EXPECT_TRUE(process(bytes, t0 - 30s));
    expect_refused(process(bytes, t0 + 31s), errc::unauthenticated,
                   "MIKEY-SAKKE I_MESSAGE refused: its time 2024-05-01T12:00:00Z is 31 s behind now "
                   "(2024-05-01T12:00:31Z), beyond the allowed clock skew of 30 s");
    expect_refused(process(bytes, t0 - 10min), errc::unauthenticated,
                   "MIKEY-SAKKE I_MESSAGE refused: its time 2024-05-01T12:00:00Z is 600 s ahead of now "
                   "(2024-05-01T11:50:00Z), beyond the allowed clock skew of 30 s");
}

TEST_F(mikey_i_message_exchange, when_signed_in_a_key_period_that_has_ended_then_it_is_refused_as_expired) {
    // Alice signs 5 s before the end of her period; Bob reads it 5 s into the next one, within the skew.
    const auto end = *key_period_end(w_->period_a, periods_a);
    auto r = request(end - 5s);
    auto message = build_i_message(r);
    ASSERT_TRUE(message) << message.err().message;
    expect_refused(process(message->bytes, end + 5s), errc::unauthenticated,
                   "MIKEY-SAKKE I_MESSAGE refused: it was signed in key period " + std::to_string(w_->period_a) +
                       " of KMS kms.a.example.org, which has expired (it ended at " + support::format_utc(end) +
                       "); the current period is " + std::to_string(w_->period_a + 1));
}

TEST_F(mikey_i_message_exchange, when_signed_in_a_key_period_that_has_not_begun_then_it_is_refused) {
    const auto start = *key_period_start(w_->period_a, periods_a);
    auto message = build_i_message(request(start + 5s));
    ASSERT_TRUE(message) << message.err().message;
    expect_refused(process(message->bytes, start - 5s), errc::unauthenticated,
                   "MIKEY-SAKKE I_MESSAGE refused: it was signed in key period " + std::to_string(w_->period_a) +
                       " of KMS kms.a.example.org, which has not begun (it starts at " + support::format_utc(start) +
                       "); the current period is " + std::to_string(w_->period_a - 1));
}

TEST_F(mikey_i_message_exchange, when_responder_holds_keys_of_another_period_or_user_then_decapsulation_is_refused) {
    const auto bytes = built();
    auto next_period = bob_credentials();
    next_period.key_period = w_->period_b + 1;
    expect_refused(process(bytes, t0, next_period), errc::unauthenticated,
                   "MIKEY-SAKKE I_MESSAGE refused: it encapsulates to key period " + std::to_string(w_->period_b) +
                       " of KMS kms.b.example.org, but this responder holds keys for key period " +
                       std::to_string(w_->period_b + 1));

    auto wrong_rsk = bob_credentials();
    wrong_rsk.keys = w_->carol_keys;
    auto r = process(bytes, t0, wrong_rsk);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().code, errc::unauthenticated);
    const std::string expected = "MIKEY-SAKKE I_MESSAGE refused: its SAKKE data does not decapsulate for " + bob +
                                 " in key period " + std::to_string(w_->period_b) + " of KMS kms.b.example.org (";
    EXPECT_EQ(r.err().message.substr(0, expected.size()), expected) << r.err().message;
}

TEST_F(mikey_i_message_exchange, when_message_is_malformed_then_the_decoders_refusal_is_returned) {
    const auto bytes = built();
    auto r = process(std::string_view(bytes).substr(0, bytes.size() - 1));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().code, errc::invalid_argument);
    EXPECT_EQ(r.err().message.rfind("malformed MIKEY I_MESSAGE: SIGN payload at offset ", 0), 0u) << r.err().message;
    EXPECT_EQ(process(bytes + "x").err().code, errc::invalid_argument);
    EXPECT_EQ(process("").err().code, errc::invalid_argument);
}

TEST_F(mikey_i_message_exchange, when_message_leaves_the_ts_33180_profile_then_each_departure_is_named) {
    const std::string prefix = "MIKEY-SAKKE I_MESSAGE refused: ";
    expect_refused(process(altered([](i_message& m) { m.header.v = true; })), errc::invalid_argument,
                   prefix + "the V bit asks for a verification message, which MIKEY-SAKKE never sends (TS 33.180 "
                            "E.1.2)");
    expect_refused(process(altered([](i_message& m) { m.t.type = timestamp_type::ntp; })), errc::invalid_argument,
                   prefix + "its timestamp is of TS type 1, not NTP-UTC (0)");
    expect_refused(process(altered([](i_message& m) { m.identities.pop_back(); })), errc::invalid_argument,
                   prefix + "it has no IDRkmsr payload");
    expect_refused(process(altered([](i_message& m) { m.identities[0].type = id_type::nai; })), errc::invalid_argument,
                   prefix + "its IDRi is of ID Type 0, not URI (1)");
    expect_refused(process(altered([](i_message& m) { m.identities[1].data.clear(); })), errc::invalid_argument,
                   prefix + "its IDRr is empty");
    expect_refused(process(altered([](i_message& m) { m.identities.erase(m.identities.begin()); })),
                   errc::invalid_argument, prefix + "it has no IDRi payload (nor an IDRuidi, TS 33.180 E.7)");
    expect_refused(process(altered([](i_message& m) { m.identities.erase(m.identities.begin() + 1); })),
                   errc::invalid_argument, prefix + "it has no IDRr payload (nor an IDRuidr, TS 33.180 E.7)");
    expect_refused(
        process(altered([](i_message& m) { m.identities[0].role = id_role::initiator_uid; })), errc::invalid_argument,
        prefix + "its IDRuidi holds " + std::to_string(alice.size()) + " octets, not a UID of 32 (TS 33.180 F.2.1)");
    expect_refused(process(altered([](i_message& m) {
                       m.identities[1] = identity{id_role::responder_uid, id_type::nai, std::string(32, 'u')};
                   })),
                   errc::invalid_argument, prefix + "its IDRuidr is of ID Type 0, not URI (1) or byte string (2)");
    expect_refused(process(altered([](i_message& m) { m.sakke.params = 2; })), errc::invalid_argument,
                   prefix + "SAKKE params 2 is not parameter set 1 (RFC 6509 Appendix A)");
    expect_refused(process(altered([](i_message& m) { m.sakke.id_scheme = id_scheme_tel_uri_monthly; })),
                   errc::invalid_argument,
                   prefix + "SAKKE ID scheme 1 is not the 3GPP hashed UID (2) of TS 33.180 F.2.1");
    expect_refused(process(altered([](i_message& m) { m.sakke.data.pop_back(); })), errc::invalid_argument,
                   prefix + "SAKKE data of 272 octets, not the 273 of parameter set 1");
    expect_refused(process(altered([](i_message& m) { m.sign.type = 1; })), errc::invalid_argument,
                   prefix + "S type 1 is not ECCSI (2, RFC 6509 section 4.3)");
    expect_refused(process(altered([](i_message& m) { m.sign.signature.pop_back(); })), errc::invalid_argument,
                   prefix + "an ECCSI signature of 128 octets, not 129");
}

TEST_F(mikey_i_message_exchange, when_identities_are_hidden_then_the_uids_travel_and_bob_confirms_alice_later) {
    auto message = build_i_message(hidden_request());
    ASSERT_TRUE(message) << message.err().message;
    const auto alice_uid = uid_of(w_->a, alice, w_->period_a);
    const auto bob_uid = uid_of(w_->b, bob, w_->period_b);
    auto m = decode_i_message(message->bytes);
    ASSERT_TRUE(m) << m.err().message;
    ASSERT_EQ(m->identities.size(), 4u);
    EXPECT_EQ(m->identities[0], (identity{id_role::initiator_uid, id_type::byte_string, alice_uid}));
    EXPECT_EQ(m->identities[1], (identity{id_role::responder_uid, id_type::byte_string, bob_uid}));
    EXPECT_EQ(m->identities[2], (identity{id_role::initiator_kms, id_type::uri, "kms.a.example.org"}));
    EXPECT_EQ(m->identities[3], (identity{id_role::responder_kms, id_type::uri, "kms.b.example.org"}));
    EXPECT_EQ(message->bytes.find(alice), std::string::npos) << "no URI in the message";
    EXPECT_EQ(message->bytes.find(bob), std::string::npos);

    auto received = process(message->bytes);
    ASSERT_TRUE(received) << received.err().message;
    EXPECT_EQ(received->ssv, message->ssv);
    EXPECT_EQ(received->initiator_uri, "") << "nothing has said who holds the UID yet";
    EXPECT_EQ(received->initiator_uid, alice_uid);
    EXPECT_EQ(received->initiator_kms_uri, "kms.a.example.org");
    EXPECT_EQ(received->key_period, w_->period_a);

    auto claimed = *received;
    auto wrong = confirm_initiator(claimed, carol);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.err().code, errc::unauthenticated);
    EXPECT_EQ(wrong.err().message, "MIKEY-SAKKE I_MESSAGE not confirmed: its initiator UID " +
                                       support::hex_encode(alice_uid) + " is not " + carol + " in key period " +
                                       std::to_string(w_->period_a) + " of KMS kms.a.example.org");
    EXPECT_EQ(claimed.initiator_uri, "");
    ASSERT_TRUE(confirm_initiator(claimed, alice));
    EXPECT_EQ(claimed.initiator_uri, alice);
}

TEST_F(mikey_i_message_exchange, when_a_message_names_its_initiator_by_uri_then_confirming_compares_the_uri) {
    auto received = process(built());
    ASSERT_TRUE(received) << received.err().message;
    EXPECT_EQ(received->initiator_uid, uid_of(w_->a, alice, w_->period_a));
    EXPECT_EQ(confirm_initiator(*received, carol).err().message,
              "MIKEY-SAKKE I_MESSAGE not confirmed: its initiator " + alice + " is not " + carol + " in key period " +
                  std::to_string(w_->period_a) + " of KMS kms.a.example.org");
    EXPECT_TRUE(confirm_initiator(*received, alice));
}

TEST_F(mikey_i_message_exchange, when_a_hidden_message_is_for_another_uid_then_it_is_refused_as_not_ours) {
    const auto bytes = built(hidden_request());
    responder_credentials carol_credentials{carol, w_->b.identity, w_->carol_keys, w_->period_b};
    expect_refused(process(bytes, t0, carol_credentials), errc::forbidden,
                   "MIKEY-SAKKE I_MESSAGE refused: it is for UID " +
                       support::hex_encode(uid_of(w_->b, bob, w_->period_b)) + ", not for this responder " + carol +
                       " (UID " + support::hex_encode(uid_of(w_->b, carol, w_->period_b)) + " in key period " +
                       std::to_string(w_->period_b) + " of KMS kms.b.example.org)");
    // Bob's UID of the day before: a message for keys he no longer holds names another UID.
    const auto stale = uid_of(w_->b, bob, w_->period_b - 1);
    auto r = process(resigned([&](i_message& m) { m.identities[1].data = stale; }, hidden_request()));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().code, errc::forbidden) << r.err().message;
}

TEST_F(mikey_i_message_exchange, when_uids_come_with_id_type_uri_or_beside_the_uris_then_they_are_taken) {
    // ID Type URI (1) holding the 32 octets, as Streamwide's library writes IDRuidi and IDRuidr.
    auto as_uri = process(resigned(
        [](i_message& m) {
            m.identities[0].type = id_type::uri;
            m.identities[1].type = id_type::uri;
        },
        hidden_request()));
    ASSERT_TRUE(as_uri) << as_uri.err().message;
    EXPECT_EQ(as_uri->initiator_uid, uid_of(w_->a, alice, w_->period_a));

    // Both forms at once: the URIs and the UIDs, which must agree.
    const auto alice_uid = uid_of(w_->a, alice, w_->period_a);
    const auto bob_uid = uid_of(w_->b, bob, w_->period_b);
    auto both = process(resigned([&](i_message& m) {
        m.identities.push_back(identity{id_role::initiator_uid, id_type::byte_string, alice_uid});
        m.identities.push_back(identity{id_role::responder_uid, id_type::byte_string, bob_uid});
    }));
    ASSERT_TRUE(both) << both.err().message;
    EXPECT_EQ(both->initiator_uri, alice);

    const auto carol_uid = uid_of(w_->b, carol, w_->period_b);
    expect_refused(process(resigned([&](i_message& m) {
                       m.identities.push_back(identity{id_role::initiator_uid, id_type::byte_string, carol_uid});
                   })),
                   errc::unauthenticated,
                   "MIKEY-SAKKE I_MESSAGE refused: its IDRuidi UID " + support::hex_encode(carol_uid) +
                       " is not the UID of its IDRi " + alice + " in key period " + std::to_string(w_->period_a) +
                       " of KMS kms.a.example.org");
    auto wrong_responder = process(resigned([&](i_message& m) {
        m.identities.push_back(identity{id_role::responder_uid, id_type::byte_string, carol_uid});
    }));
    ASSERT_FALSE(wrong_responder);
    EXPECT_EQ(wrong_responder.err().code, errc::forbidden) << wrong_responder.err().message;
}

TEST_F(mikey_i_message_exchange, when_a_hidden_initiator_claims_another_uid_then_the_signature_is_refused) {
    // Alice signs but names Carol's UID: the signature is checked for the UID the message names.
    const auto carol_uid = uid_of(w_->b, carol, w_->period_b);
    auto r = process(resigned([&](i_message& m) { m.identities[0].data = carol_uid; }, hidden_request()));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().code, errc::unauthenticated);
    const std::string expected = "MIKEY-SAKKE I_MESSAGE refused: its signature does not verify for UID " +
                                 support::hex_encode(carol_uid) + " in key period " + std::to_string(w_->period_a) +
                                 " of KMS kms.a.example.org (";
    EXPECT_EQ(r.err().message.substr(0, expected.size()), expected) << r.err().message;
}

TEST_F(mikey_i_message_exchange, when_initiator_keys_are_not_for_the_period_of_the_message_then_build_refuses) {
    const auto next = *key_period_start(w_->period_a + 1, periods_a);
    auto message = build_i_message(request(next + 1h));
    ASSERT_FALSE(message);
    EXPECT_EQ(message.err().code, errc::unauthenticated);
    const std::string expected = "cannot build MIKEY-SAKKE I_MESSAGE: the initiator's signing keys are not those of " +
                                 alice + " in key period " + std::to_string(w_->period_a + 1) +
                                 " of KMS kms.a.example.org (";
    EXPECT_EQ(message.err().message.substr(0, expected.size()), expected) << message.err().message;
}

TEST_F(mikey_i_message_exchange, when_build_inputs_make_no_message_then_build_says_which) {
    auto r = request();
    r.responder_uri.clear();
    EXPECT_EQ(build_i_message(r).err().message, "cannot build MIKEY-SAKKE I_MESSAGE: the responder URI is empty");
    r = request();
    r.ssv = std::string(15, 's');
    EXPECT_EQ(build_i_message(r).err().message, "cannot build MIKEY-SAKKE I_MESSAGE: an SSV of 15 octets, not 16");
    r = request();
    r.responder_kms.periods.period_seconds = 0;
    auto zero = build_i_message(r);
    ASSERT_FALSE(zero);
    EXPECT_EQ(zero.err().code, errc::invalid_argument);
    EXPECT_EQ(zero.err().message,
              "cannot build MIKEY-SAKKE I_MESSAGE: the message time has no key period of the responder's KMS "
              "kms.b.example.org: the key period length is 0 seconds");
}

TEST_F(mikey_i_message_exchange, when_two_messages_are_built_then_ssv_rand_and_csb_id_are_fresh) {
    auto first = build_i_message(request());
    auto second = build_i_message(request());
    ASSERT_TRUE(first && second);
    EXPECT_NE(first->ssv, second->ssv);
    const auto m1 = *decode_i_message(first->bytes);
    const auto m2 = *decode_i_message(second->bytes);
    EXPECT_NE(m1.rand, m2.rand);
    EXPECT_NE(m1.header.csb_id, m2.header.csb_id);
    EXPECT_NE(m1.sakke.data, m2.sakke.data);
}

} // namespace
} // namespace mcprov::mikey
