#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <libpq-fe.h>

#include "backend.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::store::detail {
namespace {

using support::errc;
using support::error;
using support::make_error;
using support::result;

// Each entry moves the schema one version forward; entry i brings the database to version i + 1. Never edit a
// released entry: add a new one. Keys collate as "C" so listings sort by bytes, as SQLite's do.
constexpr const char* migrations[] = {
    R"sql(
CREATE TABLE documents (
    auid       text COLLATE "C" NOT NULL,
    xui        text COLLATE "C" NOT NULL,
    name       text COLLATE "C" NOT NULL,
    content    bytea  NOT NULL,
    etag       text   NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (auid, xui, name)
);
CREATE TABLE leases (
    name       text COLLATE "C" NOT NULL PRIMARY KEY,
    holder     text   NOT NULL,
    expires_at bigint NOT NULL
);
)sql",
};
constexpr std::int64_t latest_version = std::size(migrations);

// pg_advisory_xact_lock key serialising migrations across processes: "mcprov" in ASCII.
constexpr const char* migration_lock = "SELECT pg_advisory_xact_lock(120325675413366)";

constexpr std::size_t max_idle_connections = 8;
// A write transaction that keeps failing to serialise is run this many times in all before conflict is returned.
constexpr int max_attempts = 40;

constexpr Oid text_oid = 25;
constexpr Oid bytea_oid = 17;
constexpr Oid int8_oid = 20;

struct prepared_statement {
    const char* name;
    const char* sql;
    std::vector<Oid> types;
};

// Prepared once per connection. Parameters and results travel in binary: text and bytea as their bytes, bigint as
// 8 bytes in network order.
const prepared_statement statements[] = {
    {"select_document",
     "SELECT content, etag, updated_at FROM documents WHERE auid = $1 AND xui = $2 AND name = $3",
     {text_oid, text_oid, text_oid}},
    {"select_etag",
     "SELECT etag FROM documents WHERE auid = $1 AND xui = $2 AND name = $3",
     {text_oid, text_oid, text_oid}},
    {"upsert_document",
     "INSERT INTO documents (auid, xui, name, content, etag, updated_at) VALUES ($1, $2, $3, $4, $5, $6) "
     "ON CONFLICT (auid, xui, name) DO UPDATE SET content = EXCLUDED.content, etag = EXCLUDED.etag, "
     "updated_at = EXCLUDED.updated_at",
     {text_oid, text_oid, text_oid, bytea_oid, text_oid, int8_oid}},
    {"delete_document",
     "DELETE FROM documents WHERE auid = $1 AND xui = $2 AND name = $3",
     {text_oid, text_oid, text_oid}},
    {"list_names", "SELECT name FROM documents WHERE auid = $1 AND xui = $2 ORDER BY name", {text_oid, text_oid}},
    {"list_users", "SELECT DISTINCT xui FROM documents WHERE auid = $1 ORDER BY xui", {text_oid}},
    {"list_documents",
     "SELECT name, content, etag, updated_at FROM documents WHERE auid = $1 AND xui = $2 ORDER BY name",
     {text_oid, text_oid}},
    {"list_all",
     "SELECT xui, name, content, etag, updated_at FROM documents WHERE auid = $1 ORDER BY xui, name",
     {text_oid}},
    {"acquire_lease",
     "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $4) "
     "ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at "
     "WHERE leases.holder = EXCLUDED.holder OR leases.expires_at <= $3 RETURNING 1",
     {text_oid, text_oid, int8_oid, int8_oid}},
    {"release_lease", "DELETE FROM leases WHERE name = $1 AND holder = $2", {text_oid, text_oid}},
};

struct result_deleter {
    void operator()(PGresult* r) const { PQclear(r); }
};
using pg_result = std::unique_ptr<PGresult, result_deleter>;

struct connection_deleter {
    void operator()(PGconn* c) const { PQfinish(c); }
};
using pg_connection = std::unique_ptr<PGconn, connection_deleter>;

std::string int8_bytes(std::int64_t v) {
    std::string out(8, '\0');
    auto u = static_cast<std::uint64_t>(v);
    for (int i = 7; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = static_cast<char>(u & 0xff);
        u >>= 8;
    }
    return out;
}

std::int64_t int8_value(const PGresult* r, int row, int column) {
    const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(r, row, column));
    if (PQgetlength(r, row, column) != 8) {
        return 0;
    }
    std::uint64_t u = 0;
    for (int i = 0; i < 8; ++i) {
        u = (u << 8) | p[i];
    }
    return static_cast<std::int64_t>(u);
}

std::string bytes_value(const PGresult* r, int row, int column) {
    return std::string(PQgetvalue(r, row, column), static_cast<std::size_t>(PQgetlength(r, row, column)));
}

