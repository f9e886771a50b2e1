#include "mcprov/cmc/profile_fetch.hpp"

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "mcprov/migration/served_profile.hpp"

namespace mcprov::cmc {

namespace bhttp = boost::beast::http;
using support::result;

namespace {

std::string document_url(const std::string& base, std::string_view auid, std::string_view user, std::string_view name) {
    return base + "/xcap/" + std::string(auid) + "/users/" + std::string(user) + "/" + std::string(name);
}

result<cms_answer> get(const cms_access& cms, const std::string& url, const http_transport& transport) {
    http::client_request req{bhttp::verb::get, url, {{"Authorization", "Bearer " + cms.token}}, ""};
    http::client_options options;
    if (!cms.ca_file.empty()) {
        options.ca_file = cms.ca_file;
    }
    auto res = transport(req, options);
    if (!res) {
        return std::move(res).err();
    }
    cms_answer answer;
    answer.status = res->result_int();
    answer.entity_tag = std::string((*res)[bhttp::field::etag]);
    answer.warning = std::string((*res)[bhttp::field::warning]);
    answer.age = std::string((*res)[bhttp::field::age]);
    answer.body = std::move(res->body());
    return answer;
}

} // namespace

std::string cms_answer::detail() const {
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (!ec && value.is_object()) {
        if (const auto* d = value.as_object().if_contains("detail"); d && d->is_string()) {
            return std::string(d->as_string());
        }
    }
    return body.substr(0, 200);
}

result<cms_answer> fetch_visitor_profile(const cms_access& partner, xcap::mc_service service, std::string_view user,
                                         const http_transport& transport) {
    return get(partner,
               document_url(partner.base_url, xcap::user_profile_usage(service).auid, user,
                            migration::visitor_profile_name(service)),
               transport);
}

result<cms_answer> fetch_migration_profile(const cms_access& primary, xcap::mc_service service, std::string_view user,
                                           std::string_view name, const http_transport& transport) {
    return get(primary, document_url(primary.base_url, xcap::migration_profile_usage(service).auid, user, name),
               transport);
}

} // namespace mcprov::cmc
