#include "mcprov/migration/cscm_interface.hpp"

#include <chrono>
#include <map>
#include <mutex>

#include "mcprov/cscm/delivery_report.hpp"
#include "mcprov/cscm/resources.hpp"
#include "mcprov/http/responses.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::migration {
namespace {

namespace bhttp = boost::beast::http;
using http::make_response;
using support::errc;
using support::make_error;
using support::result;

constexpr auto identification_lifetime = std::chrono::minutes(5);
constexpr std::size_t max_identified = 1024;
// A delivery report is a few hundred bytes; decode_delivery_report refuses anything over 4 KiB.
constexpr std::size_t max_delivery_report_bytes = 4096;

const std::shared_ptr<spdlog::logger>& log() {
    static const auto l = support::logger("cscm");
    return l;
}

const partner_agreement& partner_of(const http::call& c) {
    return **std::any_cast<const partner_agreement*>(&c.who.claims);
}

// The request's correlation id, made usable first: a request without a usable one gets a new one, so that the
// procedure's log lines and every answer, the error policy's included, carry the same.
std::string correlation_id_of(http::request& req) {
    auto field = std::string_view(req[cscm::correlation_header]);
    if (cscm::is_correlation_id(field)) {
        return std::string(field);
    }
    auto cid = cscm::new_correlation_id();
    req.set(cscm::correlation_header, cid);
    return cid;
}

class cscm_interface {
public:
    explicit cscm_interface(std::shared_ptr<migration_services> services) : services_(std::move(services)) {}

    void add_routes(const std::shared_ptr<cscm_interface>& self, http::pipeline& p) {
        auto partners = http::client_certificate_authentication(
            [self](const http::peer_info& peer) { return self->identify(peer); });
        auto errors = [self](const http::error_context& c) { return self->error_answer(c); };
        p.add(http::health_route());
        // Without a service, the MCPTT profile (as partners of the first version of CSCM-x ask).
        for (const auto& [name, path] : {std::pair{"migration-profile", "/cscm-x/v1/users/{user}/migration-profile"},
                                         std::pair{"migration-profile-of-service",
                                                   "/cscm-x/v1/users/{user}/migration-profile/{service}"}}) {
            p.add({.name = name,
                   .methods = {bhttp::verb::get},
                   .path = path,
                   .authenticate = partners,
                   .handle = [self](http::call& c) { return self->provide_migration_profile(c); },
                   .errors = errors,
                   .max_body_bytes = 0});
        }
        p.add({.name = "delivery-reports",
               .methods = {bhttp::verb::post},
               .path = "/cscm-x/v1/users/{user}/delivery-reports",
               .authenticate = partners,
               .handle = [self](http::call& c) { return self->record_delivery_report(c); },
               .errors = errors,
               .max_body_bytes = max_delivery_report_bytes});
        p.add({.name = "visitor",
               .methods = {bhttp::verb::delete_},
               .path = "/cscm-x/v1/visitors/{user}",
               .authenticate = partners,
               .handle = [self](http::call& c) { return self->release_visitor(c); },
               .errors = errors,
               .max_body_bytes = 0});
        p.set_unrouted_error_policy(errors);
    }

private:
    // The agreement whose partner presented this certificate; forbidden if none.
    result<http::caller> identify(const http::peer_info& peer) {
        const partner_agreement* found = nullptr;
        const auto now = std::chrono::steady_clock::now();
        bool known = false;
        {
            std::lock_guard lock(mutex_);
            if (auto it = identified_.find(peer.certificate_pem);
                it != identified_.end() && now - it->second.second < identification_lifetime) {
                found = it->second.first;
                known = true;
            }
        }
        if (!known) {
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
        }
        if (!found) {
            ++services_->cscm.requests;
            ++services_->cscm.refused_peers;
            log()->warn("{} ({}): refused, no migration agreement matches its certificate", peer.address,
                        support::printable(peer.certificate_subject));
            return make_error(errc::forbidden, "no migration agreement with this system");
        }
        http::caller c;
        c.id = found->system;
        c.claims = found;
        return c;
    }

    http::response error_answer(const http::error_context& c) {
        auto res = http::problem(c.status, c.req.version(), c.error.message);
        auto cid = std::string_view(c.req[cscm::correlation_header]);
        res.set(cscm::correlation_header, cscm::is_correlation_id(cid) ? std::string(cid) : cscm::new_correlation_id());
        return res;
    }