stored_document document_value(const PGresult* r, int row, int first) {
    return stored_document{bytes_value(r, row, first), bytes_value(r, row, first + 1),
                           from_millis(int8_value(r, row, first + 2))};
}

std::string trimmed(const char* message) {
    std::string s = message ? message : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
        s.pop_back();
    }
    return s;
}

bool is_serialisation_failure(std::string_view sqlstate) {
    return sqlstate == "40001" || sqlstate == "40P01";
}

// What a failed statement means, naming the database (its URL without password).
error pg_error(PGconn* conn, const PGresult* r, const std::string& database, const std::string& what) {
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = state ? state : "";
    std::string text = trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(conn));
    if (text.empty()) {
        text = trimmed(PQerrorMessage(conn));
    }
    if (sqlstate == "53100") {
        return make_error(errc::storage_full, database + ": " + what +
                                                  ": the database server's disk is full; free space and retry (" +
                                                  text + ")");
    }
    if (PQstatus(conn) != CONNECTION_OK || sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
        sqlstate == "57P03") {
        return make_error(errc::unavailable, database + ": " + what + ": the connection failed: " + text);
    }
    if (is_serialisation_failure(sqlstate)) {
        return make_error(errc::conflict, database + ": " + what + ": " + text);
    }
    return make_error(errc::io, database + ": " + what + ": " + text +
                                    (sqlstate.empty() ? std::string() : " (SQLSTATE " + sqlstate + ")"));
}

void quiet_notices(void*, const char*) {}

// The passwords a URL carries (user:password@ and password=...), so that no message repeats one.
std::vector<std::string> secrets_of(std::string_view url) {
    std::vector<std::string> out;
    auto redacted = redact_url(url);
    // Where redact_url put "***", the original had a secret: walk both strings side by side.
    std::size_t u = 0;
    for (std::size_t r = 0; r < redacted.size() && u < url.size();) {
        if (redacted.compare(r, 3, "***") == 0 && url.compare(u, 3, "***") != 0) {
            auto end = url.find_first_of("@& ", u);
            if (end == std::string_view::npos) {
                end = url.size();
            }
            if (end > u) {
                out.emplace_back(url.substr(u, end - u));
            }
            u = end;
            r += 3;
            continue;
        }
        ++u;
        ++r;
    }
    return out;
}

std::string scrubbed(std::string text, const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        for (std::size_t at; (at = text.find(secret)) != std::string::npos;) {
            text.replace(at, secret.size(), "***");
        }
    }
    return text;
}

class pg_session final : public session {
public:
    pg_session(PGconn* conn, const std::string& database) : conn_(conn), database_(database) {}

    // Whether a statement failed because the transaction could not be serialised: run it all again.
    bool must_retry() const { return retry_; }
    // Whether any statement failed: the transaction is aborted and cannot commit.
    const std::optional<error>& failure() const { return failure_; }

    result<std::optional<stored_document>> select(const document_key& key) override {
        auto r = exec("select_document", {key.auid, key.xui, key.name}, "reading document " + key.name);
        if (!r) {
            return std::move(r).err();
        }
        if (PQntuples(r->get()) == 0) {
            return std::optional<stored_document>();
        }
        return std::optional(document_value(r->get(), 0, 0));
    }

    result<std::optional<std::string>> select_etag(const document_key& key) override {
        auto r = exec("select_etag", {key.auid, key.xui, key.name}, "reading entity tag of " + key.name);
        if (!r) {
            return std::move(r).err();
        }
        if (PQntuples(r->get()) == 0) {
            return std::optional<std::string>();
        }
        return std::optional(bytes_value(r->get(), 0, 0));
    }

    result<void> upsert(const document_key& key, std::string_view content, std::string_view etag,
                        epoch_millis updated_at) override {
        auto at = int8_bytes(updated_at);
        auto r =
            exec("upsert_document", {key.auid, key.xui, key.name, content, etag, at}, "writing document " + key.name);
        if (!r) {
            return std::move(r).err();
        }
        return {};
    }

    result<bool> erase(const document_key& key) override {
        auto r = exec("delete_document", {key.auid, key.xui, key.name}, "deleting document " + key.name);
        if (!r) {
            return std::move(r).err();
        }
        return std::strcmp(PQcmdTuples(r->get()), "0") != 0;
    }

    result<std::vector<std::string>> select_names(std::string_view auid, std::string_view xui) override {
        return rows<std::string>("list_names", {auid, xui},
                                 [](const PGresult* r, int i) { return bytes_value(r, i, 0); });
    }

    result<std::vector<std::string>> select_users(std::string_view auid) override {
        return rows<std::string>("list_users", {auid}, [](const PGresult* r, int i) { return bytes_value(r, i, 0); });
    }

    result<std::vector<named_document>> select_documents(std::string_view auid, std::string_view xui) override {
        return rows<named_document>("list_documents", {auid, xui}, [](const PGresult* r, int i) {
            return named_document{bytes_value(r, i, 0), document_value(r, i, 1)};
        });
    }

