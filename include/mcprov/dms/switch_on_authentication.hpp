#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mcprov/dms/operation_gate.hpp"
#include "mcprov/gsup/hlr_client.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::dms {

// One (device, card) pairing the network has authenticated: the card (ICCID, IMSI) was in the device (IMEI) then.
struct card_pairing {
    std::chrono::system_clock::time_point time{};
    std::string imei{};
    std::string imsi{};
    std::string iccid{};

    friend bool operator==(const card_pairing&, const card_pairing&) = default;
};

// The network's side of a device's switch-on (seed 004: the pair (device, smart card) authenticates itself onto the
// operator's network before the card's objects are used): UMTS AKA with the card, the vector from the subscriber's
// HLR; then the IMEI is checked in at the HLR, which keeps it with the subscriber, and the pairing joins the history
// of the device and of the subscription (org.mcprov.dm-card, the latest 64 of each).
//
// A challenge is kept in the store, one per IMSI (a new one replaces it), for two minutes; RES is compared in constant
// time and a wrong one ends the attempt. AUTS re-synchronises the HLR once per attempt and gives a new challenge.
class switch_on_authentication {
public:
    struct challenge {
        std::string attempt; // the id the answer names
        std::string rand;
        std::string autn;
    };
    static constexpr std::chrono::seconds challenge_lifetime{120};
    static constexpr std::size_t history_length = 64;

    // `policy`: a corporate device takes only its corporation's subscriptions; a new pairing queues the used-device
    // configuration.
    switch_on_authentication(std::shared_ptr<store::document_store> documents, std::shared_ptr<gsup::hlr_client> hlr,
                             std::shared_ptr<support::clock> clock, subscriber_policy policy = {});

    // Errors: invalid_argument (an IMEI that is not 15 digits with a valid check digit, an IMSI or ICCID that is not
    // digits), forbidden (the HLR does not know the subscription: said the same way whatever the reason), unavailable
    // (no HLR, or it does not answer).
    support::result<challenge> begin(const std::string& imei, const std::string& imsi, const std::string& iccid);

    // The card's answer: RES, or AUTS after a synchronisation failure. Errors: not_found (no such attempt, or it
    // expired), unauthenticated (RES does not match), conflict (a second AUTS in one attempt), forbidden (the HLR
    // refused the IMEI; a corporation's device with another subscription), unavailable.
    support::result<std::variant<card_pairing, challenge>> answer(const std::string& attempt,
                                                                  const std::optional<std::string>& res,
                                                                  const std::optional<std::string>& auts);

private:
    support::result<challenge> store_challenge(const std::string& imei, const std::string& imsi,
                                               const std::string& iccid, const aka::authentication_vector& v,
                                               bool resynchronised);

    std::shared_ptr<store::document_store> documents_;
    std::shared_ptr<gsup::hlr_client> hlr_;
    std::shared_ptr<support::clock> clock_;
    subscriber_policy policy_;
};

// The pairings a device (by IMEI) or a subscription (by IMSI) has been in, oldest first. Errors: io.
support::result<std::vector<card_pairing>> pairings_of_device(const store::document_store& documents,
                                                              const std::string& imei);
support::result<std::vector<card_pairing>> pairings_of_subscription(const store::document_store& documents,
                                                                     const std::string& imsi);

// Adds a pairing to the histories of its device and its subscription, in the transaction; whether it is new: the
// device's latest pairing was with another subscription, or it had none. Errors: io.
support::result<bool> record_pairing(store::transaction& tx, const card_pairing& pairing);

// Whether `imei` is 15 digits whose last is the Luhn check digit of the first 14 (TS 23.003 Annex B).
bool valid_imei(std::string_view imei);

} // namespace mcprov::dms