    // What every CSCM-x procedure starts from: the correlation id, the resource's user (decoded and checked by the
    // codec both ends share) and the partner that asks.
    struct cscm_request {
        std::string correlation_id;
        std::string user;
        std::string service;
        const partner_agreement& partner;
    };
    result<cscm_request> begin(http::call& c) {
        ++services_->cscm.requests;
        auto cid = correlation_id_of(c.req);
        auto resource = cscm::parse_resource(c.req.target());
        if (!resource) {
            return std::move(resource).err();
        }
        return cscm_request{std::move(cid), std::move(resource->user), std::move(resource->service), partner_of(c)};
    }

    // TS 23.280 10.1.4.x.2 steps 7-8, at the primary: the partner asks for the user's migration profile.
    result<http::response> provide_migration_profile(http::call& c) {
        auto r = begin(c);
        if (!r) {
            return std::move(r).err();
        }
        const auto& [cid, user, service, partner] = *r;
        std::optional<std::string> inm;
        if (auto f = c.req[bhttp::field::if_none_match]; !f.empty()) {
            inm = std::string(f);
        }
        auto outcome = services_->provision->run(
            {user, xcap::service_named(service).value_or(xcap::mc_service::mcptt), partner.system, inm, cid});
        if (!outcome) {
            return std::move(outcome).err();
        }
        services_->releases->release(user, outcome->partners_to_release, cid);
        if (outcome->not_modified) {
            ++services_->cscm.not_modified;
            auto res = make_response(bhttp::status::not_modified, c.req.version());
            res.set(bhttp::field::etag, outcome->profile.etag);
            res.set(cscm::correlation_header, cid);
            return res;
        }
        ++services_->cscm.profiles_provided;
        auto res = make_response(bhttp::status::ok, c.req.version());
        res.set(bhttp::field::content_type, cscm::migration_profile_media_type(service));
        res.set(bhttp::field::etag, outcome->profile.etag);
        res.set(cscm::profile_name_header, outcome->profile.name);
        res.set(cscm::correlation_header, cid);
        res.body() = std::move(outcome->profile.content);
        return res;
    }

    // The partner reports what it delivered to the visiting user (docs/cscm-x.md).
    result<http::response> record_delivery_report(http::call& c) {
        auto r = begin(c);
        if (!r) {
            return std::move(r).err();
        }
        const auto& [cid, user, service, partner] = *r;
        auto report = cscm::decode_delivery_report(c.req.body());
        if (!report) {
            return std::move(report).err();
        }
        auto recorded = services_->serving->record_delivery(user, partner.system, *report);
        if (!recorded) {
            auto e = std::move(recorded).err();
            if (e.code == errc::not_found || e.code == errc::conflict) {
                e.message = "no provision of this user to your system: " + e.message;
            }
            return e;
        }
        ++services_->cscm.delivery_reports;
        log()->info("{} [{}] {} delivered {} {} (template {}, from {})", user, report->correlation_id, partner.system,
                    report->service, report->digest, support::printable(report->template_name), report->profile_etag);
        auto res = make_response(bhttp::status::no_content, c.req.version());
        res.set(cscm::correlation_header, cid);
        return res;
    }

    // The primary says its user is served elsewhere now: this partner deletes its stored copy.
    result<http::response> release_visitor(http::call& c) {
        auto r = begin(c);
        if (!r) {
            return std::move(r).err();
        }
        const auto& [cid, user, service, partner] = *r;
        auto released = services_->retrieval->release(user, partner.system);
        if (!released && released.err().code != errc::forbidden) {
            return std::move(released).err();
        }
        // Whether another system's user visits here (forbidden) is not this partner's business: the same 404.
        if (!released) {
            return make_error(errc::not_found, "no stored profile for this user");
        }
        ++services_->cscm.releases_received;
        if (!*released) {
            log()->info("{} [{}] {} says the user is served elsewhere: nothing stored", user, cid, partner.system);
            return make_error(errc::not_found, "no stored profile for this user");
        }
        log()->info("{} [{}] {} says the user is served elsewhere: stored profile deleted", user, cid, partner.system);
        auto res = make_response(bhttp::status::no_content, c.req.version());
        res.set(cscm::correlation_header, cid);
        return res;
    }

    std::shared_ptr<migration_services> services_;
    std::mutex mutex_;
    // Certificates already matched to an agreement (or to none), and when; checked again after a while (expiry).
    std::map<std::string, std::pair<const partner_agreement*, std::chrono::steady_clock::time_point>> identified_;
};

} // namespace

std::shared_ptr<http::pipeline> create_cscm_interface(std::shared_ptr<migration_services> services,
                                                      std::shared_ptr<support::metrics_registry> metrics) {
    auto p = std::make_shared<http::pipeline>("cscm", std::move(metrics));
    auto interface = std::make_shared<cscm_interface>(std::move(services));
    interface->add_routes(interface, *p);
    return p;
}

} // namespace mcprov::migration
