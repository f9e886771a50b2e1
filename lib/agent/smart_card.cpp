#include <mcprov/agent/smart_card.hpp>

#include <mcprov/iso7816/tlv.hpp>
#include <mcprov/support/encoding.hpp>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include <chrono>
#include <vector>

namespace mcprov::agent {
namespace {

using iso7816::command_apdu;
using iso7816::response_apdu;
using support::errc;
using support::make_error;
namespace sw = iso7816::sw;

std::string pcsc_text(LONG rc) {
    return pcsc_stringify_error(rc);
}

class pcsc_channel final : public card_channel {
public:
    pcsc_channel(SCARDCONTEXT context, SCARDHANDLE card, DWORD protocol, std::string reader)
        : context_(context), card_(card), protocol_(protocol), reader_(std::move(reader)) {}
    ~pcsc_channel() override {
        SCardDisconnect(card_, SCARD_LEAVE_CARD);
        SCardReleaseContext(context_);
    }

    support::result<response_apdu> transmit(const command_apdu& command) override {
        const std::string bytes = iso7816::encode(command);
        std::vector<BYTE> answer(258);
        DWORD length = static_cast<DWORD>(answer.size());
        const SCARD_IO_REQUEST* pci = protocol_ == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
        const LONG rc = SCardTransmit(card_, pci, reinterpret_cast<const BYTE*>(bytes.data()),
                                      static_cast<DWORD>(bytes.size()), nullptr, answer.data(), &length);
        if (rc != SCARD_S_SUCCESS)
            return make_error(errc::unavailable, "card in " + reader_ + ": " + pcsc_text(rc));
        return iso7816::parse_response(std::string_view(reinterpret_cast<const char*>(answer.data()), length));
    }

    support::result<void> reset() override {
        const LONG rc = SCardReconnect(card_, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                                       SCARD_RESET_CARD, &protocol_);
        if (rc != SCARD_S_SUCCESS)
            return make_error(errc::unavailable, "card in " + reader_ + ": reset: " + pcsc_text(rc));
        return {};
    }

private:
    SCARDCONTEXT context_;
    SCARDHANDLE card_;
    DWORD protocol_;
    std::string reader_;
};

support::error card_error(std::string_view what, std::uint16_t status) {
    char code[8];
    std::snprintf(code, sizeof code, "%04X", status);
    const std::string message = std::string(what) + ": the card answered " + code;
    switch (status) {
    case sw::file_not_found:
    case sw::record_not_found:
        return make_error(errc::not_found, message);
    case sw::security_not_satisfied:
    case sw::pin_blocked:
        return make_error(errc::forbidden, message);
    default:
        return make_error(errc::invalid_argument, message);
    }
}

// The readers pcscd knows whose name contains `name`.
std::vector<std::string> matching_readers(SCARDCONTEXT context, const std::string& name) {
    DWORD size = 0;
    std::string names;
    LONG rc = SCardListReaders(context, nullptr, nullptr, &size);
    if (rc == SCARD_S_SUCCESS) {
        names.assign(size, '\0');
        rc = SCardListReaders(context, nullptr, names.data(), &size);
    }
    std::vector<std::string> readers;
    for (std::size_t at = 0; rc == SCARD_S_SUCCESS && at < names.size() && names[at] != '\0';) {
        std::string reader(names.c_str() + at);
        at += reader.size() + 1;
        if (reader.find(name) != std::string::npos)
            readers.push_back(std::move(reader));
    }
    return readers;
}

} // namespace

support::result<std::unique_ptr<card_channel>> connect_pcsc_card(const std::string& reader_name, unsigned wait_ms) {
    SCARDCONTEXT context = 0;
    LONG rc = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context);
    if (rc != SCARD_S_SUCCESS)
        return make_error(errc::unavailable, "PC/SC: " + pcsc_text(rc) + " (is pcscd running?)");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    std::string last_problem = "no reader named like \"" + reader_name + "\"";
    for (;;) {
        const auto readers = matching_readers(context, reader_name);
        for (const auto& reader : readers) {
            SCARDHANDLE card = 0;
            DWORD protocol = 0;
            rc = SCardConnect(context, reader.c_str(), SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                              &card, &protocol);
            if (rc == SCARD_S_SUCCESS)
                return std::unique_ptr<card_channel>(new pcsc_channel(context, card, protocol, reader));
            last_problem = reader + ": " + pcsc_text(rc);
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                std::chrono::steady_clock::now());
        if (left.count() <= 0)
            break;
        // Wait for a change in any matching reader (a card inserted) or, with none yet, for a new reader.
        std::vector<SCARD_READERSTATE> states;
        for (const auto& reader : readers)
            states.push_back({.szReader = reader.c_str(), .pvUserData = nullptr, .dwCurrentState = SCARD_STATE_UNAWARE,
                              .dwEventState = 0, .cbAtr = 0, .rgbAtr = {}});
        if (states.empty())
            states.push_back({.szReader = "\\\\?PnP?\\Notification", .pvUserData = nullptr,
                              .dwCurrentState = SCARD_STATE_UNAWARE, .dwEventState = 0, .cbAtr = 0, .rgbAtr = {}});
        rc = SCardGetStatusChange(context, 0, states.data(), static_cast<DWORD>(states.size()));
        bool present = false;
        for (auto& state : states) {
            present = present || (state.dwEventState & SCARD_STATE_PRESENT);
            state.dwCurrentState = state.dwEventState & ~SCARD_STATE_CHANGED;
        }
        if (present)
            continue; // a card arrived between the attempt above and now
        rc = SCardGetStatusChange(context, static_cast<DWORD>(left.count()), states.data(),
                                  static_cast<DWORD>(states.size()));
        if (rc != SCARD_S_SUCCESS && rc != SCARD_E_TIMEOUT) {
            last_problem = pcsc_text(rc);
            break;
        }
        if (rc == SCARD_E_TIMEOUT)
            break;
    }
    SCardReleaseContext(context);
    return make_error(errc::unavailable, "no card: " + last_problem);
}

