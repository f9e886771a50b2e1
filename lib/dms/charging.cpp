#include "mcprov/dms/charging.hpp"

#include <boost/json.hpp>

#include "mcprov/dms/audit.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/json.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::dms {
namespace {

namespace json = boost::json;
using support::errc;
using support::make_error;
using support::result;

constexpr std::string_view charging_auid = "org.mcprov.dm-charging";
constexpr std::string_view prepaid_auid = "org.mcprov.dm-prepaid";

store::document_key charge_key(const std::string& imsi, const std::string& job) {
    return {std::string(charging_auid), imsi, job + ".json"};
}
store::document_key prepaid_key(const std::string& imsi) {
    return {std::string(prepaid_auid), imsi, "balance.json"};
}

std::uint64_t number(const json::object& o, std::string_view k) {
    const auto* v = o.if_contains(k);
    return v && v->is_int64() && v->as_int64() >= 0 ? static_cast<std::uint64_t>(v->as_int64())
           : v && v->is_uint64()                    ? v->as_uint64()
                                                    : 0;
}

std::string record_json(const charge_record& r) {
    json::object o{{"job", r.job},
                   {"imsi", r.imsi},
                   {"amount", static_cast<std::int64_t>(r.amount)},
                   {"currency", r.currency},
                   {"description", r.description},
                   {"means", r.means},
                   {"reference", r.reference},
                   {"time", support::format_utc(r.time)}};
    if (r.refunded) {
        o["refunded"] = support::format_utc(*r.refunded);
        o["refund_reason"] = r.refund_reason;
    }
    return json::serialize(o);
}

std::optional<charge_record> record_from(std::string_view content) {
    boost::system::error_code ec;
    const auto v = json::parse(content, ec);
    if (ec || !v.is_object())
        return std::nullopt;
    const auto& o = v.as_object();
    return charge_record{.job = support::json_text(o, "job"),
                         .imsi = support::json_text(o, "imsi"),
                         .amount = number(o, "amount"),
                         .currency = support::json_text(o, "currency"),
                         .description = support::json_text(o, "description"),
                         .means = support::json_text(o, "means"),
                         .reference = support::json_text(o, "reference"),
                         .time = support::parse_utc(support::json_text(o, "time")).value_or(std::chrono::system_clock::time_point{}),
                         .refunded = o.contains("refunded") ? support::parse_utc(support::json_text(o, "refunded")) : std::nullopt,
                         .refund_reason = support::json_text(o, "refund_reason")};
}

std::optional<prepaid_account> account_from(std::string_view content) {
    boost::system::error_code ec;
    const auto v = json::parse(content, ec);
    if (ec || !v.is_object())
        return std::nullopt;
    return prepaid_account{.balance = number(v.as_object(), "balance"), .currency = support::json_text(v.as_object(), "currency")};
}

std::string account_json(const prepaid_account& a) {
    return json::serialize(json::object{{"balance", static_cast<std::int64_t>(a.balance)}, {"currency", a.currency}});
}

} // namespace

std::string format_money(std::uint64_t amount, const std::string& currency) {
    return std::to_string(amount / 100) + "." + (amount % 100 < 10 ? "0" : "") + std::to_string(amount % 100) + " " +
           currency;
}

result<std::pair<charge_record, std::vector<store::document_write>>>
charge_in(store::transaction& tx, const std::string& imsi, const std::string& job, const charge_request& request,
          std::chrono::system_clock::time_point now, const std::string& reference) {
    auto existing = tx.get(charge_key(imsi, job));
    if (!existing)
        return std::move(existing).err();
    if (*existing)
        if (auto r = record_from((*existing)->content))
            return std::pair{*r, std::vector<store::document_write>{}};
    charge_record record{.job = job,
                         .imsi = imsi,
                         .amount = request.amount,
                         .currency = request.currency,
                         .description = request.description,
                         .means = request.means,
                         .reference = reference,
                         .time = now};
    std::vector<store::document_write> writes;
    if (request.means == "prepaid") {
        auto stored = tx.get(prepaid_key(imsi));
        if (!stored)
            return std::move(stored).err();
        const auto account = *stored ? account_from((*stored)->content) : std::nullopt;
        if (!account)
            return make_error(errc::forbidden, "the subscription has no prepaid account");
        if (account->currency != request.currency)
            return make_error(errc::forbidden, "the prepaid account is in " + account->currency + ", the charge in " +
                                                   request.currency);
        if (account->balance < request.amount)
            return make_error(errc::forbidden, "the prepaid balance (" + format_money(account->balance, account->currency) +
                                                   ") does not cover " + format_money(request.amount, request.currency));
        writes.push_back({prepaid_key(imsi), account_json({.balance = account->balance - request.amount,
                                                          .currency = account->currency})});
    } else if (request.means == "card" ? reference.empty() : request.means != "bill") {
        return make_error(errc::forbidden, request.means == "card"
                                               ? "a payment by card is made by the card's holder (a PC agent)"
                                               : "payment by " + request.means + " is not available on this server");
    }
    writes.push_back({charge_key(imsi, job), record_json(record)});
    support::logger("dms.charging")->info("{}: {} charged by {} for job {}: {}", imsi, format_money(record.amount,
                                                                                             record.currency),
                                          record.means, job, record.description);
    return std::pair{record, std::move(writes)};
}

