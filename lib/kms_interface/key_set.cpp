// KmsKeySet (TS 33.180 D.3.3): one user's keys for one key period, alone or inside KmsKeyProv. mcprov carries the
// keys in the clear (xsi:type="KeyContentType"); keys without xsi:type were typed so when the document was loaded
// (document_io.cpp); keys encrypted under a transport key (the D.1 security extension) are refused.
#include "annex_d.hpp"

namespace mcprov::kms_interface::detail {
namespace {

result<void> check_key_set(const kms_key_set& k, const std::string& path) {
    MCPROV_TRY(check_text(path + "/@Id", k.id));
    MCPROV_TRY(check_required(path + "/KmsUri", k.kms_uri));
    MCPROV_TRY(check_text(path + "/CertUri", k.cert_uri));
    MCPROV_TRY(check_text(path + "/Issuer", k.issuer));
    MCPROV_TRY(check_required(path + "/UserUri", k.user_uri));
    MCPROV_TRY(check_octets(path + "/UserID", k.user_id, uid_field));
    MCPROV_TRY(check_validity(path, k.valid_from, k.valid_to));
    if (k.key_period_no < 0) {
        return make_error(errc::invalid_argument, path + "/KeyPeriodNo: must not be negative");
    }
    MCPROV_TRY(check_octets(path + "/UserDecryptKey", k.user_decrypt_key, rsk_field));
    MCPROV_TRY(check_octets(path + "/UserSigningKeySSK", k.user_signing_key_ssk, ssk_field));
    MCPROV_TRY(check_octets(path + "/UserPubTokenPVT", k.user_pub_token_pvt, pvt_field));
    return {};
}

void write_key(xml::writer& w, std::string_view name, std::string_view octets) {
    w.start(name).attribute_in(xsi_namespace, "type", "KeyContentType").text(upper_hex(octets)).end();
}

} // namespace

result<void> write_key_set(xml::writer& w, const kms_key_set& k, const std::string& path) {
    MCPROV_TRY(check_key_set(k, path));
    // xsi is declared on the root element of the document; a nested key set finds it in scope.
    w.start_in(kms_interface_namespace, "KmsKeySet").declare_namespace("xsi", xsi_namespace);
    if (!k.id.empty()) {
        w.attribute("Id", k.id);
    }
    w.attribute("Version", key_set_version);
    w.leaf("KmsUri", k.kms_uri);
    if (!k.cert_uri.empty()) {
        w.leaf("CertUri", k.cert_uri);
    }
    if (!k.issuer.empty()) {
        w.leaf("Issuer", k.issuer);
    }
    w.leaf("UserUri", k.user_uri);
    w.leaf("UserID", upper_hex(k.user_id));
    if (k.valid_from) {
        w.leaf("ValidFrom", format_time(*k.valid_from));
    }
    if (k.valid_to) {
        w.leaf("ValidTo", format_time(*k.valid_to));
    }
    w.leaf("KeyPeriodNo", std::to_string(k.key_period_no));
    w.leaf("Revoked", boolean_text(k.revoked));
    write_key(w, "UserDecryptKey", k.user_decrypt_key);
    write_key(w, "UserSigningKeySSK", k.user_signing_key_ssk);
    write_key(w, "UserPubTokenPVT", k.user_pub_token_pvt);
    w.end();
    return {};
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

namespace {

struct key_set_reading : kms_key_set {
    bool has_period = false;
};

// UserDecryptKey, UserSigningKeySSK, UserPubTokenPVT: KeyContentType (hexBinary) only, which load() has also made of
// the keys that had no xsi:type. The xsi:type QName resolves where the key element stands.
template <auto member, octet_field field>
result<void> read_key(key_set_reading& k, xml::element e, const std::string& path) {
    const std::string qname(trim(e.attribute(xsi_namespace, "type").value_or("")));
    const auto colon = qname.find(':');
    const std::string prefix = colon == std::string::npos ? std::string() : qname.substr(0, colon);
    const std::string local = colon == std::string::npos ? qname : qname.substr(colon + 1);
    const bool kms_type = e.namespace_for_prefix(prefix) == kms_interface_namespace;
    if (kms_type && local == "EncKeyContentType") {
        return make_error(errc::invalid_argument,
                          path + ": the key is encrypted under a transport key (xsi:type EncKeyContentType); mcprov "
                                 "does not support that security extension");
    }
    if (!kms_type || local != "KeyContentType") {
        return make_error(errc::invalid_argument, path + ": xsi:type \"" + qname + "\" is not KeyContentType");
    }
    return read_octets<key_set_reading, member, field>(k, e, path);
}

result<void> read_period(key_set_reading& k, xml::element e, const std::string& path) {
    MCPROV_TRY((read_counter<key_set_reading, &key_set_reading::key_period_no, 0>(k, e, path)));
    k.has_period = true;
    return {};
}

using reading = key_set_reading;

constexpr field_reader<reading> key_set_fields[] = {
    {"KmsUri", read_uri<reading, &reading::kms_uri>},
    {"UserUri", read_uri<reading, &reading::user_uri>},
    {"CertUri", read_trimmed<reading, &reading::cert_uri>},
    {"Issuer", read_text<reading, &reading::issuer>},
    {"UserID", read_octets<reading, &reading::user_id, uid_field>},
    {"ValidFrom", read_time<reading, &reading::valid_from>},
    {"ValidTo", read_time<reading, &reading::valid_to>},
    {"KeyPeriodNo", read_period},
    {"Revoked", read_boolean<reading, &reading::revoked>},
    {"UserDecryptKey", read_key<&reading::user_decrypt_key, rsk_field>},
    {"UserSigningKeySSK", read_key<&reading::user_signing_key_ssk, ssk_field>},
    {"UserPubTokenPVT", read_key<&reading::user_pub_token_pvt, pvt_field>},
};

} // namespace

result<kms_key_set> read_key_set(xml::element e, const std::string& path) {
    key_set_reading k;
    k.id = e.attribute("Id").value_or("");
    MCPROV_TRY(read_children(k, e, path, key_set_fields));
    if (k.kms_uri.empty() || k.user_uri.empty() || k.user_id.empty() || !k.has_period || k.user_decrypt_key.empty() ||
        k.user_signing_key_ssk.empty() || k.user_pub_token_pvt.empty()) {
        return make_error(errc::invalid_argument, path + ": incomplete key set");
    }
    MCPROV_TRY(check_validity(path, k.valid_from, k.valid_to));
    return kms_key_set(std::move(k));
}

} // namespace mcprov::kms_interface::detail

namespace mcprov::kms_interface {

using namespace detail;

support::result<std::string> encode_kms_key_set(const kms_key_set& key_set) {
    auto w = new_writer();
    MCPROV_TRY(write_key_set(w, key_set, "KmsKeySet"));
    return checked(w);
}

support::result<kms_key_set> decode_kms_key_set(std::string_view document) {
    auto doc = load(document, {"KmsKeySet"});
    if (!doc) {
        return std::move(doc).err();
    }
    return read_key_set(doc->root(), "KmsKeySet");
}

} // namespace mcprov::kms_interface
