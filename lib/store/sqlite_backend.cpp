#include <chrono>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <sqlite3.h>

#include "backend.hpp"
#include "change_counter.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::store::detail {
namespace {

using support::errc;
using support::error;
using support::make_error;
using support::result;

// Each entry moves the schema one version forward; entry i brings the database to version i + 1. Never edit a
// released entry: add a new one.
constexpr const char* migrations[] = {
    R"sql(
CREATE TABLE documents (
    auid       TEXT    NOT NULL,
    xui        TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    content    BLOB    NOT NULL,
    etag       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (auid, xui, name)
) WITHOUT ROWID;
)sql",
    R"sql(
CREATE TABLE leases (
    name       TEXT    NOT NULL PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
};
constexpr std::int64_t latest_version = std::size(migrations);

constexpr std::size_t max_idle_connections = 16;

struct statement_deleter {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using statement = std::unique_ptr<sqlite3_stmt, statement_deleter>;

enum statement_id {
    select_document,
    select_etag,
    upsert_document,
    delete_document,
    list_names,
    list_users,
    list_documents,
    list_all,
    acquire_lease,
    release_lease,
    statement_count
};

// Statements are prepared once per connection.
constexpr const char* statement_sql[statement_count] = {
    "SELECT content, etag, updated_at FROM documents WHERE auid = ?1 AND xui = ?2 AND name = ?3",
    "SELECT etag FROM documents WHERE auid = ?1 AND xui = ?2 AND name = ?3",
    "INSERT INTO documents (auid, xui, name, content, etag, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT (auid, xui, name) DO UPDATE SET content = excluded.content, etag = excluded.etag, "
    "updated_at = excluded.updated_at",
    "DELETE FROM documents WHERE auid = ?1 AND xui = ?2 AND name = ?3",
    "SELECT name FROM documents WHERE auid = ?1 AND xui = ?2 ORDER BY name",
    // Served by the primary key's (auid, xui) prefix: no separate index needed.
    "SELECT DISTINCT xui FROM documents WHERE auid = ?1 ORDER BY xui",
    "SELECT name, content, etag, updated_at FROM documents WHERE auid = ?1 AND xui = ?2 ORDER BY name",
    "SELECT xui, name, content, etag, updated_at FROM documents WHERE auid = ?1 ORDER BY xui, name",
    "INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?4) "
    "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at "
    "WHERE leases.holder = excluded.holder OR leases.expires_at <= ?3",
    "DELETE FROM leases WHERE name = ?1 AND holder = ?2",
};

struct connection {
    sqlite3* db = nullptr;
    statement statements[statement_count];

    ~connection() {
        for (auto& s : statements) {
            s.reset();
        }
        sqlite3_close_v2(db);
    }
};

// io naming the database, or storage_full when the disk or the database (max_page_count) is full.
error sqlite_error(sqlite3* db, const std::filesystem::path& path, const std::string& what) {
    if (!db) {
        return make_error(errc::io, path.string() + ": " + what + ": out of memory");
    }
    const int code = sqlite3_extended_errcode(db) & 0xff;
    std::string text = path.string() + ": " + what + ": " + sqlite3_errmsg(db);
    switch (code) {
    case SQLITE_FULL:
        return make_error(errc::storage_full, path.string() + ": " + what +
                                                  ": the disk or the database is full; free space (or raise the "
                                                  "database's size limit) and retry");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return make_error(errc::io, text + " (the file is corrupt or not a database; restore it from a backup)");
    case SQLITE_READONLY:
        return make_error(errc::io, text + " (the file or its directory is read-only)");
    default:
        return make_error(errc::io, text);
    }
}

// Resets a statement when it goes out of scope so the connection can be reused.
class statement_use {
public:
    statement_use(connection& c, statement_id id) : s_(c.statements[id].get()) {}
    ~statement_use() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    statement_use(const statement_use&) = delete;
    statement_use& operator=(const statement_use&) = delete;
    sqlite3_stmt* get() const { return s_; }

private:
    sqlite3_stmt* s_;
};

void bind_text(sqlite3_stmt* s, int index, std::string_view text) {
    sqlite3_bind_text(s, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

void bind_key(sqlite3_stmt* s, const document_key& key) {
    bind_text(s, 1, key.auid);
    bind_text(s, 2, key.xui);
    bind_text(s, 3, key.name);
}

std::string column_text(sqlite3_stmt* s, int column) {
    auto* data = static_cast<const char*>(sqlite3_column_blob(s, column));
    return data ? std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(s, column))) : std::string();
}

stored_document column_document(sqlite3_stmt* s, int first) {
    return stored_document{column_text(s, first), column_text(s, first + 1),
                           from_millis(sqlite3_column_int64(s, first + 2))};
}

class sqlite_session final : public session {
public:
    sqlite_session(connection& c, const std::filesystem::path& path) : c_(c), path_(path) {}

