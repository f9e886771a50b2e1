#include "mcprov/agent/card_objects.hpp"
#include "mcprov/agent/card_provisioning.hpp"
#include "mcprov/agent/device_agent.hpp"
#include "mcprov/agent/smart_card.hpp"

#include <chrono>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/pem.h>

#include "mcprov/support/encoding.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/support/json.hpp"

// The device's smart card at switch-on and switch-off (seed 004; docs/agent.md, "Smart card").
namespace mcprov::agent {
namespace {

namespace json = boost::json;
namespace bhttp = boost::beast::http;
using support::errc;
using support::make_error;
using support::result;


class http_network_attachment final : public network_attachment {
public:
    http_network_attachment(std::string url, std::unique_ptr<http::client> client)
        : url_(std::move(url)), client_(std::move(client)) {}

    result<challenge> begin(const std::string& imei, const std::string& imsi, const std::string& iccid) override {
        auto answer = post(url_, json::object{{"imei", imei}, {"imsi", imsi}, {"iccid", iccid}});
        if (!answer)
            return std::move(answer).err();
        return challenge_of(*answer);
    }

    result<std::optional<challenge>> answer(const std::string& attempt, const std::optional<std::string>& res,
                                            const std::optional<std::string>& auts) override {
        json::object body;
        if (res)
            body["res"] = support::hex_encode(*res);
        if (auts)
            body["auts"] = support::hex_encode(*auts);
        auto answer = post(url_ + "/" + support::percent_encode(attempt), body);
        if (!answer)
            return std::move(answer).err();
        if (const auto* ok = answer->if_contains("authenticated"); ok && ok->is_bool() && ok->as_bool())
            return std::optional<challenge>{};
        auto next = challenge_of(*answer);
        if (!next)
            return std::move(next).err();
        return std::optional<challenge>(std::move(*next));
    }

private:
    static result<challenge> challenge_of(const json::object& o) {
        const auto rand = support::hex_decode(support::json_text(o, "rand"));
        const auto autn = support::hex_decode(support::json_text(o, "autn"));
        if (support::json_text(o, "attempt").empty() || !rand || rand->size() != 16 || !autn ||
            autn->size() != 16)
            return make_error(errc::invalid_argument, "the network's challenge is malformed");
        return challenge{support::json_text(o, "attempt"), *rand, *autn};
    }

    result<json::object> post(const std::string& url, const json::object& body) {
        http::client_request req;
        req.method = bhttp::verb::post;
        req.url = url;
        req.headers = {{"Content-Type", "application/json"}};
        req.body = json::serialize(body);
        auto res = client_->fetch(req);
        if (!res)
            return make_error(errc::unavailable, "the network's switch-on authentication: " + res.err().message);
        boost::system::error_code ec;
        const auto v = json::parse(res->body(), ec);
        const std::string detail = !ec && v.is_object() ? support::json_text(v.as_object(), "detail") : std::string();
        switch (res->result()) {
        case bhttp::status::ok:
            if (ec || !v.is_object())
                return make_error(errc::invalid_argument, "the network answered something that is not JSON");
            return v.as_object();
        case bhttp::status::unauthorized:
            return make_error(errc::unauthenticated, "the network refused the card's answer" +
                                                         (detail.empty() ? "" : ": " + detail));
        case bhttp::status::forbidden:
            return make_error(errc::forbidden, "the network does not serve this card" +
                                                   (detail.empty() ? "" : ": " + detail));
        default:
            return make_error(errc::unavailable, "the network answered " + std::to_string(res->result_int()) +
                                                     (detail.empty() ? "" : ": " + detail));
        }
    }

