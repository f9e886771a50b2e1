#include "mcprov/kms/kms_handler.hpp"

#include <algorithm>
#include <charconv>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "mcprov/http/pipeline.hpp"
#include "mcprov/http/responses.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::kms {

using namespace kms_interface; // the Annex D documents this function serves
namespace {

namespace bhttp = boost::beast::http;
namespace json = boost::json;
using support::errc;
using support::make_error;
using support::result;

constexpr std::size_t max_report_bytes = 4096;

const std::shared_ptr<spdlog::logger>& log() {
    static const auto logger = support::logger("kms");
    return logger;
}

bhttp::status status_of(kms_error_code code) {
    return static_cast<bhttp::status>(static_cast<unsigned>(to_code(code)));
}

// The user a token speaks for: its MCPTT ID, or its MC ID when it names no MCPTT ID.
std::string user_of(const identity::access_token& token) {
    return token.mcptt_id.empty() ? token.mc_id : token.mcptt_id;
}

// "/keymanagement/identity/v1/keyprov/<uri>/<time>" -> {"<uri>", "<time>"}; the parts after the resource.
std::vector<std::string_view> path_segments(std::string_view rest) {
    std::vector<std::string_view> out;
    while (!rest.empty()) {
        if (rest.front() != '/') {
            return {std::string_view("\x01")}; // a malformed path: matches no route
        }
        rest.remove_prefix(1);
        auto slash = rest.find('/');
        out.push_back(rest.substr(0, slash));
        rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    }
    return out;
}

std::optional<std::uint64_t> parse_ntp_hex(std::string_view text) {
    if (text.size() != 16) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

} // namespace

kms_handler::kms_handler(std::shared_ptr<security_domain> domain, access_config access,
                         std::shared_ptr<const identity::access_token_verifier> verifier, xml::signing_key signing_key)
    : domain_(std::move(domain)), access_(std::move(access)), verifier_(std::move(verifier)),
      signing_key_(std::move(signing_key)) {}

http::response kms_handler::handle(http::request&& req, const http::peer_info& peer) {
    (void)peer;
    ++stats_.requests;
    std::string_view target(req.target().data(), req.target().size());
    auto query = target.find('?');
    std::string_view path = target.substr(0, query);
    if (path == "/healthz" && req.method() == bhttp::verb::get) {
        auto res = http::make_response(bhttp::status::ok, req.version());
        res.set(bhttp::field::content_type, "text/plain");
        res.body() = "ok\n";
        return res;
    }
    if (path == "/stats" && req.method() == bhttp::verb::get) {
        return serve_stats(req);
    }
    if (path.starts_with(kms_path_root)) {
        return key_management(req);
    }
    if (path == "/kms/v1/use-reports") {
        return use_report(req);
    }
    if (path == "/kms/v1/policy") {
        return policy(req);
    }
    ++stats_.refused;
    return http::problem(bhttp::status::not_found, req.version(), "no such resource: " + std::string(path));
}

http::response kms_handler::kms_refusal(const http::request& req, const std::string& user_uri,
                                        const support::error& e) {
    ++stats_.refused;
    log()->warn("{}: {} {} refused: {}", user_uri.empty() ? std::string("(no user)") : support::printable(user_uri),
                support::printable(std::string_view(req.method_string())),
                support::printable(std::string_view(req.target()), 200), support::printable(e.message));
    kms_response response;
    // What failed inside the KMS (the store, the disk) is logged, never told to the client.
    response.body = kms_error{to_code(kms_error_code_for(e.code)), http::public_detail(e)};
    return kms_answer(req, user_uri, std::move(response));
}

http::response kms_handler::kms_answer(const http::request& req, const std::string& user_uri, kms_response response) {
    const auto& domain = domain_->config();
    response.user_uri = user_uri.empty() ? std::string("sip:unknown") : user_uri;
    response.kms_uri = domain.kms_uri;
    response.kms_id = domain.kms_uri;
    response.time = domain_->clock().now();
    std::string_view target(req.target().data(), req.target().size());
    response.client_req_url = "https://" + domain.kms_uri + std::string(target.substr(0, target.find('?')));
    auto status = bhttp::status::ok;
    if (const auto* e = std::get_if<kms_error>(&response.body)) {
        auto known = kms_error_code_from(e->code);
        status = status_of(known.value_or(kms_error_code::internal_error));
    }
    auto encoded = encode_kms_response(response);
    auto signed_response = encoded ? sign_kms_response(*encoded, signing_key_) : std::move(encoded);
    if (!signed_response) {
        log()->error("{}: cannot build a KmsResponse: {}", response.user_uri, signed_response.err().message);
        return http::problem(bhttp::status::internal_server_error, req.version(), "the KMS failed to answer");
    }
    auto res = http::make_response(status, req.version());
    res.set(bhttp::field::content_type, "application/xml");
    res.body() = std::move(signed_response).value();
    return res;
}

http::response kms_handler::key_management(const http::request& req) {
    if (req.method() != bhttp::verb::post) {
        ++stats_.refused;
        auto res = http::problem(bhttp::status::method_not_allowed, req.version(),
                                 "the key management requests are POSTs (TS 33.180 D.2.1)");
        res.set(bhttp::field::allow, "POST");
        return res;
    }
    auto token_text = http::bearer_token(req);
    if (token_text.empty()) {
        return kms_refusal(req, {}, make_error(errc::unauthenticated, "a bearer access token is required"));
    }
    auto token = verifier_->verify(token_text);
    if (!token) {
        return kms_refusal(req, {}, make_error(errc::unauthenticated, token.err().message));
    }
    auto user = user_of(*token);
    if (!token->has_scope(access_.user_scope)) {
        return kms_refusal(req, user,
                           make_error(errc::forbidden, "the access token lacks the scope " + access_.user_scope));
    }
    const auto& domain = domain_->config();
    if (!req.body().empty()) {
        auto request = decode_kms_request(req.body());
        if (!request) {
            return kms_refusal(req, user, request.err());
        }
        if (request->kms_uri != domain.kms_uri) {
            return kms_refusal(
                req, user,
                make_error(errc::conflict, "this is the KMS of " + domain.kms_uri + ", not of " + request->kms_uri));
        }
        if (request->user_uri != user) {
            return kms_refusal(req, user,
                               make_error(errc::forbidden, "the access token is " + user + "'s, the request is for " +
                                                               request->user_uri));
        }
        if (request->client_error) {
            log()->warn("{}: the client reports error {}: {}", support::printable(user), request->client_error->code,
                        support::printable(request->client_error->message, 512));
        }
    }

    std::string_view target(req.target().data(), req.target().size());
    std::string_view path = target.substr(0, target.find('?'));
    auto resource = path.substr(kms_path_root.size());
    auto segments = path_segments(resource);
    if (segments.empty()) {
        return kms_refusal(req, user, make_error(errc::not_found, "no such key management resource"));
    }
    auto kind = segments.front();
    kms_response response;
    if (kind == "init" && segments.size() == 1) {
        ++stats_.init;
        log()->info("{}: init", user);
        response.body = kms_init{domain_->certificate()};
        return kms_answer(req, user, std::move(response));
    }
    if (kind == "keyprov" && segments.size() <= 3) {
        std::string for_uri = user;
        if (segments.size() >= 2) {
            auto decoded = support::percent_decode(segments[1]);
            if (!decoded) {
                return kms_refusal(req, user, make_error(errc::invalid_argument, "a malformed URI in the path"));
            }
            for_uri = std::move(*decoded);
        }
        if (for_uri != user) {
            return kms_refusal(req, user,
                               make_error(errc::forbidden, user + " may not have the keys of " + for_uri +
                                                               " (group keys are not issued by this KMS)"));
        }
        auto number = domain_->current_key_period();
        if (segments.size() == 3) {
            auto ntp = parse_ntp_hex(segments[2]);
            if (!ntp) {
                return kms_refusal(req, user,
                                   make_error(errc::invalid_argument,
                                              "the time in the path must be an NTP timestamp of 16 hex digits"));
            }
            number = mikey::key_period_number(mikey::from_ntp_timestamp(*ntp), domain_->periods());
        }
        if (!number) {
            return kms_refusal(req, user, number.err());
        }
        auto set = domain_->issue_key_set(user, *number);
        if (!set) {
            log()->info("{}: keyprov for period {} refused: {}", user, *number, set.err().message);
            return kms_refusal(req, user, set.err());
        }
        ++stats_.key_sets_issued;
        log()->info("{}: keyprov: key set for period {}", user, *number);
        response.body = kms_key_prov{{std::move(set).value()}};
        return kms_answer(req, user, std::move(response));
    }
    if (kind == "certcache" && segments.size() <= 2) {
        auto member = domain_->store().is_member(user);
        if (!member) {
            return kms_refusal(req, user, member.err());
        }
        if (!*member) {
            return kms_refusal(req, user, make_error(errc::forbidden, user + " is not a member of " + domain.kms_uri));
        }
        auto cache = domain_->store().external_domains();
        if (!cache) {
            return kms_refusal(req, user, cache.err());
        }
        ++stats_.cert_cache;
        kms_cert_cache body;
        body.cache_num = cache->cache_number;
        std::optional<std::int64_t> known;
        if (segments.size() == 2) {
            std::int64_t n = 0;
            auto [end, ec] = std::from_chars(segments[1].data(), segments[1].data() + segments[1].size(), n);
            if (ec != std::errc() || end != segments[1].data() + segments[1].size()) {
                return kms_refusal(req, user,
                                   make_error(errc::invalid_argument, "the cache number in the path is not a number"));
            }
            known = n;
        }
        if (known != cache->cache_number) {
            for (const auto& external : cache->domains) {
                auto certificate = decode_kms_certificate(external.certificate_xml);
                if (!certificate) {
                    log()->error("{}: the stored certificate of {} does not decode: {}", user, external.kms_uri,
                                 certificate.err().message);
                    continue;
                }
                certificate->role = kms_role::external;
                certificate->revoked = external.revoked;
                body.certificates.push_back(std::move(certificate).value());
            }
        }
        log()->info("{}: certcache {} ({} certificates)", user, cache->cache_number, body.certificates.size());
        response.body = std::move(body);
        return kms_answer(req, user, std::move(response));
    }
    return kms_refusal(req, user,
                       make_error(errc::not_found, "no such key management resource: " + std::string(resource)));
}

std::variant<identity::access_token, http::response> kms_handler::authorize(const http::request& req,
                                                                            boost::beast::http::verb method,
                                                                            const std::vector<std::string>& scopes) {
    if (req.method() != method) {
        ++stats_.refused;
        auto res = http::problem(bhttp::status::method_not_allowed, req.version(),
                                 "this resource takes " + std::string(bhttp::to_string(method)));
        res.set(bhttp::field::allow, bhttp::to_string(method));
        return res;
    }
    auto token = verifier_->verify(http::bearer_token(req));
    if (!token) {
        ++stats_.refused;
        auto res = http::problem(bhttp::status::unauthorized, req.version(), token.err().message);
        res.set(bhttp::field::www_authenticate, "Bearer realm=\"mcprov\"");
        return res;
    }
    for (const auto& scope : scopes) {
        if (token->has_scope(scope)) {
            return std::move(token).value();
        }
    }
    ++stats_.refused;
    return http::problem(bhttp::status::forbidden, req.version(), "the access token lacks the scope " + scopes.front());
}

// POST /kms/v1/use-reports, JSON {"external_kms_uri", "peer_uri", "used_at"}: who reports comes from the token.
http::response kms_handler::use_report(const http::request& req) {
    auto authorized = authorize(req, bhttp::verb::post, {access_.user_scope});
    if (auto* refusal = std::get_if<http::response>(&authorized)) {
        return std::move(*refusal);
    }
    const auto& token = std::get<identity::access_token>(authorized);
    if (req.body().size() > max_report_bytes) {
        ++stats_.refused;
        return http::problem(bhttp::status::payload_too_large, req.version(), "a use report is at most 4096 bytes");
    }
    boost::system::error_code ec;
    auto value = json::parse(req.body(), ec);
    const json::object* o = !ec && value.is_object() ? &value.get_object() : nullptr;
    auto text = [&](std::string_view key) -> std::string {
        const auto* v = o ? o->if_contains(key) : nullptr;
        return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    external_domain_use use;
    use.reporter = user_of(token);
    if (auto member = domain_->store().is_member(use.reporter); !member || !*member) {
        ++stats_.refused;
        return http::problem(bhttp::status::forbidden, req.version(),
                             use.reporter + " is not a member of " + domain_->config().kms_uri);
    }
    use.external_kms_uri = text("external_kms_uri");
    use.peer_uri = text("peer_uri");
    auto used_at = support::parse_utc(text("used_at"));
    if (!o || use.external_kms_uri.empty() || use.peer_uri.empty() || !used_at) {
        ++stats_.refused;
        return http::problem(bhttp::status::bad_request, req.version(),
                             "a use report is a JSON object with external_kms_uri, peer_uri and used_at "
                             "(RFC 3339 UTC)");
    }
    use.used_at = *used_at;
    use.received_at = domain_->clock().now();
    auto cache = domain_->store().external_domains();
    if (!cache) {
        ++stats_.refused;
        return http::problem(bhttp::status::service_unavailable, req.version(), "the KMS store is unavailable");
    }
    auto it = std::find_if(cache->domains.begin(), cache->domains.end(),
                           [&](const external_domain& e) { return e.kms_uri == use.external_kms_uri; });
    use.permitted = it != cache->domains.end() && !it->revoked;
    use.revoked = it != cache->domains.end() && it->revoked;
    if (auto recorded = domain_->store().record_use(use); !recorded) {
        ++stats_.refused;
        auto status = recorded.err().code == errc::invalid_argument ? bhttp::status::bad_request
                                                                    : bhttp::status::service_unavailable;
        return http::problem(status, req.version(), recorded.err().message);
    }
    ++stats_.use_reports;
    if (!use.permitted) {
        ++stats_.use_reports_not_permitted;
        log()->warn("{}: reports use of {} with {}, which {} does not permit{}", use.reporter, use.external_kms_uri,
                    use.peer_uri, domain_->config().kms_uri, use.revoked ? " (its certificate is revoked)" : "");
    } else {
        log()->info("{}: reports use of {} with {}", use.reporter, use.external_kms_uri, use.peer_uri);
    }
    auto res = http::make_response(bhttp::status::no_content, req.version());
    return res;
}

// GET /kms/v1/policy: what the security-domain lookup needs of this domain.
http::response kms_handler::policy(const http::request& req) {
    auto authorized = authorize(req, bhttp::verb::get, {access_.lookup_scope, access_.admin_scope});
    if (auto* refusal = std::get_if<http::response>(&authorized)) {
        return std::move(*refusal);
    }
    auto members = domain_->store().members();
    auto cache = domain_->store().external_domains();
    if (!members || !cache) {
        ++stats_.refused;
        return http::problem(bhttp::status::service_unavailable, req.version(), "the KMS store is unavailable");
    }
    json::array permitted;
    json::array revoked;
    for (const auto& e : cache->domains) {
        (e.revoked ? revoked : permitted).push_back(json::value(e.kms_uri));
    }
    json::array member_list;
    for (const auto& m : *members) {
        member_list.push_back(json::value(m));
    }
    json::object body{{"kms_uri", domain_->config().kms_uri},
                      {"cache_number", cache->cache_number},
                      {"members", std::move(member_list)},
                      {"permitted_external", std::move(permitted)},
                      {"revoked_external", std::move(revoked)}};
    return http::json_response(body, req.version());
}

http::response kms_handler::serve_stats(const http::request& req) const {
    json::object body{{"requests", stats_.requests.load()},
                      {"init", stats_.init.load()},
                      {"key_sets_issued", stats_.key_sets_issued.load()},
                      {"cert_cache", stats_.cert_cache.load()},
                      {"refused", stats_.refused.load()},
                      {"use_reports", stats_.use_reports.load()},
                      {"use_reports_not_permitted", stats_.use_reports_not_permitted.load()}};
    return http::json_response(body, req.version());
}

} // namespace mcprov::kms
