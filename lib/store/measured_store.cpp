#include <array>
#include <chrono>
#include <optional>
#include <type_traits>

#include "mcprov/store/document_store.hpp"
#include "mcprov/support/metrics.hpp"

namespace mcprov::store {
namespace {

using support::errc;
using support::result;

// A store call takes tens of microseconds on a local SQLite file and milliseconds on a remote PostgreSQL server.
const std::vector<double>& store_buckets() {
    static const std::vector<double> buckets{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                             0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,    5};
    return buckets;
}

enum class operation { get, put, remove, list, list_users, write_all, transact, list_documents, list_all, lease };
constexpr std::array<const char*, 10> operation_names{"get",      "put",            "remove",   "list", "list_users",
                                                      "write_all", "transact", "list_documents", "list_all", "lease"};

// The errors that say the store itself failed; the others (not_found, precondition_failed, an error a unit of work
// returned) are answers.
constexpr std::array<errc, 5> store_failures{errc::io, errc::storage_full, errc::unavailable, errc::conflict,
                                             errc::internal};

class measured_store final : public document_store {
public:
    measured_store(std::shared_ptr<document_store> inner, std::shared_ptr<support::metrics_registry> metrics)
        : inner_(std::move(inner)), metrics_(std::move(metrics)) {
        for (std::size_t o = 0; o < operation_names.size(); ++o) {
            latency_[o] = &metrics_->histogram_of("mcprov_store_operation_seconds",
                                                  "Time a store call took, by operation, errors included",
                                                  store_buckets(), {{"operation", operation_names[o]}});
            for (std::size_t e = 0; e < store_failures.size(); ++e) {
                errors_[o][e] = &metrics_->counter_of(
                    "mcprov_store_errors_total", "Store calls that failed in the store itself, by operation and error",
                    {{"operation", operation_names[o]}, {"error", support::to_string(store_failures[e])}});
            }
        }
        if (inner_->cached_reads()) {
            metrics_->add_collector(
                "mcprov_store_cached_reads_total",
                "get and list_documents calls answered from memory (hit) or from the database (miss)",
                support::metric_type::counter, [inner = inner_] {
                    const auto counts = inner->cached_reads().value_or(cached_read_counts{});
                    return std::vector<support::metric_sample>{
                        {{{"result", "hit"}}, static_cast<double>(counts.hits)},
                        {{{"result", "miss"}}, static_cast<double>(counts.misses)}};
                });
        }
    }

    result<stored_document> get(const document_key& key) const override {
        return measure(operation::get, [&] { return inner_->get(key); });
    }
    result<put_outcome> put(const document_key& key, std::string_view content,
                            const write_condition& condition) override {
        return measure(operation::put, [&] { return inner_->put(key, content, condition); });
    }
    result<void> remove(const document_key& key, const write_condition& condition) override {
        return measure(operation::remove, [&] { return inner_->remove(key, condition); });
    }
    result<std::vector<std::string>> list(std::string_view auid, std::string_view xui) const override {
        return measure(operation::list, [&] { return inner_->list(auid, xui); });
    }
    result<std::vector<std::string>> list_users(std::string_view auid) const override {
        return measure(operation::list_users, [&] { return inner_->list_users(auid); });
    }
    result<void> write_all(const std::vector<document_write>& writes) override {
        return measure(operation::write_all, [&] { return inner_->write_all(writes); });
    }
    result<void> transact(const unit_of_work& work) override {
        // An error the unit of work returned (a device already enrolled: conflict) is its answer, not the store's.
        std::optional<support::error> works_own;
        auto outcome = measure(
            operation::transact,
            [&] {
                return inner_->transact([&](transaction& t) {
                    auto done = work(t);
                    works_own = done ? std::nullopt : std::optional<support::error>(done.err());
                    return done;
                });
            },
            [&](const support::error& e) { return !works_own || works_own->code != e.code || works_own->message != e.message; });
        return outcome;
    }
    result<std::vector<named_document>> list_documents(std::string_view auid, std::string_view xui) const override {
        return measure(operation::list_documents, [&] { return inner_->list_documents(auid, xui); });
    }
    result<std::vector<user_document>> list_all(std::string_view auid) const override {
        return measure(operation::list_all, [&] { return inner_->list_all(auid); });
    }
    result<bool> try_acquire_lease(std::string_view name, std::string_view holder,
                                   std::chrono::milliseconds ttl) override {
        return measure(operation::lease, [&] { return inner_->try_acquire_lease(name, holder, ttl); });
    }
    result<bool> release_lease(std::string_view name, std::string_view holder) override {
        return measure(operation::lease, [&] { return inner_->release_lease(name, holder); });
    }
    std::int64_t schema_version() const override { return inner_->schema_version(); }
    std::optional<cached_read_counts> cached_reads() const override { return inner_->cached_reads(); }

private:
    template <class F> std::invoke_result_t<F> measure(operation o, F&& call) const {
        return measure(o, std::forward<F>(call), [](const support::error&) { return true; });
    }
    // `the_stores` tells whether an error is the store's own.
    template <class F, class G> std::invoke_result_t<F> measure(operation o, F&& call, G&& the_stores) const {
        const auto start = std::chrono::steady_clock::now();
        auto outcome = call();
        const auto index = static_cast<std::size_t>(o);
        latency_[index]->observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        if (!outcome && the_stores(outcome.err())) {
            for (std::size_t e = 0; e < store_failures.size(); ++e) {
                if (outcome.err().code == store_failures[e]) {
                    errors_[index][e]->inc();
                }
            }
        }
        return outcome;
    }

    std::shared_ptr<document_store> inner_;
    std::shared_ptr<support::metrics_registry> metrics_; // owns the series below
    std::array<support::histogram*, operation_names.size()> latency_{};
    std::array<std::array<support::counter*, store_failures.size()>, operation_names.size()> errors_{};
};

} // namespace

std::shared_ptr<document_store> measured(std::shared_ptr<document_store> inner,
                                         std::shared_ptr<support::metrics_registry> metrics) {
    return std::make_shared<measured_store>(std::move(inner), std::move(metrics));
}

} // namespace mcprov::store
