#include "mcprov/kms_interface/kms_documents.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <limits>
#include <utility>

#include <libxml/tree.h>

#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/xml/document.hpp"

namespace mcprov::kms_interface {
namespace {

using support::errc;
using support::make_error;
using support::result;

constexpr std::string_view xsi_namespace = "http://www.w3.org/2001/XMLSchema-instance";

// Version attributes. KmsRequest, KmsResponse, KmsKeyProv, KmsCertCache and KmsKeySet have theirs fixed by the
// schema; KmsInit's and KmsCertificate's are free strings, written as the Annex D examples write them.
constexpr std::string_view request_version = "1.1.0";
constexpr std::string_view response_version = "1.0.0";
constexpr std::string_view message_version = "1.0.0"; // KmsInit, KmsKeyProv, KmsCertCache
constexpr std::string_view key_set_version = "1.1.0";

// ---------------------------------------------------------------------------------------------------------------
// Text and values.

constexpr std::string_view xml_space = " \t\r\n";

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(xml_space);
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(xml_space);
    return text.substr(first, last - first + 1);
}

// True when `text` is UTF-8 made only of characters XML 1.0 can carry (#x9 | #xA | #xD | [#x20-#xD7FF] |
// [#xE000-#xFFFD] | [#x10000-#x10FFFF]), without overlong forms or surrogates.
bool is_xml_text(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        char32_t cp = 0;
        std::size_t length = 0;
        if (c < 0x80) {
            cp = c;
            length = 1;
        } else if ((c & 0xE0) == 0xC0) {
            cp = c & 0x1F;
            length = 2;
        } else if ((c & 0xF0) == 0xE0) {
            cp = c & 0x0F;
            length = 3;
        } else if ((c & 0xF8) == 0xF0) {
            cp = c & 0x07;
            length = 4;
        } else {
            return false;
        }
        if (i + length > text.size()) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (next & 0x3F);
        }
        constexpr char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < smallest[length]) {
            return false; // overlong
        }
        const bool allowed = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                             (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
        if (!allowed) {
            return false;
        }
        i += length;
    }
    return true;
}

std::string upper_hex(std::string_view octets) {
    std::string out = support::hex_encode(octets);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

// The expected octet length of a key or UID, and whether it is an uncompressed elliptic-curve point (0x04 || x || y).
struct octet_field {
    std::size_t size;
    bool point;
};

constexpr octet_field pub_enc_key_field{pub_enc_key_size, true};
constexpr octet_field pub_auth_key_field{pub_auth_key_size, true};
constexpr octet_field rsk_field{rsk_size, true};
constexpr octet_field ssk_field{ssk_size, false};
constexpr octet_field pvt_field{pvt_size, true};
constexpr octet_field uid_field{uid_size, false};

result<void> check_octets(const std::string& path, std::string_view octets, octet_field field) {
    if (octets.size() != field.size) {
        return make_error(errc::invalid_argument, path + ": " + std::to_string(octets.size()) + " octets, expected " +
                                                      std::to_string(field.size));
    }
    if (field.point && static_cast<unsigned char>(octets.front()) != 0x04) {
        return make_error(errc::invalid_argument, path + ": not an uncompressed point (the first octet is not 04)");
    }
    return {};
}

// xsd:hexBinary (white space collapsed) to octets, of the field's length.
result<std::string> decode_hex(const std::string& path, std::string_view text, octet_field field) {
    text = trim(text);
    if (text.size() % 2 != 0) {
        return make_error(errc::invalid_argument, path + ": an odd number of hex digits");
    }
    if (text.size() / 2 != field.size) {
        return make_error(errc::invalid_argument, path + ": " + std::to_string(text.size() / 2) + " octets, expected " +
                                                      std::to_string(field.size));
    }
    auto out = support::hex_decode(text);
    if (!out) {
        return make_error(errc::invalid_argument, path + ": not hex digits");
    }
    if (auto checked = check_octets(path, *out, field); !checked) {
        return std::move(checked).err();
    }
    return std::move(*out);
}

// xsd:integer within int64.
result<std::int64_t> parse_integer(const std::string& path, std::string_view text) {
    text = trim(text);
    bool negative = false;
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    if (text.empty()) {
        return make_error(errc::invalid_argument, path + ": not an integer");
    }
    // Accumulated as a negative number, whose range includes the int64 minimum.
    std::int64_t value = 0;
    constexpr std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
    for (char c : text) {
        if (c < '0' || c > '9') {
            return make_error(errc::invalid_argument, path + ": not an integer");
        }
        const int digit = c - '0';
        if (value < (lowest + digit) / 10) {
            return make_error(errc::invalid_argument, path + ": out of range");
        }
        value = value * 10 - digit;
    }
    if (!negative) {
        if (value == lowest) {
            return make_error(errc::invalid_argument, path + ": out of range");
        }
        value = -value;
    }
    return value;
}

result<bool> parse_boolean(const std::string& path, std::string_view text) {
    text = trim(text);
    if (text == "true" || text == "1") {
        return true;
    }
    if (text == "false" || text == "0") {
        return false;
    }
    return make_error(errc::invalid_argument, path + ": not a boolean");
}

// xsd:dateTime: [-]YYYY-MM-DDThh:mm:ss[.fraction][Z|(+|-)hh:mm]. Without a zone designator the time is taken as UTC;
// the fraction is dropped; 24:00:00 is the start of the next day. Years system_clock cannot hold are out of range.
result<time_point> parse_date_time(const std::string& path, std::string_view text) {
    text = trim(text);
    const auto bad = [&path] { return make_error(errc::invalid_argument, path + ": not an xsd:dateTime"); };
    std::size_t at = 0;
    const auto number = [&](std::size_t min_digits, std::size_t max_digits) -> std::optional<std::int64_t> {
        const std::size_t start = at;
        std::int64_t v = 0;
        while (at < text.size() && at - start < max_digits && text[at] >= '0' && text[at] <= '9') {
            v = v * 10 + (text[at] - '0');
            ++at;
        }
        if (at - start < min_digits) {
            return std::nullopt;
        }
        return v;
    };
    const auto expect = [&](char c) {
        if (at < text.size() && text[at] == c) {
            ++at;
            return true;
        }
        return false;
    };
    const bool negative_year = expect('-');
    const auto year = number(4, 9);
    if (!year || !expect('-')) {
        return bad();
    }
    const auto month = number(2, 2);
    if (!month || !expect('-')) {
        return bad();
    }
    const auto day = number(2, 2);
    if (!day || !expect('T')) {
        return bad();
    }
    const auto hour = number(2, 2);
    if (!hour || !expect(':')) {
        return bad();
    }
    const auto minute = number(2, 2);
    if (!minute || !expect(':')) {
        return bad();
    }
    const auto second = number(2, 2);
    if (!second) {
        return bad();
    }
    bool fraction_zero = true;
    if (expect('.')) {
        const std::size_t start = at;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            fraction_zero = fraction_zero && text[at] == '0';
            ++at;
        }
        if (at == start) {
            return bad();
        }
    }
    std::int64_t offset_minutes = 0;
    if (at < text.size()) {
        if (expect('Z')) {
            // UTC
        } else if (text[at] == '+' || text[at] == '-') {
            const bool minus = text[at] == '-';
            ++at;
            const auto zone_hours = number(2, 2);
            if (!zone_hours || !expect(':')) {
                return bad();
            }
            const auto zone_minutes = number(2, 2);
            if (!zone_minutes || *zone_minutes > 59 || *zone_hours * 60 + *zone_minutes > 14 * 60) {
                return bad();
            }
            offset_minutes = (*zone_hours * 60 + *zone_minutes) * (minus ? -1 : 1);
        } else {
            return bad();
        }
    }
    if (at != text.size()) {
        return bad();
    }
    const bool end_of_day = *hour == 24 && *minute == 0 && *second == 0 && fraction_zero;
    if ((*hour > 23 && !end_of_day) || *minute > 59 || *second > 59) {
        return bad();
    }
    // 64-bit nanoseconds hold 1677-09-21 to 2262-04-11: the instant, in UTC, must fall in whole years inside that
    // range, 1678 to 2261, so that what is read can be written (and read) again.
    const auto out_of_range = [&path] {
        return make_error(errc::invalid_argument, path + ": year out of the supported range (1678 to 2261)");
    };
    if (negative_year || *year < 1677 || *year > 2262) {
        return out_of_range();
    }
    const std::chrono::year_month_day date{std::chrono::year{static_cast<int>(*year)},
                                           std::chrono::month{static_cast<unsigned>(*month)},
                                           std::chrono::day{static_cast<unsigned>(*day)}};
    if (!date.ok()) {
        return bad();
    }
    const std::chrono::sys_seconds instant = std::chrono::sys_days{date} + std::chrono::hours{*hour} +
                                             std::chrono::minutes{*minute} + std::chrono::seconds{*second} -
                                             std::chrono::minutes{offset_minutes};
    constexpr std::chrono::sys_days earliest{std::chrono::year{1678} / 1 / 1};
    constexpr std::chrono::sys_days end{std::chrono::year{2262} / 1 / 1};
    if (instant < earliest || instant >= end) {
        return out_of_range();
    }
    return std::chrono::time_point_cast<time_point::duration>(instant);
}