    result<std::optional<stored_document>> select(const document_key& key) override {
        statement_use use(c_, select_document);
        bind_key(use.get(), key);
        int rc = sqlite3_step(use.get());
        if (rc == SQLITE_ROW) {
            return std::optional(column_document(use.get(), 0));
        }
        if (rc != SQLITE_DONE) {
            return fail("reading document " + key.name);
        }
        return std::optional<stored_document>();
    }

    result<std::optional<std::string>> select_etag(const document_key& key) override {
        statement_use use(c_, statement_id::select_etag);
        bind_key(use.get(), key);
        int rc = sqlite3_step(use.get());
        if (rc == SQLITE_ROW) {
            return std::optional(column_text(use.get(), 0));
        }
        if (rc != SQLITE_DONE) {
            return fail("reading entity tag of " + key.name);
        }
        return std::optional<std::string>();
    }

    result<void> upsert(const document_key& key, std::string_view content, std::string_view etag,
                        epoch_millis updated_at) override {
        statement_use use(c_, upsert_document);
        bind_key(use.get(), key);
        // An empty string_view's data() may be null: bind a zero-length blob explicitly so it is not NULL.
        int bound = content.empty() ? sqlite3_bind_zeroblob(use.get(), 4, 0)
                                    : sqlite3_bind_blob64(use.get(), 4, content.data(), content.size(), SQLITE_STATIC);
        if (bound != SQLITE_OK) {
            return fail("writing document " + key.name);
        }
        bind_text(use.get(), 5, etag);
        sqlite3_bind_int64(use.get(), 6, updated_at);
        if (sqlite3_step(use.get()) != SQLITE_DONE) {
            return fail("writing document " + key.name);
        }
        return {};
    }

    result<bool> erase(const document_key& key) override {
        statement_use use(c_, delete_document);
        bind_key(use.get(), key);
        if (sqlite3_step(use.get()) != SQLITE_DONE) {
            return fail("deleting document " + key.name);
        }
        return sqlite3_changes(c_.db) > 0;
    }

    result<std::vector<std::string>> select_names(std::string_view auid, std::string_view xui) override {
        statement_use use(c_, list_names);
        bind_text(use.get(), 1, auid);
        bind_text(use.get(), 2, xui);
        return rows<std::string>(use, "listing documents", [](sqlite3_stmt* s) { return column_text(s, 0); });
    }

    result<std::vector<std::string>> select_users(std::string_view auid) override {
        statement_use use(c_, list_users);
        bind_text(use.get(), 1, auid);
        return rows<std::string>(use, "listing users", [](sqlite3_stmt* s) { return column_text(s, 0); });
    }

    result<std::vector<named_document>> select_documents(std::string_view auid, std::string_view xui) override {
        statement_use use(c_, list_documents);
        bind_text(use.get(), 1, auid);
        bind_text(use.get(), 2, xui);
        return rows<named_document>(use, "listing documents", [](sqlite3_stmt* s) {
            return named_document{column_text(s, 0), column_document(s, 1)};
        });
    }

    result<std::vector<user_document>> select_all(std::string_view auid) override {
        statement_use use(c_, list_all);
        bind_text(use.get(), 1, auid);
        return rows<user_document>(use, "listing documents", [](sqlite3_stmt* s) {
            return user_document{column_text(s, 0), column_text(s, 1), column_document(s, 2)};
        });
    }

