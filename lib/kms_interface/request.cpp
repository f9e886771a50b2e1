// KmsRequest (TS 33.180 D.2.2): what a client POSTs to the KMS. The KrrList and extensions of other namespaces are
// accepted and left out; a SignedKmsRequest's ds:Signature (the InK/TrK HMAC of the D.1 extension) is not checked.
#include "annex_d.hpp"

namespace mcprov::kms_interface::detail {
namespace {

result<void> check_request(const kms_request& request, const std::string& path) {
    MCPROV_TRY(check_required(path + "/UserUri", request.user_uri));
    MCPROV_TRY(check_required(path + "/KmsUri", request.kms_uri));
    MCPROV_TRY(check_text(path + "/ClientId", request.client_id));
    MCPROV_TRY(check_text(path + "/DeviceId", request.device_id));
    MCPROV_TRY(check_required(path + "/ClientReqUrl", request.client_req_url));
    return {};
}

struct request_reading : kms_request {
    bool has_time = false;
};

result<void> read_request_time(request_reading& r, xml::element e, const std::string& path) {
    MCPROV_TRY((read_time<request_reading, &request_reading::time>(r, e, path)));
    r.has_time = true;
    return {};
}

result<void> read_client_error(request_reading& r, xml::element e, const std::string& path) {
    auto error = read_error(e, path);
    if (!error) {
        return std::move(error).err();
    }
    r.client_error = std::move(*error);
    return {};
}

using reading = request_reading;

constexpr field_reader<reading> request_fields[] = {
    {"UserUri", read_uri<reading, &reading::user_uri>},
    {"KmsUri", read_uri<reading, &reading::kms_uri>},
    {"Time", read_request_time},
    {"ClientId", read_text<reading, &reading::client_id>},
    {"DeviceId", read_text<reading, &reading::device_id>},
    {"ClientReqUrl", read_uri<reading, &reading::client_req_url>},
    {"ClientError", read_client_error},
};

result<kms_request> read_request(xml::element e, const std::string& path) {
    request_reading r;
    MCPROV_TRY(read_children(r, e, path, request_fields));
    if (r.user_uri.empty() || r.kms_uri.empty() || r.client_req_url.empty() || !r.has_time) {
        return make_error(errc::invalid_argument, path + ": incomplete request");
    }
    return kms_request(std::move(r));
}

} // namespace
} // namespace mcprov::kms_interface::detail

namespace mcprov::kms_interface {

using namespace detail;

support::result<std::string> encode_kms_request(const kms_request& request) {
    const std::string path = "KmsRequest";
    MCPROV_TRY(check_request(request, path));
    auto w = new_writer();
    w.start_in(kms_interface_namespace, "KmsRequest").attribute("Version", request_version);
    w.leaf("UserUri", request.user_uri);
    w.leaf("KmsUri", request.kms_uri);
    w.leaf("Time", format_time(request.time));
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
    w.end();
    return checked(w);
}

support::result<kms_request> decode_kms_request(std::string_view document) {
    auto doc = load(document, {"KmsRequest", "SignedKmsRequest"});
    if (!doc) {
        return std::move(doc).err();
    }
    const xml::element root = doc->root();
    if (is_kms(root, "SignedKmsRequest")) {
        const xml::element inner = root.first_child(kms_interface_namespace, "KmsRequest");
        if (!inner) {
            return make_error(errc::invalid_argument, "SignedKmsRequest: no KmsRequest");
        }
        return read_request(inner, "SignedKmsRequest/KmsRequest");
    }
    return read_request(root, "KmsRequest");
}

} // namespace mcprov::kms_interface
