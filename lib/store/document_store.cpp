#include <algorithm>
#include <cctype>

#include "backend.hpp"
#include "read_cache.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::store {
namespace detail {
namespace {

using support::errc;
using support::make_error;
using support::result;

class transaction_impl final : public transaction {
public:
    transaction_impl(session& s, epoch_millis now) : s_(s), now_(now) {}

    result<std::optional<stored_document>> get(const document_key& key) override { return s_.select(key); }

    result<std::vector<named_document>> list_documents(std::string_view auid, std::string_view xui) override {
        return s_.select_documents(auid, xui);
    }

    result<put_outcome> put(const document_key& key, std::string_view content,
                            const write_condition& condition) override {
        auto current = s_.select_etag(key);
        if (!current) {
            return std::move(current).err();
        }
        if (!condition.holds(current.value())) {
            return make_error(errc::precondition_failed, "the document's entity tag does not match");
        }
        auto etag = entity_tag_of(content);
        if (auto written = s_.upsert(key, content, etag, now_); !written) {
            return std::move(written).err();
        }
        return put_outcome{std::move(etag), !current.value().has_value()};
    }

    result<bool> remove(const document_key& key, const write_condition& condition) override {
        auto current = s_.select_etag(key);
        if (!current) {
            return std::move(current).err();
        }
        if (!condition.holds(current.value())) {
            return make_error(errc::precondition_failed, "the document's entity tag does not match");
        }
        if (!current.value()) {
            return false;
        }
        return s_.erase(key);
    }

private:
    session& s_;
    epoch_millis now_;
};

class document_store_impl final : public document_store {
public:
    document_store_impl(std::unique_ptr<backend> b, std::shared_ptr<support::clock> clock)
        : backend_(std::move(b)), clock_(clock ? std::move(clock) : support::create_system_clock()) {
        if (auto* changes = backend_->changes()) {
            cache_ = std::make_unique<read_cache>(*changes, read_cache_bytes);
        }
    }

    result<stored_document> get(const document_key& key) const override {
        std::optional<stored_document> out;
        if (auto kept = cache_ ? cache_->document(key) : std::nullopt) {
            out = std::move(*kept);
        } else {
            const auto generation = cache_ ? cache_->generation() : std::nullopt;
            auto got = read([&](session& s) { return s.select(key); });
            if (!got) {
                return std::move(got).err();
            }
            out = std::move(got).value();
            if (generation) {
                cache_->keep(*generation, key, out);
            }
        }
        if (!out) {
            return make_error(errc::not_found, "no such document");
        }
        return std::move(*out);
    }

    result<put_outcome> put(const document_key& key, std::string_view content,
                            const write_condition& condition) override {
        put_outcome out;
        auto done = transact([&](transaction& tx) -> result<void> {
            auto put = tx.put(key, content, condition);
            if (!put) {
                return std::move(put).err();
            }
            out = std::move(put).value();
            return {};
        });
        if (!done) {
            return std::move(done).err();
        }
        return out;
    }

    result<void> remove(const document_key& key, const write_condition& condition) override {
        return transact([&](transaction& tx) -> result<void> {
            auto removed = tx.remove(key, condition);
            if (!removed) {
                return std::move(removed).err();
            }
            if (!removed.value()) {
                return make_error(errc::not_found, "no such document");
            }
            return {};
        });
    }

    result<std::vector<std::string>> list(std::string_view auid, std::string_view xui) const override {
        return read([&](session& s) { return s.select_names(auid, xui); });
    }

    result<std::vector<std::string>> list_users(std::string_view auid) const override {
        return read([&](session& s) { return s.select_users(auid); });
    }

    result<std::vector<named_document>> list_documents(std::string_view auid, std::string_view xui) const override {
        if (!cache_) {
            return read([&](session& s) { return s.select_documents(auid, xui); });
        }
        if (auto kept = cache_->documents(auid, xui)) {
            return std::move(*kept);
        }
        const auto generation = cache_->generation();
        auto got = read([&](session& s) { return s.select_documents(auid, xui); });
        if (got && generation) {
            cache_->keep(*generation, auid, xui, *got);
        }
        return got;
    }