// ---------------------------------------------------------------------------------------------------------------
// Writing. Documents are built as text (every value escaped), then parsed and validated before they are returned.

using attributes = std::vector<std::pair<std::string_view, std::string>>;

class writer {
public:
    writer() { out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"; }

    void start(std::string_view name, const attributes& attrs = {}) {
        open_tag(name, attrs);
        out_ += '>';
        ++depth_;
    }
    void end(std::string_view name) {
        --depth_;
        new_line();
        out_ += "</";
        out_ += name;
        out_ += '>';
    }
    void leaf(std::string_view name, std::string_view text, const attributes& attrs = {}) {
        open_tag(name, attrs);
        out_ += '>';
        out_ += xml::escape_attribute(text);
        out_ += "</";
        out_ += name;
        out_ += '>';
    }
    std::string finish() {
        out_ += '\n';
        return std::move(out_);
    }

private:
    void new_line() {
        out_ += '\n';
        out_.append(depth_ * 2, ' ');
    }
    void open_tag(std::string_view name, const attributes& attrs) {
        new_line();
        out_ += '<';
        out_ += name;
        for (const auto& [attribute, value] : attrs) {
            out_ += ' ';
            out_ += attribute;
            out_ += "=\"";
            out_ += xml::escape_attribute(value);
            out_ += '"';
        }
    }

    std::string out_;
    std::size_t depth_ = 0;
};

attributes root_namespaces(bool with_xsi) {
    attributes attrs{{"xmlns", std::string(kms_interface_namespace)}};
    if (with_xsi) {
        attrs.emplace_back("xmlns:xsi", std::string(xsi_namespace));
    }
    return attrs;
}

result<void> check_text(const std::string& path, std::string_view value) {
    if (!is_xml_text(value)) {
        return make_error(errc::invalid_argument, path + ": not UTF-8 text that XML can carry");
    }
    return {};
}

result<void> check_required(const std::string& path, std::string_view value) {
    if (trim(value).empty()) {
        return make_error(errc::invalid_argument, path + " is empty");
    }
    return check_text(path, value);
}

result<void> check_validity(const std::string& path, const std::optional<time_point>& from,
                            const std::optional<time_point>& to) {
    if (from && to && *from > *to) {
        return make_error(errc::invalid_argument, path + ": ValidFrom is after ValidTo");
    }
    return {};
}

#define MCPROV_TRY(expression)                                                                                         \
    do {                                                                                                               \
        if (auto mcprov_try_result = (expression); !mcprov_try_result) {                                               \
            return std::move(mcprov_try_result).err();                                                                 \
        }                                                                                                              \
    } while (false)

result<void> write_certificate(writer& w, const kms_certificate& c, const std::string& path, attributes attrs) {
    MCPROV_TRY(check_text(path + "/@Id", c.id));
    MCPROV_TRY(check_text(path + "/@Version", c.version));
    MCPROV_TRY(check_text(path + "/CertUri", c.cert_uri));
    MCPROV_TRY(check_required(path + "/KmsUri", c.kms_uri));
    MCPROV_TRY(check_text(path + "/Issuer", c.issuer));
    MCPROV_TRY(check_validity(path, c.valid_from, c.valid_to));
    MCPROV_TRY(check_required(path + "/UserIdFormat", c.user_id_format));
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
        MCPROV_TRY(
            check_required(path + "/KmsDomainList/KmsDomain[" + std::to_string(i + 1) + "]", c.kms_domain_list[i]));
    }

