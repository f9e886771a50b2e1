#include <map>
#include <mutex>
#include <tuple>

#include "backend.hpp"

namespace mcprov::store::detail {
namespace {

using support::result;

using row_key = std::tuple<std::string, std::string, std::string>; // auid, xui, name: sorted as the SQL backends sort

struct lease {
    std::string holder;
    epoch_millis expires_at = 0;
};

struct state {
    std::map<row_key, stored_document> documents;
    std::map<std::string, lease, std::less<>> leases;
};

row_key key_of(const document_key& key) {
    return {key.auid, key.xui, key.name};
}

class memory_session final : public session {
public:
    explicit memory_session(state& s) : s_(s) {}

    result<std::optional<stored_document>> select(const document_key& key) override {
        auto it = s_.documents.find(key_of(key));
        return it == s_.documents.end() ? std::optional<stored_document>() : std::optional(it->second);
    }

    result<std::optional<std::string>> select_etag(const document_key& key) override {
        auto it = s_.documents.find(key_of(key));
        return it == s_.documents.end() ? std::optional<std::string>() : std::optional(it->second.etag);
    }

    result<void> upsert(const document_key& key, std::string_view content, std::string_view etag,
                        epoch_millis updated_at) override {
        s_.documents[key_of(key)] = stored_document{std::string(content), std::string(etag), from_millis(updated_at)};
        return {};
    }

    result<bool> erase(const document_key& key) override { return s_.documents.erase(key_of(key)) > 0; }

    result<std::vector<std::string>> select_names(std::string_view auid, std::string_view xui) override {
        std::vector<std::string> out;
        for (auto it = first_of(auid, xui); it != s_.documents.end() && in(it->first, auid, xui); ++it) {
            out.push_back(std::get<2>(it->first));
        }
        return out;
    }

    result<std::vector<std::string>> select_users(std::string_view auid) override {
        std::vector<std::string> out;
        for (auto it = first_of(auid, {}); it != s_.documents.end() && std::get<0>(it->first) == auid; ++it) {
            if (out.empty() || out.back() != std::get<1>(it->first)) {
                out.push_back(std::get<1>(it->first));
            }
        }
        return out;
    }

    result<std::vector<named_document>> select_documents(std::string_view auid, std::string_view xui) override {
        std::vector<named_document> out;
        for (auto it = first_of(auid, xui); it != s_.documents.end() && in(it->first, auid, xui); ++it) {
            out.push_back({std::get<2>(it->first), it->second});
        }
        return out;
    }

    result<std::vector<user_document>> select_all(std::string_view auid) override {
        std::vector<user_document> out;
        for (auto it = first_of(auid, {}); it != s_.documents.end() && std::get<0>(it->first) == auid; ++it) {
            out.push_back({std::get<1>(it->first), std::get<2>(it->first), it->second});
        }
        return out;
    }

    result<bool> acquire_lease(std::string_view name, std::string_view holder, epoch_millis now,
                               epoch_millis expires_at) override {
        auto it = s_.leases.find(name);
        if (it != s_.leases.end() && it->second.holder != holder && it->second.expires_at > now) {
            return false;
        }
        s_.leases[std::string(name)] = lease{std::string(holder), expires_at};
        return true;
    }

    result<bool> release_lease(std::string_view name, std::string_view holder) override {
        auto it = s_.leases.find(name);
        if (it == s_.leases.end() || it->second.holder != holder) {
            return false;
        }
        s_.leases.erase(it);
        return true;
    }

private:
    std::map<row_key, stored_document>::iterator first_of(std::string_view auid, std::string_view xui) {
        return s_.documents.lower_bound({std::string(auid), std::string(xui), std::string()});
    }
    static bool in(const row_key& k, std::string_view auid, std::string_view xui) {
        return std::get<0>(k) == auid && std::get<1>(k) == xui;
    }

    state& s_;
};

// Transactions are serialised by one mutex; a write works on a copy that replaces the state only when it succeeds.
class memory_backend final : public backend {
public:
    result<void> run(access mode, const session_work& work) override {
        std::lock_guard lock(mutex_);
        if (mode == access::read) {
            memory_session s(state_);
            return work(s);
        }
        state draft = state_;
        memory_session s(draft);
        auto out = work(s);
        if (out) {
            state_ = std::move(draft);
        }
        return out;
    }

    std::int64_t schema_version() const override { return 0; }

private:
    std::mutex mutex_;
    state state_;
};

} // namespace

std::unique_ptr<backend> open_memory_backend() {
    return std::make_unique<memory_backend>();
}

} // namespace mcprov::store::detail
