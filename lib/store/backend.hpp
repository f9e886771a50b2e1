#pragma once

// The part every backend shares: a document_store built on a backend's sessions. Private to the store module.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/store/document_store.hpp"

namespace mcprov::store::detail {

class change_counter;

// Milliseconds since the Unix epoch, as the tables keep time.
using epoch_millis = std::int64_t;

epoch_millis to_millis(std::chrono::system_clock::time_point t);
std::chrono::system_clock::time_point from_millis(epoch_millis ms);

// The primitive statements of one connection; inside backend::run(write) they all belong to one transaction.
class session {
public:
    virtual ~session() = default;
    virtual support::result<std::optional<stored_document>> select(const document_key& key) = 0;
    virtual support::result<std::optional<std::string>> select_etag(const document_key& key) = 0;
    virtual support::result<void> upsert(const document_key& key, std::string_view content, std::string_view etag,
                                         epoch_millis updated_at) = 0;
    // Whether a row was deleted.
    virtual support::result<bool> erase(const document_key& key) = 0;
    virtual support::result<std::vector<std::string>> select_names(std::string_view auid, std::string_view xui) = 0;
    virtual support::result<std::vector<std::string>> select_users(std::string_view auid) = 0;
    virtual support::result<std::vector<named_document>> select_documents(std::string_view auid,
                                                                          std::string_view xui) = 0;
    virtual support::result<std::vector<user_document>> select_all(std::string_view auid) = 0;
    // Takes or renews the lease when it is free, expired at `now`, or held by `holder`; whether it did.
    virtual support::result<bool> acquire_lease(std::string_view name, std::string_view holder, epoch_millis now,
                                                epoch_millis expires_at) = 0;
    virtual support::result<bool> release_lease(std::string_view name, std::string_view holder) = 0;
};

enum class access {
    read,  // no transaction: each statement sees committed data
    write, // one serialisable transaction, committed when the work succeeds and rolled back otherwise
    // A write that need not outlive a crash (a lease): as write, but the commit does not wait for the disk. A crash
    // may lose it; a lease lost that way only lets another process do the same work. It must change no document: it is
    // not counted as a change (change_counter), so other processes keep what they read.
    ephemeral_write,
};

using session_work = std::function<support::result<void>(session&)>;

class backend {
public:
    virtual ~backend() = default;
    // Runs `work` on one session. A write may run work again after a serialisation failure.
    virtual support::result<void> run(access mode, const session_work& work) = 0;
    virtual std::int64_t schema_version() const = 0;
    // The count of writes every process sharing the database sees, when the backend keeps one (SQLite).
    virtual change_counter* changes() { return nullptr; }
};

std::unique_ptr<document_store> make_document_store(std::unique_ptr<backend> backend,
                                                    std::shared_ptr<support::clock> clock);

support::result<std::unique_ptr<backend>> open_sqlite_backend(const std::filesystem::path& path);
std::unique_ptr<backend> open_memory_backend();
support::result<std::unique_ptr<backend>> open_postgresql_backend(std::string_view url);

} // namespace mcprov::store::detail
