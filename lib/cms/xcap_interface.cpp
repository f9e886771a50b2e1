#include "mcprov/cms/xcap_interface.hpp"

#include <atomic>
#include <cstdint>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "mcprov/cscm/resources.hpp"
#include "mcprov/http/responses.hpp"
#include "mcprov/migration/cscm_client.hpp"
#include "mcprov/migration/served_profile.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/log.hpp"
#include "mcprov/xcap/application_usage.hpp"
#include "mcprov/xcap/xcap_uri.hpp"
#include "mcprov/xml/node_selector.hpp"
#include "mcprov/xml/writer.hpp"

namespace mcprov::cms {
namespace {

namespace bhttp = boost::beast::http;
using http::make_response;
using http::problem;
using support::errc;
using support::make_error;
using support::result;

const std::shared_ptr<spdlog::logger>& log() {
    static const auto l = support::logger("cms");
    return l;
}

// Counters of what the XCAP interface did, served at GET /stats beside the pipeline's per-route counters.
struct xcap_stats {
    std::atomic<std::uint64_t> documents_served{0};
    std::atomic<std::uint64_t> not_modified{0};
    std::atomic<std::uint64_t> unauthenticated{0};
    std::atomic<std::uint64_t> forbidden{0};
    std::atomic<std::uint64_t> not_found{0};
    std::atomic<std::uint64_t> writes{0};
    std::atomic<std::uint64_t> writes_rejected{0};
    std::atomic<std::uint64_t> deletes{0};
    std::atomic<std::uint64_t> visitor_requests{0}; // visiting users' requests (TS 23.280 10.1.4.x.2 step 1)
    std::atomic<std::uint64_t> visitor_stale{0};    // answered with a stored copy while the primary was unreachable
    std::atomic<std::uint64_t> visitor_refused{0};  // answered with an error
};

// Who sent a request, as its access token says: this system's user, administrator or MC service server, or a
// visiting user of a partner system (whose token that partner's identity management server issued).
struct xcap_caller {
    identity::access_token token;
    const migration::partner_agreement* visiting_from = nullptr;
};

const xcap_caller& claims_of(const http::caller& c) {
    return *std::any_cast<xcap_caller>(&c.claims);
}

// An RFC 4825 section 11 error: 409 with an application/xcap-error+xml body naming the condition.
http::response xcap_error(unsigned version, std::string_view condition, std::string_view phrase) {
    auto write = [&](bool with_phrase) {
        xml::writer w;
        w.start_in("urn:ietf:params:xml:ns:xcap-error", "xcap-error").start(condition);
        if (with_phrase) {
            w.attribute("phrase", phrase);
        }
        w.end().end();
        return w.finish();
    };
    // A phrase XML cannot carry (a control character from the refused document) is left out, not the error.
    auto body = write(true);
    if (!body) {
        body = write(false);
    }
    auto res = make_response(bhttp::status::conflict, version);
    res.set(bhttp::field::content_type, "application/xcap-error+xml");
    res.body() = body ? std::move(body).value() + "\n" : std::string();
    return res;
}

// The MC service ID a token carries for the service an application usage belongs to.
std::string_view token_id_for(const identity::access_token& token, xcap::mc_service service) {
    std::string_view specific = service == xcap::mc_service::mcptt    ? token.mcptt_id
                                : service == xcap::mc_service::mcdata ? token.mcdata_id
                                                                      : token.mcvideo_id;
    return specific.empty() ? std::string_view(token.mc_id) : specific;
}

store::write_condition write_condition_of(const http::request& req) {
    store::write_condition condition;
    if (auto im = req[bhttp::field::if_match]; !im.empty()) {
        condition.if_match = std::string(im);
    }
    if (auto inm = req[bhttp::field::if_none_match]; !inm.empty()) {
        condition.if_none_match = std::string(inm);
    }
    return condition;
}

std::string_view media_type(std::string_view content_type) {
    auto semicolon = content_type.find(';');
    auto type = content_type.substr(0, semicolon);
    while (!type.empty() && type.back() == ' ') {
        type.remove_suffix(1);
    }
    return type;
}

http::response read_only_node(unsigned version, std::string_view method) {
    auto res = problem(bhttp::status::method_not_allowed, version,
                       "elements and attributes are read-only; " + std::string(method) + " the whole document");
    res.set(bhttp::field::allow, "GET, HEAD");
    return res;
}

class xcap_interface {
public:
    xcap_interface(xcap_interface_config config, std::shared_ptr<mc_service_user_database> database,
                   std::shared_ptr<const identity::access_token_verifier> verifier,
                   std::shared_ptr<migration::migration_services> migration)
        : config_(std::move(config)), database_(std::move(database)), verifier_(std::move(verifier)),
          migration_(std::move(migration)) {
        while (config_.xcap_root_path.size() > 1 && config_.xcap_root_path.back() == '/') {
            config_.xcap_root_path.pop_back();
        }
    }