support::result<void> wait_for_card_removal(const std::string& reader_name, unsigned wait_ms) {
    SCARDCONTEXT context = 0;
    LONG rc = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context);
    if (rc != SCARD_S_SUCCESS)
        return make_error(errc::unavailable, "PC/SC: " + pcsc_text(rc) + " (is pcscd running?)");
    const auto readers = matching_readers(context, reader_name);
    std::vector<SCARD_READERSTATE> states;
    for (const auto& reader : readers)
        states.push_back({.szReader = reader.c_str(), .pvUserData = nullptr, .dwCurrentState = SCARD_STATE_UNAWARE,
                          .dwEventState = 0, .cbAtr = 0, .rgbAtr = {}});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    for (DWORD timeout = 0; !states.empty();) {
        rc = SCardGetStatusChange(context, timeout, states.data(), static_cast<DWORD>(states.size()));
        if (rc != SCARD_S_SUCCESS && rc != SCARD_E_TIMEOUT)
            break;
        bool present = false;
        for (auto& state : states) {
            present = present || (state.dwEventState & SCARD_STATE_PRESENT);
            state.dwCurrentState = state.dwEventState & ~SCARD_STATE_CHANGED;
        }
        if (!present) {
            SCardReleaseContext(context);
            return {};
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                std::chrono::steady_clock::now());
        if (left.count() <= 0)
            break;
        timeout = static_cast<DWORD>(left.count());
    }
    SCardReleaseContext(context);
    if (states.empty())
        return make_error(errc::not_found, "no reader named like \"" + reader_name + "\"");
    return make_error(errc::unavailable, "the card is still in the reader");
}

support::result<response_apdu> usim_card::exchange(command_apdu command) {
    auto answer = channel_.transmit(command);
    if (!answer)
        return answer;
    if (answer->sw1() == 0x6c) { // wrong Le: the card says how many octets it has
        command.le = answer->sw2() == 0 ? 256 : answer->sw2();
        answer = channel_.transmit(command);
        if (!answer)
            return answer;
    }
    std::string data = answer->data;
    for (int rounds = 0; answer->sw1() == 0x61; ++rounds) {
        if (rounds == 16 || data.size() > 64 * 1024)
            return make_error(errc::invalid_argument, "the card keeps announcing more data (61xx)");
        answer = channel_.transmit({.cla = command.cla == 0x80 ? std::uint8_t{0x80} : std::uint8_t{0x00},
                                    .ins = iso7816::ins::get_response, .p1 = 0, .p2 = 0, .data = {},
                                    .le = answer->sw2() == 0 ? std::uint16_t{256} : answer->sw2()});
        if (!answer)
            return answer;
        data += answer->data;
    }
    answer->data = std::move(data);
    return answer;
}