    result<std::vector<user_document>> list_all(std::string_view auid) const override {
        return read([&](session& s) { return s.select_all(auid); });
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
        const auto now = to_millis(clock_->now());
        return backend_->run(access::write, [&](session& s) -> result<void> {
            for (std::size_t i = 0; i < writes.size(); ++i) {
                const auto& w = writes[i];
                if (w.content) {
                    if (auto written = s.upsert(w.key, *w.content, etags[i], now); !written) {
                        return written;
                    }
                } else if (auto erased = s.erase(w.key); !erased) {
                    return std::move(erased).err();
                }
            }
            return {};
        });
    }

    result<void> transact(const unit_of_work& work) override {
        return backend_->run(access::write, [&](session& s) -> result<void> {
            transaction_impl tx(s, to_millis(clock_->now()));
            return work(tx);
        });
    }

    result<bool> try_acquire_lease(std::string_view name, std::string_view holder,
                                   std::chrono::milliseconds ttl) override {
        if (name.empty() || holder.empty() || ttl.count() <= 0) {
            return make_error(errc::invalid_argument, "a lease needs a name, a holder and a positive duration");
        }
        bool acquired = false;
        auto ran = backend_->run(access::ephemeral_write, [&](session& s) -> result<void> {
            const auto now = to_millis(clock_->now());
            auto got = s.acquire_lease(name, holder, now, now + ttl.count());
            if (!got) {
                return std::move(got).err();
            }
            acquired = got.value();
            return {};
        });
        if (!ran) {
            return std::move(ran).err();
        }
        return acquired;
    }

    result<bool> release_lease(std::string_view name, std::string_view holder) override {
        bool released = false;
        auto ran = backend_->run(access::ephemeral_write, [&](session& s) -> result<void> {
            auto gone = s.release_lease(name, holder);
            if (!gone) {
                return std::move(gone).err();
            }
            released = gone.value();
            return {};
        });
        if (!ran) {
            return std::move(ran).err();
        }
        return released;
    }

    std::int64_t schema_version() const override { return backend_->schema_version(); }

private:
    template <class F> auto read(F&& query) const -> decltype(query(std::declval<session&>())) {
        using value_type = std::remove_cvref_t<decltype(query(std::declval<session&>()).value())>;
        value_type out{};
        auto ran = backend_->run(access::read, [&](session& s) -> result<void> {
            auto got = query(s);
            if (!got) {
                return std::move(got).err();
            }
            out = std::move(got).value();
            return {};
        });
        if (!ran) {
            return std::move(ran).err();
        }
        return out;
    }

    std::optional<cached_read_counts> cached_reads() const override {
        if (!cache_) {
            return std::nullopt;
        }
        return cached_read_counts{cache_->hits(), cache_->misses()};
    }

    // Enough for the profiles of the users a server is busy with; emptied whenever the database is written.
    static constexpr std::size_t read_cache_bytes = 16 << 20;

    std::unique_ptr<backend> backend_;
    std::shared_ptr<support::clock> clock_;
    std::unique_ptr<read_cache> cache_; // SQLite only: PostgreSQL's writers may be on other hosts
};

} // namespace

bool starts_with_icase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           });
}

std::filesystem::path resolve(std::string_view path, const std::filesystem::path& base_dir) {
    std::filesystem::path p{std::string(path)};
    return p.is_absolute() || base_dir.empty() ? p : base_dir / p;
}

