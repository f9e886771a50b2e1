// The enveloped XML signature of a SignedKmsResponse: sign what the encoder wrote, verify before decoding.
#include "annex_d.hpp"

namespace mcprov::kms_interface {

using namespace detail;

support::result<std::string> sign_kms_response(std::string_view document, const xml::signer& key) {
    auto doc = load(document, {"SignedKmsResponse"});
    if (!doc) {
        return std::move(doc).err();
    }
    const auto [element, path] = response_element(*doc);
    if (!element) {
        return make_error(errc::invalid_argument, "SignedKmsResponse: no KmsResponse");
    }
    MCPROV_TRY(read_response(element, path));
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
        return document_too_large(document.size());
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