    if (!c.id.empty()) {
        attrs.emplace_back("Id", c.id);
    }
    if (!c.version.empty()) {
        attrs.emplace_back("Version", c.version);
    }
    if (c.role) {
        attrs.emplace_back("Role", *c.role == kms_role::root ? "Root" : "External");
    }
    if (c.is_security_gateway) {
        attrs.emplace_back("IsSecurityGateway", *c.is_security_gateway ? "true" : "false");
    }
    w.start("KmsCertificate", attrs);
    if (!c.cert_uri.empty()) {
        w.leaf("CertUri", c.cert_uri);
    }
    w.leaf("KmsUri", c.kms_uri);
    if (!c.issuer.empty()) {
        w.leaf("Issuer", c.issuer);
    }
    if (c.valid_from) {
        w.leaf("ValidFrom", support::format_utc(*c.valid_from));
    }
    if (c.valid_to) {
        w.leaf("ValidTo", support::format_utc(*c.valid_to));
    }
    w.leaf("Revoked", c.revoked ? "true" : "false");
    w.leaf("UserIdFormat", c.user_id_format);
    w.leaf("UserKeyPeriod", std::to_string(c.user_key_period));
    w.leaf("UserKeyOffset", std::to_string(c.user_key_offset));
    w.leaf("PubEncKey", upper_hex(c.pub_enc_key));
    w.leaf("PubAuthKey", upper_hex(c.pub_auth_key));
    w.leaf("ParameterSet", std::to_string(c.parameter_set));
    if (!c.kms_domain_list.empty()) {
        w.start("KmsDomainList");
        for (const auto& domain : c.kms_domain_list) {
            w.leaf("KmsDomain", domain);
        }
        w.end("KmsDomainList");
    }
    w.end("KmsCertificate");
    return {};
}

result<void> write_key_set(writer& w, const kms_key_set& k, const std::string& path, attributes attrs) {
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

    if (!k.id.empty()) {
        attrs.emplace_back("Id", k.id);
    }
    attrs.emplace_back("Version", std::string(key_set_version));
    w.start("KmsKeySet", attrs);
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
        w.leaf("ValidFrom", support::format_utc(*k.valid_from));
    }
    if (k.valid_to) {
        w.leaf("ValidTo", support::format_utc(*k.valid_to));
    }
    w.leaf("KeyPeriodNo", std::to_string(k.key_period_no));
    w.leaf("Revoked", k.revoked ? "true" : "false");
    const attributes key_content{{"xsi:type", "KeyContentType"}};
    w.leaf("UserDecryptKey", upper_hex(k.user_decrypt_key), key_content);
    w.leaf("UserSigningKeySSK", upper_hex(k.user_signing_key_ssk), key_content);
    w.leaf("UserPubTokenPVT", upper_hex(k.user_pub_token_pvt), key_content);
    w.end("KmsKeySet");
    return {};
}

result<void> write_error(writer& w, std::string_view name, const kms_error& e, const std::string& path) {
    MCPROV_TRY(check_text(path + "/ErrorMsg", e.message));
    w.start(name);
    w.leaf("ErrorCode", std::to_string(e.code));
    w.leaf("ErrorMsg", e.message);
    w.end(name);
    return {};
}

// ---------------------------------------------------------------------------------------------------------------
// Reading.

bool is_element(const xmlNode* node, std::string_view local_name, std::string_view ns = kms_interface_namespace) {
    return node != nullptr && node->type == XML_ELEMENT_NODE && node->name != nullptr && node->ns != nullptr &&
           node->ns->href != nullptr && local_name == reinterpret_cast<const char*>(node->name) &&
           ns == reinterpret_cast<const char*>(node->ns->href);
}

std::string_view name_of(const xmlNode* node) {
    return node->name == nullptr ? std::string_view{} : reinterpret_cast<const char*>(node->name);
}

bool in_kms_namespace(const xmlNode* node) {
    return node->ns != nullptr && node->ns->href != nullptr &&
           kms_interface_namespace == reinterpret_cast<const char*>(node->ns->href);
}

// The element children of `node`, in order.
std::vector<xmlNode*> elements_of(const xmlNode* node) {
    std::vector<xmlNode*> out;
    for (xmlNode* child = node->children; child != nullptr; child = child->next) {
        if (child->type == XML_ELEMENT_NODE) {
            out.push_back(child);
        }
    }
    return out;
}

xmlNode* first_child(const xmlNode* node, std::string_view local_name) {
    for (xmlNode* child = node->children; child != nullptr; child = child->next) {
        if (is_element(child, local_name)) {
            return child;
        }
    }
    return nullptr;
}

std::string text_of(const xmlNode* node) {
    xmlChar* content = xmlNodeGetContent(node);
    if (content == nullptr) {
        return {};
    }
    std::string out(reinterpret_cast<const char*>(content));
    xmlFree(content);
    return out;
}

std::optional<std::string> attribute_of(const xmlNode* node, const char* name) {
    xmlChar* value = xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>(name));
    if (value == nullptr) {
        return std::nullopt;
    }
    std::string out(reinterpret_cast<const char*>(value));
    xmlFree(value);
    return out;
}