    void add_routes(const std::shared_ptr<xcap_interface>& self, http::pipeline& p) {
        pipeline_ = &p;
        auto bearer = http::bearer_authentication([self](std::string_view token) { return self->verify(token); });
        auto errors = [self](const http::error_context& c) { return self->error_answer(c); };
        auto administrators = [self](const http::caller& c, const http::request&) -> result<void> {
            return self->is_admin(c) ? result<void>{} : make_error(errc::forbidden, "this is for administrators");
        };
        auto admin_route = [&](std::string name, std::string path, auto procedure) {
            p.add({.name = std::move(name),
                   .methods = {bhttp::verb::get},
                   .path = std::move(path),
                   .authenticate = bearer,
                   .authorise = administrators,
                   .handle = [self, procedure](http::call& c) { return ((*self).*procedure)(c); },
                   .errors = errors,
                   .max_body_bytes = 0});
        };
        p.add(http::health_route());
        admin_route("stats", "/stats", &xcap_interface::serve_stats);
        p.add(http::metrics_route(p.metrics(), bearer, administrators));
        admin_route("migration-serving", "/migration/serving", &xcap_interface::serve_serving_register);
        admin_route("migration-visitors", "/migration/visitors", &xcap_interface::serve_visitors);
        const auto root = config_.xcap_root_path == "/" ? std::string() : config_.xcap_root_path;
        auto read = [self](http::call& c) { return self->read_document(c); };
        if (migration_) {
            // A visitor's profile may need the visitor's primary system (CSCM-x): handled off the connection threads.
            for (const auto& service : xcap::mc_services()) {
                p.add({.name = "visitor-" + std::string(service.name) + "-profile",
                       .methods = {bhttp::verb::get},
                       .path = root + "/" + std::string(xcap::user_profile_usage(service.service).auid) +
                               "/users/{user}/" + migration::visitor_profile_name(service.service),
                       .authenticate = bearer,
                       .handle = read,
                       .errors = errors,
                       .max_body_bytes = 0,
                       .may_wait = true});
            }
        }
        p.add({.name = "xcap-read",
               .methods = {bhttp::verb::get},
               .path = root + "/*",
               .authenticate = bearer,
               .handle = read,
               .errors = errors,
               .max_body_bytes = 0});
        p.add({.name = "xcap-write",
               .methods = {bhttp::verb::put, bhttp::verb::delete_},
               .path = root + "/*",
               .authenticate = bearer,
               .authorise = [self](const http::caller& c, const http::request& req) -> result<void> {
                   if (self->is_admin(c)) {
                       return {};
                   }
                   return make_error(errc::forbidden, req.method() == bhttp::verb::put
                                                          ? "only an administrator may write profiles"
                                                          : "only an administrator may delete profiles");
               },
               .handle = [self](http::call& c) { return self->write_or_delete(c); },
               .errors = errors});
        p.set_unrouted_error_policy(errors);
    }

private:
    // A token from a partner's identity management server is a visiting user's; anything else is checked as this
    // system's own (and refused with that verifier's reason).
    result<http::caller> verify(std::string_view token_text) const {
        const migration::partner_agreement* visiting_from = nullptr;
        const identity::access_token_verifier* verifier = verifier_.get();
        if (migration_) {
            auto issuer = identity::unverified_issuer(token_text);
            const auto& all = migration_->agreements.all();
            for (std::size_t i = 0; i < all.size(); ++i) {
                if (all[i].idms_issuer == issuer) {
                    visiting_from = &all[i];
                    verifier = migration_->visitor_verifiers[i].get();
                }
            }
        }
        auto token = verifier->verify(token_text);
        if (!token) {
            return std::move(token).err();
        }
        http::caller c;
        c.id = token->mc_id.empty() ? token->subject : token->mc_id;
        c.scopes = token->scopes;
        c.claims = xcap_caller{std::move(token).value(), visiting_from};
        return c;
    }