    result<bool> acquire_lease(std::string_view name, std::string_view holder, epoch_millis now,
                               epoch_millis expires_at) override {
        statement_use use(c_, statement_id::acquire_lease);
        bind_text(use.get(), 1, name);
        bind_text(use.get(), 2, holder);
        sqlite3_bind_int64(use.get(), 3, now);
        sqlite3_bind_int64(use.get(), 4, expires_at);
        if (sqlite3_step(use.get()) != SQLITE_DONE) {
            return fail("taking lease " + std::string(name));
        }
        return sqlite3_changes(c_.db) > 0;
    }

    result<bool> release_lease(std::string_view name, std::string_view holder) override {
        statement_use use(c_, statement_id::release_lease);
        bind_text(use.get(), 1, name);
        bind_text(use.get(), 2, holder);
        if (sqlite3_step(use.get()) != SQLITE_DONE) {
            return fail("releasing lease " + std::string(name));
        }
        return sqlite3_changes(c_.db) > 0;
    }

private:
    error fail(const std::string& what) const { return sqlite_error(c_.db, path_, what); }

    template <class T, class Row> result<std::vector<T>> rows(statement_use& use, const char* what, Row row) {
        std::vector<T> out;
        int rc;
        while ((rc = sqlite3_step(use.get())) == SQLITE_ROW) {
            out.push_back(row(use.get()));
        }
        if (rc != SQLITE_DONE) {
            return fail(what);
        }
        return out;
    }

    connection& c_;
    const std::filesystem::path& path_;
};

// One write transaction counted (change_counter) from its BEGIN to its COMMIT or ROLLBACK, whatever happens between.
class counted_write {
public:
    explicit counted_write(change_counter& changes) : changes_(changes) { changes_.began(); }
    ~counted_write() { changes_.ended(); }
    counted_write(const counted_write&) = delete;
    counted_write& operator=(const counted_write&) = delete;

private:
    change_counter& changes_;
};

// The database (its backend) a write of this thread is inside, if any.
thread_local const void* writing_on_this_thread = nullptr;

class sqlite_backend final : public backend {
public:
    explicit sqlite_backend(std::filesystem::path path) : path_(std::move(path)) {}

    // Opens the file, refuses it when it is read-only or corrupt, and brings its schema to the latest version.
    result<void> open() {
        auto c = connect();
        if (!c) {
            return std::move(c).err();
        }
        if (auto checked = check(*c.value()); !checked) {
            return checked;
        }
        auto counter = change_counter::open(path_);
        if (!counter) {
            return std::move(counter).err();
        }
        changes_ = std::move(counter).value();
        if (auto migrated = migrate(*c.value()); !migrated) {
            return migrated;
        }
        if (auto prepared = prepare(*c.value()); !prepared) {
            return prepared;
        }
        release(std::move(c).value());
        return {};
    }