    result<std::vector<user_document>> select_all(std::string_view auid) override {
        return rows<user_document>("list_all", {auid}, [](const PGresult* r, int i) {
            return user_document{bytes_value(r, i, 0), bytes_value(r, i, 1), document_value(r, i, 2)};
        });
    }

    result<bool> acquire_lease(std::string_view name, std::string_view holder, epoch_millis now,
                               epoch_millis expires_at) override {
        auto n = int8_bytes(now);
        auto e = int8_bytes(expires_at);
        auto r = exec("acquire_lease", {name, holder, n, e}, "taking lease " + std::string(name));
        if (!r) {
            return std::move(r).err();
        }
        return PQntuples(r->get()) > 0;
    }

    result<bool> release_lease(std::string_view name, std::string_view holder) override {
        auto r = exec("release_lease", {name, holder}, "releasing lease " + std::string(name));
        if (!r) {
            return std::move(r).err();
        }
        return std::strcmp(PQcmdTuples(r->get()), "0") != 0;
    }

private:
    result<pg_result> exec(const char* statement, std::initializer_list<std::string_view> params,
                           const std::string& what) {
        std::vector<const char*> values;
        std::vector<int> lengths;
        std::vector<int> formats(params.size(), 1);
        for (auto p : params) {
            values.push_back(p.data() ? p.data() : "");
            lengths.push_back(static_cast<int>(p.size()));
        }
        pg_result r(PQexecPrepared(conn_, statement, static_cast<int>(params.size()), values.data(), lengths.data(),
                                   formats.data(), 1));
        auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
            return r;
        }
        const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
        if (state && is_serialisation_failure(state)) {
            retry_ = true;
        }
        auto e = pg_error(conn_, r.get(), database_, what);
        failure_ = e;
        return e;
    }

    template <class T, class Row>
    result<std::vector<T>> rows(const char* statement, std::initializer_list<std::string_view> params, Row row) {
        auto r = exec(statement, params, "listing documents");
        if (!r) {
            return std::move(r).err();
        }
        std::vector<T> out;
        const int n = PQntuples(r->get());
        out.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
            out.push_back(row(r->get(), i));
        }
        return out;
    }

    PGconn* conn_;
    const std::string& database_;
    bool retry_ = false;
    std::optional<error> failure_;
};

class pg_backend final : public backend {
public:
    explicit pg_backend(std::string url) : url_(std::move(url)), database_(redact_url(url_)) {}

    result<void> open() {
        auto c = connect();
        if (!c) {
            return std::move(c).err();
        }
        if (auto migrated = migrate(c->get()); !migrated) {
            return migrated;
        }
        if (auto prepared = prepare(c->get()); !prepared) {
            return prepared;
        }
        release(std::move(c).value());
        return {};
    }

    result<void> run(access mode, const session_work& work) override {
        if (mode == access::read) {
            auto c = acquire();
            if (!c) {
                return std::move(c).err();
            }
            pg_session s(c->get(), database_);
            auto out = work(s);
            release(std::move(c).value());
            return out;
        }
        thread_local std::minstd_rand jitter{std::random_device{}()};
        for (int attempt = 1;; ++attempt) {
            auto c = acquire();
            if (!c) {
                return std::move(c).err();
            }
            PGconn* conn = c->get();
            if (auto begun = simple(conn, "BEGIN ISOLATION LEVEL SERIALIZABLE", "starting transaction"); !begun) {
                release(std::move(c).value());
                return begun;
            }
            if (mode == access::ephemeral_write) {
                if (auto set = simple(conn, "SET LOCAL synchronous_commit TO OFF", "starting transaction"); !set) {
                    (void)simple(conn, "ROLLBACK", "rolling back");
                    release(std::move(c).value());
                    return set;
                }
            }
            pg_session s(conn, database_);
            auto out = work(s);
            if (out && s.failure()) {
                // The work went on past a failed statement: the transaction is aborted and must not look committed.
                out = *s.failure();
            }
            bool retry = s.must_retry();
            if (out) {
                pg_result r(PQexec(conn, "COMMIT"));
                if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
                    const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
                    retry = state && is_serialisation_failure(state);
                    out = pg_error(conn, r.get(), database_, "committing");
                } else if (std::strcmp(PQcmdStatus(r.get()), "ROLLBACK") == 0) {
                    out = make_error(errc::io, database_ + ": committing: the transaction was rolled back");
                }
            } else {
                pg_result r(PQexec(conn, "ROLLBACK"));
            }
            release(std::move(c).value());
            if (out || !retry) {
                return out;
            }
            if (attempt >= max_attempts) {
                return make_error(errc::conflict, database_ + ": the transaction could not be serialised after " +
                                                      std::to_string(max_attempts) + " attempts; try again");
            }
            // Spread the retries of writers that collided, so they do not collide again.
            const int cap = std::min(1 << std::min(attempt, 6), 50);
            std::this_thread::sleep_for(std::chrono::microseconds(jitter() % (cap * 1000)));
        }
    }

    std::int64_t schema_version() const override { return version_; }

