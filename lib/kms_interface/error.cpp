// ErrorType (KmsResponse/KmsError, KmsRequest/ClientError) and the error codes mcprov's KMS puts in it.
#include "annex_d.hpp"

namespace mcprov::kms_interface::detail {
namespace {

struct error_reading : kms_error {
    bool has_code = false;
};

result<void> read_code(error_reading& e, xml::element child, const std::string& path) {
    auto code = parse_integer(path, child.text());
    if (!code) {
        return std::move(code).err();
    }
    e.code = *code;
    e.has_code = true;
    return {};
}

constexpr field_reader<error_reading> error_fields[] = {
    {"ErrorCode", read_code},
    {"ErrorMsg", read_text<error_reading, &error_reading::message>},
};

} // namespace

result<void> write_error(xml::writer& w, std::string_view name, const kms_error& e, const std::string& path) {
    MCPROV_TRY(check_text(path + "/ErrorMsg", e.message));
    w.start(name);
    w.leaf("ErrorCode", std::to_string(e.code));
    // Start and end tag even when the message is empty: "<ErrorMsg></ErrorMsg>".
    w.start("ErrorMsg").text(e.message).end();
    w.end();
    return {};
}

result<kms_error> read_error(xml::element e, const std::string& path) {
    error_reading error;
    MCPROV_TRY(read_children(error, e, path, error_fields));
    if (!error.has_code) {
        return make_error(errc::invalid_argument, path + ": no ErrorCode");
    }
    return kms_error(std::move(error));
}

} // namespace mcprov::kms_interface::detail

namespace mcprov::kms_interface {

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
    using support::errc;
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

} // namespace mcprov::kms_interface
