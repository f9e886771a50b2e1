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
    // Opens (creates) FILE-changes beside the database (its real path: symbolic links resolved), with the database
    // file's owner and permissions. Errors: io (a process that could not count its writes would leave the others'
    // reads stale).
    // `stuck_after`: how long this process sees the counts apart before it tries to recover them (tests shorten it).
    static support::result<std::unique_ptr<change_counter>> open(const std::filesystem::path& database,
                                                                 std::chrono::nanoseconds stuck_after = std::chrono::seconds(2));
    ~change_counter();
    change_counter(const change_counter&) = delete;
    change_counter& operator=(const change_counter&) = delete;

    // A write transaction began (its write lock held) and ended (committed or rolled back), in this order. From
    // began() to ended() the writer holds a shared lock on the file, which it loses if it dies. One writer of a
    // process at a time.
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
    change_counter(int fd, int recovery_fd, shared* mapped, std::filesystem::path path,
                   std::chrono::nanoseconds stuck_after)
        : fd_(fd), recovery_fd_(recovery_fd), mapped_(mapped), path_(std::move(path)), stuck_after_(stuck_after) {}
    std::atomic_ref<std::uint64_t> started() const noexcept { return std::atomic_ref(mapped_->started); }
    std::atomic_ref<std::uint64_t> finished() const noexcept { return std::atomic_ref(mapped_->finished); }
    // A writer that died inside its window leaves the counts apart for good. Once no writer holds the file's lock
    // (every live writer is outside its window), the counts are made to meet.
    void recover() noexcept;

    int fd_;          // this process's writers' shared lock (one writer at a time: sqlite_backend's lock)
    int recovery_fd_; // recovery's exclusive lock
    shared* mapped_;
    std::filesystem::path path_;
    // Since when this process has seen the counts apart (steady ns; 0: equal when last looked at): recovery is tried
    // only after `stuck_after_`, so that reads during ordinary writes cost no system call.
    std::atomic<std::int64_t> apart_since_ns_{0};
    std::atomic<bool> told_deleted_{false};
    const std::chrono::nanoseconds stuck_after_;
};

} // namespace mcprov::store::detail
