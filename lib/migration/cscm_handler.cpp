#include "mcprov/migration/cscm_handler.hpp"

#include "mcprov/http/responses.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/migration/cscm_client.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::migration {
namespace {

namespace bhttp = boost::beast::http;
using http::make_response;
using http::problem;
using support::errc;

constexpr auto identification_lifetime = std::chrono::minutes(5);
constexpr std::size_t max_identified = 1024;

const std::shared_ptr<spdlog::logger>& log() {
    static const auto l = support::logger("cscm");
    return l;
}

} // namespace

cscm_handler::cscm_handler(std::shared_ptr<migration_services> services)
    : services_(std::move(services)), stats_(services_->cscm) {}

const migration::partner_agreement* cscm_handler::identify(const http::peer_info& peer) {
    if (peer.certificate_pem.empty()) {
        return nullptr;
    }
    const auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mutex_);
        if (auto it = identified_.find(peer.certificate_pem);
            it != identified_.end() && now - it->second.second < identification_lifetime) {
            return it->second.first;
        }
    }
    const migration::partner_agreement* found = nullptr;
    for (const auto& a : services_->agreements.all()) {
        if (http::verify_certificate(peer.certificate_pem, a.ca_pem, a.certificate_name)) {
            found = &a;
            break;
        }
    }
    std::lock_guard lock(mutex_);
    if (identified_.size() >= max_identified) {
        identified_.clear();
    }
    identified_[peer.certificate_pem] = {found, now};
    return found;
}

std::optional<http::response> cscm_handler::screen(const http::request& req, const http::peer_info& peer) {
    if (!identify(peer)) {
        ++stats_.refused_peers;
        return problem(bhttp::status::forbidden, req.version(), "no migration agreement with this system");
    }
    if (req.method() != bhttp::verb::post) {
        return problem(bhttp::status::method_not_allowed, req.version(), "only delivery reports carry a body");
    }
    return std::nullopt;
}

http::response cscm_handler::handle(http::request&& req, const http::peer_info& peer) {
    ++stats_.requests;
    const auto version = req.version();
    const auto target = std::string_view(req.target());
    if (target == "/healthz") {
        auto res = make_response(bhttp::status::ok, version);
        res.set(bhttp::field::content_type, "text/plain");
        res.body() = "ok\n";
        return res;
    }
    const auto* partner = identify(peer);
    if (!partner) {
        ++stats_.refused_peers;
        log()->warn("{} ({}): refused, no migration agreement matches its certificate", peer.address,
                    peer.certificate_subject);
        return problem(bhttp::status::forbidden, version, "no migration agreement with this system");
    }
    auto cid_field = std::string_view(req[cscm::correlation_header]);
    const std::string cid = cscm::is_correlation_id(cid_field) ? std::string(cid_field) : cscm::new_correlation_id();
    auto answer = [&](http::response res) {
        res.set(cscm::correlation_header, cid);
        return res;
    };

    auto resource = cscm::parse_resource(target);
    if (!resource) {
        return answer(resource.err().code == errc::not_found
                          ? problem(bhttp::status::not_found, version, "no such CSCM-x resource")
                          : problem(bhttp::status::bad_request, version, resource.err().message));
    }
    const auto* user = &resource->user;
    switch (resource->kind) {
    case cscm::resource_kind::migration_profile: {
        if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
            auto res = problem(bhttp::status::method_not_allowed, version, "use GET");
            res.set(bhttp::field::allow, "GET, HEAD");
            return answer(std::move(res));
        }
        std::optional<std::string> inm;
        if (auto f = req[bhttp::field::if_none_match]; !f.empty()) {
            inm = std::string(f);
        }
        auto outcome = services_->provision->run({*user, partner->system, inm, cid});
        if (!outcome) {
            if (outcome.err().code == errc::not_found) {
                return answer(problem(bhttp::status::not_found, version, outcome.err().message));
            }
            log()->error("{} [{}] provision to {}: {}", *user, cid, partner->system, outcome.err().message);
            return answer(problem(bhttp::status::internal_server_error, version, "internal error"));
        }
        services_->releases->release(*user, outcome->partners_to_release, cid);
        if (outcome->not_modified) {
            ++stats_.not_modified;
            auto res = make_response(bhttp::status::not_modified, version);
            res.set(bhttp::field::etag, outcome->profile.etag);
            return answer(std::move(res));
        }
        ++stats_.profiles_provided;
        auto res = make_response(bhttp::status::ok, version);
        res.set(bhttp::field::content_type, cscm::migration_profile_media_type);
        res.set(bhttp::field::etag, outcome->profile.etag);
        res.set(cscm::profile_name_header, outcome->profile.name);
        res.body() = std::move(outcome->profile.content);
        return answer(std::move(res));
    }
    case cscm::resource_kind::delivery_reports: {
        if (req.method() != bhttp::verb::post) {
            auto res = problem(bhttp::status::method_not_allowed, version, "use POST");
            res.set(bhttp::field::allow, "POST");
            return answer(std::move(res));
        }
        auto report = cscm::decode_delivery_report(req.body());
        if (!report) {
            return answer(problem(report.err().code == errc::too_large ? bhttp::status::payload_too_large
                                                                       : bhttp::status::bad_request,
                                  version, report.err().message));
        }
        auto recorded = services_->serving->record_delivery(*user, partner->system, *report);
        if (!recorded) {
            auto status = recorded.err().code == errc::not_found  ? bhttp::status::not_found
                          : recorded.err().code == errc::conflict ? bhttp::status::conflict
                                                                  : bhttp::status::internal_server_error;
            return answer(problem(status, version,
                                  status == bhttp::status::internal_server_error
                                      ? std::string("internal error")
                                      : "no provision of this user to your system: " + recorded.err().message));
        }
        ++stats_.delivery_reports;
        log()->info("{} [{}] {} delivered {} (template {}, from {})", *user, report->correlation_id, partner->system,
                    report->digest, report->template_name, report->profile_etag);
        return answer(make_response(bhttp::status::no_content, version));
    }
    case cscm::resource_kind::visitor: {
        if (req.method() != bhttp::verb::delete_) {
            auto res = problem(bhttp::status::method_not_allowed, version, "use DELETE");
            res.set(bhttp::field::allow, "DELETE");
            return answer(std::move(res));
        }
        auto released = services_->retrieval->release(*user, partner->system);
        if (!released) {
            if (released.err().code == errc::forbidden) {
                // Whether another system's user visits here is not this partner's business.
                return answer(problem(bhttp::status::not_found, version, "no stored profile for this user"));
            }
            log()->error("{} [{}] release by {}: {}", *user, cid, partner->system, released.err().message);
            return answer(problem(bhttp::status::internal_server_error, version, "internal error"));
        }
        ++stats_.releases_received;
        log()->info("{} [{}] {} says the user is served elsewhere: {}", *user, cid, partner->system,
                    *released ? "stored profile deleted" : "nothing stored");
        return answer(*released ? make_response(bhttp::status::no_content, version)
                                : problem(bhttp::status::not_found, version, "no stored profile for this user"));
    }
    }
    return answer(problem(bhttp::status::not_found, version, "no such CSCM-x resource"));
}

} // namespace mcprov::migration
