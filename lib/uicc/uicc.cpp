#include <mcprov/uicc/uicc.hpp>

#include <mcprov/iso7816/tlv.hpp>
#include <mcprov/iso7816/usim_codings.hpp>
#include <mcprov/support/encoding.hpp>

namespace mcprov::uicc {
namespace {

using iso7816::command_apdu;
using iso7816::encode_tlv;
using iso7816::pin_block;
using iso7816::response_apdu;
namespace sw = iso7816::sw;

response_apdu status_only(std::uint16_t code) {
    return {.data = {}, .sw = code};
}

std::string two_octets(std::size_t n) {
    return {static_cast<char>((n >> 8) & 0xff), static_cast<char>(n & 0xff)};
}

std::string fid_of(const card_file& f) {
    const auto slash = f.path.rfind('/');
    return slash == std::string::npos ? f.path : f.path.substr(slash + 1);
}

} // namespace

uicc::uicc(card_image image) : image_(std::move(image)) {
    reset();
}

std::optional<int> uicc::mf() const {
    for (std::size_t i = 0; i < image_.files.size(); ++i)
        if (image_.files[i].path == "3f00")
            return static_cast<int>(i);
    return std::nullopt;
}

void uicc::reset() {
    current_ = {};
    current_.df = mf().value_or(0);
    pin_verified_ = false;
    pending_.clear();
}

std::optional<int> uicc::child(int parent, std::string_view fid) const {
    const std::string wanted = image_.files[static_cast<std::size_t>(parent)].path + "/" + std::string(fid);
    for (std::size_t i = 0; i < image_.files.size(); ++i)
        if (image_.files[i].path == wanted)
            return static_cast<int>(i);
    return std::nullopt;
}

std::optional<int> uicc::parent_of(int index) const {
    const std::string& path = image_.files[static_cast<std::size_t>(index)].path;
    const auto slash = path.rfind('/');
    if (slash == std::string::npos)
        return std::nullopt;
    const std::string parent = path.substr(0, slash);
    for (std::size_t i = 0; i < image_.files.size(); ++i)
        if (image_.files[i].path == parent)
            return static_cast<int>(i);
    return std::nullopt;
}

std::optional<int> uicc::ef_for(std::uint8_t sfi) const {
    const std::string prefix = image_.files[static_cast<std::size_t>(current_.df)].path + "/";
    for (std::size_t i = 0; i < image_.files.size(); ++i) {
        const auto& f = image_.files[i];
        if (f.sfi == sfi && f.path.starts_with(prefix) && f.path.find('/', prefix.size()) == std::string::npos)
            return static_cast<int>(i);
    }
    return std::nullopt;
}

bool uicc::allowed(access condition) const {
    switch (condition) {
    case access::always:
        return true;
    case access::pin:
        return pin_verified_ || !image_.pin.enabled;
    case access::never:
        return false;
    }
    return false;
}

// The FCP template (TS 102 221 clause 11.1.1.3): file descriptor, identifier, DF name, life cycle, size.
std::string uicc::fcp(int index) const {
    const auto& f = image_.files[static_cast<std::size_t>(index)];
    std::string body;
    switch (f.kind) {
    case file_kind::df:
    case file_kind::adf:
        body += encode_tlv(0x82, std::string("\x78\x21", 2));
        break;
    case file_kind::transparent:
        body += encode_tlv(0x82, std::string("\x41\x21", 2));
        break;
    case file_kind::linear_fixed:
        body += encode_tlv(0x82, std::string("\x42\x21", 2) + two_octets(f.record_size) +
                                     std::string(1, static_cast<char>(f.records.size() & 0xff)));
        break;
    }
    const std::string fid = f.kind == file_kind::adf ? "7fff" : fid_of(f);
    body += encode_tlv(0x83, *support::hex_decode(fid));
    if (f.kind == file_kind::adf)
        body += encode_tlv(0x84, f.aid);
    body += encode_tlv(0x8a, std::string("\x05", 1));
    if (f.kind == file_kind::transparent)
        body += encode_tlv(0x80, two_octets(f.data.size()));
    if (f.kind == file_kind::linear_fixed)
        body += encode_tlv(0x80, two_octets(f.record_size * f.records.size()));
    if (f.sfi)
        body += encode_tlv(0x88, std::string(1, static_cast<char>(*f.sfi << 3)));
    return encode_tlv(0x62, body);
}

response_apdu uicc::with_data(std::string data, const command_apdu& c) {
    if (!c.le) {
        pending_ = std::move(data);
        return status_only(static_cast<std::uint16_t>(0x6100 | (pending_.size() >= 256 ? 0 : pending_.size())));
    }
    if (*c.le < data.size() && *c.le != 256) {
        pending_ = data;
        return status_only(static_cast<std::uint16_t>(0x6c00 | (data.size() & 0xff)));
    }
    return {.data = std::move(data), .sw = sw::ok};
}

response_apdu uicc::process(const command_apdu& c) {
    const bool proprietary = (c.cla & 0xf0) == 0x80;
    if ((c.cla & 0x0f) != 0 || (c.cla != 0x00 && c.cla != 0x80))
        return status_only(sw::cla_not_supported);
    if (c.ins != iso7816::ins::get_response)
        pending_.clear();
    if (proprietary) {
        if (c.ins == iso7816::ins::status)
            return status(c);
        return status_only(sw::ins_not_supported);
    }
    switch (c.ins) {
    case iso7816::ins::select:
        return select(c);
    case iso7816::ins::read_binary:
        return read_binary(c);
    case iso7816::ins::update_binary:
        return update_binary(c);
    case iso7816::ins::read_record:
        return read_record(c);
    case iso7816::ins::update_record:
        return update_record(c);
    case iso7816::ins::verify:
        return verify(c);
    case iso7816::ins::unblock_pin:
        return unblock_pin(c);
    case iso7816::ins::authenticate:
        return authenticate(c);
    case iso7816::ins::get_response:
        return get_response(c);
    default:
        return status_only(sw::ins_not_supported);
    }
}

response_apdu uicc::select(const command_apdu& c) {
    std::optional<int> found;
    if (c.p1 == 0x00) {
        if (c.data.size() != 2)
            return status_only(sw::wrong_length);
        const std::string fid = support::hex_encode(c.data);
        if (fid == "3f00") {
            found = mf();
        } else if (fid == "7fff") {
            if (current_.adf >= 0)
                found = current_.adf;
        } else {
            found = child(current_.df, fid);
            if (!found)
                if (const auto parent = parent_of(current_.df)) {
                    if (fid_of(image_.files[static_cast<std::size_t>(*parent)]) == fid)
                        found = parent;
                    else
                        found = child(*parent, fid);
                }
        }
    } else if (c.p1 == 0x04) {
        if (c.data.empty() || c.data.size() > 16)
            return status_only(sw::wrong_length);
        for (std::size_t i = 0; i < image_.files.size() && !found; ++i)
            if (image_.files[i].kind == file_kind::adf && image_.files[i].aid.starts_with(c.data))
                found = static_cast<int>(i);
    } else if (c.p1 == 0x08 || c.p1 == 0x09) {
        if (c.data.empty() || c.data.size() % 2 != 0)
            return status_only(sw::wrong_length);
        std::optional<int> at;
        at = c.p1 == 0x09 ? std::optional<int>(current_.df) : mf();
        for (std::size_t i = 0; at && i < c.data.size(); i += 2) {
            const std::string fid = support::hex_encode(c.data.substr(i, 2));
            if (fid == "7fff")
                at = current_.adf >= 0 ? std::optional<int>(current_.adf) : std::nullopt;
            else
                at = child(*at, fid);
        }
        found = at;
    } else {
        return status_only(sw::wrong_p1p2);
    }
    if (!found)
        return status_only(sw::file_not_found);

    const auto& f = image_.files[static_cast<std::size_t>(*found)];
    if (f.kind == file_kind::df || f.kind == file_kind::adf) {
        current_.df = *found;
        current_.ef.reset();
        if (f.kind == file_kind::adf)
            current_.adf = *found;
        else if (f.path == "3f00")
            current_.adf = -1;
    } else {
        if (const auto parent = parent_of(*found))
            current_.df = *parent;
        current_.ef = *found;
    }
    if ((c.p2 & 0x0c) == 0x0c)
        return status_only(sw::ok);
    return with_data(fcp(*found), c);
}

// The EF a READ or UPDATE addresses (the current one, or one by SFI), checked for its structure and its access
// condition; it becomes the current EF. Binary commands carry the SFI in P1 (b8 set) and the offset in P1-P2,
// record commands the SFI in P2's upper five bits.
uicc::target uicc::addressed_ef(const command_apdu& c, file_kind kind, bool for_update) {
    target t{.ef = current_.ef.value_or(-1), .offset = 0, .refusal = 0};
    std::uint8_t sfi = 0;
    if (kind == file_kind::transparent) {
        t.offset = (static_cast<std::size_t>(c.p1) << 8) | c.p2;
        if (c.p1 & 0x80) {
            sfi = c.p1 & 0x1f;
            t.offset = c.p2;
        }
    } else {
        if ((c.p2 & 0x07) != 0x04)
            return {.ef = -1, .offset = 0, .refusal = sw::wrong_p1p2};
        sfi = static_cast<std::uint8_t>(c.p2 >> 3);
    }
    if (sfi != 0) {
        const auto found = ef_for(sfi);
        if (!found)
            return {.ef = -1, .offset = 0, .refusal = sw::file_not_found};
        t.ef = *found;
    }
    if (t.ef < 0)
        return {.ef = -1, .offset = 0, .refusal = sw::no_current_ef};
    const auto& f = image_.files[static_cast<std::size_t>(t.ef)];
    if (f.kind != kind)
        return {.ef = -1, .offset = 0, .refusal = sw::incompatible_file};
    if (!allowed(for_update ? f.update : f.read))
        return {.ef = -1, .offset = 0, .refusal = sw::security_not_satisfied};
    current_.ef = t.ef;
    return t;
}

response_apdu uicc::read_binary(const command_apdu& c) {
    const auto t = addressed_ef(c, file_kind::transparent, false);
    if (t.refusal)
        return status_only(t.refusal);
    const auto& f = image_.files[static_cast<std::size_t>(t.ef)];
    if (t.offset > f.data.size())
        return status_only(sw::wrong_p1p2_offset);
    const std::size_t wanted = c.le.value_or(256);
    const std::string chunk = f.data.substr(t.offset, wanted);
    if (chunk.size() < wanted && !(c.le == 256 && chunk.size() > 0))
        return {.data = chunk, .sw = sw::end_of_file};
    return {.data = chunk, .sw = sw::ok};
}

response_apdu uicc::update_binary(const command_apdu& c) {
    const auto t = addressed_ef(c, file_kind::transparent, true);
    if (t.refusal)
        return status_only(t.refusal);
    auto& f = image_.files[static_cast<std::size_t>(t.ef)];
    if (t.offset > f.data.size())
        return status_only(sw::wrong_p1p2_offset);
    if (c.data.empty() || t.offset + c.data.size() > f.data.size())
        return status_only(sw::wrong_length);
    f.data.replace(t.offset, c.data.size(), c.data);
    changed_ = true;
    return status_only(sw::ok);
}

response_apdu uicc::read_record(const command_apdu& c) {
    const auto t = addressed_ef(c, file_kind::linear_fixed, false);
    if (t.refusal)
        return status_only(t.refusal);
    const auto& f = image_.files[static_cast<std::size_t>(t.ef)];
    if (c.p1 == 0 || c.p1 > f.records.size())
        return status_only(sw::record_not_found);
    return with_data(f.records[c.p1 - 1u], c);
}

response_apdu uicc::update_record(const command_apdu& c) {
    const auto t = addressed_ef(c, file_kind::linear_fixed, true);
    if (t.refusal)
        return status_only(t.refusal);
    auto& f = image_.files[static_cast<std::size_t>(t.ef)];
    if (c.p1 == 0 || c.p1 > f.records.size())
        return status_only(sw::record_not_found);
    if (c.data.size() != f.record_size)
        return status_only(sw::wrong_length);
    f.records[c.p1 - 1u] = c.data;
    changed_ = true;
    return status_only(sw::ok);
}

response_apdu uicc::verify(const command_apdu& c) {
    if (c.p1 != 0x00 || (c.p2 != 0x01 && c.p2 != 0x81))
        return status_only(sw::referenced_data_not_found);
    auto& pin = image_.pin;
    if (pin.tries_left == 0)
        return status_only(sw::pin_blocked);
    if (c.data.empty())
        return status_only(pin_verified_ || !pin.enabled ? sw::ok
                                                         : static_cast<std::uint16_t>(sw::verification_failed | pin.tries_left));
    if (c.data.size() != 8)
        return status_only(sw::wrong_length);
    changed_ = true;
    if (c.data != pin_block(pin.value)) {
        pin_verified_ = false;
        --pin.tries_left;
        return status_only(static_cast<std::uint16_t>(sw::verification_failed | pin.tries_left));
    }
    pin.tries_left = pin.tries;
    pin_verified_ = true;
    return status_only(sw::ok);
}

response_apdu uicc::unblock_pin(const command_apdu& c) {
    if (c.p1 != 0x00 || (c.p2 != 0x01 && c.p2 != 0x81))
        return status_only(sw::referenced_data_not_found);
    auto& puk = image_.puk;
    if (puk.tries_left == 0)
        return status_only(sw::pin_blocked);
    if (c.data.empty())
        return status_only(static_cast<std::uint16_t>(sw::verification_failed | puk.tries_left));
    if (c.data.size() != 16)
        return status_only(sw::wrong_length);
    changed_ = true;
    if (c.data.substr(0, 8) != pin_block(puk.value)) {
        --puk.tries_left;
        return status_only(static_cast<std::uint16_t>(sw::verification_failed | puk.tries_left));
    }
    std::string digits = c.data.substr(8);
    digits.erase(digits.find_last_not_of('\xff') + 1);
    if (digits.size() < 4 || digits.find_first_not_of("0123456789") != std::string::npos)
        return status_only(sw::wrong_data);
    puk.tries_left = puk.tries;
    image_.pin.value = digits;
    image_.pin.tries_left = image_.pin.tries;
    pin_verified_ = true;
    return status_only(sw::ok);
}

// AUTHENTICATE in the 3G security context (TS 31.102 clause 7.1.2.1): RAND and AUTN each with its length; the
// answer is 'DB' RES CK IK Kc on success, 'DC' AUTS on a synchronisation failure, 98 62 when MAC-A is wrong.
response_apdu uicc::authenticate(const command_apdu& c) {
    if (current_.adf < 0 || !image_.files[static_cast<std::size_t>(current_.adf)].aid.starts_with(iso7816::usim_aid_prefix))
        return status_only(sw::conditions_not_satisfied);
    if (c.p1 != 0x00 || c.p2 != 0x81)
        return status_only(sw::wrong_p1p2);
    if (!allowed(access::pin))
        return status_only(sw::security_not_satisfied);
    const std::string& d = c.data;
    if (d.size() != 2 + aka::rand_size + aka::autn_size || static_cast<std::uint8_t>(d[0]) != aka::rand_size ||
        static_cast<std::uint8_t>(d[1 + aka::rand_size]) != aka::autn_size)
        return status_only(sw::wrong_length);
    const auto f = aka::milenage::create(image_.k, image_.opc);
    if (!f)
        return status_only(sw::technical_problem);
    const auto answer =
        aka::usim_authenticate(*f, image_.sqn, d.substr(1, aka::rand_size), d.substr(2 + aka::rand_size));
    const auto lv = [](const std::string& v) { return std::string(1, static_cast<char>(v.size())) + v; };
    switch (answer.result) {
    case aka::usim_answer::outcome::mac_failure:
        return status_only(sw::authentication_error);
    case aka::usim_answer::outcome::synchronisation_failure:
        return with_data("\xdc" + lv(answer.auts), c);
    case aka::usim_answer::outcome::success:
        break;
    }
    changed_ = true;
    // Kc for GSM access by the conversion function c3 (TS 33.102 clause 6.8.1.2).
    std::string kc(8, '\0');
    for (std::size_t i = 0; i < 8; ++i)
        kc[i] = static_cast<char>(answer.ck[i] ^ answer.ck[i + 8] ^ answer.ik[i] ^ answer.ik[i + 8]);
    return with_data("\xdb" + lv(answer.res) + lv(answer.ck) + lv(answer.ik) + lv(kc), c);
}

response_apdu uicc::get_response(const command_apdu& c) {
    if (pending_.empty())
        return status_only(sw::conditions_not_satisfied);
    const std::size_t wanted = c.le.value_or(256);
    std::string chunk = pending_.substr(0, wanted);
    pending_.erase(0, chunk.size());
    if (!pending_.empty())
        return {.data = std::move(chunk),
                .sw = static_cast<std::uint16_t>(0x6100 | (pending_.size() >= 256 ? 0 : pending_.size()))};
    return {.data = std::move(chunk), .sw = sw::ok};
}

response_apdu uicc::status(const command_apdu& c) {
    if (c.p2 == 0x0c)
        return status_only(sw::ok);
    return with_data(fcp(current_.adf >= 0 ? current_.adf : current_.df), c);
}

} // namespace mcprov::uicc
