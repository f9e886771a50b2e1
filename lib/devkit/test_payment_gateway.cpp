#include "mcprov/devkit/test_payment_gateway.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <thread>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "mcprov/http/pipeline.hpp"
#include "mcprov/http/responses.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/json.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::devkit {
namespace {

namespace bhttp = boost::beast::http;
namespace json = boost::json;
using support::errc;
using support::make_error;
using support::result;

std::string random_id(std::string_view prefix) {
    unsigned char bytes[12] = {};
    RAND_bytes(bytes, sizeof bytes);
    return std::string(prefix) + support::hex_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

bool luhn(std::string_view digits) {
    int sum = 0;
    bool twice = false;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        int d = *it - '0';
        if (twice && (d *= 2) > 9)
            d -= 9;
        sum += d;
        twice = !twice;
    }
    return sum % 10 == 0;
}

result<json::object> body_of(const http::request& req) {
    boost::system::error_code ec;
    auto v = json::parse(req.body(), ec);
    if (ec || !v.is_object())
        return make_error(errc::invalid_argument, "the body must be a JSON object");
    return std::move(v.as_object());
}

http::response answer(bhttp::status status, const json::object& body, unsigned version) {
    auto res = http::json_response(body, version);
    res.result(status);
    return res;
}

class test_gateway {
public:
    test_gateway(std::shared_ptr<store::document_store> documents, std::string api_key)
        : documents_(std::move(documents)), api_key_(std::move(api_key)) {}

    // {"number", "expiry": "MM/YY", "cvc"} -> 201 {"token", "last4"}
    result<http::response> tokenise(http::call& c) {
        auto o = body_of(c.req);
        if (!o)
            return std::move(o).err();
        std::string number = support::json_text(*o, "number");
        std::erase(number, ' ');
        const auto expiry = support::json_text(*o, "expiry");
        const auto cvc = support::json_text(*o, "cvc");
        if (number.size() < 12 || number.size() > 19 ||
            number.find_first_not_of("0123456789") != std::string::npos || !luhn(number))
            return make_error(errc::schema_invalid, "the card number is not valid");
        const std::time_t now = std::time(nullptr);
        std::tm utc{};
        gmtime_r(&now, &utc);
        const bool expiry_format = expiry.size() == 5 && expiry[2] == '/' &&
                                   std::all_of(expiry.begin(), expiry.begin() + 2, ::isdigit) &&
                                   std::all_of(expiry.begin() + 3, expiry.end(), ::isdigit);
        const int month = expiry_format ? std::stoi(expiry.substr(0, 2)) : 0;
        const int year = expiry_format ? 2000 + std::stoi(expiry.substr(3)) : 0;
        if (month < 1 || month > 12 || year * 12 + month < (utc.tm_year + 1900) * 12 + utc.tm_mon + 1)
            return make_error(errc::schema_invalid, "the card has expired, or its expiry is not MM/YY");
        if (cvc.size() < 3 || cvc.size() > 4 || cvc.find_first_not_of("0123456789") != std::string::npos)
            return make_error(errc::schema_invalid, "the card's security code is 3 or 4 digits");
        const auto token = random_id("tok_");
        if (auto w = documents_->write_all({{{"org.mcprov.test-gateway", token, "card.json"},
                                             json::serialize(json::object{{"number", number}})}});
            !w)
            return std::move(w).err();
        return answer(bhttp::status::created, {{"token", token}, {"last4", number.substr(number.size() - 4)}},
                      c.req.version());
    }

    // Authorization: Bearer <key>, Idempotency-Key; {"token", "amount", "currency", "description"}
    result<http::response> pay(http::call& c) {
        const auto auth = c.req[bhttp::field::authorization];
        const std::string expected = "Bearer " + api_key_;
        if (auth.size() != expected.size() || CRYPTO_memcmp(auth.data(), expected.data(), expected.size()) != 0)
            return make_error(errc::unauthenticated, "the merchant's API key is required");
        const std::string key(c.req["Idempotency-Key"]);
        if (key.empty() || key.size() > 128 || key.find('/') != std::string::npos)
            return make_error(errc::invalid_argument, "an Idempotency-Key of 1 to 128 characters is required");
        const store::document_key payment_key{"org.mcprov.test-gateway", "payments", key + ".json"};
        if (auto earlier = documents_->get(payment_key); earlier) {
            auto v = json::parse(earlier->content).as_object();
            const auto status = static_cast<unsigned>(v.at("http_status").as_int64());
            v.erase("http_status");
            return answer(static_cast<bhttp::status>(status), v, c.req.version());
        }
        auto o = body_of(c.req);
        if (!o)
            return std::move(o).err();
        const auto* amount = o->if_contains("amount");
        if (!amount || !amount->is_int64() || amount->as_int64() <= 0 || support::json_text(*o, "currency").size() != 3)
            return make_error(errc::invalid_argument, "amount (minor units) and currency are required");
        auto card = documents_->get({"org.mcprov.test-gateway", support::json_text(*o, "token"), "card.json"});
        if (!card)
            return make_error(errc::not_found, "no such token");
        const auto number = support::json_text(json::parse(card->content).as_object(), "number");
        json::object result;
        bhttp::status status = bhttp::status::created;
        if (number == "4000000000000002" || number == "4000000000009995") {
            status = bhttp::status::payment_required;
            result = {{"status", "declined"},
                      {"reason", number == "4000000000000002" ? "card declined" : "insufficient funds"}};
        } else {
            result = {{"id", random_id("pay_")}, {"status", "captured"}, {"amount", amount->as_int64()},
                      {"currency", support::json_text(*o, "currency")}};
        }
        auto stored = result;
        stored["http_status"] = static_cast<std::int64_t>(status);
        if (auto w = documents_->write_all({{payment_key, json::serialize(stored)}}); !w)
            return std::move(w).err();
        support::logger("gateway")->info("payment {}: {} {} {}", key, support::json_text(result, "status"), amount->as_int64(),
                                         support::json_text(*o, "currency"));
        if (number == "4000000000000119")
            std::this_thread::sleep_for(std::chrono::seconds(3)); // a bank that answers late
        return answer(status, result, c.req.version());
    }

private:
    std::shared_ptr<store::document_store> documents_;
    std::string api_key_;
};

} // namespace

std::shared_ptr<http::handler> create_test_payment_gateway(std::shared_ptr<store::document_store> documents,
                                                           std::string api_key) {
    auto gateway = std::make_shared<test_gateway>(std::move(documents), std::move(api_key));
    auto p = std::make_shared<http::pipeline>("gateway");
    p->add(http::health_route());
    p->add({.name = "tokens",
            .methods = {bhttp::verb::post},
            .path = "/v1/tokens",
            .handle = [gateway](http::call& c) { return gateway->tokenise(c); },
            .max_body_bytes = 4096});
    p->add({.name = "payments",
            .methods = {bhttp::verb::post},
            .path = "/v1/payments",
            .handle = [gateway](http::call& c) { return gateway->pay(c); },
            .max_body_bytes = 4096,
            .may_wait = true});
    return p;
}

} // namespace mcprov::devkit
