#include "mcprov/kmc/kms_client.hpp"

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "mcprov/http/client.hpp"
#include "mcprov/mikey/user_identifier.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::kmc {

using namespace kms_interface; // the Annex D documents this function serves

namespace bhttp = boost::beast::http;
using support::errc;
using support::make_error;
using support::result;

namespace {

class kms_client_impl final : public kms_client {
public:
    kms_client_impl(kms_client_config config, std::unique_ptr<http::client> http, std::string ca_pem,
                    std::shared_ptr<support::clock> clock)
        : config_(std::move(config)), http_(std::move(http)), ca_pem_(std::move(ca_pem)), clock_(std::move(clock)) {}

    result<kms_certificate> init() override;
    result<kms_key_set> keyprov(std::optional<std::chrono::system_clock::time_point> at) override;
    result<kms_cert_cache> certcache(std::optional<std::int64_t> known) override;
    result<void> report_use(std::string_view external_kms_uri, std::string_view peer_uri,
                            std::chrono::system_clock::time_point used_at) override;

private:
    result<kms_response> post(const std::string& path);

    kms_client_config config_;
    std::unique_ptr<http::client> http_;
    std::string ca_pem_;
    std::shared_ptr<support::clock> clock_;
    std::string kms_uri_; // learnt from init
};

} // namespace

result<std::unique_ptr<kms_client>> kms_client::create(kms_client_config config,
                                                       std::shared_ptr<support::clock> clock) {
    auto ca = support::read_file(config.ca_file, 1024 * 1024);
    if (!ca) {
        return make_error(errc::invalid_argument, "the KMS's CA: " + ca.err().message);
    }
    http::client_options options;
    options.ca_file = config.ca_file;
    options.timeout = config.timeout;
    options.max_response_bytes = max_document_bytes;
    auto http = http::create_client(options);
    if (!http) {
        return std::move(http).err();
    }
    return std::unique_ptr<kms_client>(
        std::make_unique<kms_client_impl>(std::move(config), std::move(http).value(), std::move(ca).value(),
                                          clock ? std::move(clock) : support::create_system_clock()));
}

result<kms_response> kms_client_impl::post(const std::string& path) {
    http::client_request req;
    req.method = bhttp::verb::post;
    req.url = config_.kms_url + path;
    req.headers.emplace_back("Authorization", "Bearer " + config_.access_token);
    if (!kms_uri_.empty()) {
        kms_request request;
        request.user_uri = config_.user_uri;
        request.kms_uri = kms_uri_;
        request.time = clock_->now();
        request.client_id = "mcprov";
        request.client_req_url = "https://" + kms_uri_ + path;
        auto body = encode_kms_request(request);
        if (!body) {
            return std::move(body).err();
        }
        req.body = std::move(body).value();
        req.headers.emplace_back("Content-Type", "application/xml");
    }
    auto res = http_->fetch(req);
    if (!res) {
        return std::move(res).err();
    }
    auto verified = verify_kms_response(res->body(), ca_pem_);
    if (!verified) {
        return make_error(verified.err().code, config_.kms_url + " answered " + std::to_string(res->result_int()) +
                                                   " without a valid signed KmsResponse: " + verified.err().message);
    }
    auto& response = verified->response;
    if (const auto* e = std::get_if<kms_error>(&response.body)) {
        auto code = kms_error_code_from(e->code);
        auto kind = !code                                   ? errc::internal
                    : *code == kms_error_code::unauthorized ? errc::unauthenticated
                    : *code == kms_error_code::forbidden    ? errc::forbidden
                    : *code == kms_error_code::not_found    ? errc::not_found
                    : *code == kms_error_code::bad_request  ? errc::invalid_argument
                    : *code == kms_error_code::conflict     ? errc::conflict
                                                            : errc::unavailable;
        return make_error(kind, "KmsError " + std::to_string(e->code) + ": " + e->message);
    }
    return std::move(response);
}

result<kms_certificate> kms_client_impl::init() {
    auto response = post(std::string(kms_path_init));
    if (!response) {
        return std::move(response).err();
    }
    auto* body = std::get_if<kms_init>(&response->body);
    if (!body) {
        return make_error(errc::invalid_argument, "the KMS answered init without a KmsInit");
    }
    kms_uri_ = body->certificate.kms_uri;
    return std::move(body->certificate);
}

result<kms_key_set> kms_client_impl::keyprov(std::optional<std::chrono::system_clock::time_point> at) {
    std::string path;
    if (at) {
        auto ntp = mikey::to_ntp_timestamp(*at);
        if (!ntp) {
            return std::move(ntp).err();
        }
        path = keyprov_path(config_.user_uri, *ntp);
    } else {
        path = std::string(kms_path_keyprov);
    }
    auto response = post(path);
    if (!response) {
        return std::move(response).err();
    }
    auto* body = std::get_if<kms_key_prov>(&response->body);
    if (!body || body->key_sets.empty()) {
        return make_error(errc::invalid_argument, "the KMS answered keyprov without a key set");
    }
    return std::move(body->key_sets.front());
}

result<kms_cert_cache> kms_client_impl::certcache(std::optional<std::int64_t> known) {
    auto response = post(known ? certcache_path(*known) : std::string(kms_path_certcache));
    if (!response) {
        return std::move(response).err();
    }
    auto* body = std::get_if<kms_cert_cache>(&response->body);
    if (!body) {
        return make_error(errc::invalid_argument, "the KMS answered certcache without a KmsCertCache");
    }
    return std::move(*body);
}

result<void> kms_client_impl::report_use(std::string_view external_kms_uri, std::string_view peer_uri,
                                         std::chrono::system_clock::time_point used_at) {
    http::client_request req;
    req.method = bhttp::verb::post;
    req.url = config_.kms_url + "/kms/v1/use-reports";
    req.headers.emplace_back("Authorization", "Bearer " + config_.access_token);
    req.headers.emplace_back("Content-Type", "application/json");
    boost::json::object body{
        {"external_kms_uri", external_kms_uri}, {"peer_uri", peer_uri}, {"used_at", support::format_utc(used_at)}};
    req.body = boost::json::serialize(body);
    auto res = http_->fetch(req);
    if (!res) {
        return std::move(res).err();
    }
    if (res->result() != bhttp::status::no_content) {
        return make_error(errc::unavailable,
                          "the KMS refused the use report (" + std::to_string(res->result_int()) + "): " + res->body());
    }
    return {};
}

} // namespace mcprov::kmc
