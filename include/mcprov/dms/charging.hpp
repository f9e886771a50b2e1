#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mcprov/dms/job.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::dms {

// One charge of an operation to a subscription (org.mcprov.dm-charging/<IMSI>/<job>.json): what the bill shows, or
// the record of a prepaid debit or a card payment. One per job: the job's id makes a retried session charge once.
struct charge_record {
    std::string job;
    std::string imsi;
    std::uint64_t amount = 0;
    std::string currency;
    std::string description;
    std::string means;     // bill, prepaid, card
    std::string reference; // the payment's reference at the gateway (card)
    std::chrono::system_clock::time_point time{};
    // Set when the operation paid for did not happen: the bill shows the credit, a prepaid debit went back to the
    // balance, a card payment is due back to the card (the operator refunds it at the gateway under `reference`).
    std::optional<std::chrono::system_clock::time_point> refunded{};
    std::string refund_reason{};
};

// A subscription's prepaid balance, kept by the DMS (org.mcprov.dm-prepaid/<IMSI>/balance.json).
struct prepaid_account {
    std::uint64_t balance = 0; // minor units
    std::string currency;
};

// An amount in minor units as people read it: 199, EUR -> "1.99 EUR".
std::string format_money(std::uint64_t amount, const std::string& currency);

// Charges `request` for `job` to `imsi` in the transaction: a bill record, a prepaid debit (refused, with the
// balance, when it does not cover the amount or is in another currency), or the record of a card payment the gateway
// captured (`reference`: its id). A job already charged is not charged again: its record is returned and nothing is
// written. Errors: forbidden (the balance does not cover it; card without a captured payment), io.
support::result<std::pair<charge_record, std::vector<store::document_write>>>
charge_in(store::transaction& tx, const std::string& imsi, const std::string& job, const charge_request& request,
          std::chrono::system_clock::time_point now, const std::string& reference = {});

// The charge of `job` to `imsi` given back, in the transaction, because the operation failed or was cancelled after
// it was charged (`reason`): the record marked refunded, a prepaid amount credited back. Once: a job not charged, or
// already refunded, writes nothing (nullopt). Errors: io.
support::result<std::optional<std::pair<charge_record, std::vector<store::document_write>>>>
refund_in(store::transaction& tx, const std::string& imsi, const std::string& job, const std::string& reason,
          std::chrono::system_clock::time_point now);

// What a job that failed or was cancelled after its gate charged it gives back, with the audit record ("refunded")
// kept with its device and its subscription: the writes of refund_in, none when the job was not charged.
support::result<std::vector<store::document_write>> refund_writes(store::transaction& tx, const job& j,
                                                                  const std::string& reason,
                                                                  std::chrono::system_clock::time_point now);

// An operator tops up (or opens) a prepaid account. Errors: invalid_argument (another currency than the account's),
// io.
support::result<prepaid_account> credit_prepaid(store::document_store& documents, const std::string& imsi,
                                                std::uint64_t amount, const std::string& currency);
// Errors: not_found (no account).
support::result<prepaid_account> read_prepaid(const store::document_store& documents, const std::string& imsi);
// Oldest first.
support::result<std::vector<charge_record>> charges_of(const store::document_store& documents, const std::string& imsi);

} // namespace mcprov::dms
