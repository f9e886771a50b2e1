#include "mcprov/mikey/i_message_exchange.hpp"

#include <utility>

#include <openssl/rand.h>

#include "mcprov/support/clock.hpp"

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

// The TS 33.180 profile of the payloads (E.1.2, E.3): what the codec reads but this endpoint does not take.
support::result<void> check_profile(const i_message& m) {
    if (m.header.v) {
        return refuse(errc::invalid_argument,
                      "the V bit asks for a verification message, which MIKEY-SAKKE never sends (TS 33.180 E.1.2)");
    }
    if (m.t.type != timestamp_type::ntp_utc) {
        return refuse(errc::invalid_argument, "its timestamp is of TS type " +
                                                  std::to_string(static_cast<unsigned>(m.t.type)) +
                                                  ", not NTP-UTC (0)");
    }
    if (m.find_identity(id_role::initiator_uid) || m.find_identity(id_role::responder_uid)) {
        return refuse(errc::invalid_argument,
                      "it hides identities (IDRuidi/IDRuidr, TS 33.180 E.7), which this endpoint does not support");
    }
    for (const auto& [role, name] :
         {std::pair{id_role::initiator, "IDRi"}, std::pair{id_role::responder, "IDRr"},
          std::pair{id_role::initiator_kms, "IDRkmsi"}, std::pair{id_role::responder_kms, "IDRkmsr"}}) {
        const auto* id = m.find_identity(role);
        if (!id) {
            return refuse(errc::invalid_argument, std::string("it has no ") + name + " payload");
        }
        if (id->type != id_type::uri) {
            return refuse(errc::invalid_argument, std::string("its ") + name + " is of ID Type " +
                                                      std::to_string(static_cast<unsigned>(id->type)) +
                                                      ", not URI (1)");
        }
        if (id->data.empty()) {
            return refuse(errc::invalid_argument, std::string("its ") + name + " is empty");
        }
    }
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
    return {};
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
    m.identities = {
        identity{id_role::initiator, id_type::uri, request.initiator_uri},
        identity{id_role::responder, id_type::uri, request.responder_uri},
        identity{id_role::initiator_kms, id_type::uri, request.initiator_kms.uri},
        identity{id_role::responder_kms, id_type::uri, request.responder_kms.uri},
    };
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
    MIKEY_TRY(check_profile(m));
    const auto& initiator_uri = m.find_identity(id_role::initiator)->data;
    const auto& initiator_kms_uri = m.find_identity(id_role::initiator_kms)->data;
    const auto& responder_uri = m.find_identity(id_role::responder)->data;
    const auto& responder_kms_uri = m.find_identity(id_role::responder_kms)->data;

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

    // 6. The signature, over everything before the Signature field, by the initiator's UID for that period.
    const auto initiator_uid = mikey_sakke_uid(initiator_uri, initiator_kms_uri, kms->periods.period_seconds,
                                               kms->periods.offset_seconds, *period);
    if (auto verified = eccsi_verify(kms->keys, initiator_uid, signed_portion(bytes, m), m.sign.signature); !verified) {
        if (verified.err().code == errc::internal) {
            return std::move(verified).err();
        }
        return refuse(errc::unauthenticated, "its signature does not verify for " + initiator_uri + " in " +
                                                 period_text(*period, initiator_kms_uri) + " (" +
                                                 verified.err().message + ")");
    }

    // 7. Meant for this responder.
    if (responder_uri != responder.uri) {
        return refuse(errc::forbidden, "it is for " + responder_uri + ", not for this responder " + responder.uri);
    }
    if (responder_kms_uri != responder.kms.uri) {
        return refuse(errc::forbidden, "it encapsulates to KMS " + responder_kms_uri +
                                           ", not to this responder's KMS " + responder.kms.uri);
    }

    // 8. The SSV, with the RSK of the responder's key period of the message time.
    auto responder_period = key_period_number(time, responder.kms.periods);
    if (!responder_period) {
        return refuse(errc::invalid_argument, "its time has no key period of this responder's KMS " +
                                                  responder.kms.uri + ": " + responder_period.err().message);
    }
    if (*responder_period != responder.key_period) {
        return refuse(errc::unauthenticated, "it encapsulates to " + period_text(*responder_period, responder.kms.uri) +
                                                 ", but this responder holds keys for key period " +
                                                 std::to_string(responder.key_period));
    }
    const auto responder_uid = mikey_sakke_uid(responder.uri, responder.kms.uri, responder.kms.periods.period_seconds,
                                               responder.kms.periods.offset_seconds, *responder_period);
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
    received.initiator_uri = initiator_uri;
    received.initiator_kms_uri = initiator_kms_uri;
    received.key_period = *period;
    received.time = time;
    received.message = std::move(*decoded);
    return received;
}

} // namespace mcprov::mikey
