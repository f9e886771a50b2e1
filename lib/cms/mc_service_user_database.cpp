#include "mcprov/cms/mc_service_user_database.hpp"

#include "mcprov/identity/mc_service_id.hpp"
#include "mcprov/xcap/application_usage.hpp"

namespace mcprov::cms {

support::result<store::put_outcome> mc_service_user_database::write(const store::document_key& key,
                                                                    std::string_view bytes,
                                                                    const store::write_condition& condition) {
    const auto* usage = xcap::find_application_usage(key.auid);
    if (!usage) {
        return support::make_error(support::errc::not_found, "no application usage " + key.auid);
    }
    if (auto id = identity::validate_mc_service_id(key.xui); !id) {
        return std::move(id).err();
    }
    if (condition.if_match || condition.if_none_match) {
        // A stale condition is reported as such before the document is judged (RFC 9110 section 13.2.1); the
        // store checks it again, atomically, when it writes.
        auto current = documents_->get(key);
        if (!current && current.err().code != support::errc::not_found) {
            return std::move(current).err();
        }
        if (!condition.holds(current ? std::optional<std::string>(current->etag) : std::nullopt)) {
            return support::make_error(support::errc::precondition_failed, "the document's entity tag does not match");
        }
    }
    if (auto checked = xcap::check_profile_document(*usage, key.xui, key.name, bytes); !checked) {
        return std::move(checked).err();
    }
    return documents_->put(key, bytes, condition);
}

} // namespace mcprov::cms
