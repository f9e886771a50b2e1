// Whole Annex D documents: the writer the encoders share and the check of what they wrote; parsing, the root element
// and the schema for the decoders.
#include <algorithm>

#include "annex_d.hpp"

namespace mcprov::kms_interface::detail {

support::error document_too_large(std::size_t size) {
    return make_error(errc::too_large, "document of " + std::to_string(size) + " bytes exceeds the limit of " +
                                           std::to_string(max_document_bytes) + " bytes");
}

xml::writer new_writer() {
    return xml::writer({.indent = true, .escape_text_as_attribute = true});
}

void end_tag_on_own_line(xml::writer& w, std::size_t depth) {
    w.white_space("\n" + std::string(depth * 2, ' '));
}

result<std::string> checked(xml::writer& w) {
    auto text = w.finish();
    if (!text) {
        return std::move(text).err();
    }
    if (text->size() > max_document_bytes) {
        return make_error(errc::too_large, "the encoded document has " + std::to_string(text->size()) +
                                               " bytes, more than " + std::to_string(max_document_bytes));
    }
    auto doc = xml::parse(*text, xml::parse_limits{max_document_bytes, max_document_depth});
    if (!doc) {
        return make_error(errc::internal, "the encoded document does not parse: " + doc.err().message);
    }
    auto annex_d = kms_interface_schema();
    if (!annex_d) {
        return std::move(annex_d).err();
    }
    if (auto valid = (*annex_d)->validate(*doc); !valid) {
        // Every value was checked before it was written; what is left is a value the schema's types refuse (an
        // xsd:anyURI, for one).
        return make_error(errc::invalid_argument, "a value does not fit the schema: " + valid.err().message);
    }
    return text;
}

namespace {

// The key elements of a KmsKeySet, whose schema type (abstractKeyContentType) is abstract.
constexpr std::string_view key_elements[] = {"UserDecryptKey", "UserSigningKeySSK", "UserPubTokenPVT"};

// Key elements that carry no xsi:type, as some KMSs write them, hold plain key content: they are typed
// KeyContentType here (the QName with the prefix the element's own name uses for the KMS namespace), so that the
// schema takes them as it takes mcprov's own. A key with an xsi:type keeps it, whatever it says.
result<void> type_plain_keys(xml::document& doc, xml::element e) {
    if (is_kms(e, "KmsKeySet")) {
        for (xml::element key : e.children()) {
            const bool is_key = in_kms_namespace(key) && std::find(std::begin(key_elements), std::end(key_elements),
                                                                   key.local_name()) != std::end(key_elements);
            if (!is_key || key.attribute(xsi_namespace, "type")) {
                continue;
            }
            const std::string prefix(key.prefix());
            const std::string type = prefix.empty() ? "KeyContentType" : prefix + ":KeyContentType";
            MCPROV_TRY(doc.set_attribute_in(key, xsi_namespace, "type", type, "xsi"));
        }
        return {};
    }
    for (xml::element child : e.children()) {
        MCPROV_TRY(type_plain_keys(doc, child));
    }
    return {};
}

} // namespace

result<xml::document> load(std::string_view bytes, std::initializer_list<std::string_view> roots) {
    if (bytes.size() > max_document_bytes) {
        return document_too_large(bytes.size());
    }
    auto doc = xml::parse(bytes, xml::parse_limits{max_document_bytes, max_document_depth});
    if (!doc) {
        return std::move(doc).err();
    }
    const std::string root = doc->root_name();
    const std::string ns = doc->root_namespace();
    if (ns != kms_interface_namespace || std::find(roots.begin(), roots.end(), root) == roots.end()) {
        std::string names;
        for (const auto name : roots) {
            names += names.empty() ? "" : " or ";
            names += name;
        }
        return make_error(errc::invalid_argument, "the root element is " + (ns.empty() ? "" : "{" + ns + "}") + root +
                                                      ", expected " + names + " of " +
                                                      std::string(kms_interface_namespace));
    }
    MCPROV_TRY(type_plain_keys(*doc, doc->root()));
    auto annex_d = kms_interface_schema();
    if (!annex_d) {
        return std::move(annex_d).err();
    }
    MCPROV_TRY((*annex_d)->validate(*doc));
    return doc;
}

bool in_kms_namespace(xml::element e) {
    return e.namespace_uri() == kms_interface_namespace;
}

bool is_kms(xml::element e, std::string_view local_name) {
    return e.is(kms_interface_namespace, local_name);
}

result<std::string> required_uri(const std::string& path, xml::element e) {
    std::string value = e.trimmed_text();
    if (value.empty()) {
        return make_error(errc::invalid_argument, path + " is empty");
    }
    return value;
}

} // namespace mcprov::kms_interface::detail
