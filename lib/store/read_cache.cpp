#include "read_cache.hpp"

namespace mcprov::store::detail {
namespace {

// Each part with its length before it: no two keys of different parts read the same.
void append_part(std::string& k, std::string_view part) {
    k.append(std::to_string(part.size())).append(1, ':').append(part);
}

std::string document_entry(const document_key& key) {
    std::string k = "d";
    append_part(k, key.auid);
    append_part(k, key.xui);
    append_part(k, key.name);
    return k;
}

std::string listing_entry(std::string_view auid, std::string_view xui) {
    std::string k = "l";
    append_part(k, auid);
    append_part(k, xui);
    return k;
}

// What the map's node, the key's own allocation and the entry's value cost beside the bytes they hold.
constexpr std::size_t entry_overhead = 256;

std::size_t size_of(const stored_document& d) { return d.content.size() + d.etag.size() + sizeof(d); }

} // namespace

std::optional<read_cache::entry> read_cache::find(const std::string& key) {
    auto found = find_kept(key);
    (found ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
    return found;
}

std::optional<read_cache::entry> read_cache::find_kept(const std::string& key) {
    const auto now = changes_.settled();
    if (!now) {
        return std::nullopt;
    }
    std::shared_lock lock(mutex_);
    if (generation_ != *now) {
        return std::nullopt;
    }
    auto found = entries_.find(key);
    if (found == entries_.end()) {
        return std::nullopt;
    }
    return found->second;
}

std::optional<std::optional<stored_document>> read_cache::document(const document_key& key) {
    auto found = find(document_entry(key));
    if (!found) {
        return std::nullopt;
    }
    return std::get<std::optional<stored_document>>(std::move(*found));
}

std::optional<std::vector<named_document>> read_cache::documents(std::string_view auid, std::string_view xui) {
    auto found = find(listing_entry(auid, xui));
    if (!found) {
        return std::nullopt;
    }
    return std::get<std::vector<named_document>>(std::move(*found));
}

void read_cache::keep(std::uint64_t generation, const document_key& key,
                      const std::optional<stored_document>& document) {
    auto k = document_entry(key);
    const auto bytes = entry_overhead + k.size() + (document ? size_of(*document) : 0);
    keep(generation, std::move(k), document, bytes);
}

void read_cache::keep(std::uint64_t generation, std::string_view auid, std::string_view xui,
                      const std::vector<named_document>& documents) {
    auto k = listing_entry(auid, xui);
    auto bytes = entry_overhead + k.size();
    for (const auto& d : documents) {
        bytes += d.name.size() + size_of(d.document);
    }
    keep(generation, std::move(k), documents, bytes);
}

void read_cache::keep(std::uint64_t generation, std::string key, entry value, std::size_t bytes) {
    if (bytes > max_bytes_ / 16) {
        return; // one large answer does not push out the many small ones
    }
    std::unique_lock lock(mutex_);
    if (generation < generation_) {
        return;
    }
    if (generation > generation_ || bytes_ + bytes > max_bytes_) {
        entries_.clear();
        bytes_ = 0;
        generation_ = generation;
    }
    entries_.insert_or_assign(std::move(key), std::move(value));
    bytes_ += bytes; // a replaced entry is counted twice: the cache is emptied a little early

}

} // namespace mcprov::store::detail
