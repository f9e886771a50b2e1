#include "mcprov/cms/xcap_handler.hpp"

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "mcprov/cscm/resources.hpp"
#include "mcprov/migration/cscm_client.hpp"
#include "mcprov/migration/served_profile.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/log.hpp"
#include "mcprov/xcap/application_usage.hpp"
#include "mcprov/xcap/xcap_uri.hpp"
#include "mcprov/xml/node_selector.hpp"
#include "responses.hpp"

namespace mcprov::cms {
namespace {

namespace bhttp = boost::beast::http;
using support::errc;

// An RFC 4825 section 11 error: 409 with an application/xcap-error+xml body naming the condition.
http::response xcap_error(unsigned version, std::string_view condition, std::string_view phrase) {
    auto res = make_response(bhttp::status::conflict, version);
    res.set(bhttp::field::content_type, "application/xcap-error+xml");
    res.body() = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<xcap-error xmlns=\"urn:ietf:params:xml:ns:xcap-error\"><" +
                 std::string(condition) + " phrase=\"" + xml::escape_attribute(phrase) + "\"/></xcap-error>\n";
    return res;
}

// The response to a failed operation on a document, by what failed.
http::response error_response(const support::error& e, unsigned version) {
    switch (e.code) {
    case errc::not_well_formed:
        return xcap_error(version, "not-well-formed", e.message);
    case errc::schema_invalid:
        return xcap_error(version, "schema-validation-error", e.message);
    case errc::conflict:
        return xcap_error(version, "constraint-failure", e.message);
    case errc::invalid_argument:
        return problem(bhttp::status::bad_request, version, e.message);
    case errc::too_large:
        return problem(bhttp::status::payload_too_large, version, e.message);
    case errc::uri_too_long:
        return problem(bhttp::status::uri_too_long, version, e.message);
    case errc::unsupported_media_type:
        return problem(bhttp::status::unsupported_media_type, version, e.message);
    case errc::unauthenticated:
        return problem(bhttp::status::unauthorized, version, e.message);
    case errc::forbidden:
        return problem(bhttp::status::forbidden, version, e.message);
    case errc::not_found:
        return problem(bhttp::status::not_found, version, e.message);
    case errc::precondition_failed:
        return problem(bhttp::status::precondition_failed, version, e.message);
    case errc::unavailable:
        return problem(bhttp::status::service_unavailable, version, e.message);
    case errc::storage_full:
        return problem(bhttp::status::insufficient_storage, version,
                       "the server's storage is full: nothing was changed; try again when an operator has made room");
    case errc::io:
    case errc::internal:
        break;
    }
    return problem(bhttp::status::internal_server_error, version, "internal error");
}

std::string_view bearer_token(const http::request& req) {
    auto field = req[bhttp::field::authorization];
    if (field.size() < 7 || !boost::beast::iequals(field.substr(0, 7), "Bearer ")) {
        return {};
    }
    field.remove_prefix(7);
    while (!field.empty() && field.front() == ' ') {
        field.remove_prefix(1);
    }
    return field;
}

// The MC service ID a token carries for the service an application usage belongs to.
std::string_view token_id_for(const identity::access_token& token, std::string_view auid) {
    std::string_view specific = auid == "org.3gpp.mcptt.user-profile"    ? token.mcptt_id
                                : auid == "org.3gpp.mcdata.user-profile" ? token.mcdata_id
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

} // namespace

struct xcap_handler::context {
    const http::request& req;
    const xcap::application_usage& usage;
    xcap::xcap_uri uri;
    identity::access_token token;
    bool admin;
    std::string who; // the user or peer id that log lines start with
};

xcap_handler::xcap_handler(xcap_handler_config config, std::shared_ptr<mc_service_user_database> database,
                           std::shared_ptr<const identity::access_token_verifier> verifier,
                           std::shared_ptr<migration::migration_services> migration)
    : config_(std::move(config)), database_(std::move(database)), verifier_(std::move(verifier)),
      migration_(std::move(migration)) {}

http::response xcap_handler::handle(http::request&& req, const http::peer_info& peer) {
    static const auto log = support::logger("cms");
    ++stats_.requests;
    const auto version = req.version();
    auto target = req.target();

    if (target == "/healthz") {
        auto res = make_response(bhttp::status::ok, version);
        res.set(bhttp::field::content_type, "text/plain");
        res.body() = "ok\n";
        return res;
    }

    if (target == "/stats" || target.starts_with("/migration/")) {
        auto auth = authenticate(req, peer);
        if (auto* refusal = std::get_if<http::response>(&auth)) {
            return std::move(*refusal);
        }
        const auto& who = std::get<caller>(auth);
        if (who.visiting_from || !who.token.has_scope(config_.admin_scope)) {
            ++stats_.forbidden;
            return problem(bhttp::status::forbidden, version, "this is for administrators");
        }
        return target == "/stats" ? serve_stats(req) : serve_migration_listing(req);
    }

    auto uri = xcap::parse_xcap_uri(target, config_.xcap_root_path);
    if (!uri) {
        if (uri.err().code == errc::not_found) {
            ++stats_.not_found;
        }
        log->info("{} {} {}: {}", peer.address, std::string(req.method_string()), std::string(target),
                  uri.err().message);
        return error_response(uri.err(), version);
    }
    auto auth = authenticate(req, peer);
    if (auto* refusal = std::get_if<http::response>(&auth)) {
        return std::move(*refusal);
    }
    auto& who = std::get<caller>(auth);
    if (who.visiting_from) {
        return serve_visitor(req, *uri, who);
    }
    auto& token = who.token;
    const bool admin = token.has_scope(config_.admin_scope);
    const bool service_server = !admin && token.has_scope(config_.service_scope);
    const auto* usage = xcap::find_application_usage(uri->auid);
    if (!usage) {
        ++stats_.not_found;
        return problem(bhttp::status::not_found, version, "no application usage " + uri->auid);
    }
    if (service_server) {
        if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
            ++stats_.forbidden;
            return problem(bhttp::status::forbidden, version, "MC service servers may only read profiles");
        }
        // A visitor's profile, as stored at step 11, is what the MC service server authorizes service with.
        if (migration_ && uri->auid == xcap::mcptt_user_profile_auid &&
            uri->document == migration::visitor_profile_name && !uri->node_selector) {
            if (auto stored = migration_->retrieval->stored_profile(uri->xui)) {
                return document_response(req, *usage, *uri, std::move(stored).value(), token.subject);
            }
        }
    } else if (!admin) {
        if (!token.has_scope(config_.user_scope)) {
            ++stats_.forbidden;
            log->info("{} {} {}: refused, token lacks the scope {}", token.mc_id, std::string(req.method_string()),
                      std::string(target), config_.user_scope);
            return problem(bhttp::status::forbidden, version, "the access token lacks the scope " + config_.user_scope);
        }
        if (token_id_for(token, uri->auid) != uri->xui) {
            ++stats_.forbidden;
            log->info("{} {} {}: refused, documents of another user", token.mc_id, std::string(req.method_string()),
                      std::string(target));
            return problem(bhttp::status::forbidden, version, "a user may only access their own documents");
        }
    }

