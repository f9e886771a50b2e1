#pragma once

// What reads of a shared SQLite file returned, kept while no process has written to it (change_counter): a read that
// finds its answer here costs no lock of the file and no system call. Private to the store module.

#include <atomic>
#include <cstdint>
#include <optional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "change_counter.hpp"
#include "mcprov/store/document_store.hpp"

namespace mcprov::store::detail {

class read_cache {
public:
    read_cache(change_counter& changes, std::size_t max_bytes) : changes_(changes), max_bytes_(max_bytes) {}

    // The generation a read about to start sees; nullopt while a write is under way (what it returns is not kept).
    std::optional<std::uint64_t> generation() noexcept { return changes_.settled(); }

    // What get(key) returned (nullopt inside: no such document), when it is still the database's.
    std::optional<std::optional<stored_document>> document(const document_key& key);
    std::optional<std::vector<named_document>> documents(std::string_view auid, std::string_view xui);

    std::uint64_t hits() const noexcept { return hits_.load(std::memory_order_relaxed); }
    std::uint64_t misses() const noexcept { return misses_.load(std::memory_order_relaxed); }

    // Keeps what a read started at `generation` returned.
    void keep(std::uint64_t generation, const document_key& key, const std::optional<stored_document>& document);
    void keep(std::uint64_t generation, std::string_view auid, std::string_view xui,
              const std::vector<named_document>& documents);

private:
    using entry = std::variant<std::optional<stored_document>, std::vector<named_document>>;
    std::optional<entry> find(const std::string& key);
    std::optional<entry> find_kept(const std::string& key);
    void keep(std::uint64_t generation, std::string key, entry value, std::size_t bytes);

    change_counter& changes_;
    const std::size_t max_bytes_;
    std::shared_mutex mutex_;
    std::uint64_t generation_ = 0; // of every entry
    std::size_t bytes_ = 0;
    std::unordered_map<std::string, entry> entries_;
    std::atomic<std::uint64_t> hits_{0};
    std::atomic<std::uint64_t> misses_{0};
};

} // namespace mcprov::store::detail