    result<void> run(access mode, const session_work& work) override {
        auto c = acquire();
        if (!c) {
            return std::move(c).err();
        }
        auto& conn = *c.value();
        sqlite_session s(conn, path_);
        if (mode == access::read) {
            auto out = work(s);
            release(std::move(c).value());
            return out;
        }
        // A unit of work that writes through the store it runs in would wait for itself.
        if (writing_on_this_thread == this) {
            release(std::move(c).value());
            return make_error(errc::internal, path_.string() + ": a write inside a write of the same thread");
        }
        // Writers of this process wait here, and one of them gets the lock as soon as it is free; on SQLite's busy
        // handler alone they would poll for it with sleeps of 1 to 100 ms, leaving it idle meanwhile. Writers of
        // other processes still meet at the file's lock.
        std::unique_lock writing(writer_, std::defer_lock);
        if (!writing.try_lock_for(std::chrono::milliseconds(busy_timeout_ms))) {
            release(std::move(c).value());
            return make_error(errc::io, path_.string() + ": starting transaction: the database is locked (by "
                                                         "this process's writes, " +
                                            std::to_string(busy_timeout_ms) + " ms)");
        }
        struct thread_writes {
            explicit thread_writes(const void* backend) : outer(std::exchange(writing_on_this_thread, backend)) {}
            ~thread_writes() { writing_on_this_thread = outer; }
            const void* outer;
        } this_thread_writes{this};
        // The safety level cannot change inside a transaction: set before, restored after (a connection that cannot
        // be restored is closed below rather than pooled).
        const bool ephemeral = mode == access::ephemeral_write;
        if (ephemeral) {
            sqlite3_exec(conn.db, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
        }
        // BEGIN IMMEDIATE takes the write lock at once, so a read-modify-write cannot be overtaken by another writer
        // (of this process or another): writers wait for each other (busy timeout) rather than interleave.
        if (sqlite3_exec(conn.db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
            auto e = sqlite_error(conn.db, path_, "starting transaction");
            if (!ephemeral ||
                sqlite3_exec(conn.db, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr) == SQLITE_OK) {
                release(std::move(c).value());
            }
            return e;
        }
        // A lease's write changes no document: other processes keep what they read (a waiting request polls the
        // lease often).
        std::optional<counted_write> counted;
        if (!ephemeral) {
            counted.emplace(*changes_);
        }
        auto out = work(s);
        if (out) {
            if (sqlite3_exec(conn.db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
                out = sqlite_error(conn.db, path_, "committing");
                sqlite3_exec(conn.db, "ROLLBACK", nullptr, nullptr, nullptr);
            }
        } else {
            // May fail harmlessly when SQLite already rolled back on its own (e.g. SQLITE_FULL, SQLITE_IOERR).
            sqlite3_exec(conn.db, "ROLLBACK", nullptr, nullptr, nullptr);
        }
        counted.reset(); // after the commit: what others read from now on is kept only at a later count
        // Only a connection back in autocommit mode (and at full safety) goes back to the pool; one still inside a
        // transaction (a ROLLBACK that failed) is closed, which rolls the transaction back and releases its locks.
        if (sqlite3_get_autocommit(conn.db) &&
            (!ephemeral || sqlite3_exec(conn.db, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr) == SQLITE_OK)) {
            release(std::move(c).value());
        }
        return out;
    }

    std::int64_t schema_version() const override { return version_; }
    change_counter* changes() override { return changes_.get(); }

private:
    result<std::unique_ptr<connection>> connect() const {
        auto conn = std::make_unique<connection>();
        int rc = sqlite3_open_v2(path_.c_str(), &conn->db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
        if (rc != SQLITE_OK) {
            return sqlite_error(conn->db, path_, "opening the database");
        }
        // SQLite falls back to read-only when the file cannot be written; this store only makes sense writable.
        if (sqlite3_db_readonly(conn->db, "main") == 1) {
            return make_error(errc::io, path_.string() + ": the database is read-only (check the file's permissions "
                                                         "and its directory's)");
        }
        sqlite3_extended_result_codes(conn->db, 1);
        sqlite3_busy_timeout(conn->db, busy_timeout_ms);
        // A page cache of 32 MiB per connection: the hot pages of a large store (a million devices) stay in memory.
        // No memory map: a file that grows is mapped again by every connection, each then faulting its pages in anew
        // (measured: a quarter more CPU per visitor's first request on bench/migration.sh).
        for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
                                   "PRAGMA cache_size=-32768", "PRAGMA mmap_size=0"}) {
            if (sqlite3_exec(conn->db, pragma, nullptr, nullptr, nullptr) != SQLITE_OK) {
                return sqlite_error(conn->db, path_, pragma);
            }
        }
        return conn;
    }

    // PRAGMA quick_check: the b-trees are well-formed (O(size), without the index-content cross-check).
    result<void> check(connection& conn) const {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v2(conn.db, "PRAGMA quick_check", -1, &raw, nullptr) != SQLITE_OK) {
            return sqlite_error(conn.db, path_, "checking the database");
        }
        statement s(raw);
        std::string problems;
        int rc;
        while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
            auto line = column_text(raw, 0);
            if (line != "ok" && problems.size() < 400) {
                problems += (problems.empty() ? "" : "; ") + line;
            }
        }
        if (rc != SQLITE_DONE) {
            return sqlite_error(conn.db, path_, "checking the database");
        }
        if (!problems.empty()) {
            return make_error(errc::io, path_.string() + ": the database is corrupt (PRAGMA quick_check: " + problems +
                                            "); restore it from a backup");
        }
        return {};
    }

