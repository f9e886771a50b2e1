#pragma once

#include <memory>
#include <string>

#include "mcprov/http/server.hpp"
#include "mcprov/store/document_store.hpp"

namespace mcprov::devkit {

// A payment gateway for the local deployment and the tests (docs/payment-gateway.md): the API a real gateway offers
// the DM server, with test cards instead of banks. State in its store. Test cards: 4111 1111 1111 1111 (and any other
// valid number) is captured; 4000 0000 0000 0002 is declined ("card declined"); 4000 0000 0000 9995 is declined
// ("insufficient funds"); 4000 0000 0000 0119 is captured but answered only after 3 s (a bank that answers late):
// the same Idempotency-Key afterwards gets the payment at once.
std::shared_ptr<http::handler> create_test_payment_gateway(std::shared_ptr<store::document_store> documents,
                                                           std::string api_key);

} // namespace mcprov::devkit
