#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/result.hpp"

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

// The MC service user database's documents. Every write is one transaction: it happens whole or not at all.
// Implementations are thread-safe.
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
    // Errors: io.
    virtual support::result<void> write_all(const std::vector<document_write>& writes) = 0;

    // The schema version the database is at (see docs/storage.md).
    virtual std::int64_t schema_version() const = 0;
};

// The strong entity tag of a document's bytes: the same bytes always give the same tag.
std::string entity_tag_of(std::string_view content);

// Whether an If-Match / If-None-Match field value ("*" or a comma-separated list of entity tags) matches `etag`
// (RFC 9110 section 8.8.3.2: weak comparison ignores a W/ prefix; strong comparison never matches a weak tag).
bool entity_tag_list_matches(std::string_view field_value, std::string_view etag, bool weak_comparison);

// Opens (creating and migrating as needed) a SQLite database file.
support::result<std::unique_ptr<document_store>> create_sqlite_document_store(const std::filesystem::path& path);

} // namespace mcprov::store