    bool is_admin(const http::caller& c) const {
        const auto& x = claims_of(c);
        return !x.visiting_from && x.token.has_scope(config_.admin_scope);
    }

    // Every error of these routes: an XCAP error document for what is wrong with a document, problem+json else.
    http::response error_answer(const http::error_context& c) {
        const auto version = c.req.version();
        switch (c.status) {
        case bhttp::status::unauthorized:
            ++stats_.unauthenticated;
            break;
        case bhttp::status::forbidden:
            ++stats_.forbidden;
            break;
        case bhttp::status::not_found:
            ++stats_.not_found;
            break;
        default:
            break;
        }
        switch (c.error.code) {
        case errc::not_well_formed:
            return xcap_error(version, "not-well-formed", c.error.message);
        case errc::schema_invalid:
            return xcap_error(version, "schema-validation-error", c.error.message);
        case errc::conflict:
            return xcap_error(version, "constraint-failure", c.error.message);
        case errc::storage_full:
            return problem(
                c.status, version,
                "the server's storage is full: nothing was changed; try again when an operator has made room");
        default:
            return problem(c.status, version, c.error.message);
        }
    }

    result<http::response> read_document(http::call& c) {
        auto uri = xcap::parse_xcap_uri(c.req.target(), config_.xcap_root_path);
        if (!uri) {
            return std::move(uri).err();
        }
        const auto& who = claims_of(c.who);
        if (who.visiting_from) {
            return serve_visitor(c.req, *uri, who);
        }
        const auto* usage = xcap::find_application_usage(uri->auid);
        if (!usage) {
            return make_error(errc::not_found, "no application usage " + uri->auid);
        }
        const auto& token = who.token;
        const bool admin = token.has_scope(config_.admin_scope);
        const bool service_server = !admin && token.has_scope(config_.service_scope);
        if (service_server) {
            // A visitor's profile, as stored at step 11, is what the MC service server authorizes service with.
            if (migration_ && !usage->migration && uri->document == migration::visitor_profile_name(usage->service) &&
                !uri->node_selector) {
                if (auto stored = migration_->retrieval->stored_profile(usage->service, uri->xui)) {
                    return document_response(c.req, *usage, *uri, std::move(stored).value(), c.who.id);
                }
            }
        } else if (!admin) {
            if (!token.has_scope(config_.user_scope)) {
                return make_error(errc::forbidden, "the access token lacks the scope " + config_.user_scope);
            }
            if (token_id_for(token, usage->service) != uri->xui) {
                return make_error(errc::forbidden, "a user may only access their own documents");
            }
            // The user asks for its profile at home: partners that served it must delete their copies.
            if (migration_ && !usage->migration && c.req.method() == bhttp::verb::get) {
                if (auto partners = migration_->serving->record_home(uri->xui); partners && !partners->empty()) {
                    auto cid = cscm::new_correlation_id();
                    support::logger("migration")->info("{} [{}] served at home again", uri->xui, cid);
                    migration_->releases->release(uri->xui, *partners, cid);
                }
            }
        }
        auto doc = database_->read({uri->auid, uri->xui, uri->document});
        if (!doc) {
            return std::move(doc).err();
        }
        return document_response(c.req, *usage, *uri, std::move(doc).value(), c.who.id);
    }

