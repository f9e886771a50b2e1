#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mcprov/dms/job.hpp"
#include "mcprov/dms/operation_gate.hpp"
#include "mcprov/dms/payment_gateway.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::dms {

// Something a subscriber may buy for a device ([[offer]], docs/subscriber-authentication.md): its price and the job
// that provisions it.
struct offer {
    std::string id;
    std::string description;
    std::uint64_t amount = 0; // minor units
    std::string currency;
    job request;
};

// Where a purchase stands; the outcome a repeated completion returns.
struct purchase_outcome {
    std::string id;
    std::string state; // open, paying, done, refused
    std::string reason;
    std::string device;
    std::string subscription;
    std::uint64_t amount = 0;
    std::string currency;
    std::string means;
    std::string reference; // the card payment's, at the gateway
    std::vector<std::string> jobs;
    std::string confirmation; // what the user consents to
    std::string nonce;        // raw: what the device's proof answers
};

// Seed 003 5.1.5, provisioning through a PC agent with payment, at the DM server. The PC agent opens a purchase for the
// device with the user's choice of offers and means of payment; the server answers the confirmation the user is to
// consent to and a nonce; the device proves the user (the card's PIN, typed at the PC) and the subscriber (GBA) for
// that nonce and confirmation; the server verifies the proof with the BSF, identifies the subscription and charges it
// exactly once: on its bill, from its prepaid balance, or by card through the payment gateway (the token the card's
// holder got from the gateway, captured under the purchase's id as idempotency key). Only then are the offers' jobs
// queued for the device. State in the store (org.mcprov.dm-purchase/<id>/purchase.json), open for ten minutes.
class subscriber_purchase {
public:
    static constexpr std::chrono::minutes lifetime{10};

    subscriber_purchase(std::shared_ptr<store::document_store> documents, std::shared_ptr<support::clock> clock,
                        std::shared_ptr<zn_client> zn, std::shared_ptr<payment_gateway> gateway,
                        std::vector<offer> offers, std::string server_id);

    const std::vector<offer>& offers() const { return offers_; }

    // Errors: not_found (a device not enrolled), invalid_argument (no offers, an unknown one, offers in two
    // currencies, a means other than bill, prepaid or card; card without a gateway).
    support::result<purchase_outcome> open(const std::string& device, const std::vector<std::string>& offers,
                                           const std::string& means);
    // Exactly once: a purchase done or refused answers as it did. Errors: not_found (no such purchase, or it expired
    // open), unauthenticated (the proof; the purchase is refused), forbidden (declined, the balance; refused),
    // unavailable (the gateway did not answer: the purchase stays paying, complete it again), invalid_argument.
    support::result<purchase_outcome> complete(const std::string& id, const std::string& proof,
                                               const std::string& card_token);

private:
    support::result<purchase_outcome> finish(purchase_outcome p, const verified_subscriber& who,
                                             const std::string& reference);
    support::result<void> save(const purchase_outcome& p);
    support::result<purchase_outcome> refuse(purchase_outcome p, const support::error& why,
                                             const std::string& subscription = {});

    std::shared_ptr<store::document_store> documents_;
    std::shared_ptr<support::clock> clock_;
    std::shared_ptr<zn_client> zn_;
    std::shared_ptr<payment_gateway> gateway_;
    std::vector<offer> offers_;
    std::string server_id_;
};

} // namespace mcprov::dms