support::result<void> usim_card::select_fid(std::string_view hex_fid) {
    auto answer = exchange({.cla = 0, .ins = iso7816::ins::select, .p1 = 0x00, .p2 = 0x0c,
                            .data = *support::hex_decode(hex_fid), .le = std::nullopt});
    if (!answer)
        return std::move(answer).err();
    if (answer->sw != sw::ok)
        return card_error("SELECT " + std::string(hex_fid), answer->sw);
    return {};
}

support::result<void> usim_card::select_path(std::string_view hex_fids) {
    auto answer = exchange({.cla = 0, .ins = iso7816::ins::select, .p1 = 0x08, .p2 = 0x0c,
                            .data = *support::hex_decode(hex_fids), .le = std::nullopt});
    if (!answer)
        return std::move(answer).err();
    if (answer->sw != sw::ok)
        return card_error("SELECT 3f00/" + std::string(hex_fids), answer->sw);
    return {};
}

support::result<std::string> usim_card::read_transparent(std::size_t max_bytes) {
    std::string content;
    for (;;) {
        const std::size_t offset = content.size();
        if (offset > 0x7fff)
            return make_error(errc::too_large, "the file is longer than READ BINARY can address");
        auto answer = exchange({.cla = 0, .ins = iso7816::ins::read_binary,
                                .p1 = static_cast<std::uint8_t>(offset >> 8),
                                .p2 = static_cast<std::uint8_t>(offset & 0xff), .data = {}, .le = 256});
        if (!answer)
            return std::move(answer).err();
        if (answer->sw == sw::wrong_p1p2_offset && offset > 0)
            return content; // the file ends exactly at a 256-octet boundary
        if (answer->sw != sw::ok && answer->sw != sw::end_of_file)
            return card_error("READ BINARY", answer->sw);
        content += answer->data;
        if (content.size() > max_bytes)
            return make_error(errc::too_large, "the file is larger than " + std::to_string(max_bytes) + " octets");
        if (answer->data.size() < 256 || answer->sw == sw::end_of_file)
            return content;
    }
}

support::result<std::string> usim_card::read_record(std::uint8_t number) {
    auto answer = exchange({.cla = 0, .ins = iso7816::ins::read_record, .p1 = number, .p2 = 0x04, .data = {},
                            .le = 256});
    if (!answer)
        return std::move(answer).err();
    if (answer->sw != sw::ok)
        return card_error("READ RECORD " + std::to_string(number), answer->sw);
    return answer->data;
}

support::result<std::string> usim_card::read_iccid() {
    if (auto selected = select_path(iso7816::fid::ef_iccid); !selected)
        return std::move(selected).err();
    auto content = read_transparent(64);
    if (!content)
        return content;
    return iso7816::decode_iccid(*content);
}

support::result<void> usim_card::select_usim() {
    if (auto selected = select_path(iso7816::fid::ef_dir); !selected)
        return selected;
    for (std::uint8_t n = 1; n < 16; ++n) {
        auto record = read_record(n);
        if (!record) {
            if (record.err().code == errc::not_found)
                break;
            return std::move(record).err();
        }
        const auto app = iso7816::decode_dir_record(*record);
        if (!app || !app->aid.starts_with(iso7816::usim_aid_prefix))
            continue;
        auto answer = exchange({.cla = 0, .ins = iso7816::ins::select, .p1 = 0x04, .p2 = 0x0c, .data = app->aid,
                                .le = std::nullopt});
        if (!answer)
            return std::move(answer).err();
        if (answer->sw != sw::ok)
            return card_error("SELECT USIM", answer->sw);
        return {};
    }
    return make_error(errc::not_found, "the card has no USIM application in EF_DIR");
}

support::result<std::string> usim_card::read_imsi() {
    if (auto selected = select_usim(); !selected)
        return std::move(selected).err();
    if (auto selected = select_fid(iso7816::fid::ef_imsi); !selected)
        return std::move(selected).err();
    auto content = read_transparent(64);
    if (!content)
        return content;
    return iso7816::decode_imsi(*content);
}