    result<http::response> document_response(const http::request& req, const xcap::application_usage& usage,
                                             const xcap::xcap_uri& uri, store::stored_document doc,
                                             const std::string& who) {
        const auto version = req.version();
        auto res = make_response(bhttp::status::ok, version);
        if (!uri.node_selector) {
            res.set(bhttp::field::content_type, usage.mime_type);
            res.body() = std::move(doc.content);
        } else {
            auto selector =
                xml::parse_node_selector(*uri.node_selector, uri.namespace_bindings, usage.default_namespace);
            if (!selector) {
                return std::move(selector).err();
            }
            auto parsed = xml::parse(doc.content);
            if (!parsed) {
                return make_error(errc::internal, who + ": stored document " + uri.document +
                                                      " does not parse: " + parsed.err().message);
            }
            auto selected = xml::select(*parsed, *selector);
            if (!selected) {
                return std::move(selected).err();
            }
            res.set(bhttp::field::content_type,
                    selected->kind == xml::selection_kind::element     ? "application/xcap-el+xml"
                    : selected->kind == xml::selection_kind::attribute ? "application/xcap-att+xml"
                                                                       : "application/xcap-ns+xml");
            res.body() = std::move(selected->body);
        }
        // Preconditions apply only to what would otherwise be a 2xx answer (RFC 9110 section 13.2.1).
        if (auto im = req[bhttp::field::if_match];
            !im.empty() && !store::entity_tag_list_matches(im, doc.etag, false)) {
            return make_error(errc::precondition_failed, "the document's entity tag does not match");
        }
        if (auto inm = req[bhttp::field::if_none_match];
            !inm.empty() && store::entity_tag_list_matches(inm, doc.etag, true)) {
            ++stats_.not_modified;
            auto not_modified = make_response(bhttp::status::not_modified, version);
            not_modified.set(bhttp::field::etag, doc.etag);
            return not_modified;
        }
        res.set(bhttp::field::etag, doc.etag);
        ++stats_.documents_served;
        return res;
    }

    // TS 23.280 10.1.4.x.2: a visiting user asks this (partner) system for its profile. The answers carry the
    // correlation id of the procedure, refusals included, so they are made here rather than by the error policy.
    result<http::response> serve_visitor(const http::request& req, const xcap::xcap_uri& uri, const xcap_caller& who) {
        static const auto migration_log = support::logger("migration");
        const auto version = req.version();
        const auto& primary = *who.visiting_from;
        ++stats_.visitor_requests;
        auto cid_field = std::string_view(req[cscm::correlation_header]);
        const std::string cid =
            cscm::is_correlation_id(cid_field) ? std::string(cid_field) : cscm::new_correlation_id();
        auto refuse = [&](bhttp::status status, std::string_view detail) {
            ++stats_.visitor_refused;
            auto res = problem(status, version, detail);
            res.set(cscm::correlation_header, cid);
            return res;
        };
        const auto* usage = xcap::find_application_usage(uri.auid);
        if (!usage || usage->migration || uri.document != migration::visitor_profile_name(usage->service)) {
            return refuse(bhttp::status::not_found,
                          "a visiting user's profile is org.3gpp.<mcptt|mcdata|mcvideo>.user-profile/users/<id>/"
                          "<mcptt|mcdata|mcvideo>-user-profile-0.xml");
        }
        const auto service = usage->service;
        if (!who.token.has_scope(config_.user_scope)) {
            return refuse(bhttp::status::forbidden, "the access token lacks the scope " + config_.user_scope);
        }
        if (token_id_for(who.token, service) != uri.xui) {
            return refuse(bhttp::status::forbidden, "a user may only access their own documents");
        }
        if (!migration::is_user_of(primary, uri.xui)) {
            migration_log->warn("{} [{}] refused: a token of {} for a user that is not its own", uri.xui, cid,
                                primary.system);
            return refuse(bhttp::status::forbidden, "this user is not a user of " + primary.system);
        }
        migration_log->info("{} [{}] step 1: visitor from {} asks for its {} profile", uri.xui, cid, primary.system,
                            xcap::to_string(service));
        auto retrieved = migration_->retrieval->run(primary, service, uri.xui, cid);
        if (!retrieved) {
            const auto& e = retrieved.err();
            if (http::is_private(e.code)) {
                migration_log->error("{} [{}] {}", uri.xui, cid, support::printable(e.message));
            }
            auto status = e.code == errc::not_found     ? bhttp::status::not_found
                          : e.code == errc::forbidden   ? bhttp::status::forbidden
                          : e.code == errc::unavailable ? bhttp::status::service_unavailable
                                                        : bhttp::status::internal_server_error;
            auto res = refuse(status, status == bhttp::status::internal_server_error ? "internal error" : e.message);
            if (status == bhttp::status::service_unavailable) {
                res.set(bhttp::field::retry_after, "30");
            }
            return res;
        }
        auto res = document_response(req, *usage, uri, {std::move(retrieved->content), retrieved->etag, {}}, uri.xui);
        if (!res) {
            return res;
        }
        if (retrieved->stale) {
            ++stats_.visitor_stale;
            // RFC 9111 obsoletes Warning, but it remains the one standard field that says "stale"; Age gives how much.
            res->set(bhttp::field::warning, "110 mcprov \"Response is Stale\"");
            res->set(bhttp::field::age, std::to_string(retrieved->age.count()));
        }
        res->set(cscm::correlation_header, cid);
        return res;
    }