    // The user asks for its profile at home: partners that served it must delete their copies.
    if (migration_ && !admin && !service_server && uri->auid == xcap::mcptt_user_profile_auid &&
        req.method() == bhttp::verb::get) {
        if (auto partners = migration_->serving->record_home(uri->xui); partners && !partners->empty()) {
            auto cid = cscm::new_correlation_id();
            support::logger("migration")->info("{} [{}] served at home again", uri->xui, cid);
            migration_->releases->release(uri->xui, *partners, cid);
        }
    }
    context ctx{req, *usage, std::move(uri).value(), std::move(token), admin, {}};
    ctx.who = ctx.token.mc_id.empty() ? ctx.token.subject : ctx.token.mc_id;
    switch (req.method()) {
    case bhttp::verb::get:
    case bhttp::verb::head:
        return serve_document(ctx);
    case bhttp::verb::put:
        return write_document(ctx);
    case bhttp::verb::delete_:
        return delete_document(ctx);
    default: {
        auto res = problem(bhttp::status::method_not_allowed, version, "use GET, PUT or DELETE");
        res.set(bhttp::field::allow, "GET, HEAD, PUT, DELETE");
        return res;
    }
    }
}

bool xcap_handler::may_wait(const http::request& req) const {
    if (!migration_) {
        return false;
    }
    auto target = std::string_view(req.target());
    target = target.substr(0, target.find('?'));
    return target.ends_with("/" + std::string(migration::visitor_profile_name));
}

std::optional<http::response> xcap_handler::screen(const http::request& req, const http::peer_info& peer) {
    auto auth = authenticate(req, peer);
    if (auto* refusal = std::get_if<http::response>(&auth)) {
        return std::move(*refusal);
    }
    const auto& who = std::get<caller>(auth);
    if (who.visiting_from || !who.token.has_scope(config_.admin_scope)) {
        ++stats_.forbidden;
        return problem(bhttp::status::forbidden, req.version(), "only an administrator may send a request body");
    }
    return std::nullopt;
}

std::variant<xcap_handler::caller, http::response> xcap_handler::authenticate(const http::request& req,
                                                                              const http::peer_info& peer) {
    auto token_text = bearer_token(req);
    if (token_text.empty()) {
        ++stats_.unauthenticated;
        auto res = problem(bhttp::status::unauthorized, req.version(), "a bearer access token is required");
        res.set(bhttp::field::www_authenticate, "Bearer realm=\"mcprov\"");
        return res;
    }
    // A token from a partner's identity management server is a visiting user's; anything else is checked as this
    // system's own (and refused with that verifier's reason).
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
        ++stats_.unauthenticated;
        support::logger("cms")->info("{} {} {}: access token refused: {}", peer.address,
                                     std::string(req.method_string()), std::string(req.target()), token.err().message);
        auto res = problem(bhttp::status::unauthorized, req.version(), token.err().message);
        res.set(bhttp::field::www_authenticate, "Bearer realm=\"mcprov\", error=\"invalid_token\"");
        return res;
    }
    return caller{std::move(token).value(), visiting_from};
}

