#include "mcprov/mikey/i_message.hpp"

#include <algorithm>
#include <utility>

namespace mcprov::mikey {
namespace {

using support::errc;
using support::error;

constexpr std::size_t max_u8 = 0xFF;
constexpr std::size_t max_u16 = 0xFFFF;
constexpr std::size_t max_signature_length = 0x0FFF; // 12 bits
constexpr std::size_t max_policy_count = 0x7F;       // #P, 7 bits

error malformed(std::string message) {
    return support::make_error(errc::invalid_argument, "malformed MIKEY I_MESSAGE: " + std::move(message));
}

// The name of a Next payload value, for messages (RFC 3830 6.1, RFC 6043, RFC 6509).
std::string payload_name(std::uint8_t type) {
    switch (type) {
    case payload_type::last:
        return "Last payload (0)";
    case 1:
        return "KEMAC (1)";
    case 2:
        return "PKE (2)";
    case 3:
        return "DH (3)";
    case payload_type::sign:
        return "SIGN (4)";
    case payload_type::timestamp:
        return "T (5)";
    case 6:
        return "ID (6)";
    case 7:
        return "CERT (7)";
    case 8:
        return "CHASH (8)";
    case 9:
        return "V (9)";
    case payload_type::security_policy:
        return "SP (10)";
    case payload_type::rand:
        return "RAND (11)";
    case 12:
        return "ERR (12)";
    case 13:
        return "TR (13)";
    case payload_type::idr:
        return "IDR (14)";
    case 15:
        return "RANDR (15)";
    case 16:
        return "TP (16)";
    case 17:
        return "TICKET (17)";
    case 20:
        return "Key data (20)";
    case payload_type::general_extension:
        return "General Extension (21)";
    case payload_type::sakke:
        return "SAKKE (26)";
    default:
        return "unassigned type " + std::to_string(type);
    }
}

std::string id_role_name(id_role role) {
    switch (role) {
    case id_role::initiator:
        return "IDRi";
    case id_role::responder:
        return "IDRr";
    case id_role::kms:
        return "IDRkms";
    case id_role::psk:
        return "IDRpsk";
    case id_role::app:
        return "IDRapp";
    case id_role::initiator_kms:
        return "IDRkmsi";
    case id_role::responder_kms:
        return "IDRkmsr";
    case id_role::initiator_uid:
        return "IDRuidi";
    case id_role::responder_uid:
        return "IDRuidr";
    }
    return "ID Role " + std::to_string(static_cast<unsigned>(role));
}

bool known_role(std::uint8_t value) {
    return value >= 1 && value <= 9;
}

// Reads big-endian fields from the message; every read says whether the octets were there.
class reader {
public:
    explicit reader(std::string_view bytes) : bytes_(bytes) {}

    std::size_t offset() const { return offset_; }
    std::size_t left() const { return bytes_.size() - offset_; }

    std::uint8_t u8() { return static_cast<std::uint8_t>(bytes_[offset_++]); }
    std::uint16_t u16() {
        const auto high = u8();
        return static_cast<std::uint16_t>((high << 8) | u8());
    }
    std::uint32_t u32() {
        const std::uint32_t high = u16();
        return (high << 16) | u16();
    }
    std::uint64_t u64() {
        const std::uint64_t high = u32();
        return (high << 32) | u32();
    }
    std::string take(std::size_t n) {
        std::string out(bytes_.substr(offset_, n));
        offset_ += n;
        return out;
    }

private:
    std::string_view bytes_;
    std::size_t offset_ = 0;
};

// Reads one payload; `where` names it for messages ("IDR payload at offset 52").
class payload_reader {
public:
    payload_reader(reader& r, std::string where) : r_(r), where_(std::move(where)) {}

    // The field of `width` octets named `field`, or an error saying how much was missing.
    support::result<void> need(std::size_t width, std::string_view field) {
        if (r_.left() < width) {
            return fail("truncated in " + std::string(field) + ": needs " + std::to_string(width) + " octets, " +
                        std::to_string(r_.left()) + " left");
        }
        return {};
    }
    // A variable field whose length was read from `length_field`.
    support::result<std::string> take(std::size_t length, std::string_view field, std::string_view length_field) {
        if (r_.left() < length) {
            return fail(std::string(length_field) + " " + std::to_string(length) + " exceeds the " +
                        std::to_string(r_.left()) + " octets left for the " + std::string(field));
        }
        return r_.take(length);
    }
    error fail(std::string what) const { return malformed(where_ + ": " + what); }

