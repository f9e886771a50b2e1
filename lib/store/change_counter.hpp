#pragma once

// The writes to a SQLite file, counted in memory that every process using the file maps (FILE-changes), so that a
// process may keep what it read until someone writes, and learn that someone did without a system call. Private to
// the store module; see docs/storage.md.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

#include "mcprov/support/result.hpp"

namespace mcprov::store::detail {

class change_counter {
public:
    // Opens (creates) FILE-changes beside the database, with the database file's owner and permissions. Errors: io
    // (a process that could not count its writes would leave the others' reads stale).
    static support::result<std::unique_ptr<change_counter>> open(const std::filesystem::path& database);
    ~change_counter();
    change_counter(const change_counter&) = delete;
    change_counter& operator=(const change_counter&) = delete;

    // A write transaction began (its write lock held) and ended (committed or rolled back), in this order.
    void began() noexcept;
    void ended() noexcept;

    // The generation of what a read started now sees, when no write is under way; nullopt otherwise. What was read
    // at generation g is still the database's while settled() is g: every write ends by moving the count past g.
    std::optional<std::uint64_t> settled() noexcept;

private:
    struct shared {
        std::uint64_t started;
        std::uint64_t finished;
    };
    explicit change_counter(shared* mapped) : mapped_(mapped) {}
    std::atomic_ref<std::uint64_t> started() const noexcept { return std::atomic_ref(mapped_->started); }
    std::atomic_ref<std::uint64_t> finished() const noexcept { return std::atomic_ref(mapped_->finished); }

    shared* mapped_;
    // Since when this process has seen the counts apart (steady ns; 0: they were equal when last looked at). A writer
    // that died inside its transaction leaves them apart for good; after `stuck_after` both are moved past every
    // count, which is always safe: a read is only kept at a generation no write has moved past.
    std::atomic<std::int64_t> apart_since_ns_{0};
    static constexpr std::chrono::seconds stuck_after{2};
};

} // namespace mcprov::store::detail
