#include "change_counter.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcprov/support/log.hpp"

namespace mcprov::store::detail {
namespace {

std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// An open file description lock on the whole file: shared for a writer inside its window, exclusive for recovery.
bool lock(int fd, short type, bool wait) noexcept {
    struct flock l {};
    l.l_type = type;
    l.l_whence = SEEK_SET;
    int rc;
    do {
        rc = ::fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &l);
    } while (rc != 0 && errno == EINTR);
    return rc == 0;
}

} // namespace

support::result<std::unique_ptr<change_counter>> change_counter::open(const std::filesystem::path& database,
                                                                      std::chrono::nanoseconds stuck_after) {
    static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free, "the counts are shared between processes");
    std::error_code ec;
    // SQLite follows a symbolic link to the database (its WAL lies beside the real file): so must the count.
    const auto real = std::filesystem::canonical(database, ec);
    const auto path = (ec ? database : real).string() + "-changes";
    auto fail = [&](const char* what) {
        return support::make_error(support::errc::io, path + ": " + what + " (" + std::strerror(errno) + ")");
    };
    struct stat db {};
    if (::stat(database.c_str(), &db) != 0) {
        return fail("cannot read the database file's owner");
    }
    const int flags = O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
    const mode_t mode = db.st_mode & 0666;
    bool created = true;
    int fd = ::open(path.c_str(), flags | O_CREAT | O_EXCL, mode);
    if (fd < 0 && errno == EEXIST) {
        created = false;
        fd = ::open(path.c_str(), flags);
    }
    if (fd < 0) {
        return fail("cannot open the count of writes");
    }
    auto refuse = [&](const char* what) {
        const int saved = errno;
        ::close(fd);
        errno = saved;
        return fail(what);
    };
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        return refuse("cannot read the count of writes");
    }
    if (created) {
        // As SQLite does for the WAL: the database's permissions whatever the umask, and, made by root, its owner.
        if (::fchmod(fd, mode) != 0 || (::geteuid() == 0 && ::fchown(fd, db.st_uid, db.st_gid) != 0)) {
            return refuse("cannot give the count of writes the database's owner and permissions");
        }
    } else if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || (st.st_uid != db.st_uid && st.st_uid != ::geteuid())) {
        errno = EPERM;
        return refuse("not a count of writes this store trusts (a regular file, one link, the database's owner's or "
                      "this user's); remove it while no process uses the database");
    }
    // Extending never clears what another process counted.
    if (st.st_size < static_cast<off_t>(sizeof(shared)) && ::ftruncate(fd, sizeof(shared)) != 0) {
        return refuse("cannot size the count of writes");
    }
    // Recovery locks through a description of its own: locks of one description never conflict with each other, and
    // this process's writers lock through the first.
    const int recovery_fd = ::open(path.c_str(), flags);
    struct stat again {};
    if (recovery_fd < 0 || ::fstat(recovery_fd, &again) != 0 || again.st_ino != st.st_ino ||
        again.st_dev != st.st_dev) {
        if (recovery_fd >= 0) {
            ::close(recovery_fd);
        }
        return refuse("cannot open the count of writes twice");
    }
    void* mapped = ::mmap(nullptr, sizeof(shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mapped == MAP_FAILED) {
        ::close(recovery_fd);
        return refuse("cannot map the count of writes");
    }
    return std::unique_ptr<change_counter>(new change_counter(fd, recovery_fd, static_cast<shared*>(mapped), path, stuck_after));
}

change_counter::~change_counter() {
    ::munmap(mapped_, sizeof(shared));
    ::close(recovery_fd_);
    ::close(fd_);
}

void change_counter::began() noexcept {
    lock(fd_, F_RDLCK, true);
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && st.st_nlink == 0 && !told_deleted_.exchange(true)) {
        support::logger("store")->error("{} was deleted while this process used the database: processes started "
                                        "since count in another file, and may read stale documents; restart every "
                                        "process that uses the database",
                                        path_.string());
    }
    started().fetch_add(1);
}

void change_counter::ended() noexcept {
    finished().fetch_add(1);
    lock(fd_, F_UNLCK, false);
}

void change_counter::recover() noexcept {
    if (!lock(recovery_fd_, F_WRLCK, false)) {
        return; // a writer (of any process, this one's included) is inside its window: it will end it
    }
    const auto begun = started().load();
    if (finished().load() < begun) {
        finished().store(begun); // every writer that began has ended or died: none of them is still to count
        support::logger("store")->warn("{}: a writer ended without counting its end (killed?); counts set to meet",
                                       path_.string());
    }
    lock(recovery_fd_, F_UNLCK, false);
}

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
    } else if (now - since > stuck_after_.count()) {
        apart_since_ns_.store(now, std::memory_order_relaxed);
        recover();
    }
    return std::nullopt;
}

} // namespace mcprov::store::detail
