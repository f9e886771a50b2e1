#include "mcprov/support/metrics.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <charconv>
#include <stdexcept>

namespace mcprov::support {
namespace {

enum kind : int { counter_kind, gauge_kind, histogram_kind };

bool valid_name(std::string_view name, bool label) {
    if (name.empty() || (label && name.starts_with("__"))) {
        return false;
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!label && c == ':');
        if (!letter && !(i > 0 && c >= '0' && c <= '9')) {
            return false;
        }
    }
    return true;
}

// A label value or HELP text as the format escapes it: backslash, newline, and (in label values) the double quote.
std::string escaped(std::string_view text, bool quote) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && quote) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
    return out;
}

// {a="x",b="y"}, or nothing without labels; `extra` (le="...") goes last.
std::string rendered(const metric_labels& labels, std::string_view extra = {}) {
    if (labels.empty() && extra.empty()) {
        return {};
    }
    std::string out = "{";
    for (const auto& [name, value] : labels) {
        out += (out.size() > 1 ? "," : "") + name + "=\"" + escaped(value, true) + "\"";
    }
    if (!extra.empty()) {
        out += (out.size() > 1 ? "," : "") + std::string(extra);
    }
    return out + "}";
}

std::string number(double v) {
    if (std::isnan(v)) {
        return "NaN";
    }
    if (std::isinf(v)) {
        return v > 0 ? "+Inf" : "-Inf";
    }
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr; // the shortest text that reads back as v
    return std::string(buffer, end);
}

void check_labels(const metric_labels& labels) {
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (!valid_name(labels[i].first, true)) {
            throw std::invalid_argument("metric label name '" + labels[i].first + "' is not allowed");
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (labels[j].first == labels[i].first) {
                throw std::invalid_argument("metric label name '" + labels[i].first + "' is given twice");
            }
        }
    }
}

} // namespace

histogram::histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        if (!std::isfinite(bounds_[i]) || (i > 0 && !(bounds_[i - 1] < bounds_[i]))) {
            throw std::invalid_argument("histogram bounds must be finite and strictly ascending");
        }
    }
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        buckets_[i].store(0);
    }
}

void histogram::observe(double value) {
    const auto at = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
    buckets_[at].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
}

histogram::reading histogram::read() const {
    reading r;
    r.upper_bounds = bounds_;
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        r.cumulative.push_back(running);
    }
    r.count = running; // the +Inf bucket, so that the two always agree
    r.sum = sum_.load(std::memory_order_relaxed);
    return r;
}

const std::vector<double>& latency_buckets() {
    static const std::vector<double> buckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                             0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5, 5, 10};
    return buckets;
}

struct metrics_registry::family {
    int kind = counter_kind;
    std::string help;
    std::vector<double> bounds;
    // By rendered labels, so that the exposition is sorted and a series is found by its labels.
    std::map<std::string, std::pair<metric_labels, std::unique_ptr<counter>>> counters;
    std::map<std::string, std::pair<metric_labels, std::unique_ptr<gauge>>> gauges;
    std::map<std::string, std::pair<metric_labels, std::unique_ptr<histogram>>> histograms;
    std::vector<std::function<std::vector<metric_sample>()>> collectors;
};

metrics_registry::metrics_registry() = default;
metrics_registry::~metrics_registry() = default;

metrics_registry::family& metrics_registry::family_of(std::string_view name, std::string_view help, int kind) {
    if (!valid_name(name, false)) {
        throw std::invalid_argument("metric name '" + std::string(name) + "' is not allowed");
    }
    auto it = families_.find(name);
    if (it == families_.end()) {
        auto f = std::make_unique<family>();
        f->kind = kind;
        f->help = std::string(help);
        it = families_.emplace(std::string(name), std::move(f)).first;
    } else if (it->second->kind != kind) {
        throw std::invalid_argument("metric '" + std::string(name) + "' is already of another type");
    }
    return *it->second;
}