    result<void> prepare(connection& conn) const {
        for (int i = 0; i < statement_count; ++i) {
            sqlite3_stmt* raw = nullptr;
            if (sqlite3_prepare_v3(conn.db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) !=
                SQLITE_OK) {
                return sqlite_error(conn.db, path_, "preparing statement");
            }
            conn.statements[i].reset(raw);
        }
        return {};
    }

    // Brings the file to the latest schema, one version per transaction. The version is read inside the write
    // transaction, so two processes opening a new file at once cannot both apply the same migration.
    result<void> migrate(connection& conn) {
        for (;;) {
            if (sqlite3_exec(conn.db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
                return sqlite_error(conn.db, path_, "starting migration");
            }
            counted_write counted(*changes_);
            auto version = user_version(conn);
            if (!version || version.value() >= latest_version) {
                sqlite3_exec(conn.db, "ROLLBACK", nullptr, nullptr, nullptr);
                if (!version) {
                    return std::move(version).err();
                }
                if (version.value() > latest_version) {
                    return make_error(
                        errc::io, path_.string() + " is at schema version " + std::to_string(version.value()) +
                                      ", newer than this build understands (" + std::to_string(latest_version) + ")");
                }
                version_ = version.value();
                return {};
            }
            auto next = version.value() + 1;
            auto sql =
                std::string(migrations[version.value()]) + "PRAGMA user_version = " + std::to_string(next) + ";COMMIT;";
            char* message = nullptr;
            if (sqlite3_exec(conn.db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
                auto e = sqlite_error(conn.db, path_, "migrating to version " + std::to_string(next));
                sqlite3_free(message);
                sqlite3_exec(conn.db, "ROLLBACK", nullptr, nullptr, nullptr);
                return e;
            }
            support::logger("store")->info("{}: migrated schema to version {}", path_.string(), next);
        }
    }

    result<std::int64_t> user_version(connection& conn) const {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v2(conn.db, "PRAGMA user_version", -1, &raw, nullptr) != SQLITE_OK) {
            return sqlite_error(conn.db, path_, "reading schema version");
        }
        statement s(raw);
        if (sqlite3_step(raw) != SQLITE_ROW) {
            return sqlite_error(conn.db, path_, "reading schema version");
        }
        return sqlite3_column_int64(raw, 0);
    }

    result<std::unique_ptr<connection>> acquire() {
        {
            std::lock_guard lock(mutex_);
            if (!idle_.empty()) {
                auto c = std::move(idle_.back());
                idle_.pop_back();
                return c;
            }
        }
        auto c = connect();
        if (!c) {
            return c;
        }
        if (auto prepared = prepare(*c.value()); !prepared) {
            return std::move(prepared).err();
        }
        return c;
    }

    void release(std::unique_ptr<connection> c) {
        std::lock_guard lock(mutex_);
        if (idle_.size() < max_idle_connections) {
            idle_.push_back(std::move(c));
        }
    }

    static constexpr int busy_timeout_ms = 5000;

    std::filesystem::path path_;
    std::unique_ptr<change_counter> changes_;
    std::timed_mutex writer_;
    std::int64_t version_ = 0;
    std::mutex mutex_;
    std::vector<std::unique_ptr<connection>> idle_;
};

} // namespace

result<std::unique_ptr<backend>> open_sqlite_backend(const std::filesystem::path& path) {
    auto b = std::make_unique<sqlite_backend>(path);
    if (auto opened = b->open(); !opened) {
        return std::move(opened).err();
    }
    return std::unique_ptr<backend>(std::move(b));
}

} // namespace mcprov::store::detail