http::response xcap_handler::serve_document(const context& ctx) {
    const auto version = ctx.req.version();
    auto doc = database_->read({ctx.uri.auid, ctx.uri.xui, ctx.uri.document});
    if (!doc) {
        if (doc.err().code == errc::not_found) {
            ++stats_.not_found;
            support::logger("cms")->info("{} GET {}/{}/{}: no such document", ctx.who, ctx.uri.auid, ctx.uri.xui,
                                         ctx.uri.document);
        } else {
            support::logger("cms")->error("{} reading {}: {}", ctx.who, ctx.uri.document, doc.err().message);
        }
        return error_response(doc.err(), version);
    }
    return document_response(ctx.req, ctx.usage, ctx.uri, std::move(doc).value(), ctx.who);
}

http::response xcap_handler::document_response(const http::request& req, const xcap::application_usage& usage,
                                               const xcap::xcap_uri& uri, store::stored_document stored,
                                               const std::string& who) {
    const auto version = req.version();
    const auto* doc = &stored;
    auto res = make_response(bhttp::status::ok, version);
    if (!uri.node_selector) {
        res.set(bhttp::field::content_type, usage.mime_type);
        res.body() = std::move(stored.content);
    } else {
        auto selector = xml::parse_node_selector(*uri.node_selector, uri.namespace_bindings, usage.default_namespace);
        if (!selector) {
            return error_response(selector.err(), version);
        }
        auto parsed = xml::parse(doc->content);
        if (!parsed) {
            support::logger("cms")->error("{} stored document {} does not parse: {}", who, uri.document,
                                          parsed.err().message);
            return error_response(support::make_error(errc::internal, parsed.err().message), version);
        }
        auto selected = xml::select(*parsed, *selector);
        if (!selected) {
            ++stats_.not_found;
            return error_response(selected.err(), version);
        }
        res.set(bhttp::field::content_type, selected->kind == xml::selection_kind::element ? "application/xcap-el+xml"
                                            : selected->kind == xml::selection_kind::attribute
                                                ? "application/xcap-att+xml"
                                                : "application/xcap-ns+xml");
        res.body() = std::move(selected->body);
    }
    // Preconditions apply only to what would otherwise be a 2xx answer (RFC 9110 section 13.2.1).
    if (auto im = req[bhttp::field::if_match]; !im.empty() && !store::entity_tag_list_matches(im, doc->etag, false)) {
        return problem(bhttp::status::precondition_failed, version, "the document's entity tag does not match");
    }
    if (auto inm = req[bhttp::field::if_none_match];
        !inm.empty() && store::entity_tag_list_matches(inm, doc->etag, true)) {
        ++stats_.not_modified;
        auto not_modified = make_response(bhttp::status::not_modified, version);
        not_modified.set(bhttp::field::etag, doc->etag);
        return not_modified;
    }
    res.set(bhttp::field::etag, doc->etag);
    ++stats_.documents_served;
    return res;
}

