#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/clock.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::support {
class metrics_registry;
}

namespace mcprov::store {

// Where a document lives in the XCAP tree: application usage, user (XUI) and document name.
struct document_key {
    std::string auid;
    std::string xui;
    std::string name;

    friend bool operator==(const document_key&, const document_key&) = default;
};

struct stored_document {
    std::string content;
    std::string etag; // strong entity tag, quoted, e.g. "\"3q2-7w\""
    std::chrono::system_clock::time_point updated_at;
};

// HTTP conditions for a write (RFC 9110 section 13.1): the If-Match and If-None-Match field values ("*" or a list
// of entity tags).
struct write_condition {
    std::optional<std::string> if_match{};
    std::optional<std::string> if_none_match{};

    // Whether the condition holds for the current entity tag (nullopt: no document).
    bool holds(const std::optional<std::string>& current) const;
};

// One change of a batch (document_store::write_all): content set = create or replace (unconditionally), nullopt =
// remove if present.
struct document_write {
    document_key key;
    std::optional<std::string> content;
};

struct put_outcome {
    std::string etag;
    bool created = false;
};

// A document of one user, with its name (document_store::list_documents).
struct named_document {
    std::string name;
    stored_document document;
};

// A document under an application usage, with its user and name (document_store::list_all).
struct user_document {
    std::string xui;
    std::string name;
    stored_document document;
};

// The reads and writes of one unit of work (document_store::transact). Valid only inside the work function. Absence
// is a value here (nullopt, false), not an error: a read-modify-write decides what to do about it.
class transaction {
public:
    virtual ~transaction() = default;

    virtual support::result<std::optional<stored_document>> get(const document_key& key) = 0;

    // The documents of one user under one application usage, by name, with their content.
    virtual support::result<std::vector<named_document>> list_documents(std::string_view auid,
                                                                        std::string_view xui) = 0;

    // precondition_failed when the condition does not hold (nothing is written).
    virtual support::result<put_outcome> put(const document_key& key, std::string_view content,
                                             const write_condition& condition = {}) = 0;

    // true when a document was removed, false when there was none; precondition_failed when the condition does not
    // hold.
    virtual support::result<bool> remove(const document_key& key, const write_condition& condition = {}) = 0;
};

// The work of one unit: its error rolls the whole unit back and is what transact returns.
using unit_of_work = std::function<support::result<void>(transaction&)>;

// The MC service user database's documents, and the other state processes share. Every write is one transaction: it
// happens whole or not at all. Implementations are thread-safe, and several processes may share one database (not the
// memory backend).
class document_store {
public:
    virtual ~document_store() = default;

    virtual support::result<stored_document> get(const document_key& key) const = 0;

    // precondition_failed when the condition does not hold; the stored document is then untouched.
    virtual support::result<put_outcome> put(const document_key& key, std::string_view content,
                                             const write_condition& condition) = 0;

    virtual support::result<void> remove(const document_key& key, const write_condition& condition) = 0;

    // The documents of one user under one application usage, by name.
    virtual support::result<std::vector<std::string>> list(std::string_view auid, std::string_view xui) const = 0;

    // The XUIs that have at least one document under an application usage, sorted.
    virtual support::result<std::vector<std::string>> list_users(std::string_view auid) const = 0;

    // Applies every change of the batch in one transaction: all of them or none (an error rolls the whole batch back).
    // Changes apply in order, so when a key occurs twice the later change wins. Entity tags are computed as put does.
    // Errors: io, storage_full.
    virtual support::result<void> write_all(const std::vector<document_write>& writes) = 0;

    // Runs `work` inside one transaction, serialisable against every other writer (other processes included), and
    // commits it when work succeeds; when work returns an error the transaction is rolled back and that error
    // returned. `work` may run more than once (PostgreSQL re-runs it after a serialisation failure), so it must have
    // no effect outside the transaction other than on its own locals. Errors: those of work, io, storage_full,
    // unavailable (the database cannot be reached), conflict (still failing to serialise after retries).
    virtual support::result<void> transact(const unit_of_work& work) = 0;