using refund_of = std::optional<std::pair<charge_record, std::vector<store::document_write>>>;

result<refund_of> refund_in(store::transaction& tx, const std::string& imsi, const std::string& job, const std::string& reason,
          std::chrono::system_clock::time_point now) {
    auto existing = tx.get(charge_key(imsi, job));
    if (!existing)
        return std::move(existing).err();
    auto record = *existing ? record_from((*existing)->content) : std::nullopt;
    if (!record || record->refunded)
        return refund_of{};
    record->refunded = now;
    record->refund_reason = reason;
    std::vector<store::document_write> writes{{charge_key(imsi, job), record_json(*record)}};
    if (record->means == "prepaid") {
        auto stored = tx.get(prepaid_key(imsi));
        if (!stored)
            return std::move(stored).err();
        auto account = *stored ? account_from((*stored)->content) : std::nullopt;
        if (!account || account->currency != record->currency)
            return make_error(errc::internal, "the prepaid account of " + imsi + " does not take back " +
                                                  format_money(record->amount, record->currency));
        writes.push_back({prepaid_key(imsi), account_json({.balance = account->balance + record->amount,
                                                          .currency = account->currency})});
    }
    support::logger("dms.charging")->info("{}: {} refunded ({}) for job {}: {}", imsi,
                                          format_money(record->amount, record->currency), record->means, job, reason);
    return refund_of{std::pair{*record, std::move(writes)}};
}

result<std::vector<store::document_write>> refund_writes(store::transaction& tx, const job& j, const std::string& reason,
                                                         std::chrono::system_clock::time_point now) {
    if (j.subscription.empty())
        return std::vector<store::document_write>{};
    auto refund = refund_in(tx, j.subscription, j.id, reason, now);
    if (!refund)
        return std::move(refund).err();
    if (!*refund)
        return std::vector<store::document_write>{};
    auto writes = std::move((*refund)->second);
    const auto& r = (*refund)->first;
    for (auto& w : audit_writes({.time = now,
                                 .actor = "dms",
                                 .action = "refunded",
                                 .device = j.device,
                                 .detail = format_money(r.amount, r.currency) + " by " + r.means + " for job " + j.id +
                                           ": " + reason,
                                 .subscription = j.subscription}))
        writes.push_back(std::move(w));
    return writes;
}

result<prepaid_account> credit_prepaid(store::document_store& documents, const std::string& imsi, std::uint64_t amount,
                                       const std::string& currency) {
    prepaid_account out;
    auto done = documents.transact([&](store::transaction& tx) -> result<void> {
        auto stored = tx.get(prepaid_key(imsi));
        if (!stored)
            return std::move(stored).err();
        auto account = *stored ? account_from((*stored)->content) : std::nullopt;
        if (account && account->currency != currency)
            return make_error(errc::invalid_argument, "the prepaid account is in " + account->currency);
        out = {.balance = (account ? account->balance : 0) + amount, .currency = currency};
        auto put = tx.put(prepaid_key(imsi), account_json(out));
        if (!put)
            return std::move(put).err();
        return {};
    });
    if (!done)
        return std::move(done).err();
    return out;
}

result<prepaid_account> read_prepaid(const store::document_store& documents, const std::string& imsi) {
    auto stored = documents.get(prepaid_key(imsi));
    if (!stored)
        return std::move(stored).err();
    auto account = account_from(stored->content);
    if (!account)
        return make_error(errc::internal, "a stored prepaid account does not read");
    return *account;
}

result<std::vector<charge_record>> charges_of(const store::document_store& documents, const std::string& imsi) {
    auto docs = documents.list_documents(charging_auid, imsi);
    if (!docs)
        return std::move(docs).err();
    std::vector<charge_record> out;
    for (const auto& d : *docs)
        if (auto r = record_from(d.document.content))
            out.push_back(std::move(*r));
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.job < b.job; });
    return out;
}

} // namespace mcprov::dms
