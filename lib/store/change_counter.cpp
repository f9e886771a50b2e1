#include "change_counter.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>


namespace mcprov::store::detail {
namespace {

std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void raise_to(std::atomic_ref<std::uint64_t> count, std::uint64_t at_least) noexcept {
    auto current = count.load();
    while (current < at_least && !count.compare_exchange_weak(current, at_least)) {
    }
}

} // namespace

support::result<std::unique_ptr<change_counter>> change_counter::open(const std::filesystem::path& database) {
    static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free, "the counts are shared between processes");
    const auto path = database.string() + "-changes";
    auto fail = [&](const char* what) {
        return support::make_error(support::errc::io, path + ": " + what + " (" + std::strerror(errno) + ")");
    };
    struct stat db {};
    if (::stat(database.c_str(), &db) != 0) {
        return fail("cannot read the database file's owner");
    }
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, db.st_mode & 0666);
    if (fd < 0) {
        return fail("cannot open the count of writes");
    }
    struct stat st {};
    // As SQLite does for the WAL: a file root creates belongs to the database's owner, who must be able to write it.
    // Extending never clears what another process counted.
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        (::geteuid() == 0 && (st.st_uid != db.st_uid || st.st_gid != db.st_gid) &&
         ::fchown(fd, db.st_uid, db.st_gid) != 0) ||
        (st.st_size < static_cast<off_t>(sizeof(shared)) && ::ftruncate(fd, sizeof(shared)) != 0)) {
        ::close(fd);
        return fail("cannot prepare the count of writes");
    }
    void* mapped = ::mmap(nullptr, sizeof(shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (mapped == MAP_FAILED) {
        return fail("cannot map the count of writes");
    }
    return std::unique_ptr<change_counter>(new change_counter(static_cast<shared*>(mapped)));
}

change_counter::~change_counter() { ::munmap(mapped_, sizeof(shared)); }

void change_counter::began() noexcept { started().fetch_add(1); }

void change_counter::ended() noexcept { finished().fetch_add(1); }

std::optional<std::uint64_t> change_counter::settled() noexcept {
    const auto done = finished().load();
    const auto begun = started().load();
    if (done == begun) {
        if (apart_since_ns_.load(std::memory_order_relaxed) != 0) {
            apart_since_ns_.store(0, std::memory_order_relaxed);
        }
        return done;
    }
    const auto now = steady_ns();
    auto since = apart_since_ns_.load(std::memory_order_relaxed);
    if (since == 0) {
        apart_since_ns_.compare_exchange_strong(since, now, std::memory_order_relaxed);
    } else if (now - since > std::chrono::nanoseconds(stuck_after).count()) {
        const auto past = std::max(done, begun) + 1;
        raise_to(started(), past);
        raise_to(finished(), past);
        apart_since_ns_.store(0, std::memory_order_relaxed);
    }
    return std::nullopt;
}

} // namespace mcprov::store::detail
