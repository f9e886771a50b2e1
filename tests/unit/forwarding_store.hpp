#pragma once

// A store that passes every call to another: the base of a test's store that watches or changes a few of them.

#include <memory>

#include "mcprov/store/document_store.hpp"

namespace mcprov::testing {

class forwarding_store : public store::document_store {
public:
    explicit forwarding_store(std::shared_ptr<store::document_store> inner) : inner_(std::move(inner)) {}

    support::result<store::stored_document> get(const store::document_key& key) const override {
        return inner_->get(key);
    }
    support::result<store::put_outcome> put(const store::document_key& key, std::string_view content,
                                            const store::write_condition& condition) override {
        return inner_->put(key, content, condition);
    }
    support::result<void> remove(const store::document_key& key, const store::write_condition& condition) override {
        return inner_->remove(key, condition);
    }
    support::result<std::vector<std::string>> list(std::string_view auid, std::string_view xui) const override {
        return inner_->list(auid, xui);
    }
    support::result<std::vector<std::string>> list_users(std::string_view auid) const override {
        return inner_->list_users(auid);
    }
    support::result<void> write_all(const std::vector<store::document_write>& writes) override {
        return inner_->write_all(writes);
    }
    support::result<void> transact(const store::unit_of_work& work) override { return inner_->transact(work); }
    support::result<std::vector<store::named_document>> list_documents(std::string_view auid,
                                                                       std::string_view xui) const override {
        return inner_->list_documents(auid, xui);
    }
    support::result<std::vector<store::user_document>> list_all(std::string_view auid) const override {
        return inner_->list_all(auid);
    }
    support::result<bool> try_acquire_lease(std::string_view name, std::string_view holder,
                                            std::chrono::milliseconds ttl) override {
        return inner_->try_acquire_lease(name, holder, ttl);
    }
    support::result<bool> release_lease(std::string_view name, std::string_view holder) override {
        return inner_->release_lease(name, holder);
    }
    std::int64_t schema_version() const override { return inner_->schema_version(); }

protected:
    std::shared_ptr<store::document_store> inner_;
};

} // namespace mcprov::testing