result<std::string> required_uri(const std::string& path, const xmlNode* node) {
    std::string value(trim(text_of(node)));
    if (value.empty()) {
        return make_error(errc::invalid_argument, path + " is empty");
    }
    return value;
}

// Parses with the limits, checks the root element is one of `roots`, validates against the schema.
result<xml::document> load(std::string_view bytes, std::initializer_list<std::string_view> roots) {
    if (bytes.size() > max_document_bytes) {
        return make_error(errc::too_large, "document of " + std::to_string(bytes.size()) +
                                               " bytes exceeds the limit of " + std::to_string(max_document_bytes) +
                                               " bytes");
    }
    auto doc = xml::parse(bytes, xml::parse_limits{max_document_bytes, max_document_depth});
    if (!doc) {
        return std::move(doc).err();
    }
    const std::string root = doc->root_name();
    const std::string ns = doc->root_namespace();
    const bool expected = ns == kms_interface_namespace && std::find(roots.begin(), roots.end(), root) != roots.end();
    if (!expected) {
        std::string names;
        for (const auto name : roots) {
            names += names.empty() ? "" : " or ";
            names += name;
        }
        return make_error(errc::invalid_argument, "the root element is " + (ns.empty() ? "" : "{" + ns + "}") + root +
                                                      ", expected " + names + " of " +
                                                      std::string(kms_interface_namespace));
    }
    auto schema = kms_interface_schema();
    if (!schema) {
        return std::move(schema).err();
    }
    if (auto valid = (*schema)->validate(*doc); !valid) {
        return std::move(valid).err();
    }
    return doc;
}

result<kms_certificate> read_certificate(const xmlNode* node, const std::string& path) {
    kms_certificate c;
    c.id = attribute_of(node, "Id").value_or("");
    c.version = attribute_of(node, "Version").value_or("");
    if (auto role = attribute_of(node, "Role")) {
        const auto value = trim(*role);
        if (value == "Root") {
            c.role = kms_role::root;
        } else if (value == "External") {
            c.role = kms_role::external;
        } else {
            return make_error(errc::invalid_argument, path + "/@Role: neither Root nor External");
        }
    }
    if (auto gateway = attribute_of(node, "IsSecurityGateway")) {
        auto value = parse_boolean(path + "/@IsSecurityGateway", *gateway);
        if (!value) {
            return std::move(value).err();
        }
        c.is_security_gateway = *value;
    }
    bool has_kms_uri = false;
    for (const xmlNode* child : elements_of(node)) {
        if (!in_kms_namespace(child)) {
            continue; // an extension of another namespace
        }
        const auto name = name_of(child);
        const std::string child_path = path + "/" + std::string(name);
        const std::string text = text_of(child);
        if (name == "CertUri") {
            c.cert_uri = std::string(trim(text));
        } else if (name == "KmsUri") {
            auto uri = required_uri(child_path, child);
            if (!uri) {
                return std::move(uri).err();
            }
            c.kms_uri = std::move(*uri);
            has_kms_uri = true;
        } else if (name == "Issuer") {
            c.issuer = text;
        } else if (name == "ValidFrom" || name == "ValidTo") {
            auto t = parse_date_time(child_path, text);
            if (!t) {
                return std::move(t).err();
            }
            (name == "ValidFrom" ? c.valid_from : c.valid_to) = *t;
        } else if (name == "Revoked") {
            auto value = parse_boolean(child_path, text);
            if (!value) {
                return std::move(value).err();
            }
            c.revoked = *value;
        } else if (name == "UserIdFormat") {
            c.user_id_format = std::string(trim(text));
            if (c.user_id_format.empty()) {
                return make_error(errc::invalid_argument, child_path + " is empty");
            }
        } else if (name == "UserKeyPeriod") {
            auto value = parse_integer(child_path, text);
            if (!value) {
                return std::move(value).err();
            }
            if (*value <= 0) {
                return make_error(errc::invalid_argument, child_path + ": must be positive");
            }
            c.user_key_period = *value;
        } else if (name == "UserKeyOffset") {
            auto value = parse_integer(child_path, text);
            if (!value) {
                return std::move(value).err();
            }
            if (*value < 0) {
                return make_error(errc::invalid_argument, child_path + ": must not be negative");
            }
            c.user_key_offset = *value;
        } else if (name == "PubEncKey" || name == "PubAuthKey") {
            const bool enc = name == "PubEncKey";
            auto octets = decode_hex(child_path, text, enc ? pub_enc_key_field : pub_auth_key_field);
            if (!octets) {
                return std::move(octets).err();
            }
            (enc ? c.pub_enc_key : c.pub_auth_key) = std::move(*octets);
        } else if (name == "ParameterSet") {
            auto value = parse_integer(child_path, text);
            if (!value) {
                return std::move(value).err();
            }
            if (*value != 1) {
                return make_error(errc::invalid_argument,
                                  child_path + ": " + std::string(trim(text)) + " is not supported (only 1)");
            }
            c.parameter_set = 1;
        } else if (name == "KmsDomainList") {
            const auto domains = elements_of(child);
            if (domains.size() > max_kms_domains) {
                return make_error(errc::too_large,
                                  child_path + ": more than " + std::to_string(max_kms_domains) + " domains");
            }
            for (std::size_t i = 0; i < domains.size(); ++i) {
                if (!is_element(domains[i], "KmsDomain")) {
                    continue;
                }
                auto domain = required_uri(child_path + "/KmsDomain[" + std::to_string(i + 1) + "]", domains[i]);
                if (!domain) {
                    return std::move(domain).err();
                }
                c.kms_domain_list.push_back(std::move(*domain));
            }
        }
    }
    if (!has_kms_uri) {
        return make_error(errc::invalid_argument, path + ": no KmsUri");
    }
    if (c.pub_enc_key.empty() || c.pub_auth_key.empty() || c.user_key_period <= 0) {
        return make_error(errc::invalid_argument, path + ": incomplete (PubEncKey, PubAuthKey or UserKeyPeriod)");
    }
    MCPROV_TRY(check_validity(path, c.valid_from, c.valid_to));
    return c;
}