    result<http::response> write_or_delete(http::call& c) {
        auto uri = xcap::parse_xcap_uri(c.req.target(), config_.xcap_root_path);
        if (!uri) {
            return std::move(uri).err();
        }
        const auto* usage = xcap::find_application_usage(uri->auid);
        if (!usage) {
            return make_error(errc::not_found, "no application usage " + uri->auid);
        }
        const bool put = c.req.method() == bhttp::verb::put;
        if (uri->node_selector) {
            return read_only_node(c.req.version(), put ? "PUT" : "DELETE");
        }
        auto done = put ? write_document(c.req, *usage, *uri) : delete_document(c.req, *uri);
        if (!done) {
            ++stats_.writes_rejected;
            log()->warn("{} {} {}/{}/{}: rejected: {}", c.who.id, put ? "PUT" : "DELETE", uri->auid, uri->xui,
                        uri->document, support::printable(http::public_detail(done.err())));
        }
        return done;
    }

    result<http::response> write_document(const http::request& req, const xcap::application_usage& usage,
                                          const xcap::xcap_uri& uri) {
        if (auto type = media_type(req[bhttp::field::content_type]); !boost::beast::iequals(type, usage.mime_type)) {
            return make_error(errc::unsupported_media_type, "Content-Type must be " + std::string(usage.mime_type) +
                                                                ", not '" + support::printable(type, 200) + "'");
        }
        auto written = database_->write({uri.auid, uri.xui, uri.document}, req.body(), write_condition_of(req));
        if (!written) {
            return std::move(written).err();
        }
        ++stats_.writes;
        log()->info("PUT {}/{}/{}: {} {}", uri.auid, uri.xui, uri.document, written->created ? "created" : "replaced",
                    written->etag);
        auto res = make_response(written->created ? bhttp::status::created : bhttp::status::ok, req.version());
        res.set(bhttp::field::etag, written->etag);
        return res;
    }

    result<http::response> delete_document(const http::request& req, const xcap::xcap_uri& uri) {
        auto removed = database_->remove({uri.auid, uri.xui, uri.document}, write_condition_of(req));
        if (!removed) {
            return std::move(removed).err();
        }
        ++stats_.deletes;
        log()->info("DELETE {}/{}/{}", uri.auid, uri.xui, uri.document);
        return make_response(bhttp::status::ok, req.version());
    }

    result<http::response> serve_serving_register(http::call& c) {
        if (!migration_) {
            return make_error(errc::not_found, "this CMS has no migration agreements");
        }
        auto records = migration_->serving->records();
        if (!records) {
            return std::move(records).err();
        }
        boost::json::array out;
        for (const auto& r : *records) {
            boost::json::array profiles;
            for (const auto& p : r.profiles) {
                boost::json::object o{
                    {"service", p.service}, {"profile", p.profile_name}, {"profile_etag", p.profile_etag}};
                if (p.delivery) {
                    o["delivery"] = boost::json::object{{"profile_etag", p.delivery->profile_etag},
                                                        {"digest", p.delivery->digest},
                                                        {"template", p.delivery->template_name},
                                                        {"delivered_at", support::format_utc(p.delivery->delivered_at)},
                                                        {"correlation_id", p.delivery->correlation_id}};
                }
                profiles.push_back(std::move(o));
            }
            out.push_back(boost::json::object{{"user", r.user},
                                              {"partner", r.partner},
                                              {"state", migration::to_string(r.state)},
                                              {"profiles", std::move(profiles)},
                                              {"first_served_at", support::format_utc(r.first_served_at)},
                                              {"last_served_at", support::format_utc(r.last_served_at)},
                                              {"correlation_id", r.correlation_id}});
        }
        return http::json_response(out, c.req.version());
    }

