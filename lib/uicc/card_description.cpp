#include <mcprov/uicc/card_description.hpp>

#include <mcprov/aka/milenage.hpp>
#include <mcprov/iso7816/tlv.hpp>
#include <mcprov/iso7816/usim_codings.hpp>
#include <mcprov/support/config_reader.hpp>
#include <mcprov/support/encoding.hpp>
#include <mcprov/support/file.hpp>
#include <mcprov/syncml/message.hpp>

#include <array>
#include <memory>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace mcprov::uicc {
namespace {

using iso7816::encode_tlv;
using support::errc;
using support::make_error;
namespace fid = iso7816::fid;

// A T=0 card's answer to reset: direct convention, no interface bytes, historical bytes "mcprov".
const std::string card_atr = std::string("\x3b\x06", 2) + "mcprov";
const std::string usim_aid = std::string(iso7816::usim_aid_prefix) + std::string("\xff\xff\xff\xff\x89\x00\x01\x00\x00", 9);
constexpr std::size_t dir_record_size = 32;

// DF_MCS's documents, by the EF_MCS_CONFIG tag and EF_MST service number that carry them (TS 31.102 clause 4.6.4).
struct mcs_document {
    std::string_view key;
    std::uint8_t tag;
};
constexpr std::array<mcs_document, 11> mcs_documents{{
    {"mcptt_ue_configuration", 0x80},
    {"mcptt_user_profile", 0x81},
    {"group_configuration", 0x82},
    {"mcptt_service_configuration", 0x83},
    {"ue_initial_configuration", 0x84},
    {"mcdata_ue_configuration", 0x85},
    {"mcdata_user_profile", 0x86},
    {"mcdata_service_configuration", 0x87},
    {"mcvideo_ue_configuration", 0x88},
    {"mcvideo_user_profile", 0x89},
    {"mcvideo_service_configuration", 0x8a},
}};

card_file ef(std::string path, std::string data, access read, std::optional<std::uint8_t> sfi = std::nullopt) {
    return {.path = std::move(path), .kind = file_kind::transparent, .aid = {}, .sfi = sfi, .read = read,
            .update = access::never, .data = std::move(data), .record_size = 0, .records = {}};
}

card_file df(std::string path, std::string aid = {}) {
    return {.path = std::move(path), .kind = aid.empty() ? file_kind::df : file_kind::adf, .aid = std::move(aid),
            .sfi = std::nullopt, .read = access::always, .update = access::never, .data = {}, .record_size = 0,
            .records = {}};
}

// The DODF entry pointing at EF(DM_Bootstrap): oidDO [1] { CommonObjectAttributes, CommonDataObjectAttributes,
// typeAttributes [1] { OidDO { 2.23.43.7.1, Path } } } (PKCS#15 v1.1 clause 6.7).
std::string dodf_entry() {
    const std::string common = encode_tlv(0x30, encode_tlv(0x0c, "DM Bootstrap"));
    const std::string data_attributes = encode_tlv(0x30, encode_tlv(0x0c, "OMA DM"));
    const std::string path = encode_tlv(0x30, encode_tlv(0x04, *support::hex_decode(dm_bootstrap_fid)));
    const std::string oid_do = encode_tlv(0x30, std::string(iso7816::dm_bootstrap_oid) + path);
    return encode_tlv(0xa1, common + data_attributes + encode_tlv(0xa1, oid_do));
}

std::optional<std::string> octets_of(support::config_reader& r, std::string_view key, std::size_t size) {
    const std::string text = r.string("card", key, "");
    if (text.empty())
        return std::nullopt;
    const auto bytes = support::hex_decode(text);
    if (!bytes || bytes->size() != size) {
        r.fail_at("card", key, "card." + std::string(key) + " must be " + std::to_string(size) + " octets in hex");
        return std::nullopt;
    }
    return bytes;
}

// CMS EnvelopedData (RFC 5652) of `content` for the holder of the certificate's key: AES-256-CBC, DER.
support::result<std::string> envelope(const std::string& content, const std::string& certificate_pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(
        BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())), BIO_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr),
                                                     X509_free);
    if (!cert)
        return make_error(errc::invalid_argument, "not a PEM certificate");
    std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)>
        recipients(sk_X509_new_null(), [](STACK_OF(X509)* s) { sk_X509_free(s); });
    sk_X509_push(recipients.get(), cert.get());
    std::unique_ptr<BIO, decltype(&BIO_free)> in(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())),
                                                 BIO_free);
    std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)> cms(
        CMS_encrypt(recipients.get(), in.get(), EVP_aes_256_cbc(), CMS_BINARY), CMS_ContentInfo_free);
    if (!cms)
        return make_error(errc::invalid_argument, "CMS encryption to the certificate failed");
    std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), BIO_free);
    if (i2d_CMS_bio(out.get(), cms.get()) != 1)
        return make_error(errc::internal, "CMS encoding failed");
    char* data = nullptr;
    const long n = BIO_get_mem_data(out.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

} // namespace

