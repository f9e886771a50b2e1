#include "mcprov/agent/pc_agent.hpp"

#include <sstream>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "mcprov/http/client.hpp"
#include "mcprov/support/config_reader.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/support/json.hpp"

namespace mcprov::agent {
namespace {

namespace bhttp = boost::beast::http;
namespace json = boost::json;
using support::errc;
using support::make_error;
using support::result;

// A JSON exchange; a non-2xx answer becomes an error with the peer's detail.
result<json::object> exchange(http::client& client, bhttp::verb method, const std::string& url,
                              const std::optional<json::object>& body, std::string_view who) {
    http::client_request req{.method = method, .url = url, .headers = {}, .body = {}};
    if (body) {
        req.headers.emplace_back("Content-Type", "application/json");
        req.body = json::serialize(*body);
    }
    auto res = client.fetch(req);
    if (!res)
        return make_error(errc::unavailable, std::string(who) + ": " + res.err().message);
    boost::system::error_code ec;
    auto v = json::parse(res->body(), ec);
    const json::object empty;
    const auto& o = !ec && v.is_object() ? v.as_object() : empty;
    const auto status = res->result_int();
    if (status >= 200 && status < 300)
        return o;
    const std::string detail = std::string(who) + " answered " + std::to_string(status) + ": " +
                               (support::json_text(o, "detail").empty() ? res->body().substr(0, 200) : support::json_text(o, "detail"));
    const auto code = status == 401   ? errc::unauthenticated
                      : status == 402 || status == 403 ? errc::forbidden
                      : status == 404 ? errc::not_found
                      : status >= 500 ? errc::unavailable
                                      : errc::invalid_argument;
    return make_error(code, detail);
}

} // namespace

result<pc_agent_config> load_pc_agent_config(const std::filesystem::path& file) {
    auto content = support::read_file(file, 64 * 1024);
    if (!content)
        return std::move(content).err();
    auto root = support::parse_toml(*content, file.string());
    if (!root)
        return std::move(root).err();
    support::config_reader r(*root, file.string(), file.parent_path());
    r.only_keys("", {"device", "dms", "gateway", "user"});
    r.only_keys("device", {"link"});
    r.only_keys("dms", {"url", "ca"});
    r.only_keys("gateway", {"url", "ca"});
    r.only_keys("user", {"consent", "offers", "means", "pin", "card_number", "card_expiry", "card_cvc"});
    pc_agent_config c;
    c.link = r.string("device", "link", "", true);
    if (!c.link.empty() && !c.link.starts_with("http://127.") && !c.link.starts_with("http://[::1]"))
        r.fail_at("device", "link", "device.link is the device's local link on this machine, http://127.0.0.1:PORT");
    c.dms = r.string("dms", "url", "", true);
    if ((*root)["dms"]["ca"])
        c.dms_ca = r.path("dms", "ca");
    c.gateway = r.string("gateway", "url", "");
    if ((*root)["gateway"]["ca"])
        c.gateway_ca = r.path("gateway", "ca");
    c.consent = r.string("user", "consent", "no");
    c.offers = r.strings("user", "offers");
    c.means = r.string("user", "means", "");
    c.pin = r.string("user", "pin", "");
    c.card_number = r.string("user", "card_number", "");
    c.card_expiry = r.string("user", "card_expiry", "");
    c.card_cvc = r.string("user", "card_cvc", "");
    if (!r.ok())
        return r.take_error();
    while (c.dms.ends_with('/'))
        c.dms.pop_back();
    if (!c.gateway.empty() && !c.gateway.ends_with('/'))
        c.gateway += '/';
    return c;
}

result<pc_purchase> provision_through_pc(const pc_agent_config& config, const pc_question& ask, std::ostream& progress) {
    auto local = http::create_client({});
    http::client_options server_options;
    server_options.ca_file = config.dms_ca;
    server_options.timeout = std::chrono::seconds(30);
    auto server = http::create_client(server_options);
    if (!local || !server)
        return make_error(errc::invalid_argument, !local ? local.err().message : server.err().message);

    // 1. The device next to the PC.
    auto device = exchange(**local, bhttp::verb::get, config.link + "/local/v1/device", std::nullopt, "the device");
    if (!device)
        return make_error(device.err().code == errc::unavailable ? errc::not_found : device.err().code,
                          "no device on the local link: " + device.err().message);
    pc_purchase out;
    out.device = support::json_text(*device, "DevId");
    progress << "found " << out.device << " (" << support::json_text(*device, "Man") << " " << support::json_text(*device, "Mod") << ")\n";

    // 2. The user's consent, then the offers of the operator's server.
    auto offers = exchange(**server, bhttp::verb::get, config.dms + "/dms/v1/offers", std::nullopt, "the DM server");
    if (!offers)
        return std::move(offers).err();
    const std::string server_id = support::json_text(*offers, "server_id");
    if (ask("Provision " + out.device + " with " + server_id + "? (yes/no)", config.consent) != "yes")
        return make_error(errc::forbidden, "the user declined to provision the device");
    std::ostringstream listing;
    if (const auto* list = offers->if_contains("offers"); list && list->is_array())
        for (const auto& o : list->as_array())
            if (o.is_object())
                listing << "  " << support::json_text(o.as_object(), "id") << ": " << support::json_text(o.as_object(), "description") << " ("
                        << o.as_object().at("amount").to_number<std::int64_t>() << " "
                        << support::json_text(o.as_object(), "currency") << " minor units)\n";
    progress << "offers of " << server_id << ":\n" << listing.str();
    std::string joined;
    for (const auto& o : config.offers)
        joined += (joined.empty() ? "" : " ") + o;
    std::istringstream words(ask("Which offers (ids, separated by spaces)?", joined));
    json::array chosen;
    for (std::string w; words >> w;)
        chosen.emplace_back(w);
    out.means = ask("Pay by bill, prepaid or card?", config.means);

    // 3. The purchase the server describes, and the user's yes with the card's PIN.
    auto opened = exchange(**server, bhttp::verb::post, config.dms + "/dms/v1/purchases",
                           json::object{{"device", out.device}, {"offers", chosen}, {"means", out.means}},
                           "the DM server");
    if (!opened)
        return std::move(opened).err();
    out.purchase = support::json_text(*opened, "purchase");
    out.confirmation = support::json_text(*opened, "confirmation");
    if (ask(out.confirmation + " (yes/no)", config.consent) != "yes")
        return make_error(errc::forbidden, "the user declined: " + out.confirmation);
    const auto pin = ask("The PIN of the card in " + out.device + ":", config.pin);
    auto proof = exchange(**local, bhttp::verb::post, config.link + "/local/v1/proof",
                          json::object{{"server_id", server_id},
                                       {"request", support::json_text(*opened, "request")},
                                       {"confirmation", out.confirmation},
                                       {"pin", pin}},
                          "the device");
    if (!proof)
        return std::move(proof).err();
    progress << "the card verified the PIN; the device authenticated the subscriber (GBA)\n";

    // 4. A card: to the gateway for a token (the server never sees the card).
    std::string token;
    if (out.means == "card") {
        http::client_options gateway_options;
        gateway_options.ca_file = config.gateway_ca;
        auto gateway = http::create_client(gateway_options);
        if (!gateway)
            return std::move(gateway).err();
        auto tokenised = exchange(**gateway, bhttp::verb::post, config.gateway + "v1/tokens",
                                  json::object{{"number", ask("Card number:", config.card_number)},
                                               {"expiry", ask("Expiry (MM/YY):", config.card_expiry)},
                                               {"cvc", ask("Security code:", config.card_cvc)}},
                                  "the payment gateway");
        if (!tokenised)
            return std::move(tokenised).err();
        token = support::json_text(*tokenised, "token");
        progress << "card ending " << support::json_text(*tokenised, "last4") << " given to the payment gateway\n";
    }

    // 5. The purchase completed: again when the gateway did not answer (the same purchase pays once).
    result<json::object> done = make_error(errc::unavailable, "not tried");
    for (int attempt = 0; attempt < 3; ++attempt) {
        done = exchange(**server, bhttp::verb::post, config.dms + "/dms/v1/purchases/" + out.purchase,
                        json::object{{"proof", support::json_text(*proof, "proof")}, {"card_token", token}}, "the DM server");
        if (done || done.err().code != errc::unavailable)
            break;
        progress << "no answer from the payment: " << done.err().message << "; trying again\n";
    }
    if (!done)
        return std::move(done).err();
    out.subscription = support::json_text(*done, "subscription");
    out.reference = support::json_text(*done, "reference");
    if (const auto* jobs = done->if_contains("jobs"); jobs && jobs->is_array())
        for (const auto& j : jobs->as_array())
            if (j.is_string())
                out.jobs.emplace_back(j.as_string());
    progress << "paid by " << out.means << (out.reference.empty() ? "" : " (payment " + out.reference + ")")
             << " for subscription " << out.subscription << "\n";

    // 6. The device calls its server, which provisions what was bought.
    auto session = exchange(**local, bhttp::verb::post, config.link + "/local/v1/session",
                            json::object{{"server_id", server_id}}, "the device");
    if (!session)
        return std::move(session).err();
    progress << "the device's session " << support::json_text(*session, "session") << " with " << server_id << " provisioned it\n";
    return out;
}

} // namespace mcprov::agent
