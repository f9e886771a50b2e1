#include "mcprov/dms/purchase_messages.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "mcprov/support/json.hpp"

namespace mcprov::dms {
namespace {

namespace json = boost::json;
using support::errc;
using support::make_error;
using support::result;

// What a peer says, as a log line may carry it.
std::string printable(std::string text) {
    if (text.size() > 200)
        text.resize(200);
    std::replace_if(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; },
                    ' ');
    return text;
}

result<void> only(const json::object& o, std::initializer_list<std::string_view> members, std::string_view what) {
    for (const auto& [k, _] : o)
        if (std::find(members.begin(), members.end(), std::string_view(k)) == members.end())
            return make_error(errc::invalid_argument, std::string(what) + " has an unknown member '" +
                                                          printable(std::string(k.substr(0, 64))) + "'");
    return {};
}

} // namespace

result<purchase_request> purchase_request_from_json(const json::value& v) {
    if (!v.is_object())
        return make_error(errc::invalid_argument, "a purchase is a JSON object with device, offers and means");
    const auto& o = v.as_object();
    if (auto known = only(o, {"device", "offers", "means"}, "a purchase"); !known)
        return std::move(known).err();
    purchase_request r;
    auto device = support::json_bounded_text(o, "device", 128);
    if (!device || device->empty())
        return make_error(errc::invalid_argument, "device must be the device's id (1 to 128 bytes)");
    r.device = std::move(*device);
    const auto* offers = o.if_contains("offers");
    if (!offers || !offers->is_array() || offers->as_array().empty() || offers->as_array().size() > 16)
        return make_error(errc::invalid_argument, "offers must be an array of 1 to 16 offers' ids");
    for (const auto& id : offers->as_array()) {
        if (!id.is_string() || id.as_string().empty() || id.as_string().size() > 64)
            return make_error(errc::invalid_argument, "offers must hold offers' ids (1 to 64 bytes)");
        r.offers.emplace_back(id.as_string());
    }
    auto means = support::json_bounded_text(o, "means", 16);
    if (!means || (*means != "bill" && *means != "prepaid" && *means != "card"))
        return make_error(errc::invalid_argument, "means must be bill, prepaid or card");
    r.means = std::move(*means);
    return r;
}

result<purchase_completion> purchase_completion_from_json(const json::value& v) {
    if (!v.is_object())
        return make_error(errc::invalid_argument, "a purchase's completion is a JSON object with proof");
    const auto& o = v.as_object();
    if (auto known = only(o, {"proof", "card_token"}, "a purchase's completion"); !known)
        return std::move(known).err();
    auto proof = support::json_bounded_text(o, "proof", 4096);
    if (!proof || proof->empty())
        return make_error(errc::invalid_argument, "proof must be the device's proof (1 to 4096 bytes)");
    auto token = support::json_bounded_text(o, "card_token", 256);
    if (!token)
        return make_error(errc::invalid_argument, "card_token must be the gateway's token (at most 256 bytes)");
    return purchase_completion{.proof = std::move(*proof), .card_token = std::move(*token)};
}

result<captured_payment> captured_payment_from(unsigned status, std::string_view body) {
    boost::system::error_code ec;
    json::parse_options options;
    options.max_depth = 16;
    const auto v = body.size() <= 64 * 1024 ? json::parse(body, ec, {}, options) : json::value();
    const json::object empty;
    const auto& o = !ec && v.is_object() ? v.as_object() : empty;
    auto said = [&](std::string_view k) { return printable(support::json_bounded_text(o, k, 4096).value_or("")); };
    if (status == 402)
        return make_error(errc::forbidden, "declined: " + (said("reason").empty() ? "by the card's bank" : said("reason")));
    if (status >= 500)
        return make_error(errc::unavailable, "the payment gateway answered " + std::to_string(status));
    if (status != 200 && status != 201)
        return make_error(errc::invalid_argument, "the payment gateway refused the request (" + std::to_string(status) +
                                                      "): " + said("detail"));
    const auto id = support::json_bounded_text(o, "id", 256).value_or("");
    if (support::json_bounded_text(o, "status", 64).value_or("") != "captured" || id.empty())
        return make_error(errc::invalid_argument, "the payment gateway's answer does not read");
    return captured_payment{.id = id};
}

} // namespace mcprov::dms