private:
    result<pg_connection> connect() const {
        pg_connection conn(PQconnectdb(url_.c_str()));
        if (!conn) {
            return make_error(errc::unavailable, database_ + ": cannot connect: out of memory");
        }
        if (PQstatus(conn.get()) != CONNECTION_OK) {
            return make_error(errc::unavailable, database_ + ": cannot connect: " +
                                                     scrubbed(trimmed(PQerrorMessage(conn.get())), secrets_of(url_)));
        }
        PQsetNoticeProcessor(conn.get(), quiet_notices, nullptr);
        return conn;
    }

    result<void> simple(PGconn* conn, const char* sql, const std::string& what) const {
        pg_result r(PQexec(conn, sql));
        auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            return pg_error(conn, r.get(), database_, what);
        }
        return {};
    }

    result<void> prepare(PGconn* conn) const {
        for (const auto& s : statements) {
            pg_result r(PQprepare(conn, s.name, s.sql, static_cast<int>(s.types.size()), s.types.data()));
            if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
                return pg_error(conn, r.get(), database_, std::string("preparing ") + s.name);
            }
        }
        return {};
    }

    // Brings the database to the latest schema, one version per transaction, each holding a transaction-scoped
    // advisory lock so that processes starting together apply every migration exactly once.
    result<void> migrate(PGconn* conn) {
        for (;;) {
            auto step = [&]() -> result<bool> {
                if (auto ok = simple(conn, "BEGIN", "starting migration"); !ok) {
                    return std::move(ok).err();
                }
                if (auto ok = simple(conn, migration_lock, "locking for migration"); !ok) {
                    return std::move(ok).err();
                }
                if (auto ok = simple(conn,
                                     "CREATE TABLE IF NOT EXISTS mcprov_schema (version bigint NOT NULL);"
                                     "INSERT INTO mcprov_schema (version) SELECT 0 WHERE NOT EXISTS "
                                     "(SELECT 1 FROM mcprov_schema)",
                                     "reading schema version");
                    !ok) {
                    return std::move(ok).err();
                }
                pg_result r(PQexec(conn, "SELECT max(version) FROM mcprov_schema"));
                if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1) {
                    return pg_error(conn, r.get(), database_, "reading schema version");
                }
                const std::int64_t version = std::stoll(PQgetvalue(r.get(), 0, 0));
                if (version > latest_version) {
                    return make_error(errc::io, database_ + " is at schema version " + std::to_string(version) +
                                                    ", newer than this build understands (" +
                                                    std::to_string(latest_version) + ")");
                }
                if (version == latest_version) {
                    version_ = version;
                    if (auto ok = simple(conn, "COMMIT", "committing"); !ok) {
                        return std::move(ok).err();
                    }
                    return true;
                }
                const auto next = version + 1;
                auto sql = std::string(migrations[version]) +
                           "UPDATE mcprov_schema SET version = " + std::to_string(next) + ";COMMIT;";
                if (auto ok = simple(conn, sql.c_str(), "migrating to version " + std::to_string(next)); !ok) {
                    return std::move(ok).err();
                }
                support::logger("store")->info("{}: migrated schema to version {}", database_, next);
                return false;
            };
            auto done = step();
            if (!done) {
                pg_result r(PQexec(conn, "ROLLBACK"));
                return std::move(done).err();
            }
            if (done.value()) {
                return {};
            }
        }
    }

    result<pg_connection> acquire() {
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
        if (auto prepared = prepare(c->get()); !prepared) {
            return std::move(prepared).err();
        }
        return c;
    }

    // Only a healthy connection outside a transaction goes back to the pool.
    void release(pg_connection c) {
        if (PQstatus(c.get()) != CONNECTION_OK || PQtransactionStatus(c.get()) != PQTRANS_IDLE) {
            return;
        }
        std::lock_guard lock(mutex_);
        if (idle_.size() < max_idle_connections) {
            idle_.push_back(std::move(c));
        }
    }

    std::string url_;
    std::string database_;
    std::int64_t version_ = 0;
    std::mutex mutex_;
    std::vector<pg_connection> idle_;
};

} // namespace

result<std::unique_ptr<backend>> open_postgresql_backend(std::string_view url) {
    auto b = std::make_unique<pg_backend>(std::string(url));
    if (auto opened = b->open(); !opened) {
        return std::move(opened).err();
    }
    return std::unique_ptr<backend>(std::move(b));
}

} // namespace mcprov::store::detail