support::result<unsigned> usim_card::read_mnc_length() {
    if (auto selected = select_usim(); !selected)
        return std::move(selected).err();
    if (auto selected = select_fid(iso7816::fid::ef_ad); !selected)
        return std::move(selected).err();
    auto content = read_transparent(16);
    if (!content)
        return std::move(content).err();
    // TS 31.102 clause 4.2.18: the fourth octet's low nibble, when the file has it.
    const unsigned length = content->size() >= 4 ? static_cast<unsigned char>((*content)[3]) & 0x0fu : 0u;
    if (length != 2 && length != 3)
        return make_error(errc::invalid_argument, "EF_AD does not give the MNC's length (2 or 3)");
    return length;
}

support::result<std::optional<unsigned>> usim_card::pin_tries_left() {
    auto answer = exchange({.cla = 0, .ins = iso7816::ins::verify, .p1 = 0, .p2 = 0x01, .data = {}, .le = std::nullopt});
    if (!answer)
        return std::move(answer).err();
    if (answer->sw == sw::ok)
        return std::optional<unsigned>{};
    if (answer->sw == sw::pin_blocked)
        return std::optional<unsigned>{0u};
    if (answer->sw1() == 0x63 && (answer->sw2() & 0xf0) == 0xc0)
        return std::optional<unsigned>{answer->sw2() & 0x0fu};
    return card_error("VERIFY", answer->sw);
}

support::result<void> usim_card::verify_pin(std::string_view digits) {
    if (digits.size() < 4 || digits.size() > 8 || digits.find_first_not_of("0123456789") != std::string_view::npos)
        return make_error(errc::invalid_argument, "a PIN is 4 to 8 digits");
    auto answer = exchange({.cla = 0, .ins = iso7816::ins::verify, .p1 = 0, .p2 = 0x01,
                            .data = iso7816::pin_block(digits), .le = std::nullopt});
    if (!answer)
        return std::move(answer).err();
    if (answer->sw == sw::ok)
        return {};
    if (answer->sw == sw::pin_blocked || answer->sw == sw::verification_failed)
        return make_error(errc::forbidden, "PIN1 is blocked: unblock it with the PUK");
    if (answer->sw1() == 0x63 && (answer->sw2() & 0xf0) == 0xc0)
        return make_error(errc::unauthenticated,
                          "wrong PIN: " + std::to_string(answer->sw2() & 0x0f) + " tries left before it is blocked");
    return card_error("VERIFY", answer->sw);
}

support::result<iso7816::authenticate_answer> usim_card::authenticate(std::string_view rand, std::string_view autn) {
    if (auto selected = select_usim(); !selected)
        return std::move(selected).err();
    auto answer = exchange(iso7816::authenticate_command(rand, autn));
    if (!answer)
        return std::move(answer).err();
    if (answer->sw == sw::authentication_error)
        return make_error(errc::unauthenticated, "the card did not authenticate the network (MAC failure)");
    if (answer->sw == sw::security_not_satisfied)
        return make_error(errc::forbidden, "AUTHENTICATE needs PIN1 verified");
    if (answer->sw != sw::ok)
        return card_error("AUTHENTICATE", answer->sw);
    return iso7816::decode_authenticate_answer(answer->data);
}

support::result<usim_card::mcs_files> usim_card::read_mcs_files() {
    const std::string df = std::string(iso7816::fid::df_telecom) + std::string(iso7816::fid::df_mcs);
    mcs_files files;
    if (auto selected = select_path(df + std::string(iso7816::fid::ef_mst)); !selected)
        return std::move(selected).err();
    auto mst = read_transparent(64);
    if (!mst)
        return std::move(mst).err();
    if (auto selected = select_path(df + std::string(iso7816::fid::ef_mcs_config)); !selected)
        return std::move(selected).err();
    auto config = read_transparent(1024 * 1024);
    if (!config)
        return std::move(config).err();
    return mcs_files{std::move(*mst), std::move(*config)};
}