// UserDecryptKey, UserSigningKeySSK, UserPubTokenPVT: KeyContentType (hexBinary) only.
result<std::string> read_key_content(const xmlNode* node, const std::string& path, octet_field field) {
    xmlChar* type = xmlGetNsProp(node, reinterpret_cast<const xmlChar*>("type"),
                                 reinterpret_cast<const xmlChar*>(xsi_namespace.data()));
    std::string qname;
    if (type != nullptr) {
        qname = std::string(trim(reinterpret_cast<const char*>(type)));
        xmlFree(type);
    }
    std::string prefix;
    std::string local = qname;
    if (const auto colon = qname.find(':'); colon != std::string::npos) {
        prefix = qname.substr(0, colon);
        local = qname.substr(colon + 1);
    }
    const xmlNs* ns = xmlSearchNs(node->doc, const_cast<xmlNode*>(node),
                                  prefix.empty() ? nullptr : reinterpret_cast<const xmlChar*>(prefix.c_str()));
    const bool kms_type =
        ns != nullptr && ns->href != nullptr && kms_interface_namespace == reinterpret_cast<const char*>(ns->href);
    if (kms_type && local == "EncKeyContentType") {
        return make_error(errc::invalid_argument,
                          path + ": the key is encrypted under a transport key (xsi:type EncKeyContentType); mcprov "
                                 "does not support that security extension");
    }
    if (!kms_type || local != "KeyContentType") {
        return make_error(errc::invalid_argument, path + ": xsi:type \"" + qname + "\" is not KeyContentType");
    }
    return decode_hex(path, text_of(node), field);
}

result<kms_key_set> read_key_set(const xmlNode* node, const std::string& path) {
    kms_key_set k;
    k.id = attribute_of(node, "Id").value_or("");
    bool has_period = false;
    for (const xmlNode* child : elements_of(node)) {
        if (!in_kms_namespace(child)) {
            continue;
        }
        const auto name = name_of(child);
        const std::string child_path = path + "/" + std::string(name);
        if (name == "KmsUri" || name == "UserUri") {
            auto uri = required_uri(child_path, child);
            if (!uri) {
                return std::move(uri).err();
            }
            (name == "KmsUri" ? k.kms_uri : k.user_uri) = std::move(*uri);
        } else if (name == "CertUri") {
            k.cert_uri = std::string(trim(text_of(child)));
        } else if (name == "Issuer") {
            k.issuer = text_of(child);
        } else if (name == "UserID") {
            auto uid = decode_hex(child_path, text_of(child), uid_field);
            if (!uid) {
                return std::move(uid).err();
            }
            k.user_id = std::move(*uid);
        } else if (name == "ValidFrom" || name == "ValidTo") {
            auto t = parse_date_time(child_path, text_of(child));
            if (!t) {
                return std::move(t).err();
            }
            (name == "ValidFrom" ? k.valid_from : k.valid_to) = *t;
        } else if (name == "KeyPeriodNo") {
            auto value = parse_integer(child_path, text_of(child));
            if (!value) {
                return std::move(value).err();
            }
            if (*value < 0) {
                return make_error(errc::invalid_argument, child_path + ": must not be negative");
            }
            k.key_period_no = *value;
            has_period = true;
        } else if (name == "Revoked") {
            auto value = parse_boolean(child_path, text_of(child));
            if (!value) {
                return std::move(value).err();
            }
            k.revoked = *value;
        } else if (name == "UserDecryptKey" || name == "UserSigningKeySSK" || name == "UserPubTokenPVT") {
            const octet_field field = name == "UserDecryptKey"      ? rsk_field
                                      : name == "UserSigningKeySSK" ? ssk_field
                                                                    : pvt_field;
            auto key = read_key_content(child, child_path, field);
            if (!key) {
                return std::move(key).err();
            }
            (name == "UserDecryptKey"      ? k.user_decrypt_key
             : name == "UserSigningKeySSK" ? k.user_signing_key_ssk
                                           : k.user_pub_token_pvt) = std::move(*key);
        }
    }
    if (k.kms_uri.empty() || k.user_uri.empty() || k.user_id.empty() || !has_period || k.user_decrypt_key.empty() ||
        k.user_signing_key_ssk.empty() || k.user_pub_token_pvt.empty()) {
        return make_error(errc::invalid_argument, path + ": incomplete key set");
    }
    MCPROV_TRY(check_validity(path, k.valid_from, k.valid_to));
    return k;
}

result<kms_error> read_error(const xmlNode* node, const std::string& path) {
    kms_error e;
    bool has_code = false;
    for (const xmlNode* child : elements_of(node)) {
        if (is_element(child, "ErrorCode")) {
            auto code = parse_integer(path + "/ErrorCode", text_of(child));
            if (!code) {
                return std::move(code).err();
            }
            e.code = *code;
            has_code = true;
        } else if (is_element(child, "ErrorMsg")) {
            e.message = text_of(child);
        }
    }
    if (!has_code) {
        return make_error(errc::invalid_argument, path + ": no ErrorCode");
    }
    return e;
}

// The KmsCertificate of a KmsCertificate or SignedKmsCertificate element.
result<kms_certificate> read_any_certificate(const xmlNode* node, const std::string& path) {
    if (is_element(node, "SignedKmsCertificate")) {
        const xmlNode* inner = first_child(node, "KmsCertificate");
        if (inner == nullptr) {
            return make_error(errc::invalid_argument, path + ": no KmsCertificate");
        }
        return read_certificate(inner, path + "/KmsCertificate");
    }
    return read_certificate(node, path);
}

// UserUri, KmsUri, ClientReqUrl and Time, which a KmsRequest and a KmsResponse both open with: whether `name` was one.
template <class Message>
result<bool> read_shared_field(Message& r, std::string_view name, const xmlNode* child, const std::string& child_path) {
    if (name == "UserUri" || name == "KmsUri" || name == "ClientReqUrl") {
        auto uri = required_uri(child_path, child);
        if (!uri) {
            return std::move(uri).err();
        }
        (name == "UserUri" ? r.user_uri : name == "KmsUri" ? r.kms_uri : r.client_req_url) = std::move(*uri);
        return true;
    }
    if (name == "Time") {
        auto t = parse_date_time(child_path, text_of(child));
        if (!t) {
            return std::move(t).err();
        }
        r.time = *t;
        return true;
    }
    return false;
}

