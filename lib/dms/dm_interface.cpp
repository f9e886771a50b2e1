#include "mcprov/dms/dm_interface.hpp"

#include "mcprov/gba/dm_proof.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/json.hpp>

#include "mcprov/dms/audit.hpp"
#include "mcprov/dms/purchase_messages.hpp"
#include "mcprov/http/responses.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/json.hpp"
#include "mcprov/support/log.hpp"
#include "mcprov/syncml/credentials.hpp"

namespace mcprov::dms {
namespace {

using support::errc;
using support::make_error;
using support::result;
namespace bhttp = boost::beast::http;
namespace json = boost::json;

constexpr std::size_t max_admin_body = 4 << 20; // a job carries values of up to 1 MiB, JSON-escaped
constexpr std::size_t max_batch = 10000;

// The media types a device may post, and whether each is WBXML.
std::optional<bool> syncml_media_type(std::string_view content_type) {
    auto type = boost::algorithm::to_lower_copy(std::string(content_type.substr(0, content_type.find(';'))));
    while (!type.empty() && type.back() == ' ') {
        type.pop_back();
    }
    if (type == "application/vnd.syncml.dm+xml" || type == "application/vnd.syncml+xml") {
        return false;
    }
    if (type == "application/vnd.syncml.dm+wbxml" || type == "application/vnd.syncml+wbxml") {
        return true;
    }
    return std::nullopt;
}

result<json::value> json_body(const http::request& req) {
    boost::system::error_code ec;
    auto v = json::parse(req.body(), ec);
    if (ec) {
        return make_error(errc::invalid_argument, "the body is not JSON: " + ec.message());
    }
    return v;
}

http::response created(const json::value& body, unsigned version) {
    auto res = http::json_response(body, version);
    res.result(bhttp::status::created);
    return res;
}

// The CN of a one-line RFC 2253 subject ("CN=IMEI:493005100592800,O=Police"); empty when it has none.
std::string certificate_common_name(std::string_view subject) {
    std::size_t at = 0;
    while (at < subject.size()) {
        auto end = at;
        while (end < subject.size() && subject[end] != ',') {
            end += subject[end] == '\\' ? 2 : 1;
        }
        const auto part = subject.substr(at, std::min(end, subject.size()) - at);
        if (part.starts_with("CN=")) {
            return std::string(part.substr(3));
        }
        at = end + 1;
    }
    return {};
}

bool printable(std::string_view text) {
    return !text.empty() && text.size() <= 256 &&
           std::all_of(text.begin(), text.end(), [](unsigned char ch) { return ch > 0x20 && ch < 0x7f; });
}

} // namespace

result<std::vector<job>> queue_jobs(job_queue& jobs, const std::vector<std::string>& devices, const job& request,
                                    std::string_view actor, std::chrono::system_clock::time_point now) {
    if (devices.empty() || devices.size() > max_batch) {
        return make_error(errc::invalid_argument, "devices must list 1 to 10000 devices");
    }
    const auto batch = devices.size() > 1 ? job_queue::new_id(now) : std::string();
    std::vector<job> made;
    for (const auto& d : devices) {
        if (request.gate) {
            auto both = gated_jobs(request, d, actor, now, syncml::random_nonce);
            for (auto& j : both) {
                j.batch = batch;
            }
            made.push_back(std::move(both[1]));
            made.push_back(std::move(both[0]));
            continue;
        }
        job j = request;
        j.id = job_queue::new_id(now);
        j.batch = batch;
        j.device = d;
        j.requested_by = std::string(actor);
        j.created = now;
        j.state = job_state::queued;
        made.push_back(std::move(j));
    }
    if (auto queued = jobs.queue_all(made); !queued) {
        return std::move(queued).err();
    }
    return made;
}

result<void> enroll_device(device_registry& registry, job_queue& jobs, const std::string& device,
                           const device_credentials& credentials, std::string_view actor,
                           std::chrono::system_clock::time_point now) {
    if (!printable(device) || !printable(credentials.client_name)) {
        return make_error(errc::invalid_argument, "the device's id and user name must be printable ASCII without "
                                                  "spaces, 1 to 256 bytes");
    }
    if (credentials.client_secret.size() < 8 || credentials.client_secret.size() > 256 ||
        credentials.server_secret.size() < 8 || credentials.server_secret.size() > 256) {
        return make_error(errc::invalid_argument, "the device's and the server's passwords must be 8 to 256 bytes");
    }
    if (!credentials.push_url.empty() && !credentials.push_url.starts_with("http://") &&
        !credentials.push_url.starts_with("https://")) {
        return make_error(errc::invalid_argument, "the push address must be an http(s) URL");
    }
    if (auto done = registry.enroll(device, credentials, actor); !done) {
        return done;
    }
    job inventory;
    for (const auto* leaf : {"DevTyp", "OEM", "FwV", "SwV", "HwV", "LrgObj"}) {
        inventory.commands.push_back({.name = syncml::command_name::get, .target = std::string("./DevDetail/") + leaf});
    }
    auto queued = queue_jobs(jobs, {device}, inventory, actor, now);
    if (!queued) {
        return std::move(queued).err();
    }
    return {};
}

result<job> mc_configuration_job(mcs_mo::ue_initial_configuration config,
                                 const std::optional<mcs_mo::ue_configuration>& ue, std::optional<std::string> user,
                                 bool replace) {
    if (user) {
        config.default_user = std::move(user);
    }
    if (auto checked = mcs_mo::to_document(config); !checked) {
        return std::move(checked).err();
    }
    if (ue) {
        if (auto checked = mcs_mo::to_document(*ue); !checked) {
            return std::move(checked).err();
        }
    }
    job j;
    j.atomic = true;
    auto add_object = [&](std::string_view node, std::string_view type, const std::vector<mcs_mo::mo_leaf>& leaves) {
        const auto root = std::string(node);
        if (replace) {
            j.commands.push_back({.name = syncml::command_name::delete_, .target = root});
        }
        j.commands.push_back(
            {.name = syncml::command_name::add, .target = root, .format = "node", .type = std::string(type)});
        for (const auto& leaf : leaves) {
            j.commands.push_back({.name = syncml::command_name::add,
                                  .target = root + "/" + leaf.path,
                                  .data = leaf.value,
                                  .format = leaf.format});
        }
    };
    add_object(mc_configuration_node, mcs_mo::ue_initial_configuration_mo, mcs_mo::to_mo_leaves(config));
    if (ue) {
        add_object(mc_ue_configuration_node, mcs_mo::ue_configuration_mo, mcs_mo::to_mo_leaves(*ue));
    }
    return j;
}

json::value device_json(std::string_view device, const device_inventory& inventory, const std::vector<job>& jobs) {
    json::object info;
    for (const auto& [uri, value] : inventory.dev_info) {
        info[uri] = value;
    }
    json::object o{{"device", device}, {"dev_info", std::move(info)}};
    if (!inventory.last_session_id.empty()) {
        o["last_session"] = support::format_utc(inventory.last_session);
        o["last_session_id"] = inventory.last_session_id;
    }
    std::size_t pending = 0;
    for (const auto& j : jobs) {
        pending += j.finished_state() ? 0 : 1;
    }
    o["jobs_pending"] = pending;
    o["jobs_finished"] = jobs.size() - pending;
    return o;
}

dm_interface::session_counters::session_counters(support::metrics_registry& m)
    : authenticated(m.counter_of("mcprov_dm_messages_total", "SyncML DM messages answered, by the device's authentication",
                                 {{"device", "authenticated"}})),
      unauthenticated(m.counter_of("mcprov_dm_messages_total", "", {{"device", "unauthenticated"}})),
      ended(m.counter_of("mcprov_dm_sessions_ended_total", "Management sessions ended")),
      jobs_done(m.counter_of("mcprov_dm_jobs_finished_total", "Jobs finished in a management session, by outcome",
                             {{"outcome", "done"}})),
      jobs_failed(m.counter_of("mcprov_dm_jobs_finished_total", "", {{"outcome", "failed"}})) {}

dm_interface::dm_interface(dm_interface_config config, std::shared_ptr<store::document_store> documents,
                           std::shared_ptr<support::clock> clock,
                           std::shared_ptr<const identity::access_token_verifier> verifier,
                           std::shared_ptr<http::client> push_client, std::shared_ptr<gsup::hlr_client> hlr,
                           std::shared_ptr<const operation_gate> gate,
                           std::shared_ptr<subscriber_purchase> purchases,
                           std::shared_ptr<support::metrics_registry> metrics)
    : config_(std::move(config)), documents_(documents), clock_(clock),
      session_(config_.session, documents, clock, syncml::random_nonce, std::move(gate)),
      registry_(documents), jobs_(documents), notifier_(config_.session.server_id, documents, std::move(push_client)),
      switch_on_(documents, std::move(hlr), clock, config_.subscribers), purchases_(std::move(purchases)), pipeline_(std::make_shared<http::pipeline>("dms", std::move(metrics))),
      counters_(*pipeline_->metrics()) {
    using bhttp::verb;
    auto bearer =
        http::bearer_authentication([verifier = std::move(verifier)](std::string_view text) -> result<http::caller> {
            auto token = verifier->verify(text);
            if (!token) {
                return make_error(errc::unauthenticated, token.err().message);
            }
            http::caller c;
            c.id = token->mc_id;
            c.scopes = std::move(token->scopes);
            return c;
        });
    auto admin = [scope = config_.admin_scope](const http::caller& c, const http::request&) {
        return c.require_scope(scope);
    };
    pipeline_->add(http::health_route());
    pipeline_->add(http::readiness_route({{"store", [documents] { return store::probe(*documents); }}}, "dms"));
    pipeline_->add({.name = "syncml",
                    .methods = {verb::post},
                    .path = config_.dm_path,
                    .handle = [this](http::call& c) { return serve_syncml(c); },
                    .max_body_bytes = static_cast<std::size_t>(config_.session.max_msg_size)});
    auto add_admin = [&](std::string name, verb method, std::string path,
                         result<http::response> (dm_interface::*serve)(http::call&), std::size_t body = 0) {
        pipeline_->add({.name = std::move(name),
                        .methods = {method},
                        .path = std::move(path),
                        .authenticate = bearer,
                        .authorise = admin,
                        .handle = [this, serve](http::call& c) { return (this->*serve)(c); },
                        .max_body_bytes = body});
    };
    add_admin("enroll", verb::post, "/dms/v1/devices", &dm_interface::enroll, max_admin_body);
    add_admin("devices", verb::get, "/dms/v1/devices", &dm_interface::list_devices);
    add_admin("device", verb::get, "/dms/v1/devices/{device}", &dm_interface::show_device);
    add_admin("device-jobs", verb::get, "/dms/v1/devices/{device}/jobs", &dm_interface::list_jobs);
    add_admin("queue", verb::post, "/dms/v1/devices/{device}/jobs", &dm_interface::queue_for_device, max_admin_body);
    add_admin("batch", verb::post, "/dms/v1/jobs", &dm_interface::queue_batch, max_admin_body);
    add_admin("job", verb::get, "/dms/v1/devices/{device}/jobs/{job}", &dm_interface::show_job);
    add_admin("cancel", verb::delete_, "/dms/v1/devices/{device}/jobs/{job}", &dm_interface::cancel_job);
    add_admin("notify", verb::post, "/dms/v1/devices/{device}/notify", &dm_interface::notify, max_admin_body);
    add_admin("mc-configuration", verb::post, "/dms/v1/devices/{device}/mc-configuration",
              &dm_interface::provision_mc, max_admin_body);
    add_admin("cards", verb::get, "/dms/v1/devices/{device}/cards", &dm_interface::list_cards);
    pipeline_->add({.name = "switch-on",
                    .methods = {verb::post},
                    .path = "/dms/v1/switch-on",
                    .handle = [this](http::call& c) { return begin_switch_on(c); },
                    .max_body_bytes = 1024});
    pipeline_->add({.name = "switch-on-answer",
                    .methods = {verb::post},
                    .path = "/dms/v1/switch-on/{attempt}",
                    .handle = [this](http::call& c) { return answer_switch_on(c); },
                    .max_body_bytes = 1024});
    pipeline_->add({.name = "offers",
                    .methods = {verb::get},
                    .path = "/dms/v1/offers",
                    .handle = [this](http::call& c) { return list_offers(c); }});
    pipeline_->add({.name = "purchase",
                    .methods = {verb::post},
                    .path = "/dms/v1/purchases",
                    .handle = [this](http::call& c) { return open_purchase(c); },
                    .max_body_bytes = 4096});
    pipeline_->add({.name = "purchase-complete",
                    .methods = {verb::post},
                    .path = "/dms/v1/purchases/{purchase}",
                    .handle = [this](http::call& c) { return complete_purchase(c); },
                    .max_body_bytes = 8192,
                    .may_wait = true});
    pipeline_->add(http::metrics_route(pipeline_->metrics(), bearer, admin));
    pipeline_->add({.name = "stats",
                    .methods = {verb::get},
                    .path = "/stats",
                    .authenticate = bearer,
                    .authorise = admin,
                    .handle = [this](http::call& c) -> result<http::response> {
                        return http::json_response(pipeline_->stats(), c.req.version());
                    }});
}

http::response dm_interface::handle(http::request&& req, const http::peer_info& peer) {
    return pipeline_->handle(std::move(req), peer);
}

std::optional<http::response> dm_interface::screen(const http::request& req, const http::peer_info& peer) {
    return pipeline_->screen(req, peer);
}

result<http::response> dm_interface::serve_syncml(http::call& c) {
    const auto content_type = c.req[bhttp::field::content_type];
    const auto wbxml = syncml_media_type(content_type);
    if (!wbxml) {
        return make_error(errc::unsupported_media_type,
                          "a DM message is application/vnd.syncml.dm+xml or application/vnd.syncml.dm+wbxml");
    }
    syncml::decode_limits limits;
    limits.max_bytes = static_cast<std::size_t>(config_.session.max_msg_size);
    const auto& body = c.req.body();
    auto decoded = *wbxml ? syncml::decode_wbxml(body, limits) : syncml::decode_xml(body, limits);
    if (!decoded) {
        static const auto log = support::logger("dms");
        log->warn("{} refused: {}", c.peer.address, decoded.err().message);
        return decoded.err().code == errc::too_large ? decoded.err()
                                                     : make_error(errc::invalid_argument, decoded.err().message);
    }
    if (config_.client_certificates != "off") {
        // The TLS layer checked the issuer; the certificate must also be the device's own (CN = its DevId).
        const auto& subject = c.peer.certificate_subject;
        if (subject.empty() ? config_.client_certificates == "required"
                            : certificate_common_name(subject) != decoded->header.source) {
            static const auto log = support::logger("dms");
            log->warn("{} refused: client certificate '{}'", decoded->header.source, subject);
            return make_error(errc::forbidden, "the TLS client certificate is not this device's");
        }
    }
    std::optional<syncml::hmac_header> hmac;
    if (const auto field = c.req[syncml::hmac_header_name]; !field.empty()) {
        if (auto parsed = syncml::parse_hmac_header(field)) {
            hmac = std::move(parsed).value();
        }
    }
    const auto host = c.req[bhttp::field::host];
    const auto posted_to = (config_.tls ? "https://" : "http://") + std::string(host) + config_.dm_path;
    auto reply = session_.run({*decoded, body, hmac, session_key_of(c.req.target()), posted_to});
    if (!reply) {
        return std::move(reply).err();
    }
    (reply->authenticated ? counters_.authenticated : counters_.unauthenticated).inc();
    counters_.ended.inc(reply->session_ended ? 1 : 0);
    counters_.jobs_done.inc(reply->jobs_done);
    counters_.jobs_failed.inc(reply->jobs_failed);
    auto encoded = *wbxml ? syncml::encode_wbxml(reply->message) : syncml::encode_xml(reply->message);
    if (!encoded) {
        return make_error(errc::internal, "the reply does not encode: " + encoded.err().message);
    }
    auto res = http::make_response(bhttp::status::ok, c.req.version());
    auto media = std::string(content_type.substr(0, content_type.find(';')));
    boost::algorithm::to_lower(media);
    res.set(bhttp::field::content_type, media);
    if (reply->mac) {
        res.set(syncml::hmac_header_name,
                syncml::format_hmac_header({reply->mac->name, syncml::mac_credential(reply->mac->name,
                                                                                     reply->mac->secret,
                                                                                     reply->mac->nonce, *encoded)}));
    }
    res.body() = std::move(encoded).value();
    return res;
}

result<http::response> dm_interface::enroll(http::call& c) {
    auto body = json_body(c.req);
    if (!body) {
        return std::move(body).err();
    }
    if (!body->is_object()) {
        return make_error(errc::invalid_argument, "a device must be a JSON object");
    }
    const auto& o = body->as_object();
    device_credentials creds;
    const auto device = support::json_text(o, "device");
    creds.client_name = support::json_text(o, "client_name");
    if (creds.client_name.empty()) {
        creds.client_name = device;
    }
    creds.client_secret = support::json_text(o, "client_secret");
    creds.server_name = config_.session.server_id;
    creds.server_secret = support::json_text(o, "server_secret");
    const bool generated = creds.server_secret.empty();
    if (generated) {
        creds.server_secret = support::base64url_encode(syncml::random_nonce());
    }
    creds.push_url = support::json_text(o, "push_url");
    if (auto done = enroll_device(registry_, jobs_, device, creds, c.who.id, clock_->now()); !done) {
        return std::move(done).err();
    }
    json::object out{{"device", device}, {"client_name", creds.client_name}, {"server_name", creds.server_name}};
    if (generated) {
        out["server_secret"] = creds.server_secret; // shown once: the device's SRVCRED needs it
    }
    return created(out, c.req.version());
}

result<http::response> dm_interface::list_devices(http::call& c) {
    auto devices = registry_.devices();
    if (!devices) {
        return std::move(devices).err();
    }
    json::array a;
    for (const auto& d : *devices) {
        a.emplace_back(d);
    }
    return http::json_response(json::object{{"devices", std::move(a)}}, c.req.version());
}

result<http::response> dm_interface::show_device(http::call& c) {
    const auto device = support::percent_decode(c.params.get("device")).value_or("");
    auto creds = registry_.credentials(device);
    if (!creds) {
        return std::move(creds).err();
    }
    if (!*creds) {
        return make_error(errc::not_found, "no device " + device + " is enrolled");
    }
    auto inventory = registry_.inventory(device);
    auto jobs = jobs_.list(device);
    if (!inventory || !jobs) {
        return !inventory ? std::move(inventory).err() : std::move(jobs).err();
    }
    return http::json_response(device_json(device, *inventory, *jobs), c.req.version());
}

json::value cards_json(std::string_view device, const std::vector<card_pairing>& pairings) {
    json::array cards;
    for (const auto& p : pairings) {
        cards.push_back(json::object{
            {"time", support::format_utc(p.time)}, {"imei", p.imei}, {"imsi", p.imsi}, {"iccid", p.iccid}});
    }
    return json::object{{"device", device}, {"cards", std::move(cards)}};
}

namespace {

json::value challenge_json(const switch_on_authentication::challenge& ch) {
    return json::object{{"attempt", ch.attempt},
                        {"rand", support::hex_encode(ch.rand)},
                        {"autn", support::hex_encode(ch.autn)}};
}

} // namespace

namespace {

json::object purchase_json(const purchase_outcome& p) {
    json::array jobs;
    for (const auto& j : p.jobs) {
        jobs.emplace_back(j);
    }
    json::object o{{"purchase", p.id},           {"state", p.state},
                   {"device", p.device},         {"amount", static_cast<std::int64_t>(p.amount)},
                   {"currency", p.currency},     {"means", p.means},
                   {"confirmation", p.confirmation}};
    if (p.state == "open") {
        o["request"] =
            gba::format_dm_authentication_request({.level = gba::authentication_level::user, .nonce = p.nonce});
    } else {
        o["jobs"] = std::move(jobs);
        o["subscription"] = p.subscription;
        if (!p.reference.empty()) {
            o["reference"] = p.reference;
        }
    }
    return o;
}

} // namespace

result<http::response> dm_interface::list_offers(http::call& c) {
    json::array offers;
    for (const auto& o : purchases_ ? purchases_->offers() : std::vector<offer>{}) {
        offers.push_back(json::object{{"id", o.id},
                                      {"description", o.description},
                                      {"amount", static_cast<std::int64_t>(o.amount)},
                                      {"currency", o.currency}});
    }
    return http::json_response(json::object{{"offers", std::move(offers)}, {"server_id", config_.session.server_id}},
                               c.req.version());
}

// {"device", "offers": [ids], "means"} -> 201 the purchase, with the confirmation and the request to prove.
result<http::response> dm_interface::open_purchase(http::call& c) {
    if (!purchases_) {
        return make_error(errc::unavailable, "this server sells nothing ([[offer]])");
    }
    auto body = json_body(c.req);
    if (!body) {
        return std::move(body).err();
    }
    auto request = purchase_request_from_json(*body);
    if (!request) {
        return std::move(request).err();
    }
    auto p = purchases_->open(request->device, request->offers, request->means);
    if (!p) {
        return std::move(p).err();
    }
    return created(purchase_json(*p), c.req.version());
}

// {"proof", "card_token"} -> the purchase, done; the same again answers the same.
result<http::response> dm_interface::complete_purchase(http::call& c) {
    if (!purchases_) {
        return make_error(errc::unavailable, "this server sells nothing ([[offer]])");
    }
    auto body = json_body(c.req);
    if (!body) {
        return std::move(body).err();
    }
    auto completion = purchase_completion_from_json(*body);
    if (!completion) {
        return std::move(completion).err();
    }
    auto p = purchases_->complete(std::string(c.params.get("purchase")), completion->proof, completion->card_token);
    if (!p) {
        return std::move(p).err();
    }
    return http::json_response(purchase_json(*p), c.req.version());
}

result<http::response> dm_interface::begin_switch_on(http::call& c) {
    auto body = json_body(c.req);
    if (!body) {
        return std::move(body).err();
    }
    if (!body->is_object()) {
        return make_error(errc::invalid_argument, "a switch-on is a JSON object with imei, imsi and iccid");
    }
    const auto& o = body->as_object();
    auto ch = switch_on_.begin(support::json_text(o, "imei"), support::json_text(o, "imsi"), support::json_text(o, "iccid"));
    if (!ch) {
        return std::move(ch).err();
    }
    return http::json_response(challenge_json(*ch), c.req.version());
}

result<http::response> dm_interface::answer_switch_on(http::call& c) {
    const auto attempt = support::percent_decode(c.params.get("attempt")).value_or("");
    auto body = json_body(c.req);
    if (!body) {
        return std::move(body).err();
    }
    if (!body->is_object()) {
        return make_error(errc::invalid_argument, "an answer is a JSON object with res or auts");
    }
    const auto& o = body->as_object();
    std::optional<std::string> res, auts;
    for (auto [key, out] : {std::pair{"res", &res}, std::pair{"auts", &auts}}) {
        if (!o.contains(key)) {
            continue;
        }
        *out = support::hex_decode(support::json_text(o, key));
        if (!*out) {
            return make_error(errc::invalid_argument, std::string(key) + " must be hex octets");
        }
    }
    if ((res && (res->size() < 4 || res->size() > 16)) || (auts && auts->size() != aka::auts_size)) {
        return make_error(errc::invalid_argument, "res is 4 to 16 octets and auts 14, in hex");
    }
    auto answered = switch_on_.answer(attempt, res, auts);
    if (!answered) {
        return std::move(answered).err();
    }
    if (const auto* next = std::get_if<switch_on_authentication::challenge>(&*answered)) {
        return http::json_response(challenge_json(*next), c.req.version());
    }
    const auto& p = std::get<card_pairing>(*answered);
    return http::json_response(json::object{{"authenticated", true},
                                            {"imei", p.imei},
                                            {"imsi", p.imsi},
                                            {"iccid", p.iccid},
                                            {"time", support::format_utc(p.time)}},
                               c.req.version());
}

result<http::response> dm_interface::list_cards(http::call& c) {
    const auto device = support::percent_decode(c.params.get("device")).value_or("");
    if (!device.starts_with("IMEI:")) {
        return make_error(errc::not_found, "cards are known by IMEI: the device must be IMEI:<15 digits>");
    }
    auto pairings = pairings_of_device(*documents_, device.substr(5));
    if (!pairings) {
        return std::move(pairings).err();
    }
    return http::json_response(cards_json(device, *pairings), c.req.version());
}

result<http::response> dm_interface::queue_for_device(http::call& c) {
    const auto device = support::percent_decode(c.params.get("device")).value_or("");
    auto body = json_body(c.req);
    if (!body) {
        return std::move(body).err();
    }
    auto request = job_request_from_json(*body);
    if (!request) {
        return std::move(request).err();
    }
    auto made = queue_jobs(jobs_, {device}, *request, c.who.id, clock_->now());
    if (!made) {
        return std::move(made).err();
    }
    auto out = to_json(made->front());
    if (const auto* n = body->as_object().if_contains("notify"); n && n->is_bool() && n->as_bool()) {
        // The job stays queued whether or not the device is reached: it runs at its next session either way.
        auto session = notifier_.notify(device, c.who.id);
        out.as_object()["notified"] = session ? json::value(*session) : json::value(session.err().message);
    }
    return created(out, c.req.version());
}

result<http::response> dm_interface::queue_batch(http::call& c) {
    auto body = json_body(c.req);
    if (!body) {
        return std::move(body).err();
    }
    auto request = job_request_from_json(*body);
    if (!request) {
        return std::move(request).err();
    }
    std::vector<std::string> devices;
    const auto* listed = body->as_object().if_contains("devices");
    if (!listed || !listed->is_array()) {
        return make_error(errc::invalid_argument, "devices must be an array of device ids");
    }
    for (const auto& d : listed->as_array()) {
        if (!d.is_string()) {
            return make_error(errc::invalid_argument, "devices must be an array of device ids");
        }
        devices.emplace_back(d.as_string());
    }
    auto made = queue_jobs(jobs_, devices, *request, c.who.id, clock_->now());
    if (!made) {
        return std::move(made).err();
    }
    json::array ids;
    for (const auto& j : *made) {
        ids.push_back(json::object{{"device", j.device}, {"id", j.id}});
    }
    return created(json::object{{"batch", made->front().batch}, {"jobs", std::move(ids)}}, c.req.version());
}

result<http::response> dm_interface::list_jobs(http::call& c) {
    const auto device = support::percent_decode(c.params.get("device")).value_or("");
    auto jobs = jobs_.list(device);
    if (!jobs) {
        return std::move(jobs).err();
    }
    json::array a;
    for (const auto& j : *jobs) {
        a.push_back(to_json(j));
    }
    return http::json_response(json::object{{"jobs", std::move(a)}}, c.req.version());
}

result<http::response> dm_interface::show_job(http::call& c) {
    const auto device = support::percent_decode(c.params.get("device")).value_or("");
    auto j = jobs_.find(device, c.params.get("job"));
    if (!j) {
        return std::move(j).err();
    }
    return http::json_response(to_json(*j), c.req.version());
}

result<http::response> dm_interface::notify(http::call& c) {
    const auto device = support::percent_decode(c.params.get("device")).value_or("");
    auto session = notifier_.notify(device, c.who.id);
    if (!session) {
        return std::move(session).err();
    }
    auto res = http::json_response(json::object{{"device", device}, {"session_id", *session}}, c.req.version());
    res.result(bhttp::status::accepted);
    return res;
}

result<http::response> dm_interface::provision_mc(http::call& c) {
    const auto device = support::percent_decode(c.params.get("device")).value_or("");
    if (!config_.mc) {
        return make_error(errc::not_found, "this server has no [mc] configuration to provision");
    }
    json::object o;
    if (!c.req.body().empty()) {
        auto body = json_body(c.req);
        if (!body || !body->is_object()) {
            return make_error(errc::invalid_argument, "the body must be a JSON object (user, replace, notify)");
        }
        o = body->as_object();
    }
    std::optional<std::string> user;
    if (const auto* u = o.if_contains("user"); u && u->is_string()) {
        user = std::string(u->as_string());
    }
    const auto* replace = o.if_contains("replace");
    auto request =
        mc_configuration_job(*config_.mc, config_.mc_ue, user, replace && replace->is_bool() && replace->as_bool());
    if (!request) {
        return std::move(request).err();
    }
    auto made = queue_jobs(jobs_, {device}, *request, c.who.id, clock_->now());
    if (!made) {
        return std::move(made).err();
    }
    auto out = to_json(made->front());
    if (const auto* n = o.if_contains("notify"); n && n->is_bool() && n->as_bool()) {
        auto session = notifier_.notify(device, c.who.id);
        out.as_object()["notified"] = session ? json::value(*session) : json::value(session.err().message);
    }
    return created(out, c.req.version());
}

result<http::response> dm_interface::cancel_job(http::call& c) {
    const auto device = support::percent_decode(c.params.get("device")).value_or("");
    auto j = jobs_.cancel(device, c.params.get("job"), clock_->now(), c.who.id);
    if (!j) {
        return std::move(j).err();
    }
    return http::json_response(to_json(*j), c.req.version());
}

} // namespace mcprov::dms
