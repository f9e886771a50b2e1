#include "mcprov/dms/payment_gateway.hpp"

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "mcprov/dms/purchase_messages.hpp"
#include "mcprov/http/client.hpp"

namespace mcprov::dms {
namespace {

namespace bhttp = boost::beast::http;
namespace json = boost::json;
using support::errc;
using support::make_error;
using support::result;

class https_payment_gateway final : public payment_gateway {
public:
    https_payment_gateway(std::unique_ptr<http::client> client, payment_gateway_config config)
        : client_(std::move(client)), config_(std::move(config)) {}

    result<captured_payment> capture(const std::string& key, const std::string& token, std::uint64_t amount,
                                     const std::string& currency, const std::string& description) override {
        auto res = client_->fetch({.method = bhttp::verb::post,
                                   .url = config_.url + "v1/payments",
                                   .headers = {{"Authorization", "Bearer " + config_.api_key},
                                               {"Idempotency-Key", key},
                                               {"Content-Type", "application/json"}},
                                   .body = json::serialize(json::object{{"token", token},
                                                                        {"amount", static_cast<std::int64_t>(amount)},
                                                                        {"currency", currency},
                                                                        {"description", description}})});
        if (!res)
            return make_error(errc::unavailable, "the payment gateway: " + res.err().message);
        return captured_payment_from(res->result_int(), res->body());
    }

private:
    std::unique_ptr<http::client> client_;
    payment_gateway_config config_;
};

} // namespace

result<std::unique_ptr<payment_gateway>> create_payment_gateway_client(const payment_gateway_config& config) {
    http::client_options options;
    options.ca_file = config.ca;
    options.timeout = std::chrono::duration_cast<std::chrono::seconds>(config.timeout);
    if (options.timeout.count() < 1)
        options.timeout = std::chrono::seconds(1);
    auto client = http::create_client(options);
    if (!client)
        return std::move(client).err();
    auto c = config;
    if (!c.url.ends_with('/'))
        c.url += '/';
    return std::unique_ptr<payment_gateway>(new https_payment_gateway(std::move(client).value(), std::move(c)));
}

} // namespace mcprov::dms