result<kms_request> read_request(const xmlNode* node, const std::string& path) {
    kms_request r;
    bool has_time = false;
    for (const xmlNode* child : elements_of(node)) {
        if (!in_kms_namespace(child)) {
            continue;
        }
        const auto name = name_of(child);
        const std::string child_path = path + "/" + std::string(name);
        auto shared = read_shared_field(r, name, child, child_path);
        if (!shared) {
            return std::move(shared).err();
        }
        if (*shared) {
            has_time = has_time || name == "Time";
        } else if (name == "ClientId") {
            r.client_id = text_of(child);
        } else if (name == "DeviceId") {
            r.device_id = text_of(child);
        } else if (name == "ClientError") {
            auto e = read_error(child, child_path);
            if (!e) {
                return std::move(e).err();
            }
            r.client_error = std::move(*e);
        }
        // KrrList: accepted, not read.
    }
    if (r.user_uri.empty() || r.kms_uri.empty() || r.client_req_url.empty() || !has_time) {
        return make_error(errc::invalid_argument, path + ": incomplete request");
    }
    return r;
}

result<kms_response> read_response(const xmlNode* node, const std::string& path) {
    kms_response r;
    bool has_time = false;
    const xmlNode* message = nullptr;
    const xmlNode* error = nullptr;
    for (const xmlNode* child : elements_of(node)) {
        if (!in_kms_namespace(child)) {
            continue;
        }
        const auto name = name_of(child);
        const std::string child_path = path + "/" + std::string(name);
        auto shared = read_shared_field(r, name, child, child_path);
        if (!shared) {
            return std::move(shared).err();
        }
        if (*shared) {
            has_time = has_time || name == "Time";
        } else if (name == "KmsId") {
            r.kms_id = text_of(child);
        } else if (name == "KmsMessage") {
            message = child;
        } else if (name == "KmsError") {
            error = child;
        }
    }
    if (r.user_uri.empty() || r.kms_uri.empty() || r.client_req_url.empty() || !has_time) {
        return make_error(errc::invalid_argument, path + ": incomplete response");
    }
    if ((message == nullptr) == (error == nullptr)) {
        return make_error(errc::invalid_argument, path + (message == nullptr ? ": neither KmsMessage nor KmsError"
                                                                             : ": both KmsMessage and KmsError"));
    }
    if (error != nullptr) {
        auto e = read_error(error, path + "/KmsError");
        if (!e) {
            return std::move(e).err();
        }
        r.body = std::move(*e);
        return r;
    }
    const std::string message_path = path + "/KmsMessage";
    const xmlNode* content = nullptr;
    for (const xmlNode* child : elements_of(message)) {
        if (is_element(child, "KmsInit") || is_element(child, "KmsKeyProv") || is_element(child, "KmsCertCache")) {
            content = child;
            break;
        }
    }
    if (content == nullptr) {
        return make_error(errc::invalid_argument, message_path + ": no KmsInit, KmsKeyProv or KmsCertCache");
    }
    const std::string content_path = message_path + "/" + std::string(name_of(content));
    if (is_element(content, "KmsInit")) {
        const xmlNode* cert = nullptr;
        for (const xmlNode* child : elements_of(content)) {
            if (is_element(child, "KmsCertificate") || is_element(child, "SignedKmsCertificate")) {
                cert = child;
                break;
            }
        }
        if (cert == nullptr) {
            return make_error(errc::invalid_argument, content_path + ": no KmsCertificate");
        }
        auto certificate = read_any_certificate(cert, content_path + "/" + std::string(name_of(cert)));
        if (!certificate) {
            return std::move(certificate).err();
        }
        r.body = kms_init{std::move(*certificate)};
    } else if (is_element(content, "KmsKeyProv")) {
        std::vector<const xmlNode*> sets;
        for (const xmlNode* child : elements_of(content)) {
            if (is_element(child, "KmsKeySet")) {
                sets.push_back(child);
            }
        }
        if (sets.size() > max_key_sets) {
            return make_error(errc::too_large, content_path + ": " + std::to_string(sets.size()) +
                                                   " key sets, more than " + std::to_string(max_key_sets));
        }
        kms_key_prov prov;
        for (std::size_t i = 0; i < sets.size(); ++i) {
            auto set = read_key_set(sets[i], content_path + "/KmsKeySet[" + std::to_string(i + 1) + "]");
            if (!set) {
                return std::move(set).err();
            }
            prov.key_sets.push_back(std::move(*set));
        }
        r.body = std::move(prov);
    } else {
        kms_cert_cache cache;
        if (auto num = attribute_of(content, "CacheNum")) {
            auto value = parse_integer(content_path + "/@CacheNum", *num);
            if (!value) {
                return std::move(value).err();
            }
            cache.cache_num = *value;
        }
        std::vector<const xmlNode*> certs;
        for (const xmlNode* child : elements_of(content)) {
            if (is_element(child, "KmsCertificate") || is_element(child, "SignedKmsCertificate")) {
                certs.push_back(child);
            }
        }
        if (certs.size() > max_certificates) {
            return make_error(errc::too_large, content_path + ": " + std::to_string(certs.size()) +
                                                   " certificates, more than " + std::to_string(max_certificates));
        }
        for (std::size_t i = 0; i < certs.size(); ++i) {
            auto certificate = read_any_certificate(certs[i], content_path + "/" + std::string(name_of(certs[i])) +
                                                                  "[" + std::to_string(i + 1) + "]");
            if (!certificate) {
                return std::move(certificate).err();
            }
            cache.certificates.push_back(std::move(*certificate));
        }
        r.body = std::move(cache);
    }
    return r;
}