counter& metrics_registry::counter_of(std::string_view name, std::string_view help, const metric_labels& labels) {
    check_labels(labels);
    std::lock_guard lock(mutex_);
    auto& f = family_of(name, help, counter_kind);
    auto& slot = f.counters[rendered(labels)];
    if (!slot.second) {
        slot = {labels, std::make_unique<counter>()};
    }
    return *slot.second;
}

gauge& metrics_registry::gauge_of(std::string_view name, std::string_view help, const metric_labels& labels) {
    check_labels(labels);
    std::lock_guard lock(mutex_);
    auto& f = family_of(name, help, gauge_kind);
    auto& slot = f.gauges[rendered(labels)];
    if (!slot.second) {
        slot = {labels, std::make_unique<gauge>()};
    }
    return *slot.second;
}

histogram& metrics_registry::histogram_of(std::string_view name, std::string_view help,
                                          const std::vector<double>& upper_bounds, const metric_labels& labels) {
    check_labels(labels);
    for (const auto& [label, value] : labels) {
        if (label == "le") {
            throw std::invalid_argument("a histogram's labels cannot include le");
        }
    }
    std::lock_guard lock(mutex_);
    auto& f = family_of(name, help, histogram_kind);
    auto& slot = f.histograms[rendered(labels)];
    if (!slot.second) {
        slot = {labels, std::make_unique<histogram>(upper_bounds)};
    }
    return *slot.second;
}

void metrics_registry::add_collector(std::string_view name, std::string_view help, metric_type type,
                                     std::function<std::vector<metric_sample>()> read) {
    std::lock_guard lock(mutex_);
    family_of(name, help, type == metric_type::counter ? counter_kind : gauge_kind).collectors.push_back(std::move(read));
}

// Collectors are called with the registry locked: they read their own values and must not call the registry.
std::string metrics_registry::exposition() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [name, f] : families_) {
        static constexpr const char* types[] = {"counter", "gauge", "histogram"};
        out += "# HELP " + name + " " + escaped(f->help, false) + "\n# TYPE " + name + " " + types[f->kind] + "\n";
        for (const auto& [labels, series] : f->counters) {
            out += name + labels + " " + std::to_string(series.second->value()) + "\n";
        }
        for (const auto& [labels, series] : f->gauges) {
            out += name + labels + " " + number(series.second->value()) + "\n";
        }
        for (const auto& [labels, series] : f->histograms) {
            const auto r = series.second->read();
            for (std::size_t i = 0; i <= r.upper_bounds.size(); ++i) {
                const auto le = i < r.upper_bounds.size() ? number(r.upper_bounds[i]) : std::string("+Inf");
                out += name + "_bucket" + rendered(series.first, "le=\"" + le + "\"") + " " +
                       std::to_string(r.cumulative[i]) + "\n";
            }
            out += name + "_sum" + labels + " " + number(r.sum) + "\n";
            out += name + "_count" + labels + " " + std::to_string(r.count) + "\n";
        }
        for (const auto& read : f->collectors) {
            for (const auto& sample : read()) {
                out += name + rendered(sample.labels) + " " + number(sample.value) + "\n";
            }
        }
    }
    return out;
}

peer_health::peer_health(std::shared_ptr<metrics_registry> metrics, std::string prefix, std::string peer)
    : metrics_(std::move(metrics)), prefix_(std::move(prefix)), peer_(std::move(peer)),
      last_answer_(metrics_->gauge_of(prefix_ + "_last_answer_seconds",
                                      "When the peer last answered a call (Unix time); 0 if never", {{"peer", peer_}})),
      failures_(metrics_->counter_of(prefix_ + "_call_failures_total",
                                     "Calls to the peer that got no answer: unreachable, timed out", {{"peer", peer_}})) {}

gauge& peer_health::up() {
    return metrics_->gauge_of(prefix_ + "_up", "1 when the last call to the peer got an answer, 0 otherwise",
                              {{"peer", peer_}});
}

void peer_health::answered() {
    up().set(1);
    last_answer_.set(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
}

void peer_health::failed() {
    up().set(0);
    failures_.inc();
}

} // namespace mcprov::support