http::response xcap_handler::serve_visitor(const http::request& req, const xcap::xcap_uri& uri, const caller& who) {
    static const auto log = support::logger("migration");
    const auto version = req.version();
    const auto& primary = *who.visiting_from;
    ++stats_.visitor_requests;
    auto cid_field = std::string_view(req[cscm::correlation_header]);
    const std::string cid = cscm::is_correlation_id(cid_field) ? std::string(cid_field) : cscm::new_correlation_id();
    auto refuse = [&](bhttp::status status, std::string_view detail) {
        ++stats_.visitor_refused;
        auto res = problem(status, version, detail);
        res.set(cscm::correlation_header, cid);
        return res;
    };
    if (uri.auid != xcap::mcptt_user_profile_auid || uri.document != migration::visitor_profile_name) {
        return refuse(bhttp::status::not_found, "a visiting user's profile is " +
                                                    std::string(xcap::mcptt_user_profile_auid) + "/users/<id>/" +
                                                    std::string(migration::visitor_profile_name));
    }
    if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
        return refuse(bhttp::status::forbidden, "a visiting user may only read its profile");
    }
    if (!who.token.has_scope(config_.user_scope)) {
        return refuse(bhttp::status::forbidden, "the access token lacks the scope " + config_.user_scope);
    }
    if (token_id_for(who.token, uri.auid) != uri.xui) {
        return refuse(bhttp::status::forbidden, "a user may only access their own documents");
    }
    if (!migration::is_user_of(primary, uri.xui)) {
        log->warn("{} [{}] refused: a token of {} for a user that is not its own", uri.xui, cid, primary.system);
        return refuse(bhttp::status::forbidden, "this user is not a user of " + primary.system);
    }
    log->info("{} [{}] step 1: visitor from {} asks for its profile", uri.xui, cid, primary.system);
    auto retrieved = migration_->retrieval->run(primary, uri.xui, cid);
    if (!retrieved) {
        const auto& e = retrieved.err();
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
    const auto* usage = xcap::find_application_usage(uri.auid);
    auto res = document_response(req, *usage, uri, {std::move(retrieved->content), retrieved->etag, {}}, uri.xui);
    if (retrieved->stale) {
        ++stats_.visitor_stale;
        // RFC 9111 obsoletes Warning, but it remains the one standard field that says "stale"; Age gives how much.
        res.set(bhttp::field::warning, "110 mcprov \"Response is Stale\"");
        res.set(bhttp::field::age, std::to_string(retrieved->age.count()));
    }
    res.set(cscm::correlation_header, cid);
    return res;
}

http::response xcap_handler::serve_migration_listing(const http::request& req) {
    const auto version = req.version();
    if (!migration_) {
        return problem(bhttp::status::not_found, version, "this CMS has no migration agreements");
    }
    auto target = std::string_view(req.target());
    boost::json::array out;
    if (target == "/migration/serving") {
        auto records = migration_->serving->records();
        if (!records) {
            return error_response(records.err(), version);
        }
        for (const auto& r : *records) {
            boost::json::object o{{"user", r.user},
                                  {"partner", r.partner},
                                  {"state", migration::to_string(r.state)},
                                  {"profile", r.profile_name},
                                  {"profile_etag", r.profile_etag},
                                  {"first_served_at", support::format_utc(r.first_served_at)},
                                  {"last_served_at", support::format_utc(r.last_served_at)},
                                  {"correlation_id", r.correlation_id}};
            if (r.delivery) {
                o["delivery"] = boost::json::object{{"profile_etag", r.delivery->profile_etag},
                                                    {"digest", r.delivery->digest},
                                                    {"template", r.delivery->template_name},
                                                    {"delivered_at", support::format_utc(r.delivery->delivered_at)},
                                                    {"correlation_id", r.delivery->correlation_id}};
            }
            out.push_back(std::move(o));
        }
    } else if (target == "/migration/visitors") {
        auto visitors = migration_->retrieval->visitors();
        if (!visitors) {
            return error_response(visitors.err(), version);
        }
        for (const auto& v : *visitors) {
            out.push_back(boost::json::object{{"user", v.user},
                                              {"primary_system", v.primary_system},
                                              {"profile", v.profile_name},
                                              {"profile_etag", v.profile_etag},
                                              {"template", v.template_name},
                                              {"served_etag", v.served_etag},
                                              {"stored_at", support::format_utc(v.stored_at)},
                                              {"valid_until", support::format_utc(v.valid_until)},
                                              {"reported", v.reported}});
        }
    } else {
        return problem(bhttp::status::not_found, version, "use /migration/serving or /migration/visitors");
    }
    return json_response(out, version);
}