// The KmsResponse element of a SignedKmsResponse or KmsResponse document, with its path.
std::pair<const xmlNode*, std::string> response_element(const xml::document& doc) {
    const xmlNode* root = doc.root();
    if (is_element(root, "SignedKmsResponse")) {
        return {first_child(root, "KmsResponse"), "SignedKmsResponse/KmsResponse"};
    }
    return {root, "KmsResponse"};
}

// A document the encoder built: parsed and validated like one received, so nothing goes out that mcprov would refuse.
result<std::string> checked(std::string text) {
    if (text.size() > max_document_bytes) {
        return make_error(errc::too_large, "the encoded document has " + std::to_string(text.size()) +
                                               " bytes, more than " + std::to_string(max_document_bytes));
    }
    auto doc = xml::parse(text, xml::parse_limits{max_document_bytes, max_document_depth});
    if (!doc) {
        return make_error(errc::internal, "the encoded document does not parse: " + doc.err().message);
    }
    auto schema = kms_interface_schema();
    if (!schema) {
        return std::move(schema).err();
    }
    if (auto valid = (*schema)->validate(*doc); !valid) {
        // Every value was checked above; what is left is a value the schema's types refuse (e.g. an xsd:anyURI).
        return make_error(errc::invalid_argument, "a value does not fit the schema: " + valid.err().message);
    }
    return text;
}

} // namespace

// -------------------------------------------------------------------------------------------------------------------

support::result<std::shared_ptr<const xml::schema>> kms_interface_schema() {
    return xml::load_embedded_schema(kms_interface_schema_path);
}

std::string keyprov_path(std::string_view uri) {
    std::string out(kms_path_keyprov);
    out += '/';
    out += support::percent_encode(uri);
    return out;
}

std::string keyprov_path(std::string_view uri, std::uint64_t ntp_time) {
    std::string out = keyprov_path(uri);
    std::string octets(8, '\0');
    for (int i = 7; i >= 0; --i) {
        octets[static_cast<std::size_t>(i)] = static_cast<char>(ntp_time & 0xFF);
        ntp_time >>= 8;
    }
    out += '/';
    out += upper_hex(octets);
    return out;
}

std::string certcache_path(std::int64_t cache_num) {
    std::string out(kms_path_certcache);
    out += '/';
    out += std::to_string(cache_num);
    return out;
}

std::int64_t to_code(kms_error_code code) noexcept {
    return static_cast<std::int64_t>(code);
}

std::optional<kms_error_code> kms_error_code_from(std::int64_t code) noexcept {
    switch (code) {
    case 400:
    case 401:
    case 403:
    case 404:
    case 409:
    case 413:
    case 500:
    case 503:
        return static_cast<kms_error_code>(code);
    default:
        return std::nullopt;
    }
}

kms_error_code kms_error_code_for(support::errc code) noexcept {
    switch (code) {
    case errc::invalid_argument:
    case errc::not_well_formed:
    case errc::schema_invalid:
    case errc::unsupported_media_type:
        return kms_error_code::bad_request;
    case errc::too_large:
    case errc::uri_too_long:
        return kms_error_code::payload_too_large;
    case errc::unauthenticated:
        return kms_error_code::unauthorized;
    case errc::forbidden:
        return kms_error_code::forbidden;
    case errc::not_found:
        return kms_error_code::not_found;
    case errc::conflict:
    case errc::precondition_failed:
        return kms_error_code::conflict;
    case errc::unavailable:
    case errc::storage_full:
        return kms_error_code::unavailable;
    case errc::io:
    case errc::internal:
        return kms_error_code::internal_error;
    }
    return kms_error_code::internal_error;
}

support::result<std::string> encode_kms_certificate(const kms_certificate& certificate) {
    writer w;
    MCPROV_TRY(write_certificate(w, certificate, "KmsCertificate", root_namespaces(false)));
    return checked(w.finish());
}

support::result<kms_certificate> decode_kms_certificate(std::string_view document) {
    auto doc = load(document, {"KmsCertificate", "SignedKmsCertificate"});
    if (!doc) {
        return std::move(doc).err();
    }
    const xmlNode* root = doc->root();
    return read_any_certificate(root, std::string(name_of(root)));
}

support::result<std::string> encode_kms_key_set(const kms_key_set& key_set) {
    writer w;
    MCPROV_TRY(write_key_set(w, key_set, "KmsKeySet", root_namespaces(true)));
    return checked(w.finish());
}

support::result<kms_key_set> decode_kms_key_set(std::string_view document) {
    auto doc = load(document, {"KmsKeySet"});
    if (!doc) {
        return std::move(doc).err();
    }
    return read_key_set(doc->root(), "KmsKeySet");
}

support::result<std::string> encode_kms_request(const kms_request& request) {
    const std::string path = "KmsRequest";
    MCPROV_TRY(check_required(path + "/UserUri", request.user_uri));
    MCPROV_TRY(check_required(path + "/KmsUri", request.kms_uri));
    MCPROV_TRY(check_text(path + "/ClientId", request.client_id));
    MCPROV_TRY(check_text(path + "/DeviceId", request.device_id));
    MCPROV_TRY(check_required(path + "/ClientReqUrl", request.client_req_url));
    writer w;
    attributes attrs = root_namespaces(false);
    attrs.emplace_back("Version", std::string(request_version));
    w.start("KmsRequest", attrs);
    w.leaf("UserUri", request.user_uri);
    w.leaf("KmsUri", request.kms_uri);
    w.leaf("Time", support::format_utc(request.time));
    if (!request.client_id.empty()) {
        w.leaf("ClientId", request.client_id);
    }
    if (!request.device_id.empty()) {
        w.leaf("DeviceId", request.device_id);
    }
    w.leaf("ClientReqUrl", request.client_req_url);
    if (request.client_error) {
        MCPROV_TRY(write_error(w, "ClientError", *request.client_error, path + "/ClientError"));
    }
    w.end("KmsRequest");
    return checked(w.finish());
}