support::result<card_image> build_card(std::string_view description, const std::string& source_name,
                                       const std::filesystem::path& base_dir) {
    auto parsed = support::parse_toml(description, source_name);
    if (!parsed)
        return std::move(parsed).err();
    support::config_reader r(*parsed, source_name, base_dir);
    r.only_keys("", {"card", "mcs", "dm_bootstrap"});
    r.only_keys("card", {"iccid", "imsi", "k", "opc", "op", "pin", "puk", "pin_enabled", "mnc_length"});
    std::set<std::string_view> mcs_keys;
    for (const auto& d : mcs_documents)
        mcs_keys.insert(d.key);
    r.only_keys("mcs", mcs_keys);
    r.only_keys("dm_bootstrap", {"message", "encrypted"});

    card_image image;
    image.atr = card_atr;
    image.iccid = r.string("card", "iccid", "", true);
    if (r.ok() && (image.iccid.size() < 18 || image.iccid.size() > 20 ||
                   image.iccid.find_first_not_of("0123456789") != std::string::npos))
        r.fail_at("card", "iccid", "card.iccid must be 18 to 20 digits");
    image.imsi = r.string("card", "imsi", "", true);
    if (r.ok() && (image.imsi.size() < 6 || image.imsi.size() > 15 ||
                   image.imsi.find_first_not_of("0123456789") != std::string::npos))
        r.fail_at("card", "imsi", "card.imsi must be 6 to 15 digits");
    const auto k = octets_of(r, "k", 16);
    if (r.ok() && !k)
        r.missing("card", "k");
    const auto opc = octets_of(r, "opc", 16);
    const auto op = octets_of(r, "op", 16);
    if (r.ok() && opc.has_value() == op.has_value())
        r.fail_at("card", "opc", "give exactly one of card.opc and card.op");
    image.pin.value = r.string("card", "pin", "", true);
    image.puk.value = r.string("card", "puk", "", true);
    for (const auto* p : {&image.pin.value, &image.puk.value})
        if (r.ok() && (p->size() < 4 || p->size() > 8 || p->find_first_not_of("0123456789") != std::string::npos))
            r.fail_at("card", p == &image.pin.value ? "pin" : "puk", "a PIN or PUK is 4 to 8 digits");
    image.pin.enabled = r.boolean("card", "pin_enabled", true);
    const auto mnc_length = r.integer("card", "mnc_length", 2, 2, 3);
    if (!r.ok())
        return r.take_error();
    image.k = *k;
    if (opc) {
        image.opc = *opc;
    } else {
        auto derived = aka::milenage::opc_from_op(*k, *op);
        if (!derived)
            return std::move(derived).err();
        image.opc = *derived;
    }

    // MF
    image.files.push_back(df(std::string(fid::mf)));
    card_file dir{.path = "3f00/" + std::string(fid::ef_dir), .kind = file_kind::linear_fixed, .aid = {},
                  .sfi = 0x1e, .read = access::always, .update = access::never, .data = {},
                  .record_size = dir_record_size, .records = {}};
    dir.records.push_back(iso7816::encode_dir_record(usim_aid, "USIM", dir_record_size));
    dir.records.push_back(iso7816::encode_dir_record(iso7816::pkcs15_aid, "PKCS#15", dir_record_size));
    image.files.push_back(std::move(dir));
    image.files.push_back(ef("3f00/" + std::string(fid::ef_iccid), iso7816::encode_iccid(image.iccid), access::always));

    // DF_TELECOM/DF_MCS: EF_MST (coding of the objects, '00' XML, then the service bits) and EF_MCS_CONFIG.
    std::string services(2, '\0');
    std::string config;
    for (std::size_t n = 0; n < mcs_documents.size(); ++n) {
        const auto file = r.path("mcs", mcs_documents[n].key, false);
        if (file.empty())
            continue;
        auto text = support::read_file(file, 256 * 1024);
        if (!text)
            return make_error(text.err().code, "mcs." + std::string(mcs_documents[n].key) + ": " + text.err().message);
        config += encode_tlv(mcs_documents[n].tag, *text);
        services[n / 8] = static_cast<char>(services[n / 8] | (1 << (n % 8)));
    }
    if (!r.ok())
        return r.take_error();
    const std::string telecom = "3f00/" + std::string(fid::df_telecom);
    const std::string mcs = telecom + "/" + std::string(fid::df_mcs);
    image.files.push_back(df(telecom));
    image.files.push_back(df(mcs));
    image.files.push_back(ef(mcs + "/" + std::string(fid::ef_mst), std::string(1, '\0') + services, access::pin, 0x01));
    image.files.push_back(ef(mcs + "/" + std::string(fid::ef_mcs_config), config, access::pin, 0x02));

    // ADF_USIM: EF_IMSI, EF_UST with services 27 (GSM access: Kc in AUTHENTICATE's answer) and 109 (MCS), EF_AD.
    const std::string usim = "3f00/7ff0";
    image.files.push_back(df(usim, usim_aid));
    image.files.push_back(ef(usim + "/" + std::string(fid::ef_imsi), iso7816::encode_imsi(image.imsi), access::pin, 0x07));
    std::string ust(14, '\0');
    ust[26 / 8] = static_cast<char>(1 << (26 % 8));
    ust[108 / 8] = static_cast<char>(1 << (108 % 8));
    image.files.push_back(ef(usim + "/" + std::string(fid::ef_ust), ust, access::pin, 0x04));
    image.files.push_back(ef(usim + "/" + std::string(fid::ef_ad), std::string("\x00\x00\x00", 3) +
                                                                       static_cast<char>(mnc_length),
                             access::always, 0x03));

    // PKCS#15: EF(ODF) points at EF(DODF) ([7] dataObjects), EF(DODF) at EF(DM_Bootstrap).
    std::string bootstrap;
    const auto message_file = r.path("dm_bootstrap", "message", false);
    if (!r.ok())
        return r.take_error();
    if (!message_file.empty()) {
        auto text = support::read_file(message_file, 64 * 1024);
        if (!text)
            return make_error(text.err().code, "dm_bootstrap.message: " + text.err().message);
        auto message = syncml::decode_xml(*text);
        if (!message)
            return make_error(message.err().code, "dm_bootstrap.message: " + message.err().message);
        // Objects only devices of one class may use (seed 004's selected provisioning): encrypted to its certificate.
        if (const auto* encrypted = (*parsed)["dm_bootstrap"]["encrypted"].as_array()) {
            std::size_t index = 0;
            for (const auto& node : *encrypted) {
                ++index;
                const auto where = "dm_bootstrap.encrypted[" + std::to_string(index) + "].";
                if (!node.is_table())
                    return make_error(errc::invalid_argument, where + " must be a table");
                support::config_reader e(*node.as_table(), source_name, base_dir, where);
                e.only_keys("", {"target", "tnds", "device_class", "certificate", "emi"});
                const auto target = e.string("", "target", "", true);
                const auto tnds_file = e.path("", "tnds");
                const auto device_class = e.string("", "device_class", "", true);
                const auto certificate_file = e.path("", "certificate");
                const auto extra = e.string("", "emi", "");
                if (!e.ok())
                    return e.take_error();
                if (device_class.find_first_of(" ,") != std::string::npos)
                    return make_error(errc::invalid_argument, where + "device_class must be one word");
                auto tnds = support::read_file(tnds_file, 64 * 1024);
                auto certificate = support::read_file(certificate_file, 64 * 1024);
                if (!tnds || !certificate)
                    return make_error(errc::invalid_argument,
                                      where + (!tnds ? tnds.err().message : certificate.err().message));
                auto sealed = envelope(*tnds, *certificate);
                if (!sealed)
                    return make_error(sealed.err().code, where + "certificate: " + sealed.err().message);
                syncml::command add;
                add.name = syncml::command_name::add;
                add.cmd_id = "e" + std::to_string(index);
                syncml::item item;
                item.target = target;
                item.meta.format = "b64";
                item.meta.type = "application/pkcs7-mime";
                item.meta.emi = "class=" + device_class + (extra.empty() ? "" : " " + extra);
                item.data = support::base64_encode(*sealed);
                add.items.push_back(std::move(item));
                message->commands.push_back(std::move(add));
            }
        }
        auto wbxml = syncml::encode_wbxml(*message);
        if (!wbxml)
            return std::move(wbxml).err();
        bootstrap = std::move(*wbxml);
    }
    const std::string pkcs15 = "3f00/7ff1";
    image.files.push_back(df(pkcs15, std::string(iso7816::pkcs15_aid)));
    image.files.push_back(ef(pkcs15 + "/" + std::string(fid::ef_odf),
                             encode_tlv(0xa7, encode_tlv(0x30, encode_tlv(0x04, *support::hex_decode(dodf_fid)))),
                             access::always));
    image.files.push_back(ef(pkcs15 + "/" + std::string(fid::ef_token_info),
                             encode_tlv(0x30, encode_tlv(0x02, std::string(1, '\0')) +
                                                  encode_tlv(0x04, iso7816::encode_iccid(image.iccid)) +
                                                  encode_tlv(0x0c, "mcprov")),
                             access::always));
    image.files.push_back(ef(pkcs15 + "/" + std::string(dodf_fid), bootstrap.empty() ? std::string() : dodf_entry(),
                             access::always));
    image.files.push_back(ef(pkcs15 + "/" + std::string(dm_bootstrap_fid), bootstrap, access::pin));
    return image;
}

} // namespace mcprov::uicc
