// The KMS Redirect Response (TS 33.180 5.2.8, D.4): its document, signed or not, and its reading.
#include "mcprov/kms_interface/kms_redirect_response.hpp"

#include "annex_d.hpp"

namespace mcprov::kms_interface {
namespace {

using namespace detail;

constexpr std::string_view krr_version = "1.0.0";

// Deep enough for max_krr_nesting KRRs one in another, each with its signature.
constexpr std::size_t max_krr_depth = 8 + max_krr_nesting * 8;

const xml::signature_options krr_signature{.inclusive_c14n = true, .embedded_signatures = true};

result<xml::document> load_krr(std::string_view bytes) {
    if (bytes.size() > max_krr_bytes) {
        return make_error(errc::too_large, "a KMS Redirect Response of " + std::to_string(bytes.size()) +
                                               " bytes exceeds the limit of " + std::to_string(max_krr_bytes));
    }
    auto doc = xml::parse(bytes, xml::parse_limits{max_krr_bytes, max_krr_depth});
    if (!doc) {
        return std::move(doc).err();
    }
    if (doc->root_namespace() != krr_namespace || doc->root_name() != "KmsRedirectResponse") {
        return make_error(errc::invalid_argument, "the root element is not KmsRedirectResponse of " +
                                                      std::string(krr_namespace));
    }
    auto schema = kms_interface_schema();
    if (!schema) {
        return std::move(schema).err();
    }
    MCPROV_TRY((*schema)->validate(*doc));
    return doc;
}

result<void> check_uri(const std::string& path, std::string_view value) {
    MCPROV_TRY(check_required(path, value));
    if (value.size() > 2048) {
        return make_error(errc::invalid_argument, path + ": longer than 2048 bytes");
    }
    return {};
}

// The KRR of `e` (the root, or an EmbeddedKrr's child) and the KRRs it embeds; `documents` gets the embedded ones'
// text, outermost first, for their signatures.
result<received_krr> read_krr(xml::element e, std::size_t nesting, std::vector<std::string>* documents) {
    if (nesting > max_krr_nesting) {
        return make_error(errc::too_large, "KMS Redirect Responses embedded more than " +
                                               std::to_string(max_krr_nesting) + " deep");
    }
    received_krr out;
    auto& k = out.krr;
    for (auto child : e.children()) {
        const std::string name(child.local_name());
        if (child.is("http://www.w3.org/2000/09/xmldsig#", "Signature")) {
            out.is_signed = true;
        } else if (name == "Time") {
            auto t = parse_time("KmsRedirectResponse/Time", child.trimmed_text());
            if (!t) {
                return std::move(t).err();
            }
            k.time = *t;
        } else if (name == "RedirectorUri") {
            k.redirector = child.trimmed_text();
        } else if (name == "InitiatorUri") {
            k.initiator = child.trimmed_text();
        } else if (name == "ResponderUri") {
            k.responder = child.trimmed_text();
        } else if (name == "RejectedKmsUri") {
            k.rejected_kms = child.trimmed_text();
            k.role = child.attribute("Role").value_or("") == "initiator" ? krr_role::initiator : krr_role::responder;
        } else if (name == "AcceptableKmsUris") {
            for (auto uri : child.children(krr_namespace, "KmsUri")) {
                if (k.acceptable.size() == max_krr_kms_uris) {
                    return make_error(errc::too_large, "more than " + std::to_string(max_krr_kms_uris) +
                                                           " acceptable KMS URIs");
                }
                k.acceptable.push_back(uri.trimmed_text());
            }
        } else if (name == "Reason") {
            k.reason = child.text();
        } else if (name == "EmbeddedKrr") {
            auto inner = child.children(krr_namespace, "KmsRedirectResponse").begin();
            auto text = (*inner).serialize(max_krr_bytes);
            if (!text) {
                return std::move(text).err();
            }
            if (documents) {
                documents->push_back(*text);
            }
            auto embedded = read_krr(*inner, nesting + 1, documents);
            if (!embedded) {
                return std::move(embedded).err();
            }
            out.nesting = embedded->nesting + 1;
            k.embedded = std::move(*text);
        }
    }
    return out;
}

result<received_krr> decode(std::string_view document, std::vector<std::string>* documents) {
    auto doc = load_krr(document);
    if (!doc) {
        return std::move(doc).err();
    }
    return read_krr(doc->root(), 0, documents);
}

} // namespace

std::string_view to_string(krr_role role) {
    return role == krr_role::initiator ? "initiator" : "responder";
}

result<std::string> encode_kms_redirect_response(const kms_redirect_response& krr) {
    MCPROV_TRY(check_uri("KmsRedirectResponse/RedirectorUri", krr.redirector));
    MCPROV_TRY(check_uri("KmsRedirectResponse/InitiatorUri", krr.initiator));
    MCPROV_TRY(check_uri("KmsRedirectResponse/ResponderUri", krr.responder));
    MCPROV_TRY(check_uri("KmsRedirectResponse/RejectedKmsUri", krr.rejected_kms));
    if (krr.acceptable.size() > max_krr_kms_uris) {
        return make_error(errc::invalid_argument, "more than " + std::to_string(max_krr_kms_uris) +
                                                      " acceptable KMS URIs");
    }
    for (const auto& uri : krr.acceptable) {
        MCPROV_TRY(check_uri("KmsRedirectResponse/AcceptableKmsUris/KmsUri", uri));
    }
    MCPROV_TRY(check_text("KmsRedirectResponse/Reason", krr.reason));
    std::string embedded;
    if (krr.embedded) {
        // What is embedded must itself be a KRR, and goes in as the element it was, declaration aside.
        auto doc = load_krr(*krr.embedded);
        if (!doc) {
            return make_error(errc::invalid_argument, "the KRR to embed does not read: " + doc.err().message);
        }
        auto nested = read_krr(doc->root(), 1, nullptr);
        if (!nested) {
            return make_error(errc::invalid_argument, "the KRR to embed does not read: " + nested.err().message);
        }
        auto text = doc->root().serialize(max_krr_bytes);
        if (!text) {
            return std::move(text).err();
        }
        embedded = std::move(*text);
    }
    auto w = xml::writer({.indent = true, .escape_text_as_attribute = true});
    w.start_in(krr_namespace, "KmsRedirectResponse").attribute("Version", krr_version);
    w.leaf("Time", format_time(krr.time));
    w.leaf("RedirectorUri", krr.redirector);
    w.leaf("InitiatorUri", krr.initiator);
    w.leaf("ResponderUri", krr.responder);
    w.start("RejectedKmsUri").attribute("Role", to_string(krr.role)).text(krr.rejected_kms).end();
    w.start("AcceptableKmsUris");
    for (const auto& uri : krr.acceptable) {
        w.leaf("KmsUri", uri);
    }
    w.end();
    if (!krr.reason.empty()) {
        w.leaf("Reason", krr.reason);
    }
    if (krr.embedded) {
        w.start("EmbeddedKrr").fragment(embedded).end();
    }
    w.end();
    auto text = w.finish();
    if (!text) {
        return std::move(text).err();
    }
    // Read back as a receiver would: the schema's types have the last word (an xsd:anyURI, for one).
    if (auto back = decode(*text, nullptr); !back) {
        return make_error(errc::invalid_argument, "a value does not fit the schema: " + back.err().message);
    }
    return text;
}

result<std::string> sign_kms_redirect_response(const kms_redirect_response& krr, const xml::signer& key) {
    auto text = encode_kms_redirect_response(krr);
    if (!text) {
        return text;
    }
    return xml::sign_enveloped(*text, key, krr_signature);
}

result<received_krr> decode_kms_redirect_response(std::string_view document) {
    return decode(document, nullptr);
}

result<krr_signers> verify_kms_redirect_response(std::string_view document, std::string_view trusted_ca_pem) {
    std::vector<std::string> documents{std::string(document)};
    auto read = decode(document, &documents);
    if (!read) {
        return std::move(read).err();
    }
    krr_signers out;
    for (std::size_t i = 0; i < documents.size(); ++i) {
        auto verified = xml::verify_enveloped(documents[i], trusted_ca_pem, krr_signature);
        if (!verified) {
            return make_error(verified.err().code, (i == 0 ? std::string("the KRR: ")
                                                           : "the KRR embedded " + std::to_string(i) + " deep: ") +
                                                       verified.err().message);
        }
        out.subjects.push_back(verified->signer_subject);
    }
    return out;
}

} // namespace mcprov::kms_interface