epoch_millis to_millis(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point from_millis(epoch_millis ms) {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

std::unique_ptr<document_store> make_document_store(std::unique_ptr<backend> b, std::shared_ptr<support::clock> clock) {
    return std::make_unique<document_store_impl>(std::move(b), std::move(clock));
}

} // namespace detail

using detail::resolve;
using detail::starts_with_icase;
using support::errc;
using support::make_error;
using support::result;

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

result<void> probe(const document_store& store) {
    auto read = store.get({"mcprov.probe", "", "readiness"});
    if (read || read.err().code == errc::not_found) {
        return {};
    }
    return std::move(read).err();
}

std::string redact_url(std::string_view url) {
    std::string out(url);
    // user:password@ in the authority of a URI.
    if (auto scheme_end = out.find("://"); scheme_end != std::string::npos) {
        auto authority_begin = scheme_end + 3;
        auto authority_end = out.find_first_of("/?#", authority_begin);
        if (authority_end == std::string::npos) {
            authority_end = out.size();
        }
        auto at = out.rfind('@', authority_end);
        if (at != std::string::npos && at >= authority_begin) {
            auto colon = out.find(':', authority_begin);
            if (colon != std::string::npos && colon < at) {
                out.replace(colon + 1, at - colon - 1, "***");
            }
        }
    }
    // password=... as a URI query parameter or a key=value connection string entry.
    for (std::size_t pos = 0; (pos = out.find("password=", pos)) != std::string::npos;) {
        if (pos > 0 && out[pos - 1] != '?' && out[pos - 1] != '&' && out[pos - 1] != ' ') {
            pos += 9;
            continue;
        }
        auto value_begin = pos + 9;
        auto value_end = out.find_first_of("& ", value_begin);
        if (value_end == std::string::npos) {
            value_end = out.size();
        }
        out.replace(value_begin, value_end - value_begin, "***");
        pos = value_begin + 3;
    }
    return out;
}

result<std::shared_ptr<document_store>> open_store(std::string_view url, std::shared_ptr<support::clock> clock,
                                                   const std::filesystem::path& base_dir) {
    if (url.empty()) {
        return make_error(errc::invalid_argument, "the store URL is empty");
    }
    if (starts_with_icase(url, "postgresql://") || starts_with_icase(url, "postgres://")) {
        auto opened = create_postgresql_document_store(url, std::move(clock));
        if (!opened) {
            return std::move(opened).err();
        }
        return std::shared_ptr<document_store>(std::move(opened).value());
    }
    if (starts_with_icase(url, "memory:")) {
        if (url.size() > 7) {
            return make_error(errc::invalid_argument, "a memory store URL is just \"memory:\", not " + redact_url(url));
        }
        return std::shared_ptr<document_store>(create_memory_document_store(std::move(clock)));
    }
    std::string_view path = url;
    if (starts_with_icase(url, "sqlite:")) {
        path.remove_prefix(7);
        if (path.starts_with("//")) {
            // sqlite:///abs/path.db: an empty authority, then the absolute path.
            path.remove_prefix(2);
            if (!path.starts_with('/')) {
                return make_error(errc::invalid_argument,
                                  "a sqlite:// URL names no host: write sqlite:///absolute/path.db or "
                                  "sqlite:relative/path.db, not " +
                                      std::string(url));
            }
        }
        if (path.empty()) {
            return make_error(errc::invalid_argument, "the sqlite: URL names no file");
        }
    } else {
        // A scheme is letters, digits, '+', '-', '.' before the first ':', with no '/' before it; anything else is a
        // plain path.
        auto colon = url.find(':');
        auto slash = url.find('/');
        if (colon != std::string_view::npos && colon > 0 && (slash == std::string_view::npos || colon < slash) &&
            std::all_of(url.begin(), url.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
            })) {
            return make_error(errc::invalid_argument,
                              "unknown store URL scheme \"" + std::string(url.substr(0, colon)) + "\" in " +
                                  redact_url(url) +
                                  ": use sqlite:<path>, sqlite:///<absolute path>, a plain file path, memory:, "
                                  "postgresql:// or postgres://");
        }
    }
    auto opened = create_sqlite_document_store(resolve(path, base_dir), std::move(clock));
    if (!opened) {
        return std::move(opened).err();
    }
    return std::shared_ptr<document_store>(std::move(opened).value());
}

result<std::unique_ptr<document_store>> create_sqlite_document_store(const std::filesystem::path& path,
                                                                     std::shared_ptr<support::clock> clock) {
    auto b = detail::open_sqlite_backend(path);
    if (!b) {
        return std::move(b).err();
    }
    return detail::make_document_store(std::move(b).value(), std::move(clock));
}

std::unique_ptr<document_store> create_memory_document_store(std::shared_ptr<support::clock> clock) {
    return detail::make_document_store(detail::open_memory_backend(), std::move(clock));
}

result<std::unique_ptr<document_store>> create_postgresql_document_store(std::string_view url,
                                                                         std::shared_ptr<support::clock> clock) {
    auto b = detail::open_postgresql_backend(url);
    if (!b) {
        return std::move(b).err();
    }
    return detail::make_document_store(std::move(b).value(), std::move(clock));
}

} // namespace mcprov::store