    reader& r() { return r_; }

private:
    reader& r_;
    std::string where_;
};

#define MIKEY_TRY(expr)                                                                                                \
    do {                                                                                                               \
        if (auto try_result_ = (expr); !try_result_) {                                                                 \
            return std::move(try_result_).err();                                                                       \
        }                                                                                                              \
    } while (false)

#define MIKEY_TAKE(var, expr)                                                                                          \
    auto var##_result_ = (expr);                                                                                       \
    if (!var##_result_) {                                                                                              \
        return std::move(var##_result_).err();                                                                         \
    }                                                                                                                  \
    auto var = std::move(var##_result_).value()

// HDR (RFC 3830 6.1), returning the Next payload it names.
support::result<std::uint8_t> read_header(reader& r, common_header& header) {
    payload_reader p(r, "HDR");
    MIKEY_TRY(p.need(10, "the fixed fields"));
    const auto version = r.u8();
    if (version != mikey_version) {
        return p.fail("version " + std::to_string(version) + ", only version 1 is defined");
    }
    const auto data_type = r.u8();
    if (data_type != data_type_sakke) {
        return p.fail("data type " + std::to_string(data_type) + " is not SAKKE msg (26)");
    }
    const auto next = r.u8();
    const auto v_prf = r.u8();
    header.v = (v_prf & 0x80) != 0;
    const auto prf = v_prf & 0x7F;
    if (prf > static_cast<std::uint8_t>(prf_function::mikey_256)) {
        return p.fail("PRF func " + std::to_string(prf) + " is neither MIKEY-1 (0) nor MIKEY-256 (1)");
    }
    header.prf = static_cast<prf_function>(prf);
    header.csb_id = r.u32();
    const auto cs_count = r.u8();
    const auto map_type = r.u8();
    auto& map = header.cs_map;
    map = crypto_session_map{};
    switch (map_type) {
    case static_cast<std::uint8_t>(cs_id_map_type::srtp_id):
        map.type = cs_id_map_type::srtp_id;
        for (unsigned i = 0; i < cs_count; ++i) {
            MIKEY_TRY(p.need(9, "SRTP-ID map entry " + std::to_string(i + 1) + " of " + std::to_string(cs_count)));
            srtp_crypto_session session;
            session.policy_no = r.u8();
            session.ssrc = r.u32();
            session.roc = r.u32();
            map.srtp.push_back(session);
        }
        break;
    case static_cast<std::uint8_t>(cs_id_map_type::empty):
        map.type = cs_id_map_type::empty;
        map.empty_cs_count = cs_count;
        break;
    case static_cast<std::uint8_t>(cs_id_map_type::generic_id):
        map.type = cs_id_map_type::generic_id;
        for (unsigned i = 0; i < cs_count; ++i) {
            const auto entry = "GENERIC-ID map entry " + std::to_string(i + 1) + " of " + std::to_string(cs_count);
            MIKEY_TRY(p.need(3, entry));
            generic_crypto_session session;
            session.cs_id = r.u8();
            session.prot_type = r.u8();
            const auto s_p = r.u8();
            session.s = (s_p & 0x80) != 0;
            const std::size_t policy_count = s_p & 0x7F;
            MIKEY_TAKE(policies, p.take(policy_count, entry + " Ps", "#P"));
            session.policies.assign(policies.begin(), policies.end());
            MIKEY_TRY(p.need(2, entry + " Session Data Length"));
            const auto session_data_length = r.u16();
            MIKEY_TAKE(session_data, p.take(session_data_length, entry + " Session Data", "Session Data Length"));
            session.session_data = std::move(session_data);
            MIKEY_TRY(p.need(1, entry + " SPI Length"));
            const auto spi_length = r.u8();
            MIKEY_TAKE(spi, p.take(spi_length, entry + " SPI", "SPI Length"));
            session.spi = std::move(spi);
            map.generic.push_back(std::move(session));
        }
        break;
    default:
        return p.fail("CS ID map type " + std::to_string(map_type) +
                      " is none of SRTP-ID (0), Empty map (1) and GENERIC-ID (2)");
    }
    return next;
}

support::result<std::uint8_t> read_timestamp(payload_reader& p, timestamp& t) {
    auto& r = p.r();
    MIKEY_TRY(p.need(2, "Next payload and TS type"));
    const auto next = r.u8();
    const auto type = r.u8();
    switch (type) {
    case static_cast<std::uint8_t>(timestamp_type::ntp_utc):
    case static_cast<std::uint8_t>(timestamp_type::ntp):
        MIKEY_TRY(p.need(8, "the 64-bit TS value"));
        t.type = static_cast<timestamp_type>(type);
        t.value = r.u64();
        break;
    case static_cast<std::uint8_t>(timestamp_type::counter):
        MIKEY_TRY(p.need(4, "the 32-bit TS value"));
        t.type = timestamp_type::counter;
        t.value = r.u32();
        break;
    default:
        return p.fail("TS type " + std::to_string(type) + " is none of NTP-UTC (0), NTP (1) and COUNTER (2)");
    }
    return next;
}

support::result<std::uint8_t> read_rand(payload_reader& p, std::string& rand) {
    auto& r = p.r();
    MIKEY_TRY(p.need(2, "Next payload and RAND len"));
    const auto next = r.u8();
    const auto length = r.u8();
    if (length == 0) {
        return p.fail("RAND len is 0");
    }
    MIKEY_TAKE(value, p.take(length, "RAND", "RAND len"));
    rand = std::move(value);
    return next;
}

support::result<std::uint8_t> read_identity(payload_reader& p, identity& id) {
    auto& r = p.r();
    MIKEY_TRY(p.need(5, "the fixed fields"));
    const auto next = r.u8();
    const auto role = r.u8();
    if (!known_role(role)) {
        return p.fail("ID Role " + std::to_string(role) + " is not one of 1 to 9 (RFC 6043, RFC 6509, TS 33.180)");
    }
    const auto type = r.u8();
    if (type > static_cast<std::uint8_t>(id_type::byte_string)) {
        return p.fail("ID Type " + std::to_string(type) + " is none of NAI (0), URI (1) and byte string (2)");
    }
    const auto length = r.u16();
    MIKEY_TAKE(data, p.take(length, "ID data", "ID len"));
    id.role = static_cast<id_role>(role);
    id.type = static_cast<id_type>(type);
    id.data = std::move(data);
    return next;
}

support::result<std::uint8_t> read_policy(payload_reader& p, security_policy& policy) {
    auto& r = p.r();
    MIKEY_TRY(p.need(5, "the fixed fields"));
    const auto next = r.u8();
    policy.policy_no = r.u8();
    policy.prot_type = r.u8();
    const auto length = r.u16();
    MIKEY_TAKE(params, p.take(length, "Policy param", "Policy param length"));
    std::size_t at = 0;
    while (at < params.size()) {
        if (params.size() - at < 2) {
            return p.fail("Policy param " + std::to_string(policy.parameters.size() + 1) +
                          " is cut off after its Type: the Policy param length ends inside it");
        }
        policy_parameter parameter;
        parameter.type = static_cast<std::uint8_t>(params[at]);
        const auto value_length = static_cast<std::uint8_t>(params[at + 1]);
        at += 2;
        if (params.size() - at < value_length) {
            return p.fail("Policy param " + std::to_string(policy.parameters.size() + 1) + " (type " +
                          std::to_string(parameter.type) + ") has Length " + std::to_string(value_length) +
                          " but only " + std::to_string(params.size() - at) +
                          " octets remain in the Policy param length");
        }
        parameter.value = params.substr(at, value_length);
        at += value_length;
        policy.parameters.push_back(std::move(parameter));
    }
    return next;
}

support::result<std::uint8_t> read_sakke(payload_reader& p, sakke_payload& sakke) {
    auto& r = p.r();
    MIKEY_TRY(p.need(5, "the fixed fields"));
    const auto next = r.u8();
    sakke.params = r.u8();
    sakke.id_scheme = r.u8();
    const auto length = r.u16();
    MIKEY_TAKE(data, p.take(length, "SAKKE data", "SAKKE data length"));
    sakke.data = std::move(data);
    return next;
}

support::result<std::uint8_t> read_extension(payload_reader& p, general_extension& extension) {
    auto& r = p.r();
    MIKEY_TRY(p.need(4, "the fixed fields"));
    const auto next = r.u8();
    extension.type = r.u8();
    const auto length = r.u16();
    MIKEY_TAKE(data, p.take(length, "Data", "Length"));
    extension.data = std::move(data);
    return next;
}

support::result<void> read_signature(payload_reader& p, signature_payload& sign) {
    auto& r = p.r();
    MIKEY_TRY(p.need(2, "S type and Signature len"));
    const auto high = r.u8();
    const auto low = r.u8();
    sign.type = static_cast<std::uint8_t>(high >> 4);
    const std::size_t length = (static_cast<std::size_t>(high & 0x0F) << 8) | low;
    MIKEY_TAKE(signature, p.take(length, "Signature", "Signature len"));
    sign.signature = std::move(signature);
    if (r.left() != 0) {
        return p.fail(std::to_string(r.left()) + " octets follow the SIGN payload, which must end the message");
    }
    return {};
}

// Writers: every width was checked before writing.
void put_u8(std::string& out, std::size_t v) {
    out.push_back(static_cast<char>(v & 0xFF));
}
void put_u16(std::string& out, std::size_t v) {
    put_u8(out, v >> 8);
    put_u8(out, v);
}
void put_u32(std::string& out, std::uint32_t v) {
    put_u16(out, v >> 16);
    put_u16(out, v & 0xFFFF);
}
void put_u64(std::string& out, std::uint64_t v) {
    put_u32(out, static_cast<std::uint32_t>(v >> 32));
    put_u32(out, static_cast<std::uint32_t>(v & 0xFFFFFFFF));
}

error too_wide(std::string what) {
    return support::make_error(errc::invalid_argument, "cannot encode MIKEY I_MESSAGE: " + std::move(what));
}

// The payload bodies after their Next payload field, checked and written.
support::result<std::string> header_body(const common_header& header) {
    if (header.prf != prf_function::mikey_1 && header.prf != prf_function::mikey_256) {
        return too_wide("PRF func " + std::to_string(static_cast<unsigned>(header.prf)) + " is not defined");
    }
    std::string out;
    put_u8(out, (header.v ? 0x80 : 0) | static_cast<std::uint8_t>(header.prf));
    put_u32(out, header.csb_id);
    const auto& map = header.cs_map;
    switch (map.type) {
    case cs_id_map_type::srtp_id:
        if (map.srtp.size() > max_u8) {
            return too_wide("an SRTP-ID map of " + std::to_string(map.srtp.size()) + " sessions (#CS is 8 bits)");
        }
        put_u8(out, map.srtp.size());
        put_u8(out, static_cast<std::uint8_t>(map.type));
        for (const auto& session : map.srtp) {
            put_u8(out, session.policy_no);
            put_u32(out, session.ssrc);
            put_u32(out, session.roc);
        }
        break;
    case cs_id_map_type::empty:
        put_u8(out, map.empty_cs_count);
        put_u8(out, static_cast<std::uint8_t>(map.type));
        break;
    case cs_id_map_type::generic_id:
        if (map.generic.size() > max_u8) {
            return too_wide("a GENERIC-ID map of " + std::to_string(map.generic.size()) + " sessions (#CS is 8 bits)");
        }
        put_u8(out, map.generic.size());
        put_u8(out, static_cast<std::uint8_t>(map.type));
        for (const auto& session : map.generic) {
            if (session.policies.size() > max_policy_count) {
                return too_wide("a GENERIC-ID session of " + std::to_string(session.policies.size()) +
                                " policies (#P is 7 bits)");
            }
            if (session.session_data.size() > max_u16 || session.spi.size() > max_u8) {
                return too_wide("GENERIC-ID session data over 65535 octets or SPI over 255 octets");
            }
            put_u8(out, session.cs_id);
            put_u8(out, session.prot_type);
            put_u8(out, (session.s ? 0x80 : 0) | session.policies.size());
            out.append(session.policies.begin(), session.policies.end());
            put_u16(out, session.session_data.size());
            out += session.session_data;
            put_u8(out, session.spi.size());
            out += session.spi;
        }
        break;
    default:
        return too_wide("CS ID map type " + std::to_string(static_cast<unsigned>(map.type)) + " is not defined");
    }
    return out;
}

support::result<std::string> timestamp_body(const timestamp& t) {
    std::string out;
    put_u8(out, static_cast<std::uint8_t>(t.type));
    switch (t.type) {
    case timestamp_type::ntp_utc:
    case timestamp_type::ntp:
        put_u64(out, t.value);
        return out;
    case timestamp_type::counter:
        if (t.value > 0xFFFFFFFF) {
            return too_wide("a COUNTER timestamp above 32 bits");
        }
        put_u32(out, static_cast<std::uint32_t>(t.value));
        return out;
    }
    return too_wide("TS type " + std::to_string(static_cast<unsigned>(t.type)) + " is not defined");
}

support::result<std::string> identity_body(const identity& id) {
    if (!known_role(static_cast<std::uint8_t>(id.role)) || static_cast<std::uint8_t>(id.type) > 2) {
        return too_wide("an IDR payload of undefined ID Role or ID Type");
    }
    if (id.data.size() > max_u16) {
        return too_wide("the " + id_role_name(id.role) + " ID data of " + std::to_string(id.data.size()) +
                        " octets (ID len is 16 bits)");
    }
    std::string out;
    put_u8(out, static_cast<std::uint8_t>(id.role));
    put_u8(out, static_cast<std::uint8_t>(id.type));
    put_u16(out, id.data.size());
    out += id.data;
    return out;
}

support::result<std::string> policy_body(const security_policy& policy) {
    std::string params;
    for (const auto& parameter : policy.parameters) {
        if (parameter.value.size() > max_u8) {
            return too_wide("a Policy param value of " + std::to_string(parameter.value.size()) +
                            " octets (Length is 8 bits)");
        }
        put_u8(params, parameter.type);
        put_u8(params, parameter.value.size());
        params += parameter.value;
    }
    if (params.size() > max_u16) {
        return too_wide("Policy params of " + std::to_string(params.size()) + " octets (the length is 16 bits)");
    }
    std::string out;
    put_u8(out, policy.policy_no);
    put_u8(out, policy.prot_type);
    put_u16(out, params.size());
    out += params;
    return out;
}

} // namespace

const identity* i_message::find_identity(id_role role) const {
    for (const auto& id : identities) {
        if (id.role == role) {
            return &id;
        }
    }
    return nullptr;
}

support::result<std::string> encode_i_message(const i_message& message) {
    // Each payload: its type and its body after the Next payload field.
    std::vector<std::pair<std::uint8_t, std::string>> payloads;

    MIKEY_TAKE(t, timestamp_body(message.t));
    payloads.emplace_back(payload_type::timestamp, std::move(t));

    if (message.rand.empty() || message.rand.size() > max_u8) {
        return too_wide("a RAND of " + std::to_string(message.rand.size()) + " octets (RAND len is 1 to 255)");
    }
    std::string rand;
    put_u8(rand, message.rand.size());
    rand += message.rand;
    payloads.emplace_back(payload_type::rand, std::move(rand));

    for (std::size_t i = 0; i < message.identities.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (message.identities[j].role == message.identities[i].role) {
                return too_wide("two " + id_role_name(message.identities[i].role) + " payloads");
            }
        }
        MIKEY_TAKE(body, identity_body(message.identities[i]));
        payloads.emplace_back(payload_type::idr, std::move(body));
    }
    for (const auto& policy : message.policies) {
        MIKEY_TAKE(body, policy_body(policy));
        payloads.emplace_back(payload_type::security_policy, std::move(body));
    }

    if (message.sakke.data.size() > max_u16) {
        return too_wide("SAKKE data of " + std::to_string(message.sakke.data.size()) +
                        " octets (the length is 16 bits)");
    }
    std::string sakke;
    put_u8(sakke, message.sakke.params);
    put_u8(sakke, message.sakke.id_scheme);
    put_u16(sakke, message.sakke.data.size());
    sakke += message.sakke.data;
    payloads.emplace_back(payload_type::sakke, std::move(sakke));

    for (const auto& extension : message.extensions) {
        if (extension.data.size() > max_u16) {
            return too_wide("General Extension data of " + std::to_string(extension.data.size()) +
                            " octets (Length is 16 bits)");
        }
        std::string body;
        put_u8(body, extension.type);
        put_u16(body, extension.data.size());
        body += extension.data;
        payloads.emplace_back(payload_type::general_extension, std::move(body));
    }

    if (message.sign.type > 0x0F || message.sign.signature.size() > max_signature_length) {
        return too_wide("a SIGN payload of S type " + std::to_string(message.sign.type) + " and " +
                        std::to_string(message.sign.signature.size()) + " octets (4 and 12 bits)");
    }

    MIKEY_TAKE(header, header_body(message.header));
    std::string out;
    put_u8(out, mikey_version);
    put_u8(out, data_type_sakke);
    put_u8(out, payloads.front().first);
    out += header;
    for (std::size_t i = 0; i < payloads.size(); ++i) {
        put_u8(out, i + 1 < payloads.size() ? payloads[i + 1].first : payload_type::sign);
        out += payloads[i].second;
    }
    put_u8(out, (message.sign.type << 4) | (message.sign.signature.size() >> 8));
    put_u8(out, message.sign.signature.size());
    out += message.sign.signature;

    if (out.size() > max_i_message_size) {
        return support::make_error(errc::too_large, "MIKEY I_MESSAGE of " + std::to_string(out.size()) +
                                                        " octets exceeds the " + std::to_string(max_i_message_size) +
                                                        "-octet limit");
    }
    return out;
}

support::result<i_message> decode_i_message(std::string_view bytes) {
    if (bytes.size() > max_i_message_size) {
        return support::make_error(errc::too_large, "MIKEY I_MESSAGE of " + std::to_string(bytes.size()) +
                                                        " octets exceeds the " + std::to_string(max_i_message_size) +
                                                        "-octet limit");
    }
    i_message message;
    reader r(bytes);
    MIKEY_TAKE(first, read_header(r, message.header));
    std::uint8_t next = first;
    bool have_t = false;
    bool have_rand = false;
    bool have_sakke = false;
    for (;;) {
        const auto offset = r.offset();
        const auto where = [&](std::string_view name) {
            return std::string(name) + " payload at offset " + std::to_string(offset);
        };
        if (next == payload_type::last) {
            return malformed("the payload chain ends (Next payload 0) at offset " + std::to_string(offset) +
                             " without a SIGN payload");
        }
        if (r.left() == 0) {
            return malformed("the message ends at offset " + std::to_string(offset) + " where a " + payload_name(next) +
                             " payload should start");
        }
        std::uint8_t following = 0;
        switch (next) {
        case payload_type::timestamp: {
            payload_reader p(r, where("T"));
            if (have_t) {
                return p.fail("a second T payload");
            }
            MIKEY_TAKE(n, read_timestamp(p, message.t));
            following = n;
            have_t = true;
            break;
        }
        case payload_type::rand: {
            payload_reader p(r, where("RAND"));
            if (have_rand) {
                return p.fail("a second RAND payload");
            }
            MIKEY_TAKE(n, read_rand(p, message.rand));
            following = n;
            have_rand = true;
            break;
        }
        case payload_type::idr: {
            payload_reader p(r, where("IDR"));
            identity id;
            MIKEY_TAKE(n, read_identity(p, id));
            if (message.find_identity(id.role)) {
                return p.fail("a second " + id_role_name(id.role) + " payload");
            }
            message.identities.push_back(std::move(id));
            following = n;
            break;
        }
        case payload_type::security_policy: {
            payload_reader p(r, where("SP"));
            security_policy policy;
            MIKEY_TAKE(n, read_policy(p, policy));
            message.policies.push_back(std::move(policy));
            following = n;
            break;
        }
        case payload_type::sakke: {
            payload_reader p(r, where("SAKKE"));
            if (have_sakke) {
                return p.fail("a second SAKKE payload");
            }
            MIKEY_TAKE(n, read_sakke(p, message.sakke));
            following = n;
            have_sakke = true;
            break;
        }
        case payload_type::general_extension: {
            payload_reader p(r, where("General Extension"));
            general_extension extension;
            MIKEY_TAKE(n, read_extension(p, extension));
            message.extensions.push_back(std::move(extension));
            following = n;
            break;
        }
        case payload_type::sign: {
            payload_reader p(r, where("SIGN"));
            MIKEY_TRY(read_signature(p, message.sign));
            if (!have_t || !have_rand || !have_sakke) {
                return malformed(std::string("no ") +
                                 (!have_t      ? "T"
                                  : !have_rand ? "RAND"
                                               : "SAKKE") +
                                 " payload before the SIGN payload");
            }
            return message;
        }
        default:
            return malformed(payload_name(next) + " payload at offset " + std::to_string(offset) +
                             " is not one a MIKEY-SAKKE I_MESSAGE carries");
        }
        next = following;
    }
}

std::string_view signed_portion(std::string_view encoded, const i_message& decoded) {
    const auto signature_length = std::min(decoded.sign.signature.size(), encoded.size());
    return encoded.substr(0, encoded.size() - signature_length);
}

} // namespace mcprov::mikey