support::result<std::string> usim_card::read_dm_bootstrap(std::size_t max_bytes) {
    auto app = exchange({.cla = 0, .ins = iso7816::ins::select, .p1 = 0x04, .p2 = 0x0c,
                         .data = std::string(iso7816::pkcs15_aid), .le = std::nullopt});
    if (!app)
        return std::move(app).err();
    if (app->sw != sw::ok)
        return card_error("SELECT PKCS#15", app->sw);
    // EF(ODF): the dataObjects entry ([7]) gives EF(DODF)'s path.
    if (auto selected = select_fid(iso7816::fid::ef_odf); !selected)
        return std::move(selected).err();
    auto odf = read_transparent(4096);
    if (!odf)
        return std::move(odf).err();
    const auto path_of = [](std::string_view path_object) -> std::optional<std::string> {
        const auto outer = iso7816::parse_tlvs(path_object);
        if (!outer)
            return std::nullopt;
        const auto sequence = iso7816::find(*outer, 0x30);
        const auto inner = sequence ? iso7816::parse_tlvs(*sequence) : support::result<std::vector<iso7816::tlv>>(
                                                                            make_error(errc::not_found, ""));
        if (!inner)
            return std::nullopt;
        const auto path = iso7816::find(*inner, 0x04);
        if (!path || path->empty() || path->size() % 2 != 0 || path->size() > 16)
            return std::nullopt;
        return path;
    };
    const auto odf_entries = iso7816::parse_tlvs(*odf);
    if (!odf_entries)
        return make_error(errc::invalid_argument, "EF(ODF): " + odf_entries.err().message);
    const auto dodf_entry = iso7816::find(*odf_entries, 0xa7);
    const auto dodf_path = dodf_entry ? path_of(*dodf_entry) : std::nullopt;
    if (!dodf_path)
        return make_error(errc::not_found, "the PKCS#15 application lists no data objects (EF(DODF))");

    auto select_relative = [&](const std::string& path) -> support::result<void> {
        // A PKCS#15 path is absolute when it starts with the MF, otherwise relative to the application.
        const bool absolute = path.starts_with(std::string_view("\x3f\x00", 2));
        auto answer = exchange({.cla = 0, .ins = iso7816::ins::select, .p1 = std::uint8_t(absolute ? 0x08 : 0x09),
                                .p2 = 0x0c, .data = absolute ? path.substr(2) : path, .le = std::nullopt});
        if (!answer)
            return std::move(answer).err();
        if (answer->sw != sw::ok)
            return card_error("SELECT " + support::hex_encode(path), answer->sw);
        return {};
    };
    if (auto selected = select_relative(*dodf_path); !selected)
        return std::move(selected).err();
    auto dodf = read_transparent(16 * 1024);
    if (!dodf)
        return std::move(dodf).err();

    // oidDO [1] { CommonObjectAttributes, CommonDataObjectAttributes, [0]?, [1] { OidDO { id, Path } } }
    const auto objects = iso7816::parse_tlvs(*dodf);
    if (!objects)
        return make_error(errc::invalid_argument, "EF(DODF): " + objects.err().message);
    for (const auto& object : *objects) {
        if (object.tag != 0xa1)
            continue;
        const auto parts = iso7816::parse_tlvs(object.value);
        if (!parts)
            return make_error(errc::invalid_argument, "EF(DODF): " + parts.err().message);
        const auto type_attributes = iso7816::find(*parts, 0xa1);
        if (!type_attributes)
            continue;
        const auto oid_do = iso7816::parse_tlvs(*type_attributes);
        const auto sequence = oid_do ? iso7816::find(*oid_do, 0x30) : std::nullopt;
        if (!sequence || !sequence->starts_with(iso7816::dm_bootstrap_oid))
            continue;
        const auto path = path_of(sequence->substr(iso7816::dm_bootstrap_oid.size()));
        if (!path)
            return make_error(errc::invalid_argument, "EF(DODF): the DM bootstrap entry has no valid path");
        if (auto app_again = exchange({.cla = 0, .ins = iso7816::ins::select, .p1 = 0x04, .p2 = 0x0c,
                                       .data = std::string(iso7816::pkcs15_aid), .le = std::nullopt});
            !app_again)
            return std::move(app_again).err();
        if (auto selected = select_relative(*path); !selected)
            return std::move(selected).err();
        return read_transparent(max_bytes);
    }
    return make_error(errc::not_found, "the card has no DM bootstrap (OID 2.23.43.7.1) in EF(DODF)");
}

} // namespace mcprov::agent