    // The documents of one user under one application usage, by name, with their content: one query.
    virtual support::result<std::vector<named_document>> list_documents(std::string_view auid,
                                                                        std::string_view xui) const = 0;

    // Every document under an application usage, ordered by XUI then name: one query.
    virtual support::result<std::vector<user_document>> list_all(std::string_view auid) const = 0;

    // Leases: a named right held by one holder until it expires (by the store's clock), so that one process of many
    // does a piece of work. true when `holder` now holds `name` for `ttl` from now: the lease was free, expired, or
    // already held by `holder` (then renewed); false when someone else holds it.
    virtual support::result<bool> try_acquire_lease(std::string_view name, std::string_view holder,
                                                    std::chrono::milliseconds ttl) = 0;

    // Gives the lease up if `holder` holds it (true); false when it does not (expired and taken, or never held).
    virtual support::result<bool> release_lease(std::string_view name, std::string_view holder) = 0;

    // The schema version the database is at (see docs/storage.md).
    virtual std::int64_t schema_version() const = 0;

    // How many get and list_documents calls were answered from memory and how many went to the database (SQLite's
    // reads kept in memory, docs/storage.md); nullopt for a store that keeps none.
    struct cached_read_counts {
        std::uint64_t hits = 0;
        std::uint64_t misses = 0;
    };
    virtual std::optional<cached_read_counts> cached_reads() const { return std::nullopt; }
};

// The strong entity tag of a document's bytes: the same bytes always give the same tag.
std::string entity_tag_of(std::string_view content);

// Whether an If-Match / If-None-Match field value ("*" or a comma-separated list of entity tags) matches `etag`
// (RFC 9110 section 8.8.3.2: weak comparison ignores a W/ prefix; strong comparison never matches a weak tag).
bool entity_tag_list_matches(std::string_view field_value, std::string_view etag, bool weak_comparison);

// Opens the store a URL names, creating and migrating its schema as needed:
//   sqlite:relative/path.db, sqlite:/abs/path.db, sqlite:///abs/path.db   a SQLite file (relative to base_dir)
//   relative/path.db, /abs/path.db                                       a plain path: SQLite, as above
//   memory:                                                              a fresh in-memory store (tests)
//   postgresql://user@host:port/db?..., postgres://...                   PostgreSQL, the URL handed to libpq
// The clock stamps updated_at and decides lease expiry. Errors: invalid_argument (an empty URL, an unknown scheme),
// io (cannot open, read-only, corrupt, newer schema), storage_full, unavailable (PostgreSQL cannot be reached).
// Error messages never carry a password from the URL.
support::result<std::shared_ptr<document_store>> open_store(std::string_view url, std::shared_ptr<support::clock> clock,
                                                            const std::filesystem::path& base_dir = {});

// Whether the store answers now (a server's readiness): a read of a document that never exists. Errors: those of the
// store (unavailable, io).
support::result<void> probe(const document_store& store);

// `inner` with every call timed and every failure of the store itself counted in `metrics`:
// mcprov_store_operation_seconds{operation} and mcprov_store_errors_total{operation,error} (docs/operations.md).
std::shared_ptr<document_store> measured(std::shared_ptr<document_store> inner,
                                         std::shared_ptr<support::metrics_registry> metrics);

// The URL with any password replaced by "***", for messages and logs.
std::string redact_url(std::string_view url);

// Opens (creating and migrating as needed) a SQLite database file; the clock defaults to the system clock.
support::result<std::unique_ptr<document_store>>
create_sqlite_document_store(const std::filesystem::path& path, std::shared_ptr<support::clock> clock = nullptr);

// A fresh, empty store in this process's memory: for tests. Transactions are serialised by a mutex.
std::unique_ptr<document_store> create_memory_document_store(std::shared_ptr<support::clock> clock = nullptr);

// Opens (creating and migrating as needed) a PostgreSQL database: `url` is a libpq connection URI or string.
support::result<std::unique_ptr<document_store>>
create_postgresql_document_store(std::string_view url, std::shared_ptr<support::clock> clock = nullptr);

} // namespace mcprov::store