    std::string url_;
    std::unique_ptr<http::client> client_;
};

// The IMEI of a device whose DevId is IMEI:<15 digits>.
std::optional<std::string> imei_of(const std::string& dev_id) {
    if (!dev_id.starts_with("IMEI:") || dev_id.size() != 20 ||
        dev_id.find_first_not_of("0123456789", 5) != std::string::npos)
        return std::nullopt;
    return dev_id.substr(5);
}

bool under(std::string_view uri, std::string_view node) {
    return uri == node || (uri.starts_with(node) && uri.size() > node.size() && uri[node.size()] == '/') ||
           (node.starts_with(uri) && node.size() > uri.size() && node[uri.size()] == '/');
}

} // namespace

result<std::unique_ptr<network_attachment>> create_http_network_attachment(const card_config& card) {
    if (card.network.empty())
        return make_error(errc::not_found, "[card] network is not set: the device cannot authenticate to a network");
    http::client_options options;
    options.ca_file = card.ca;
    options.timeout = std::chrono::seconds(15);
    auto client = http::create_client(options);
    if (!client)
        return std::move(client).err();
    return std::unique_ptr<network_attachment>(new http_network_attachment(card.network, std::move(*client)));
}

result<void> device_agent::unlock_card(usim_card& card, const std::string& iccid) {
    auto tries = card.pin_tries_left();
    if (!tries)
        return std::move(tries).err();
    if (!*tries)
        return {}; // verified already, or disabled
    if (**tries == 0)
        return make_error(errc::forbidden, "PIN1 of card " + iccid + " is blocked: unblock it with the PUK");
    auto pin = card_pin(iccid);
    if (!pin)
        return std::move(pin).err();
    if (auto verified = card.verify_pin(*pin); !verified) {
        log_->warn("{}: card {}: {}", config_.device_id(), iccid, verified.err().message);
        return verified;
    }
    return {};
}

result<std::string> device_agent::card_pin(const std::string& iccid) {
    if (config_.card->pin)
        return *config_.card->pin;
    const auto reply = ui_->ask({.alert = 1102, .text = "Enter the PIN of the card " + iccid, .options = {},
                                 .choices = {}});
    if (reply.status != ui_status::ok || reply.values.empty())
        return make_error(errc::unauthenticated, "the user did not enter the card's PIN");
    return reply.values.front();
}

result<std::string> device_agent::decrypt_object(std::string_view device_class, std::string_view enveloped) const {
    const auto& card = *config_.card;
    if (card.device_class.empty() || !card.class_key)
        return make_error(errc::forbidden, "this device holds no device-class key");
    if (device_class != card.device_class)
        return make_error(errc::forbidden, "this device is of class \"" + card.device_class + "\"");
    auto pem = support::read_secret_file(*card.class_key);
    if (!pem)
        return std::move(pem).err();
    std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())),
                                                      BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    if (!key)
        return make_error(errc::invalid_argument, "[card] class_key is not a PEM private key");
    std::unique_ptr<BIO, decltype(&BIO_free)> in(
        BIO_new_mem_buf(enveloped.data(), static_cast<int>(enveloped.size())), BIO_free);
    std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)> cms(d2i_CMS_bio(in.get(), nullptr),
                                                                          CMS_ContentInfo_free);
    if (!cms)
        return make_error(errc::invalid_argument, "not a CMS structure");
    std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), BIO_free);
    if (CMS_decrypt(cms.get(), key.get(), nullptr, nullptr, out.get(), 0) != 1)
        return make_error(errc::invalid_argument, "it does not decrypt with this device class's key");
    char* data = nullptr;
    const long n = BIO_get_mem_data(out.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

result<switch_on_outcome> device_agent::switch_on() {
    if (!config_.card)
        return make_error(errc::not_found, "this device has no [card] slot configured");
    if (config_.card->network.empty())
        return make_error(errc::not_found, "this device has no switch-on authentication ([card] network)");
    auto network = create_http_network_attachment(*config_.card);
    if (!network)
        return std::move(network).err();
    return switch_on(**network);
}

result<switch_on_outcome> device_agent::switch_on(network_attachment& network) {
    if (!config_.card)
        return make_error(errc::not_found, "this device has no [card] slot configured");
    const auto imei = imei_of(config_.device_id());
    if (!imei)
        return make_error(errc::invalid_argument, "a device with a card is known by its IMEI: device.id IMEI:<15 digits>");
    std::lock_guard lock(mutex_);
    const auto& card_cfg = *config_.card;
    std::vector<std::pair<std::string, double>> steps;
    auto mark = std::chrono::steady_clock::now();
    auto step = [&](std::string name) {
        const auto now = std::chrono::steady_clock::now();
        steps.emplace_back(std::move(name), std::chrono::duration<double, std::milli>(now - mark).count());
        mark = now;
    };

    // 1. The card: ICCID, PIN1, IMSI.
    auto channel = connect_pcsc_card(card_cfg.reader, card_cfg.wait_ms);
    if (!channel)
        return std::move(channel).err();
    usim_card card(**channel);
    auto iccid = card.read_iccid();
    if (!iccid)
        return std::move(iccid).err();
    if (auto unlocked = unlock_card(card, *iccid); !unlocked)
        return std::move(unlocked).err();
    auto imsi = card.read_imsi();
    if (!imsi)
        return std::move(imsi).err();

    step("card");
    // 2. The (device, card) pair onto the network, before anything of the card is used.
    auto ch = network.begin(*imei, *imsi, *iccid);
    for (int round = 0; ch; ++round) {
        auto answer = card.authenticate(ch->rand, ch->autn);
        if (!answer) {
            log_->warn("{}: card {}: {}", config_.device_id(), *iccid, answer.err().message);
            return std::move(answer).err();
        }
        const bool resync = answer->result == iso7816::authenticate_answer::outcome::synchronisation_failure;
        if (resync && round > 0)
            return make_error(errc::unauthenticated, "the card refused the network's sequence number twice");
        auto next = resync ? network.answer(ch->attempt, std::nullopt, answer->auts)
                           : network.answer(ch->attempt, answer->res, std::nullopt);
        if (!next) {
            log_->warn("{}: card {} not authenticated: {}", config_.device_id(), *iccid, next.err().message);
            return std::move(next).err();
        }
        if (!*next)
            break;
        ch = std::move(**next);
    }
    if (!ch)
        return std::move(ch).err();
    log_->info("{}: card {} (IMSI {}) authenticated by the network", config_.device_id(), *iccid, *imsi);
    step("network");

    // 3. The card's objects: DF_MCS, then the DM bootstrap (which may be encrypted for a device class).
    switch_on_outcome outcome{.iccid = *iccid, .imsi = *imsi, .inserted = {}, .not_used = {}, .sessions = {}, .steps = {}};
    std::vector<card_object> objects;
    auto take = [&](result<card_contents> contents, std::string_view what) -> result<void> {
        if (!contents) {
            log_->warn("{}: card {}: {}: {}", config_.device_id(), *iccid, what, contents.err().message);
            return std::move(contents).err();
        }
        for (auto& o : contents->objects)
            objects.push_back(std::move(o));
        for (auto& reason : contents->ignored) {
            log_->warn("{}: card {}: not used: {}", config_.device_id(), *iccid, reason);
            outcome.not_used.push_back(std::move(reason));
        }
        return {};
    };
    if (auto mcs = card.read_mcs_files(); mcs) {
        if (auto taken = take(objects_from_mcs_files(mcs->mst, mcs->config), "DF_MCS"); !taken)
            return std::move(taken).err();
    } else if (mcs.err().code != errc::not_found) {
        return std::move(mcs).err();
    }
    if (auto bootstrap = card.read_dm_bootstrap(); bootstrap) {
        if (!bootstrap->empty())
            if (auto taken = take(objects_from_dm_bootstrap(
                                      *bootstrap, [this](std::string_view cls, std::string_view der) {
                                          return decrypt_object(cls, der);
                                      }),
                                  "EF(DM_Bootstrap)");
                !taken)
                return std::move(taken).err();
    } else if (bootstrap.err().code != errc::not_found) {
        log_->warn("{}: card {}: EF(DM_Bootstrap): {}", config_.device_id(), *iccid, bootstrap.err().message);
        return std::move(bootstrap).err();
    }

    step("objects");
    // 4. Device policy: locked nodes, and what the card wants the user to agree to.
    std::vector<card_object> used;
    for (auto& o : objects) {
        const auto lock_it = std::find_if(card_cfg.locked.begin(), card_cfg.locked.end(),
                                          [&](const std::string& node) { return under(o.uri, node); });
        if (lock_it != card_cfg.locked.end()) {
            outcome.not_used.push_back(o.uri + ": locked by the device's corporate policy (" + *lock_it + ")");
            log_->warn("{}: card {}: {} not used: locked by the corporate policy ({})", config_.device_id(), *iccid,
                       o.uri, *lock_it);
            continue;
        }
        if (o.needs_confirmation) {
            const auto reply = ui_->ask({.alert = 1101,
                                         .text = "The card " + *iccid + " provides " + o.uri + ". Use it?",
                                         .options = {},
                                         .choices = {}});
            if (reply.status != ui_status::ok) {
                outcome.not_used.push_back(o.uri + ": the user did not agree");
                log_->info("{}: card {}: {} not used: the user did not agree", config_.device_id(), *iccid, o.uri);
                continue;
            }
        }
        used.push_back(std::move(o));
    }

    // 5. Into the tree, over a copy: a previous card's objects out first, persistent ones included (a different card
    // never sees them; the same card brings its own again).
    card_state state;
    if (auto stored = documents_->get(card_state_key(config_.device_id())); stored) {
        auto read = card_state_from_json(stored->content);
        if (!read)
            return std::move(read).err();
        state = std::move(*read);
    } else if (stored.err().code != errc::not_found) {
        return std::move(stored).err();
    }
    auto tree = tree_.clone();
    if (auto out = withdraw(tree, state, false); !out)
        return std::move(out).err();
    state = card_state{.iccid = *iccid, .imsi = *imsi, .switched_on = true, .objects = {},
                       .created = std::move(state.created)};
    if (auto in = insert(tree, state, used); !in)
        return std::move(in).err();
    if (auto saved = save_with_card(tree, to_json(state)); !saved)
        return std::move(saved).err();
    tree_ = std::move(tree);
    for (const auto& o : state.objects)
        outcome.inserted.push_back(o.uri);
    log_->info("{}: card {}: {} object(s) in the tree", config_.device_id(), *iccid, outcome.inserted.size());

    step("tree");
    // 6. The applications, then the DM servers whose account came from the card.
    publish_mc_configuration();
    step("applications");
    std::vector<std::string> servers;
    for (const auto& uri : outcome.inserted)
        if (uri.starts_with("./DMAcc/"))
            if (const auto id = tree_.value(uri + "/ServerID"))
                servers.push_back(id->data);
    for (const auto& server : servers) {
        auto session = session_with(server, "1201", {}, {});
        if (!session) {
            log_->warn("{}: session with {} (account from card {}): {}", config_.device_id(), server, *iccid,
                       session.err().message);
            outcome.not_used.push_back("session with " + server + ": " + session.err().message);
            continue;
        }
        outcome.sessions.push_back(server);
    }
    step("sessions");
    outcome.steps = std::move(steps);
    return outcome;
}

result<switch_off_outcome> device_agent::switch_off() {
    std::lock_guard lock(mutex_);
    const auto start = std::chrono::steady_clock::now();
    switch_off_outcome outcome;
    auto stored = documents_->get(card_state_key(config_.device_id()));
    if (!stored) {
        if (stored.err().code == errc::not_found)
            return outcome;
        return std::move(stored).err();
    }
    auto state = card_state_from_json(stored->content);
    if (!state)
        return std::move(state).err();
    if (!state->switched_on)
        return outcome;
    auto tree = tree_.clone();
    const auto before = state->objects;
    state->switched_on = false;
    if (auto out = withdraw(tree, *state, true); !out)
        return std::move(out).err();
    for (const auto& o : before) {
        const bool kept = std::any_of(state->objects.begin(), state->objects.end(),
                                      [&](const inserted_object& k) { return k.uri == o.uri; });
        (kept ? outcome.kept : outcome.withdrawn).push_back(o.uri);
    }
    if (auto saved = save_with_card(tree, to_json(*state)); !saved)
        return std::move(saved).err();
    tree_ = std::move(tree);
    log_->info("{}: switched off: card {}'s objects withdrawn ({}), kept ({})", config_.device_id(), state->iccid,
               outcome.withdrawn.size(), outcome.kept.size());
    publish_mc_configuration();
    outcome.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return outcome;
}

} // namespace mcprov::agent
