#include "mcprov/migration/cscm_client.hpp"

#include <boost/beast/http.hpp>

#include "mcprov/support/encoding.hpp"

namespace mcprov::migration {
namespace {

namespace bhttp = boost::beast::http;
using support::errc;
using support::make_error;
using support::result;

std::string url_of(const migration::partner_agreement& peer, cscm::resource_kind kind, std::string_view user,
                   std::string_view service = "mcptt") {
    return peer.endpoint + cscm::path_of({kind, std::string(user), std::string(service)});
}

// An answer the procedure cannot use, as an error of the right class.
support::error unexpected(const http::response& res, const std::string& peer) {
    auto status = res.result_int();
    auto detail = peer + " answered " + std::to_string(status);
    if (status == 404) {
        return make_error(errc::not_found, detail);
    }
    if (status == 403 || status == 401) {
        return make_error(errc::forbidden, detail);
    }
    return make_error(errc::unavailable, detail);
}

} // namespace

cscm_client::cscm_client(cscm_client_config config) : config_(std::move(config)) {
    if (!config_.metrics) {
        config_.metrics = std::make_shared<support::metrics_registry>();
    }
}

result<std::shared_ptr<cscm_client>> cscm_client::create(cscm_client_config config,
                                                         const migration::agreement_set& agreements) {
    auto client = std::make_shared<cscm_client>(std::move(config));
    for (const auto& a : agreements.all()) {
        client->health_of(a.system); // its series exist from the start
        if (auto prepared = client->client_for(a); !prepared) {
            return make_error(errc::invalid_argument, "partner " + a.system + ": " + prepared.err().message);
        }
    }
    return client;
}

result<std::shared_ptr<http::client>> cscm_client::client_for(const migration::partner_agreement& peer) {
    std::lock_guard lock(mutex_);
    auto key = std::make_pair(peer.system, peer.ca_file);
    if (auto it = clients_.find(key); it != clients_.end()) {
        return it->second;
    }
    http::client_options options;
    options.ca_file = peer.ca_file;
    options.certificate_chain = config_.certificate_chain;
    options.private_key = config_.private_key;
    options.timeout = config_.timeout;
    // The largest answer is a migration profile (1 MiB); fetch() asks for less where less is expected.
    options.max_response_bytes = 1024 * 1024;
    auto created = http::create_client(options);
    if (!created) {
        return std::move(created).err();
    }
    std::shared_ptr<http::client> client = std::move(created).value();
    clients_.emplace(std::move(key), client);
    return client;
}

result<http::response> cscm_client::exchange(const migration::partner_agreement& peer, const http::client_request& req,
                                             std::size_t max_response_bytes) {
    auto client = client_for(peer);
    if (!client) {
        return make_error(errc::unavailable, peer.system + ": " + client.err().message);
    }
    auto res = (*client)->fetch(req, max_response_bytes);
    // A partner that answers at all, below 500, is up; its refusals are about the request.
    auto& health = health_of(peer.system);
    res && res->result_int() < 500 ? health.answered() : health.failed();
    if (!res) {
        return make_error(errc::unavailable, peer.system + ": " + res.err().message);
    }
    return res;
}

support::peer_health& cscm_client::health_of(const std::string& system) {
    std::lock_guard lock(mutex_);
    auto& health = health_[system];
    if (!health) {
        health = std::make_unique<support::peer_health>(config_.metrics, "mcprov_migration_partner", system);
    }
    return *health;
}

result<migration::fetched_migration_profile>
cscm_client::fetch_migration_profile(const migration::partner_agreement& primary, xcap::mc_service service,
                                     std::string_view user, const std::optional<std::string>& if_none_match,
                                     std::string_view cid) {
    const auto service_name = xcap::to_string(service);
    http::client_request req;
    req.url = url_of(primary, cscm::resource_kind::migration_profile, user, service_name);
    req.headers.emplace_back(std::string(cscm::correlation_header), std::string(cid));
    req.headers.emplace_back("Accept", cscm::migration_profile_media_type(service_name));
    if (if_none_match) {
        req.headers.emplace_back("If-None-Match", *if_none_match);
    }
    auto res = exchange(primary, req, 1024 * 1024);
    if (!res) {
        return std::move(res).err();
    }
    migration::fetched_migration_profile out;
    if (res->result() == bhttp::status::not_modified) {
        out.not_modified = true;
        return out;
    }
    if (res->result() != bhttp::status::ok) {
        return unexpected(*res, primary.system);
    }
    out.etag = std::string((*res)[bhttp::field::etag]);
    out.name = std::string((*res)[cscm::profile_name_header]);
    out.content = std::move(res->body());
    if (out.etag.empty()) {
        return make_error(errc::unavailable, primary.system + " sent a migration profile without an entity tag");
    }
    return out;
}

result<void> cscm_client::report_delivery(const migration::partner_agreement& primary, std::string_view user,
                                          const migration::delivery_report& report) {
    http::client_request req;
    req.method = bhttp::verb::post;
    req.url = url_of(primary, cscm::resource_kind::delivery_reports, user);
    req.headers.emplace_back(std::string(cscm::correlation_header), report.correlation_id);
    req.headers.emplace_back("Content-Type", std::string(cscm::delivery_report_media_type));
    req.body = cscm::encode_delivery_report(report);
    auto res = exchange(primary, req, 64 * 1024);
    if (!res) {
        return std::move(res).err();
    }
    if (res->result() != bhttp::status::no_content) {
        return unexpected(*res, primary.system);
    }
    return {};
}

result<void> cscm_client::release_visitor(const migration::partner_agreement& partner, std::string_view user,
                                          std::string_view cid) {
    http::client_request req;
    req.method = bhttp::verb::delete_;
    req.url = url_of(partner, cscm::resource_kind::visitor, user);
    req.headers.emplace_back(std::string(cscm::correlation_header), std::string(cid));
    auto res = exchange(partner, req, 64 * 1024);
    if (!res) {
        return std::move(res).err();
    }
    if (res->result() != bhttp::status::no_content && res->result() != bhttp::status::not_found) {
        return unexpected(*res, partner.system);
    }
    return {};
}

http::client::handshake_counts cscm_client::handshakes() {
    std::lock_guard lock(mutex_);
    http::client::handshake_counts total;
    for (const auto& [key, client] : clients_) {
        const auto counts = client->handshakes();
        total.full += counts.full;
        total.resumed += counts.resumed;
    }
    return total;
}

} // namespace mcprov::migration
