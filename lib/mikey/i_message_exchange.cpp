#include "mcprov/mikey/i_message_exchange.hpp"

#include <utility>

#include <openssl/rand.h>

#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::mikey {
namespace {

using std::chrono::system_clock;
using support::errc;
using support::error;

constexpr std::size_t rand_size = 16;        // RFC 3830 6.11: at least 128 bits
constexpr std::uint32_t pck_purpose_tag = 1; // TS 33.180 5.2.2: the four top bits of a PCK-ID
constexpr std::size_t max_uri_size = 0xFFFF; // ID len and Li are 16 bits

error refuse(errc code, std::string message) {
    return support::make_error(code, "MIKEY-SAKKE I_MESSAGE refused: " + std::move(message));
}
error cannot_build(errc code, std::string message) {
    return support::make_error(code, "cannot build MIKEY-SAKKE I_MESSAGE: " + std::move(message));
}

support::result<std::string> random_octets(std::size_t n) {
    std::string out(n, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
        return support::make_error(errc::internal, "the system random generator failed");
    }
    return out;
}

support::result<void> check_uri(std::string_view uri, std::string_view what) {
    if (uri.empty()) {
        return cannot_build(errc::invalid_argument, "the " + std::string(what) + " is empty");
    }
    if (uri.size() > max_uri_size) {
        return cannot_build(errc::invalid_argument, "the " + std::string(what) + " is longer than 65535 octets");
    }
    return {};
}

std::string period_text(std::uint64_t number, std::string_view kms_uri) {
    return "key period " + std::to_string(number) + " of KMS " + std::string(kms_uri);
}

#define MIKEY_TRY(expr)                                                                                                \
    do {                                                                                                               \
        if (auto try_result_ = (expr); !try_result_) {                                                                 \
            return std::move(try_result_).err();                                                                       \
        }                                                                                                              \
    } while (false)

// The parties as the message names them (TS 33.180 Annex E): each by URI (IDRi, IDRr), by UID (IDRuidi, IDRuidr,
// the identity hiding of E.7), or both; and their KMSs (IDRkmsi, IDRkmsr). Pointers into the decoded message.
struct named_parties {
    const std::string* initiator_uri = nullptr; // IDRi
    const std::string* initiator_uid = nullptr; // IDRuidi
    const std::string* responder_uri = nullptr; // IDRr
    const std::string* responder_uid = nullptr; // IDRuidr
    const std::string* initiator_kms_uri = nullptr;
    const std::string* responder_kms_uri = nullptr;
};

std::string uid_text(std::string_view uid) {
    return "UID " + support::hex_encode(uid);
}

// An IDR payload that holds a URI: of ID Type URI and not empty.
support::result<const std::string*> uri_payload(const i_message& m, id_role role, std::string_view name) {
    const auto* id = m.find_identity(role);
    if (!id) {
        return nullptr;
    }
    if (id->type != id_type::uri) {
        return refuse(errc::invalid_argument, "its " + std::string(name) + " is of ID Type " +
                                                  std::to_string(static_cast<unsigned>(id->type)) + ", not URI (1)");
    }
    if (id->data.empty()) {
        return refuse(errc::invalid_argument, "its " + std::string(name) + " is empty");
    }
    return &id->data;
}

// An IDR payload that holds a UID (E.7): 32 octets, of ID Type URI (as Streamwide's library writes it) or byte string.
support::result<const std::string*> uid_payload(const i_message& m, id_role role, std::string_view name) {
    const auto* id = m.find_identity(role);
    if (!id) {
        return nullptr;
    }
    if (id->type != id_type::uri && id->type != id_type::byte_string) {
        return refuse(errc::invalid_argument, "its " + std::string(name) + " is of ID Type " +
                                                  std::to_string(static_cast<unsigned>(id->type)) +
                                                  ", not URI (1) or byte string (2)");
    }
    if (id->data.size() != uid_size) {
        return refuse(errc::invalid_argument, "its " + std::string(name) + " holds " + std::to_string(id->data.size()) +
                                                  " octets, not a UID of " + std::to_string(uid_size) +
                                                  " (TS 33.180 F.2.1)");
    }
    return &id->data;
}

#define MIKEY_TAKE(var, expr)                                                                                          \
    auto var##_result_ = (expr);                                                                                       \
    if (!var##_result_) {                                                                                              \
        return std::move(var##_result_).err();                                                                         \
    }                                                                                                                  \
    auto var = std::move(var##_result_).value()

// The TS 33.180 profile of the payloads (E.1.2, E.2 to E.4, E.7): what the codec reads but this endpoint does not
// take.
support::result<named_parties> check_profile(const i_message& m) {
    if (m.header.v) {
        return refuse(errc::invalid_argument,
                      "the V bit asks for a verification message, which MIKEY-SAKKE never sends (TS 33.180 E.1.2)");
    }
    if (m.t.type != timestamp_type::ntp_utc) {
        return refuse(errc::invalid_argument, "its timestamp is of TS type " +
                                                  std::to_string(static_cast<unsigned>(m.t.type)) +
                                                  ", not NTP-UTC (0)");
    }
    MIKEY_TAKE(initiator_uri, uri_payload(m, id_role::initiator, "IDRi"));
    MIKEY_TAKE(initiator_uid, uid_payload(m, id_role::initiator_uid, "IDRuidi"));
    if (!initiator_uri && !initiator_uid) {
        return refuse(errc::invalid_argument, "it has no IDRi payload (nor an IDRuidi, TS 33.180 E.7)");
    }
    MIKEY_TAKE(responder_uri, uri_payload(m, id_role::responder, "IDRr"));
    MIKEY_TAKE(responder_uid, uid_payload(m, id_role::responder_uid, "IDRuidr"));
    if (!responder_uri && !responder_uid) {
        return refuse(errc::invalid_argument, "it has no IDRr payload (nor an IDRuidr, TS 33.180 E.7)");
    }
    MIKEY_TAKE(initiator_kms, uri_payload(m, id_role::initiator_kms, "IDRkmsi"));
    if (!initiator_kms) {
        return refuse(errc::invalid_argument, "it has no IDRkmsi payload");
    }
    MIKEY_TAKE(responder_kms, uri_payload(m, id_role::responder_kms, "IDRkmsr"));
    if (!responder_kms) {
        return refuse(errc::invalid_argument, "it has no IDRkmsr payload");
    }
    const named_parties parties{initiator_uri, initiator_uid, responder_uri,
                                responder_uid, initiator_kms, responder_kms};
    if (m.sakke.params != sakke_params_set_1) {
        return refuse(errc::invalid_argument, "SAKKE params " + std::to_string(m.sakke.params) +
                                                  " is not parameter set 1 (RFC 6509 Appendix A)");
    }
    if (m.sakke.id_scheme != id_scheme_3gpp_hashed_uid) {
        return refuse(errc::invalid_argument, "SAKKE ID scheme " + std::to_string(m.sakke.id_scheme) +
                                                  " is not the 3GPP hashed UID (2) of TS 33.180 F.2.1");
    }
    if (m.sakke.data.size() != sakke_encapsulated_size) {
        return refuse(errc::invalid_argument, "SAKKE data of " + std::to_string(m.sakke.data.size()) +
                                                  " octets, not the " + std::to_string(sakke_encapsulated_size) +
                                                  " of parameter set 1");
    }
    if (m.sign.type != signature_type_eccsi) {
        return refuse(errc::invalid_argument,
                      "S type " + std::to_string(m.sign.type) + " is not ECCSI (2, RFC 6509 section 4.3)");
    }
    if (m.sign.signature.size() != eccsi_signature_size) {
        return refuse(errc::invalid_argument, "an ECCSI signature of " + std::to_string(m.sign.signature.size()) +
                                                  " octets, not " + std::to_string(eccsi_signature_size));
    }
    return parties;
}

} // namespace

support::result<built_i_message> build_i_message(const i_message_request& request) {
    MIKEY_TRY(check_uri(request.initiator_uri, "initiator URI"));
    MIKEY_TRY(check_uri(request.initiator_kms.uri, "initiator's KMS URI"));
    MIKEY_TRY(check_uri(request.responder_uri, "responder URI"));
    MIKEY_TRY(check_uri(request.responder_kms.uri, "responder's KMS URI"));
    if (request.ssv && request.ssv->size() != ssv_size) {
        return cannot_build(errc::invalid_argument, "an SSV of " + std::to_string(request.ssv->size()) +
                                                        " octets, not " + std::to_string(ssv_size));
    }
    auto ntp = to_ntp_timestamp(request.time);
    if (!ntp) {
        return cannot_build(errc::invalid_argument, "the message time: " + ntp.err().message);
    }

    auto initiator_period = key_period_number(request.time, request.initiator_kms.periods);
    if (!initiator_period) {
        return cannot_build(errc::invalid_argument, "the message time has no key period of the initiator's KMS " +
                                                        request.initiator_kms.uri + ": " +
                                                        initiator_period.err().message);
    }
    const auto initiator_uid =
        mikey_sakke_uid(request.initiator_uri, request.initiator_kms.uri, request.initiator_kms.periods.period_seconds,
                        request.initiator_kms.periods.offset_seconds, *initiator_period);
    if (auto valid = validate_signing_keys(request.initiator_kms.keys, initiator_uid, request.initiator_keys.ssk,
                                           request.initiator_keys.pvt);
        !valid) {
        if (valid.err().code == errc::internal) {
            return std::move(valid).err();
        }
        return cannot_build(errc::unauthenticated, "the initiator's signing keys are not those of " +
                                                       request.initiator_uri + " in " +
                                                       period_text(*initiator_period, request.initiator_kms.uri) +
                                                       " (" + valid.err().message + ")");
    }

    auto responder_period = key_period_number(request.time, request.responder_kms.periods);
    if (!responder_period) {
        return cannot_build(errc::invalid_argument, "the message time has no key period of the responder's KMS " +
                                                        request.responder_kms.uri + ": " +
                                                        responder_period.err().message);
    }
    const auto responder_uid =
        mikey_sakke_uid(request.responder_uri, request.responder_kms.uri, request.responder_kms.periods.period_seconds,
                        request.responder_kms.periods.offset_seconds, *responder_period);
    auto encapsulation = request.ssv ? sakke_encapsulate(request.responder_kms.keys, responder_uid, *request.ssv)
                                     : sakke_encapsulate(request.responder_kms.keys, responder_uid);
    if (!encapsulation) {
        return cannot_build(encapsulation.err().code, "encapsulating the SSV to " + request.responder_uri + " in " +
                                                          period_text(*responder_period, request.responder_kms.uri) +
                                                          ": " + encapsulation.err().message);
    }

    auto rand = random_octets(rand_size);
    if (!rand) {
        return std::move(rand).err();
    }
    i_message m;
    if (request.csb_id) {
        m.header.csb_id = *request.csb_id;
    } else {
        auto random_id = random_octets(4);
        if (!random_id) {
            return std::move(random_id).err();
        }
        std::uint32_t bits = 0;
        for (char c : *random_id) {
            bits = (bits << 8) | static_cast<unsigned char>(c);
        }
        m.header.csb_id = (pck_purpose_tag << 28) | (bits & 0x0FFFFFFF);
    }
    m.header.v = false;
    m.header.prf = prf_function::mikey_256;
    m.header.cs_map = request.cs_map;
    m.t = timestamp{timestamp_type::ntp_utc, *ntp};
    m.rand = std::move(*rand);
    if (request.identities == identity_form::uid) {
        m.identities = {
            identity{id_role::initiator_uid, id_type::byte_string, initiator_uid},
            identity{id_role::responder_uid, id_type::byte_string, responder_uid},
        };
    } else {
        m.identities = {
            identity{id_role::initiator, id_type::uri, request.initiator_uri},
            identity{id_role::responder, id_type::uri, request.responder_uri},
        };
    }
    m.identities.push_back(identity{id_role::initiator_kms, id_type::uri, request.initiator_kms.uri});
    m.identities.push_back(identity{id_role::responder_kms, id_type::uri, request.responder_kms.uri});
    m.policies = request.policies;
    m.sakke = sakke_payload{sakke_params_set_1, id_scheme_3gpp_hashed_uid, encapsulation->encapsulated};
    // A placeholder of the signature's size: the signature covers everything before it, its length field included.
    m.sign = signature_payload{signature_type_eccsi, std::string(eccsi_signature_size, '\0')};

    auto encoded = encode_i_message(m);
    if (!encoded) {
        return cannot_build(encoded.err().code, encoded.err().message);
    }
    auto& bytes = *encoded;
    const std::string_view to_sign(bytes.data(), bytes.size() - eccsi_signature_size);
    auto signature = eccsi_sign(request.initiator_kms.keys, initiator_uid, request.initiator_keys, to_sign);
    if (!signature) {
        return cannot_build(signature.err().code, "signing with the initiator's keys: " + signature.err().message);
    }
    if (signature->size() != eccsi_signature_size) {
        return support::make_error(errc::internal, "ECCSI signature of " + std::to_string(signature->size()) +
                                                       " octets, not " + std::to_string(eccsi_signature_size));
    }
    bytes.replace(bytes.size() - eccsi_signature_size, eccsi_signature_size, *signature);
    return built_i_message{std::move(bytes), std::move(encapsulation->ssv)};
}

support::result<received_i_message> process_i_message(std::string_view bytes, const responder_credentials& responder,
                                                      const kms_trust& trust, system_clock::time_point now,
                                                      std::chrono::seconds allowed_skew) {
    auto decoded = decode_i_message(bytes);
    if (!decoded) {
        return std::move(decoded).err();
    }
    const auto& m = *decoded;
    MIKEY_TAKE(parties, check_profile(m));
    const auto& initiator_kms_uri = *parties.initiator_kms_uri;
    const auto& responder_kms_uri = *parties.responder_kms_uri;
    // The initiator as the message names it, for what is said of it before the signature has verified.
    const std::string initiator_name =
        parties.initiator_uri ? *parties.initiator_uri : uid_text(*parties.initiator_uid);

    if (!trust) {
        return support::make_error(errc::internal, "no KMS trust function to look up " + initiator_kms_uri);
    }
    auto kms = trust(initiator_kms_uri);
    if (!kms) {
        return std::move(kms).err();
    }

    // 4. Freshness.
    const auto time = from_ntp_timestamp(m.t.value);
    const auto skew = time > now ? time - now : now - time;
    if (skew > allowed_skew) {
        return refuse(errc::unauthenticated,
                      "its time " + support::format_utc(time) + " is " +
                          std::to_string(std::chrono::floor<std::chrono::seconds>(skew).count()) + " s " +
                          (time > now ? "ahead of" : "behind") + " now (" + support::format_utc(now) +
                          "), beyond the allowed clock skew of " + std::to_string(allowed_skew.count()) + " s");
    }

    // 5. The key period the initiator signed in must be the current one.
    auto period = key_period_number(time, kms->periods);
    auto current = key_period_number(now, kms->periods);
    if (!period || !current) {
        return refuse(errc::invalid_argument, "its time has no key period of KMS " + initiator_kms_uri + ": " +
                                                  (period ? current : period).err().message);
    }
    if (*period < *current) {
        auto end = key_period_end(*period, kms->periods);
        return refuse(errc::unauthenticated, "it was signed in " + period_text(*period, initiator_kms_uri) +
                                                 ", which has expired" +
                                                 (end ? " (it ended at " + support::format_utc(*end) + ")" : "") +
                                                 "; the current period is " + std::to_string(*current));
    }
    if (*period > *current) {
        auto start = key_period_start(*period, kms->periods);
        return refuse(errc::unauthenticated, "it was signed in " + period_text(*period, initiator_kms_uri) +
                                                 ", which has not begun" +
                                                 (start ? " (it starts at " + support::format_utc(*start) + ")" : "") +
                                                 "; the current period is " + std::to_string(*current));
    }

    // 6. The signature, over everything before the Signature field, by the initiator's UID: that of IDRi for that
    // period, or IDRuidi as the message gives it (E.7).
    std::string initiator_uid;
    if (parties.initiator_uri) {
        initiator_uid = mikey_sakke_uid(*parties.initiator_uri, initiator_kms_uri, kms->periods.period_seconds,
                                        kms->periods.offset_seconds, *period);
        if (parties.initiator_uid && *parties.initiator_uid != initiator_uid) {
            return refuse(errc::unauthenticated, "its IDRuidi " + uid_text(*parties.initiator_uid) +
                                                     " is not the UID of its IDRi " + *parties.initiator_uri + " in " +
                                                     period_text(*period, initiator_kms_uri));
        }
    } else {
        initiator_uid = *parties.initiator_uid;
    }
    if (auto verified = eccsi_verify(kms->keys, initiator_uid, signed_portion(bytes, m), m.sign.signature); !verified) {
        if (verified.err().code == errc::internal) {
            return std::move(verified).err();
        }
        return refuse(errc::unauthenticated, "its signature does not verify for " + initiator_name + " in " +
                                                 period_text(*period, initiator_kms_uri) + " (" +
                                                 verified.err().message + ")");
    }

    // 7. Meant for this responder: its URI, its KMS, its UID for the key period of the message time.
    if (parties.responder_uri && *parties.responder_uri != responder.uri) {
        return refuse(errc::forbidden,
                      "it is for " + *parties.responder_uri + ", not for this responder " + responder.uri);
    }
    if (responder_kms_uri != responder.kms.uri) {
        return refuse(errc::forbidden, "it encapsulates to KMS " + responder_kms_uri +
                                           ", not to this responder's KMS " + responder.kms.uri);
    }
    auto responder_period = key_period_number(time, responder.kms.periods);
    if (!responder_period) {
        return refuse(errc::invalid_argument, "its time has no key period of this responder's KMS " +
                                                  responder.kms.uri + ": " + responder_period.err().message);
    }
    const auto responder_uid = mikey_sakke_uid(responder.uri, responder.kms.uri, responder.kms.periods.period_seconds,
                                               responder.kms.periods.offset_seconds, *responder_period);
    if (parties.responder_uid && *parties.responder_uid != responder_uid) {
        return refuse(errc::forbidden, "it is for " + uid_text(*parties.responder_uid) + ", not for this responder " +
                                           responder.uri + " (" + uid_text(responder_uid) + " in " +
                                           period_text(*responder_period, responder.kms.uri) + ")");
    }

    // 8. The SSV, with the RSK of the responder's key period of the message time.
    if (*responder_period != responder.key_period) {
        return refuse(errc::unauthenticated, "it encapsulates to " + period_text(*responder_period, responder.kms.uri) +
                                                 ", but this responder holds keys for key period " +
                                                 std::to_string(responder.key_period));
    }
    auto ssv = sakke_decapsulate(responder.kms.keys, responder_uid, responder.keys.rsk, m.sakke.data);
    if (!ssv) {
        if (ssv.err().code == errc::internal) {
            return std::move(ssv).err();
        }
        return refuse(errc::unauthenticated, "its SAKKE data does not decapsulate for " + responder.uri + " in " +
                                                 period_text(*responder_period, responder.kms.uri) + " (" +
                                                 ssv.err().message + ")");
    }

    received_i_message received;
    received.ssv = std::move(*ssv);
    received.initiator_uri = parties.initiator_uri ? *parties.initiator_uri : std::string();
    received.initiator_uid = std::move(initiator_uid);
    received.initiator_kms_uri = initiator_kms_uri;
    received.initiator_periods = kms->periods;
    received.key_period = *period;
    received.time = time;
    received.message = std::move(*decoded);
    return received;
}

support::result<void> confirm_initiator(received_i_message& received, std::string_view uri) {
    const auto uid = mikey_sakke_uid(uri, received.initiator_kms_uri, received.initiator_periods.period_seconds,
                                     received.initiator_periods.offset_seconds, received.key_period);
    if (uid.empty() || uid != received.initiator_uid) {
        return support::make_error(
            errc::unauthenticated,
            "MIKEY-SAKKE I_MESSAGE not confirmed: its initiator " +
                (received.initiator_uri.empty() ? uid_text(received.initiator_uid) : received.initiator_uri) +
                " is not " + std::string(uri) + " in " + period_text(received.key_period, received.initiator_kms_uri));
    }
    received.initiator_uri = std::string(uri);
    return {};
}

} // namespace mcprov::mikey
