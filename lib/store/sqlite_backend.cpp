#include <mutex>
#include <vector>

#include <sqlite3.h>

#include "mcprov/store/document_store.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::store {
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
};
constexpr std::int64_t latest_version = std::size(migrations);

constexpr std::size_t max_idle_connections = 16;

// Finalizes the statement and resets nothing else; statements are prepared once per connection.
struct statement_deleter {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using statement = std::unique_ptr<sqlite3_stmt, statement_deleter>;

struct connection {
    sqlite3* db = nullptr;
    statement select_document;
    statement select_etag;
    statement upsert_document;
    statement delete_document;
    statement list_documents;
    statement list_users;

    ~connection() {
        select_document.reset();
        select_etag.reset();
        upsert_document.reset();
        delete_document.reset();
        list_documents.reset();
        list_users.reset();
        sqlite3_close_v2(db);
    }
};

error sqlite_error(sqlite3* db, const std::string& what) {
    return make_error(errc::io, what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

// Resets a statement when it goes out of scope so the connection can be reused.
class statement_use {
public:
    explicit statement_use(sqlite3_stmt* s) : s_(s) {}
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

std::int64_t now_millis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string column_text(sqlite3_stmt* s, int column) {
    auto* data = static_cast<const char*>(sqlite3_column_blob(s, column));
    return data ? std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(s, column))) : std::string();
}

class sqlite_document_store_impl final : public document_store {
public:
    explicit sqlite_document_store_impl(std::filesystem::path path) : path_(std::move(path)) {}

    result<void> open() {
        auto c = connect();
        if (!c) {
            return std::move(c).err();
        }
        auto migrated = migrate(*c.value());
        if (!migrated) {
            return migrated;
        }
        release(std::move(c).value());
        return {};
    }

    result<stored_document> get(const document_key& key) const override {
        auto c = acquire();
        if (!c) {
            return std::move(c).err();
        }
        auto& conn = *c.value();
        result<stored_document> out = make_error(errc::not_found, "no such document");
        {
            statement_use use(conn.select_document.get());
            bind_key(use.get(), key);
            int rc = sqlite3_step(use.get());
            if (rc == SQLITE_ROW) {
                out = stored_document{column_text(use.get(), 0), column_text(use.get(), 1),
                                      std::chrono::system_clock::time_point(
                                          std::chrono::milliseconds(sqlite3_column_int64(use.get(), 2)))};
            } else if (rc != SQLITE_DONE) {
                out = sqlite_error(conn.db, "reading document");
            }
        }
        release(std::move(c).value());
        return out;
    }

    result<put_outcome> put(const document_key& key, std::string_view content,
                            const write_condition& condition) override {
        auto etag = entity_tag_of(content);
        return in_transaction([&](connection& conn) -> result<put_outcome> {
            auto current = current_etag(conn, key);
            if (!current) {
                return std::move(current).err();
            }
            if (!condition.holds(current.value())) {
                return make_error(errc::precondition_failed, "the document's entity tag does not match");
            }
            statement_use use(conn.upsert_document.get());
            bind_key(use.get(), key);
            sqlite3_bind_blob(use.get(), 4, content.data(), static_cast<int>(content.size()), SQLITE_STATIC);
            bind_text(use.get(), 5, etag);
            sqlite3_bind_int64(use.get(), 6, now_millis());
            if (sqlite3_step(use.get()) != SQLITE_DONE) {
                return sqlite_error(conn.db, "writing document");
            }
            return put_outcome{etag, !current.value().has_value()};
        });
    }

    result<void> remove(const document_key& key, const write_condition& condition) override {
        auto outcome = in_transaction([&](connection& conn) -> result<bool> {
            auto current = current_etag(conn, key);
            if (!current) {
                return std::move(current).err();
            }
            if (!current.value()) {
                return make_error(errc::not_found, "no such document");
            }
            if (!condition.holds(current.value())) {
                return make_error(errc::precondition_failed, "the document's entity tag does not match");
            }
            statement_use use(conn.delete_document.get());
            bind_key(use.get(), key);
            if (sqlite3_step(use.get()) != SQLITE_DONE) {
                return sqlite_error(conn.db, "deleting document");
            }
            return true;
        });
        if (!outcome) {
            return std::move(outcome).err();
        }
        return {};
    }

    result<std::vector<std::string>> list(std::string_view auid, std::string_view xui) const override {
        auto c = acquire();
        if (!c) {
            return std::move(c).err();
        }
        auto& conn = *c.value();
        result<std::vector<std::string>> out = std::vector<std::string>{};
        {
            statement_use use(conn.list_documents.get());
            bind_text(use.get(), 1, auid);
            bind_text(use.get(), 2, xui);
            int rc;
            while ((rc = sqlite3_step(use.get())) == SQLITE_ROW) {
                out->push_back(column_text(use.get(), 0));
            }
            if (rc != SQLITE_DONE) {
                out = sqlite_error(conn.db, "listing documents");
            }
        }
        release(std::move(c).value());
        return out;
    }

    result<std::vector<std::string>> list_users(std::string_view auid) const override {
        auto c = acquire();
        if (!c) {
            return std::move(c).err();
        }
        auto& conn = *c.value();
        result<std::vector<std::string>> out = std::vector<std::string>{};
        {
            statement_use use(conn.list_users.get());
            bind_text(use.get(), 1, auid);
            int rc;
            while ((rc = sqlite3_step(use.get())) == SQLITE_ROW) {
                out->push_back(column_text(use.get(), 0));
            }
            if (rc != SQLITE_DONE) {
                out = sqlite_error(conn.db, "listing users");
            }
        }
        release(std::move(c).value());
        return out;
    }

    result<void> write_all(const std::vector<document_write>& writes) override {
        if (writes.empty()) {
            return {};
        }
        // Hash outside the transaction so the write lock is held only for the writes themselves.
        std::vector<std::string> etags(writes.size());
        for (std::size_t i = 0; i < writes.size(); ++i) {
            if (writes[i].content) {
                etags[i] = entity_tag_of(*writes[i].content);
            }
        }
        auto updated_at = now_millis();
        return in_transaction([&](connection& conn) -> result<void> {
            for (std::size_t i = 0; i < writes.size(); ++i) {
                const auto& w = writes[i];
                if (w.content) {
                    statement_use use(conn.upsert_document.get());
                    bind_key(use.get(), w.key);
                    // An empty std::string's data() is never null, so empty content binds as an empty blob, not NULL.
                    if (sqlite3_bind_blob64(use.get(), 4, w.content->data(), w.content->size(), SQLITE_STATIC) !=
                        SQLITE_OK) {
                        return sqlite_error(conn.db, "writing document " + w.key.name);
                    }
                    bind_text(use.get(), 5, etags[i]);
                    sqlite3_bind_int64(use.get(), 6, updated_at);
                    if (sqlite3_step(use.get()) != SQLITE_DONE) {
                        return sqlite_error(conn.db, "writing document " + w.key.name);
                    }
                } else {
                    statement_use use(conn.delete_document.get());
                    bind_key(use.get(), w.key);
                    if (sqlite3_step(use.get()) != SQLITE_DONE) {
                        return sqlite_error(conn.db, "deleting document " + w.key.name);
                    }
                }
            }
            return {};
        });
    }

    std::int64_t schema_version() const override { return version_; }

private:
    result<std::unique_ptr<connection>> connect() const {
        auto conn = std::make_unique<connection>();
        int rc = sqlite3_open_v2(path_.c_str(), &conn->db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
        if (rc != SQLITE_OK) {
            return sqlite_error(conn->db, "opening " + path_.string());
        }
        sqlite3_busy_timeout(conn->db, 5000);
        for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
            if (sqlite3_exec(conn->db, pragma, nullptr, nullptr, nullptr) != SQLITE_OK) {
                return sqlite_error(conn->db, pragma);
            }
        }
        return conn;
    }

    result<void> prepare(connection& conn) const {
        struct {
            statement* target;
            const char* sql;
        } const statements[] = {
            {&conn.select_document,
             "SELECT content, etag, updated_at FROM documents WHERE auid = ?1 AND xui = ?2 AND name = ?3"},
            {&conn.select_etag, "SELECT etag FROM documents WHERE auid = ?1 AND xui = ?2 AND name = ?3"},
            {&conn.upsert_document,
             "INSERT INTO documents (auid, xui, name, content, etag, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
             "ON CONFLICT (auid, xui, name) DO UPDATE SET content = excluded.content, etag = excluded.etag, "
             "updated_at = excluded.updated_at"},
            {&conn.delete_document, "DELETE FROM documents WHERE auid = ?1 AND xui = ?2 AND name = ?3"},
            {&conn.list_documents, "SELECT name FROM documents WHERE auid = ?1 AND xui = ?2 ORDER BY name"},
            // Served by the primary key's (auid, xui) prefix: no separate index needed.
            {&conn.list_users, "SELECT DISTINCT xui FROM documents WHERE auid = ?1 ORDER BY xui"},
        };
        for (const auto& s : statements) {
            sqlite3_stmt* raw = nullptr;
            if (sqlite3_prepare_v3(conn.db, s.sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK) {
                return sqlite_error(conn.db, "preparing statement");
            }
            s.target->reset(raw);
        }
        return {};
    }

    // Brings the file to the latest schema, one version per transaction. The version is read inside the write
    // transaction, so two processes opening a new file at once cannot both apply the same migration.
    result<void> migrate(connection& conn) {
        for (;;) {
            if (sqlite3_exec(conn.db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
                return sqlite_error(conn.db, "starting migration");
            }
            auto version = user_version(conn);
            if (!version || version.value() >= latest_version) {
                sqlite3_exec(conn.db, "ROLLBACK", nullptr, nullptr, nullptr);
                if (!version) {
                    return std::move(version).err();
                }
                if (version.value() > latest_version) {
                    return make_error(errc::io, path_.string() + " is at schema version " +
                                                    std::to_string(version.value()) +
                                                    ", newer than this build understands (" +
                                                    std::to_string(latest_version) + ")");
                }
                version_ = version.value();
                return prepare(conn);
            }
            auto next = version.value() + 1;
            auto sql = std::string(migrations[version.value()]) + "PRAGMA user_version = " + std::to_string(next) +
                       ";COMMIT;";
            char* message = nullptr;
            if (sqlite3_exec(conn.db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
                std::string text = message ? message : "unknown error";
                sqlite3_free(message);
                sqlite3_exec(conn.db, "ROLLBACK", nullptr, nullptr, nullptr);
                return make_error(errc::io,
                                  "migrating " + path_.string() + " to version " + std::to_string(next) + ": " + text);
            }
            support::logger("store")->info("{}: migrated schema to version {}", path_.string(), next);
        }
    }

    static result<std::int64_t> user_version(connection& conn) {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v2(conn.db, "PRAGMA user_version", -1, &raw, nullptr) != SQLITE_OK) {
            return sqlite_error(conn.db, "reading schema version");
        }
        statement s(raw);
        if (sqlite3_step(raw) != SQLITE_ROW) {
            return sqlite_error(conn.db, "reading schema version");
        }
        return sqlite3_column_int64(raw, 0);
    }

    result<std::optional<std::string>> current_etag(connection& conn, const document_key& key) const {
        statement_use use(conn.select_etag.get());
        bind_key(use.get(), key);
        int rc = sqlite3_step(use.get());
        if (rc == SQLITE_ROW) {
            return std::optional<std::string>(column_text(use.get(), 0));
        }
        if (rc != SQLITE_DONE) {
            return sqlite_error(conn.db, "reading entity tag");
        }
        return std::optional<std::string>();
    }

    template <class F> auto in_transaction(F&& body) -> decltype(body(std::declval<connection&>())) {
        auto c = acquire();
        if (!c) {
            return std::move(c).err();
        }
        auto& conn = *c.value();
        if (sqlite3_exec(conn.db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
            auto e = sqlite_error(conn.db, "starting transaction");
            release(std::move(c).value());
            return e;
        }
        auto out = body(conn);
        if (out) {
            if (sqlite3_exec(conn.db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
                out = sqlite_error(conn.db, "committing");
                sqlite3_exec(conn.db, "ROLLBACK", nullptr, nullptr, nullptr);
            }
        } else {
            // May fail harmlessly when SQLite already rolled back on its own (e.g. SQLITE_FULL, SQLITE_IOERR).
            sqlite3_exec(conn.db, "ROLLBACK", nullptr, nullptr, nullptr);
        }
        // Only a connection back in autocommit mode goes back to the pool; one still inside a transaction (a
        // ROLLBACK that failed) is closed, which rolls the transaction back and releases its locks.
        if (sqlite3_get_autocommit(conn.db)) {
            release(std::move(c).value());
        }
        return out;
    }

    result<std::unique_ptr<connection>> acquire() const {
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

    void release(std::unique_ptr<connection> c) const {
        std::lock_guard lock(mutex_);
        if (idle_.size() < max_idle_connections) {
            idle_.push_back(std::move(c));
        }
    }

    std::filesystem::path path_;
    std::int64_t version_ = 0;
    mutable std::mutex mutex_;
    mutable std::vector<std::unique_ptr<connection>> idle_;
};

} // namespace

std::string entity_tag_of(std::string_view content) {
    return "\"" + support::base64url_encode(support::sha256(content).substr(0, 18)) + "\"";
}

bool write_condition::holds(const std::optional<std::string>& current) const {
    if (if_match && (!current || !entity_tag_list_matches(*if_match, *current, false))) {
        return false;
    }
    if (if_none_match && current && entity_tag_list_matches(*if_none_match, *current, true)) {
        return false;
    }
    return true;
}

bool entity_tag_list_matches(std::string_view field_value, std::string_view etag, bool weak_comparison) {
    auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
            s.remove_prefix(1);
        }
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
            s.remove_suffix(1);
        }
        return s;
    };
    if (trim(field_value) == "*") {
        return true;
    }
    while (!field_value.empty()) {
        auto comma = field_value.find(',');
        auto tag = trim(field_value.substr(0, comma));
        field_value = comma == std::string_view::npos ? std::string_view() : field_value.substr(comma + 1);
        if (tag.starts_with("W/")) {
            if (!weak_comparison) {
                continue;
            }
            tag.remove_prefix(2);
        }
        if (tag == etag) {
            return true;
        }
    }
    return false;
}

result<std::unique_ptr<document_store>> create_sqlite_document_store(const std::filesystem::path& path) {
    auto store = std::make_unique<sqlite_document_store_impl>(path);
    if (auto opened = store->open(); !opened) {
        return std::move(opened).err();
    }
    return std::unique_ptr<document_store>(std::move(store));
}

} // namespace mcprov::store
