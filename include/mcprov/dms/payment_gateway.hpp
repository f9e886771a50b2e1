#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "mcprov/support/result.hpp"

namespace mcprov::dms {

// A payment by card (seed 003 5.1.5: "the operator is linked to a bank server for charging an actual bank account")
// through a payment gateway's HTTP API (docs/payment-gateway.md): the card's holder gives the card to the gateway,
// which answers a token; the DM server captures payments on that token, each under an idempotency key, so that a
// retried request never pays twice.
struct captured_payment {
    std::string id; // the gateway's reference
};

class payment_gateway {
public:
    virtual ~payment_gateway() = default;
    // Errors: forbidden ("declined: <the gateway's reason>"), unavailable (no answer in time, or the gateway failed:
    // whether it captured is not known; the same key asks again safely), invalid_argument (an answer that does not
    // read).
    virtual support::result<captured_payment> capture(const std::string& idempotency_key, const std::string& token,
                                                      std::uint64_t amount, const std::string& currency,
                                                      const std::string& description) = 0;
};

struct payment_gateway_config {
    std::string url;                         // https://gateway.example.org/ (its API is below it)
    std::optional<std::filesystem::path> ca; // trusted for its certificate
    std::string api_key;                     // the merchant's key (Authorization: Bearer)
    std::chrono::milliseconds timeout{5000};
};

support::result<std::unique_ptr<payment_gateway>> create_payment_gateway_client(const payment_gateway_config& config);

} // namespace mcprov::dms