http::response xcap_handler::write_document(const context& ctx) {
    static const auto log = support::logger("cms");
    const auto version = ctx.req.version();
    auto reject = [&](const support::error& e) {
        ++stats_.writes_rejected;
        log->warn("{} PUT {}/{}/{}: rejected: {}", ctx.who, ctx.uri.auid, ctx.uri.xui, ctx.uri.document, e.message);
        return error_response(e, version);
    };
    if (!ctx.admin) {
        ++stats_.forbidden;
        return reject(support::make_error(errc::forbidden, "only an administrator may write profiles"));
    }
    if (ctx.uri.node_selector) {
        auto res = problem(bhttp::status::method_not_allowed, version,
                           "elements and attributes are read-only; PUT the whole document");
        res.set(bhttp::field::allow, "GET, HEAD");
        return res;
    }
    if (auto type = media_type(ctx.req[bhttp::field::content_type]);
        !boost::beast::iequals(type, ctx.usage.mime_type)) {
        return reject(support::make_error(errc::unsupported_media_type, "Content-Type must be " +
                                                                            std::string(ctx.usage.mime_type) +
                                                                            ", not '" + std::string(type) + "'"));
    }
    auto written =
        database_->write({ctx.uri.auid, ctx.uri.xui, ctx.uri.document}, ctx.req.body(), write_condition_of(ctx.req));
    if (!written) {
        return reject(written.err());
    }
    ++stats_.writes;
    log->info("{} PUT {}/{}/{}: {} {}", ctx.who, ctx.uri.auid, ctx.uri.xui, ctx.uri.document,
              written->created ? "created" : "replaced", written->etag);
    auto res = make_response(written->created ? bhttp::status::created : bhttp::status::ok, version);
    res.set(bhttp::field::etag, written->etag);
    return res;
}

http::response xcap_handler::delete_document(const context& ctx) {
    static const auto log = support::logger("cms");
    const auto version = ctx.req.version();
    if (!ctx.admin) {
        ++stats_.forbidden;
        return problem(bhttp::status::forbidden, version, "only an administrator may delete profiles");
    }
    if (ctx.uri.node_selector) {
        auto res = problem(bhttp::status::method_not_allowed, version,
                           "elements and attributes are read-only; DELETE the whole document");
        res.set(bhttp::field::allow, "GET, HEAD");
        return res;
    }
    auto removed = database_->remove({ctx.uri.auid, ctx.uri.xui, ctx.uri.document}, write_condition_of(ctx.req));
    if (!removed) {
        ++stats_.writes_rejected;
        log->warn("{} DELETE {}/{}/{}: {}", ctx.who, ctx.uri.auid, ctx.uri.xui, ctx.uri.document,
                  removed.err().message);
        return error_response(removed.err(), version);
    }
    ++stats_.deletes;
    log->info("{} DELETE {}/{}/{}", ctx.who, ctx.uri.auid, ctx.uri.xui, ctx.uri.document);
    return make_response(bhttp::status::ok, version);
}

http::response xcap_handler::serve_stats(const http::request& req) {
    boost::json::object body{
        {"requests", stats_.requests.load()},
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
    };
    if (migration_) {
        const auto& c = migration_->cscm;
        body["cscm"] = boost::json::object{{"requests", c.requests.load()},
                                           {"refused_peers", c.refused_peers.load()},
                                           {"profiles_provided", c.profiles_provided.load()},
                                           {"not_modified", c.not_modified.load()},
                                           {"delivery_reports", c.delivery_reports.load()},
                                           {"releases_received", c.releases_received.load()}};
    }
    auto res = make_response(bhttp::status::ok, req.version());
    res.set(bhttp::field::content_type, "application/json");
    res.body() = boost::json::serialize(body);
    return res;
}

} // namespace mcprov::cms