support::result<kms_request> decode_kms_request(std::string_view document) {
    auto doc = load(document, {"KmsRequest", "SignedKmsRequest"});
    if (!doc) {
        return std::move(doc).err();
    }
    const xmlNode* root = doc->root();
    if (is_element(root, "SignedKmsRequest")) {
        const xmlNode* inner = first_child(root, "KmsRequest");
        if (inner == nullptr) {
            return make_error(errc::invalid_argument, "SignedKmsRequest: no KmsRequest");
        }
        return read_request(inner, "SignedKmsRequest/KmsRequest");
    }
    return read_request(root, "KmsRequest");
}

support::result<std::string> encode_kms_response(const kms_response& response) {
    const std::string path = "SignedKmsResponse/KmsResponse";
    MCPROV_TRY(check_required(path + "/UserUri", response.user_uri));
    MCPROV_TRY(check_required(path + "/KmsUri", response.kms_uri));
    MCPROV_TRY(check_text(path + "/KmsId", response.kms_id));
    MCPROV_TRY(check_required(path + "/ClientReqUrl", response.client_req_url));
    if (const auto* prov = std::get_if<kms_key_prov>(&response.body); prov && prov->key_sets.size() > max_key_sets) {
        return make_error(errc::too_large, path + "/KmsMessage/KmsKeyProv: " + std::to_string(prov->key_sets.size()) +
                                               " key sets, more than " + std::to_string(max_key_sets));
    }
    if (const auto* cache = std::get_if<kms_cert_cache>(&response.body);
        cache && cache->certificates.size() > max_certificates) {
        return make_error(errc::too_large,
                          path + "/KmsMessage/KmsCertCache: " + std::to_string(cache->certificates.size()) +
                              " certificates, more than " + std::to_string(max_certificates));
    }

    writer w;
    w.start("SignedKmsResponse", root_namespaces(true));
    w.start("KmsResponse", {{"Version", std::string(response_version)}});
    w.leaf("UserUri", response.user_uri);
    w.leaf("KmsUri", response.kms_uri);
    w.leaf("Time", support::format_utc(response.time));
    if (!response.kms_id.empty()) {
        w.leaf("KmsId", response.kms_id);
    }
    w.leaf("ClientReqUrl", response.client_req_url);
    if (const auto* error = std::get_if<kms_error>(&response.body)) {
        MCPROV_TRY(write_error(w, "KmsError", *error, path + "/KmsError"));
    } else {
        w.start("KmsMessage");
        const std::string message_path = path + "/KmsMessage";
        if (const auto* init = std::get_if<kms_init>(&response.body)) {
            w.start("KmsInit", {{"Version", std::string(message_version)}});
            MCPROV_TRY(write_certificate(w, init->certificate, message_path + "/KmsInit/KmsCertificate", {}));
            w.end("KmsInit");
        } else if (const auto* prov = std::get_if<kms_key_prov>(&response.body)) {
            w.start("KmsKeyProv", {{"Version", std::string(message_version)}});
            for (std::size_t i = 0; i < prov->key_sets.size(); ++i) {
                MCPROV_TRY(write_key_set(w, prov->key_sets[i],
                                         message_path + "/KmsKeyProv/KmsKeySet[" + std::to_string(i + 1) + "]", {}));
            }
            w.end("KmsKeyProv");
        } else {
            const auto& cache = std::get<kms_cert_cache>(response.body);
            attributes attrs{{"Version", std::string(message_version)}};
            if (cache.cache_num) {
                attrs.emplace_back("CacheNum", std::to_string(*cache.cache_num));
            }
            w.start("KmsCertCache", attrs);
            for (std::size_t i = 0; i < cache.certificates.size(); ++i) {
                MCPROV_TRY(write_certificate(
                    w, cache.certificates[i],
                    message_path + "/KmsCertCache/KmsCertificate[" + std::to_string(i + 1) + "]", {}));
            }
            w.end("KmsCertCache");
        }
        w.end("KmsMessage");
    }
    w.end("KmsResponse");
    w.end("SignedKmsResponse");
    return checked(w.finish());
}

support::result<kms_response> decode_kms_response(std::string_view document) {
    auto doc = load(document, {"SignedKmsResponse", "KmsResponse"});
    if (!doc) {
        return std::move(doc).err();
    }
    const auto [node, path] = response_element(*doc);
    if (node == nullptr) {
        return make_error(errc::invalid_argument, "SignedKmsResponse: no KmsResponse");
    }
    return read_response(node, path);
}

support::result<std::string> sign_kms_response(std::string_view document, const xml::signing_key& key) {
    auto doc = load(document, {"SignedKmsResponse"});
    if (!doc) {
        return std::move(doc).err();
    }
    const auto [node, path] = response_element(*doc);
    if (node == nullptr) {
        return make_error(errc::invalid_argument, "SignedKmsResponse: no KmsResponse");
    }
    if (auto response = read_response(node, path); !response) {
        return std::move(response).err();
    }
    auto signed_document = xml::sign_enveloped(document, key);
    if (!signed_document) {
        return std::move(signed_document).err();
    }
    auto reread = load(*signed_document, {"SignedKmsResponse"});
    if (!reread) {
        return make_error(errc::internal, "the signed response does not validate: " + reread.err().message);
    }
    return signed_document;
}

support::result<verified_kms_response> verify_kms_response(std::string_view document, std::string_view trusted_ca_pem) {
    if (document.size() > max_document_bytes) {
        return make_error(errc::too_large, "document of " + std::to_string(document.size()) +
                                               " bytes exceeds the limit of " + std::to_string(max_document_bytes) +
                                               " bytes");
    }
    // Authenticate before interpreting anything.
    auto verified = xml::verify_enveloped(document, trusted_ca_pem);
    if (!verified) {
        return std::move(verified).err();
    }
    auto response = decode_kms_response(document);
    if (!response) {
        return std::move(response).err();
    }
    return verified_kms_response{std::move(*response), std::move(verified->signer_subject)};
}

} // namespace mcprov::kms_interface

#undef MCPROV_TRY
