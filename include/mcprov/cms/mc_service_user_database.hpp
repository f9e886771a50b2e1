#pragma once

#include <memory>
#include <string_view>

#include "mcprov/store/document_store.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::cms {

// The MC service user database of one MC system: the user profile documents of its users, each checked
// (well-formed, schema-valid, stored at the URI it names) before it is written.
class mc_service_user_database {
public:
    explicit mc_service_user_database(std::shared_ptr<store::document_store> documents)
        : documents_(std::move(documents)) {}

    support::result<store::stored_document> read(const store::document_key& key) const { return documents_->get(key); }

    // Errors: not_found (unknown application usage), invalid_argument (XUI or document name), the checks of
    // xcap::check_profile_document, precondition_failed, io. Nothing is written unless every check passes.
    support::result<store::put_outcome> write(const store::document_key& key, std::string_view bytes,
                                              const store::write_condition& condition);

    support::result<void> remove(const store::document_key& key, const store::write_condition& condition) {
        return documents_->remove(key, condition);
    }

private:
    std::shared_ptr<store::document_store> documents_;
};

} // namespace mcprov::cms
