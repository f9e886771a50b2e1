// KmsResponse (TS 33.180 D.3.1): the KMS's answer, a KmsMessage or a KmsError, written inside a SignedKmsResponse
// (whose signature sign_kms_response adds) and read from either.
#include "annex_d.hpp"

namespace mcprov::kms_interface::detail {
namespace {

result<void> check_envelope(const kms_response& response, const std::string& path) {
    MCPROV_TRY(check_required(path + "/UserUri", response.user_uri));
    MCPROV_TRY(check_required(path + "/KmsUri", response.kms_uri));
    MCPROV_TRY(check_text(path + "/KmsId", response.kms_id));
    MCPROV_TRY(check_required(path + "/ClientReqUrl", response.client_req_url));
    return {};
}

void write_envelope(xml::writer& w, const kms_response& response) {
    w.start_in(kms_interface_namespace, "SignedKmsResponse").declare_namespace("xsi", xsi_namespace);
    w.start("KmsResponse").attribute("Version", response_version);
    w.leaf("UserUri", response.user_uri);
    w.leaf("KmsUri", response.kms_uri);
    w.leaf("Time", format_time(response.time));
    if (!response.kms_id.empty()) {
        w.leaf("KmsId", response.kms_id);
    }
    w.leaf("ClientReqUrl", response.client_req_url);
}

struct response_reading : kms_response {
    bool has_time = false;
    xml::element message;
    xml::element error;
};

result<void> read_response_time(response_reading& r, xml::element e, const std::string& path) {
    MCPROV_TRY((read_time<response_reading, &response_reading::time>(r, e, path)));
    r.has_time = true;
    return {};
}

using reading = response_reading;

// KmsMessage and KmsError: kept, to be read once the envelope is known to be complete.
template <auto member> result<void> keep(reading& r, xml::element e, const std::string&) {
    r.*member = e;
    return {};
}

constexpr field_reader<reading> response_fields[] = {
    {"UserUri", read_uri<reading, &reading::user_uri>},
    {"KmsUri", read_uri<reading, &reading::kms_uri>},
    {"Time", read_response_time},
    {"KmsId", read_text<reading, &reading::kms_id>},
    {"ClientReqUrl", read_uri<reading, &reading::client_req_url>},
    {"KmsMessage", keep<&reading::message>},
    {"KmsError", keep<&reading::error>},
};

} // namespace

std::pair<xml::element, std::string> response_element(const xml::document& doc) {
    const xml::element root = doc.root();
    if (is_kms(root, "SignedKmsResponse")) {
        return {root.first_child(kms_interface_namespace, "KmsResponse"), "SignedKmsResponse/KmsResponse"};
    }
    return {root, "KmsResponse"};
}

result<kms_response> read_response(xml::element e, const std::string& path) {
    response_reading r;
    MCPROV_TRY(read_children(r, e, path, response_fields));
    if (r.user_uri.empty() || r.kms_uri.empty() || r.client_req_url.empty() || !r.has_time) {
        return make_error(errc::invalid_argument, path + ": incomplete response");
    }
    if (!r.message == !r.error) {
        return make_error(errc::invalid_argument,
                          path + (!r.message ? ": neither KmsMessage nor KmsError" : ": both KmsMessage and KmsError"));
    }
    if (r.error) {
        auto error = read_error(r.error, path + "/KmsError");
        if (!error) {
            return std::move(error).err();
        }
        r.body = std::move(*error);
    } else {
        MCPROV_TRY(read_message(r.message, path + "/KmsMessage", r.body));
    }
    return kms_response(std::move(r));
}

} // namespace mcprov::kms_interface::detail

namespace mcprov::kms_interface {

using namespace detail;

support::result<std::string> encode_kms_response(const kms_response& response) {
    const std::string path = "SignedKmsResponse/KmsResponse";
    MCPROV_TRY(check_envelope(response, path));
    MCPROV_TRY(check_message(response.body, path + "/KmsMessage"));
    auto w = new_writer();
    write_envelope(w, response);
    if (const auto* error = std::get_if<kms_error>(&response.body)) {
        MCPROV_TRY(write_error(w, "KmsError", *error, path + "/KmsError"));
    } else {
        MCPROV_TRY(write_message(w, response.body, path + "/KmsMessage"));
    }
    w.end(); // KmsResponse
    w.end(); // SignedKmsResponse
    return checked(w);
}

support::result<kms_response> decode_kms_response(std::string_view document) {
    auto doc = load(document, {"SignedKmsResponse", "KmsResponse"});
    if (!doc) {
        return std::move(doc).err();
    }
    const auto [element, path] = response_element(*doc);
    if (!element) {
        return make_error(errc::invalid_argument, "SignedKmsResponse: no KmsResponse");
    }
    return read_response(element, path);
}

} // namespace mcprov::kms_interface
