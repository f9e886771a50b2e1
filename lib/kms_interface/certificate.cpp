// KmsCertificate (TS 33.180 D.3.2): the public keys of one security domain, alone or inside KmsInit and KmsCertCache.
#include "annex_d.hpp"

namespace mcprov::kms_interface::detail {
namespace {

result<void> check_keys_and_parameters(const kms_certificate& c, const std::string& path) {
    if (c.user_key_period <= 0) {
        return make_error(errc::invalid_argument, path + "/UserKeyPeriod: must be positive");
    }
    if (c.user_key_offset < 0) {
        return make_error(errc::invalid_argument, path + "/UserKeyOffset: must not be negative");
    }
    MCPROV_TRY(check_octets(path + "/PubEncKey", c.pub_enc_key, pub_enc_key_field));
    MCPROV_TRY(check_octets(path + "/PubAuthKey", c.pub_auth_key, pub_auth_key_field));
    if (c.parameter_set != 1) {
        return make_error(errc::invalid_argument,
                          path + "/ParameterSet: " + std::to_string(c.parameter_set) + " is not supported (only 1)");
    }
    if (c.kms_domain_list.size() > max_kms_domains) {
        return make_error(errc::too_large,
                          path + "/KmsDomainList: more than " + std::to_string(max_kms_domains) + " domains");
    }
    for (std::size_t i = 0; i < c.kms_domain_list.size(); ++i) {
        MCPROV_TRY(check_required(nth_path(path + "/KmsDomainList", "KmsDomain", i + 1), c.kms_domain_list[i]));
    }
    return {};
}

result<void> check_certificate(const kms_certificate& c, const std::string& path) {
    MCPROV_TRY(check_text(path + "/@Id", c.id));
    MCPROV_TRY(check_text(path + "/@Version", c.version));
    MCPROV_TRY(check_text(path + "/CertUri", c.cert_uri));
    MCPROV_TRY(check_required(path + "/KmsUri", c.kms_uri));
    MCPROV_TRY(check_text(path + "/Issuer", c.issuer));
    MCPROV_TRY(check_validity(path, c.valid_from, c.valid_to));
    MCPROV_TRY(check_required(path + "/UserIdFormat", c.user_id_format));
    return check_keys_and_parameters(c, path);
}

void write_attributes(xml::writer& w, const kms_certificate& c) {
    if (!c.id.empty()) {
        w.attribute("Id", c.id);
    }
    if (!c.version.empty()) {
        w.attribute("Version", c.version);
    }
    if (c.role) {
        w.attribute("Role", *c.role == kms_role::root ? "Root" : "External");
    }
    if (c.is_security_gateway) {
        w.attribute("IsSecurityGateway", boolean_text(*c.is_security_gateway));
    }
}

void write_optional(xml::writer& w, std::string_view name, const std::string& value) {
    if (!value.empty()) {
        w.leaf(name, value);
    }
}

void write_optional(xml::writer& w, std::string_view name, const std::optional<time_point>& value) {
    if (value) {
        w.leaf(name, format_time(*value));
    }
}

void write_domains(xml::writer& w, const std::vector<std::string>& domains) {
    if (domains.empty()) {
        return;
    }
    w.start("KmsDomainList");
    for (const auto& domain : domains) {
        w.leaf("KmsDomain", domain);
    }
    w.end();
}

} // namespace

result<void> write_certificate(xml::writer& w, const kms_certificate& c, const std::string& path) {
    MCPROV_TRY(check_certificate(c, path));
    w.start_in(kms_interface_namespace, "KmsCertificate");
    write_attributes(w, c);
    write_optional(w, "CertUri", c.cert_uri);
    w.leaf("KmsUri", c.kms_uri);
    write_optional(w, "Issuer", c.issuer);
    write_optional(w, "ValidFrom", c.valid_from);
    write_optional(w, "ValidTo", c.valid_to);
    w.leaf("Revoked", boolean_text(c.revoked));
    w.leaf("UserIdFormat", c.user_id_format);
    w.leaf("UserKeyPeriod", std::to_string(c.user_key_period));
    w.leaf("UserKeyOffset", std::to_string(c.user_key_offset));
    w.leaf("PubEncKey", upper_hex(c.pub_enc_key));
    w.leaf("PubAuthKey", upper_hex(c.pub_auth_key));
    w.leaf("ParameterSet", std::to_string(c.parameter_set));
    write_domains(w, c.kms_domain_list);
    w.end();
    return {};
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

namespace {

result<void> read_attributes(kms_certificate& c, xml::element e, const std::string& path) {
    c.id = e.attribute("Id").value_or("");
    c.version = e.attribute("Version").value_or("");
    if (auto role = e.attribute("Role")) {
        const auto value = trim(*role);
        if (value == "Root") {
            c.role = kms_role::root;
        } else if (value == "External") {
            c.role = kms_role::external;
        } else {
            return make_error(errc::invalid_argument, path + "/@Role: neither Root nor External");
        }
    }
    if (auto gateway = e.attribute("IsSecurityGateway")) {
        auto value = parse_boolean(path + "/@IsSecurityGateway", *gateway);
        if (!value) {
            return std::move(value).err();
        }
        c.is_security_gateway = *value;
    }
    return {};
}

result<void> read_parameter_set(kms_certificate& c, xml::element e, const std::string& path) {
    const std::string text = e.text();
    auto value = parse_integer(path, text);
    if (!value) {
        return std::move(value).err();
    }
    if (*value != 1) {
        return make_error(errc::invalid_argument, path + ": " + std::string(trim(text)) + " is not supported (only 1)");
    }
    c.parameter_set = 1;
    return {};
}

// Every element child counts towards the limit and the position; only KmsDomain ones are read (the schema allows
// no other).
result<void> read_domains(kms_certificate& c, xml::element list, const std::string& path) {
    const auto domains = list.children().to_vector();
    if (domains.size() > max_kms_domains) {
        return make_error(errc::too_large, path + ": more than " + std::to_string(max_kms_domains) + " domains");
    }
    for (std::size_t i = 0; i < domains.size(); ++i) {
        if (!is_kms(domains[i], "KmsDomain")) {
            continue;
        }
        auto domain = required_uri(nth_path(path, "KmsDomain", i + 1), domains[i]);
        if (!domain) {
            return std::move(domain).err();
        }
        c.kms_domain_list.push_back(std::move(*domain));
    }
    return {};
}

result<void> read_user_id_format(kms_certificate& c, xml::element e, const std::string& path) {
    c.user_id_format = e.trimmed_text();
    if (c.user_id_format.empty()) {
        return make_error(errc::invalid_argument, path + " is empty");
    }
    return {};
}

using cert = kms_certificate;

constexpr field_reader<cert> certificate_fields[] = {
    {"CertUri", read_trimmed<cert, &cert::cert_uri>},
    {"KmsUri", read_uri<cert, &cert::kms_uri>},
    {"Issuer", read_text<cert, &cert::issuer>},
    {"ValidFrom", read_time<cert, &cert::valid_from>},
    {"ValidTo", read_time<cert, &cert::valid_to>},
    {"Revoked", read_boolean<cert, &cert::revoked>},
    {"UserIdFormat", read_user_id_format},
    {"UserKeyPeriod", read_counter<cert, &cert::user_key_period, 1>},
    {"UserKeyOffset", read_counter<cert, &cert::user_key_offset, 0>},
    {"PubEncKey", read_octets<cert, &cert::pub_enc_key, pub_enc_key_field>},
    {"PubAuthKey", read_octets<cert, &cert::pub_auth_key, pub_auth_key_field>},
    {"ParameterSet", read_parameter_set},
    {"KmsDomainList", read_domains},
};

result<kms_certificate> read_certificate(xml::element e, const std::string& path) {
    kms_certificate c;
    MCPROV_TRY(read_attributes(c, e, path));
    MCPROV_TRY(read_children(c, e, path, certificate_fields));
    if (c.kms_uri.empty()) {
        return make_error(errc::invalid_argument, path + ": no KmsUri");
    }
    if (c.pub_enc_key.empty() || c.pub_auth_key.empty() || c.user_key_period <= 0) {
        return make_error(errc::invalid_argument, path + ": incomplete (PubEncKey, PubAuthKey or UserKeyPeriod)");
    }
    MCPROV_TRY(check_validity(path, c.valid_from, c.valid_to));
    return c;
}

} // namespace

result<kms_certificate> read_any_certificate(xml::element e, const std::string& path) {
    if (is_kms(e, "SignedKmsCertificate")) {
        const xml::element inner = e.first_child(kms_interface_namespace, "KmsCertificate");
        if (!inner) {
            return make_error(errc::invalid_argument, path + ": no KmsCertificate");
        }
        return read_certificate(inner, path + "/KmsCertificate");
    }
    return read_certificate(e, path);
}

} // namespace mcprov::kms_interface::detail

namespace mcprov::kms_interface {

using namespace detail;

support::result<std::string> encode_kms_certificate(const kms_certificate& certificate) {
    auto w = new_writer();
    MCPROV_TRY(write_certificate(w, certificate, "KmsCertificate"));
    return checked(w);
}

support::result<kms_certificate> decode_kms_certificate(std::string_view document) {
    auto doc = load(document, {"KmsCertificate", "SignedKmsCertificate"});
    if (!doc) {
        return std::move(doc).err();
    }
    const xml::element root = doc->root();
    return read_any_certificate(root, std::string(root.local_name()));
}

} // namespace mcprov::kms_interface