    result<http::response> serve_visitors(http::call& c) {
        if (!migration_) {
            return make_error(errc::not_found, "this CMS has no migration agreements");
        }
        auto visitors = migration_->retrieval->visitors();
        if (!visitors) {
            return std::move(visitors).err();
        }
        boost::json::array out;
        for (const auto& v : *visitors) {
            out.push_back(boost::json::object{{"user", v.user},
                                              {"service", xcap::to_string(v.service)},
                                              {"primary_system", v.primary_system},
                                              {"profile", v.profile_name},
                                              {"profile_etag", v.profile_etag},
                                              {"template", v.template_name},
                                              {"served_etag", v.served_etag},
                                              {"stored_at", support::format_utc(v.stored_at)},
                                              {"valid_until", support::format_utc(v.valid_until)},
                                              {"reported", v.reported}});
        }
        return http::json_response(out, c.req.version());
    }

    result<http::response> serve_stats(http::call& c) {
        auto routes = pipeline_->stats();
        std::uint64_t requests = 0;
        for (const auto& [name, counters] : routes) {
            requests += counters.as_object().at("requests").to_number<std::uint64_t>();
        }
        boost::json::object body{
            {"requests", requests},
            {"documents_served", stats_.documents_served.load()},
            {"not_modified", stats_.not_modified.load()},
            {"unauthenticated", stats_.unauthenticated.load()},
            {"forbidden", stats_.forbidden.load()},
            {"not_found", stats_.not_found.load()},
            {"writes", stats_.writes.load()},
            {"writes_rejected", stats_.writes_rejected.load()},
            {"deletes", stats_.deletes.load()},
            {"visitor_requests", stats_.visitor_requests.load()},
            {"visitor_stale", stats_.visitor_stale.load()},
            {"visitor_refused", stats_.visitor_refused.load()},
            {"routes", std::move(routes)},
        };
        if (migration_) {
            const auto& s = migration_->cscm;
            body["cscm"] = boost::json::object{{"requests", s.requests.load()},
                                               {"refused_peers", s.refused_peers.load()},
                                               {"profiles_provided", s.profiles_provided.load()},
                                               {"not_modified", s.not_modified.load()},
                                               {"delivery_reports", s.delivery_reports.load()},
                                               {"releases_received", s.releases_received.load()}};
            const auto handshakes = migration_->partners->handshakes();
            body["cscm"].as_object()["tls_handshakes"] =
                boost::json::object{{"full", handshakes.full}, {"resumed", handshakes.resumed}};
            body["templates"] =
                boost::json::object{{"reloads", migration_->templates.reloads.load()},
                                    {"reloads_refused", migration_->templates.reloads_refused.load()},
                                    {"profiles_changed", migration_->templates.profiles_changed.load()}};
            body["releases"] = boost::json::object{{"released", migration_->releases->released()},
                                                   {"failed_attempts", migration_->releases->failed_attempts()}};
        }
        return http::json_response(body, c.req.version());
    }

public:
    // The counters of /stats as series of the pipeline's registry, read when /metrics is (docs/operations.md).
    void add_metrics(const std::shared_ptr<xcap_interface>& self, support::metrics_registry& m) const {
        using support::metric_sample;
        using support::metric_type;
        const auto one = [](const std::atomic<std::uint64_t>& v) {
            return std::vector<metric_sample>{{{}, static_cast<double>(v.load())}};
        };
        m.add_collector("mcprov_cms_xcap_answers_total", "XCAP requests, by what the CMS did", metric_type::counter,
                        [self] {
                            const auto& st = self->stats_;
                            std::vector<metric_sample> out;
                            for (const auto& [outcome, value] :
                                 {std::pair{"served", &st.documents_served}, {"not_modified", &st.not_modified},
                                  {"unauthenticated", &st.unauthenticated}, {"forbidden", &st.forbidden},
                                  {"not_found", &st.not_found}, {"written", &st.writes},
                                  {"write_rejected", &st.writes_rejected}, {"deleted", &st.deletes}}) {
                                out.push_back({{{"outcome", outcome}}, static_cast<double>(value->load())});
                            }
                            return out;
                        });
        if (!migration_) {
            return;
        }
        m.add_collector("mcprov_migration_visitor_requests_total", "Visiting users' requests (procedure step 1)",
                        metric_type::counter, [self, one] { return one(self->stats_.visitor_requests); });
        m.add_collector("mcprov_migration_visitor_stale_total",
                        "Visitors answered with a stored copy while their primary was unreachable",
                        metric_type::counter, [self, one] { return one(self->stats_.visitor_stale); });
        m.add_collector("mcprov_migration_visitor_refused_total", "Visitors' requests answered with an error",
                        metric_type::counter, [self, one] { return one(self->stats_.visitor_refused); });
        const auto services = migration_;
        m.add_collector("mcprov_migration_cscm_requests_total", "Requests on the CSCM-x interface",
                        metric_type::counter, [services, one] { return one(services->cscm.requests); });
        m.add_collector("mcprov_migration_cscm_refused_peers_total",
                        "CSCM-x requests from a certificate of no partner with an agreement", metric_type::counter,
                        [services, one] { return one(services->cscm.refused_peers); });
        m.add_collector("mcprov_migration_profiles_provided_total",
                        "Migration profiles a partner fetched (steps 7-8), by answer", metric_type::counter,
                        [services] {
                            return std::vector<metric_sample>{
                                {{{"answer", "profile"}}, static_cast<double>(services->cscm.profiles_provided.load())},
                                {{{"answer", "not_modified"}}, static_cast<double>(services->cscm.not_modified.load())}};
                        });
        m.add_collector("mcprov_migration_delivery_reports_total", "Partners' delivery reports received",
                        metric_type::counter, [services, one] { return one(services->cscm.delivery_reports); });
        m.add_collector("mcprov_migration_releases_received_total", "Partners' releases of visitors received",
                        metric_type::counter, [services, one] { return one(services->cscm.releases_received); });
        m.add_collector("mcprov_migration_template_reloads_total", "Template folder reloads (SIGHUP), by result",
                        metric_type::counter, [services] {
                            return std::vector<metric_sample>{
                                {{{"result", "taken"}}, static_cast<double>(services->templates.reloads.load())},
                                {{{"result", "refused"}}, static_cast<double>(services->templates.reloads_refused.load())}};
                        });
        m.add_collector("mcprov_migration_profiles_regenerated_total",
                        "Visitors' profiles regenerated or withdrawn by template reloads", metric_type::counter,
                        [services, one] { return one(services->templates.profiles_changed); });
        m.add_collector("mcprov_migration_releases_total", "Releases of this system's users confirmed by partners",
                        metric_type::counter, [services] {
                            return std::vector<metric_sample>{{{}, static_cast<double>(services->releases->released())}};
                        });
        m.add_collector("mcprov_migration_release_failures_total", "Attempts to release a user that a partner did not confirm",
                        metric_type::counter, [services] {
                            return std::vector<metric_sample>{
                                {{}, static_cast<double>(services->releases->failed_attempts())}};
                        });
    }

private:
    xcap_interface_config config_;
    std::shared_ptr<mc_service_user_database> database_;
    std::shared_ptr<const identity::access_token_verifier> verifier_;
    std::shared_ptr<migration::migration_services> migration_;
    const http::pipeline* pipeline_ = nullptr; // owns the routes, and so this
    xcap_stats stats_;
};

} // namespace

std::shared_ptr<http::pipeline> create_xcap_interface(xcap_interface_config config,
                                                      std::shared_ptr<mc_service_user_database> database,
                                                      std::shared_ptr<const identity::access_token_verifier> verifier,
                                                      std::shared_ptr<migration::migration_services> migration,
                                                      std::shared_ptr<support::metrics_registry> metrics) {
    auto p = std::make_shared<http::pipeline>("cms", std::move(metrics));
    auto interface = std::make_shared<xcap_interface>(std::move(config), std::move(database), std::move(verifier),
                                                      std::move(migration));
    interface->add_routes(interface, *p);
    interface->add_metrics(interface, *p->metrics());
    return p;
}

} // namespace mcprov::cms
