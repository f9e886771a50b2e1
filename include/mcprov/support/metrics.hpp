#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// A process's metrics, exposed in the Prometheus text format (version 0.0.4, docs/operations.md): counters, gauges and
// histograms, each a family of series told apart by their labels. Recording is lock-free (atomics); only making a
// series and exposing the registry take its lock, so that a hot path keeps the series it records to.
namespace mcprov::support {

using metric_labels = std::vector<std::pair<std::string, std::string>>;

class counter {
public:
    void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

class gauge {
public:
    void set(double v) { value_.store(v, std::memory_order_relaxed); }
    void add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

class histogram {
public:
    // `upper_bounds` finite and strictly ascending (std::invalid_argument otherwise); +Inf is added.
    explicit histogram(std::vector<double> upper_bounds);
    void observe(double value);

    struct reading {
        std::vector<double> upper_bounds;      // without +Inf
        std::vector<std::uint64_t> cumulative; // one per bound, then +Inf (== count)
        std::uint64_t count = 0;
        double sum = 0;
    };
    reading read() const;

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_; // per bucket, not cumulative; the last is +Inf
    std::atomic<double> sum_{0};
};

// The buckets of a latency in seconds: 100 µs to 10 s.
const std::vector<double>& latency_buckets();

// What a collector reports at exposition: one value per series of its family.
struct metric_sample {
    metric_labels labels;
    double value = 0;
};
enum class metric_type { counter, gauge };

class metrics_registry {
public:
    metrics_registry();
    ~metrics_registry();
    metrics_registry(const metrics_registry&) = delete;
    metrics_registry& operator=(const metrics_registry&) = delete;

    // The series of the family `name` with `labels`, made on first use and the same one afterwards; references stay
    // valid as long as the registry. The first `help` of a family is kept; a family's series name their labels in one
    // order. Throws std::invalid_argument for a name or label name the format does not allow, a label given twice, or
    // a family asked for as another type (programming errors).
    counter& counter_of(std::string_view name, std::string_view help, const metric_labels& labels = {});
    gauge& gauge_of(std::string_view name, std::string_view help, const metric_labels& labels = {});
    histogram& histogram_of(std::string_view name, std::string_view help, const std::vector<double>& upper_bounds,
                            const metric_labels& labels = {});

    // A family whose values live elsewhere (a server's connection counts): `read` is called on every exposition, with
    // the registry locked (it must not call the registry).
    void add_collector(std::string_view name, std::string_view help, metric_type type,
                       std::function<std::vector<metric_sample>()> read);

    // Every family, sorted by name, in the text format.
    std::string exposition() const;

    static constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

private:
    struct family;
    family& family_of(std::string_view name, std::string_view help, int kind);

    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<family>, std::less<>> families_;
};

// Peer health: how a peer this process calls (an HLR, a BSF) answers, as three series labelled peer:
// <prefix>_up (1 when the last call got an answer, 0 when it got none; absent before the first call),
// <prefix>_last_answer_seconds (Unix time; 0 if never) and <prefix>_call_failures_total.
class peer_health {
public:
    peer_health(std::shared_ptr<metrics_registry> metrics, std::string prefix, std::string peer);
    void answered();
    void failed();

private:
    gauge& up();

    std::shared_ptr<metrics_registry> metrics_;
    std::string prefix_;
    std::string peer_;
    gauge& last_answer_;
    counter& failures_;
};

} // namespace mcprov::support
