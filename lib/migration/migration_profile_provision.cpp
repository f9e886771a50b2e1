#include "mcprov/migration/migration_profile_provision.hpp"

#include "mcprov/support/log.hpp"
#include "mcprov/xcap/application_usage.hpp"
#include "mcprov/xml/document.hpp"

namespace mcprov::migration {

using support::errc;
using support::make_error;
using support::result;

result<std::string> without_migration_for(std::string_view profile) {
    auto doc = xml::parse(profile);
    if (!doc) {
        return std::move(doc).err();
    }
    const auto statements = doc->root().children(xcap::migration_namespace, "migration-for").to_vector();
    if (statements.empty()) {
        return std::string(profile);
    }
    for (xml::element n : statements) {
        if (auto removed = doc->remove(n); !removed) { // with the blank text after it: no blank line is left
            return std::move(removed).err();
        }
    }
    return doc->serialize();
}

migration_profile_provision::migration_profile_provision(std::shared_ptr<store::document_store> documents,
                                                         std::shared_ptr<serving_register> serving)
    : documents_(std::move(documents)), register_(std::move(serving)) {}

result<provision_outcome> migration_profile_provision::run(const provision_request& request) const {
    static const auto log = support::logger("migration");
    const std::string auid(xcap::migration_profile_usage(request.service).auid);
    const auto service = xcap::to_string(request.service);
    log->info("{} [{}] step 5: {} asks for the {} migration profile", request.user, request.correlation_id,
              request.partner_system, service);
    auto listed = documents_->list_documents(auid, request.user);
    if (!listed) {
        return std::move(listed).err();
    }
    std::vector<stored_migration_profile> profiles;
    for (auto& d : *listed) {
        profiles.push_back({std::move(d.name), std::move(d.document.content), std::move(d.document.etag)});
    }
    auto selected = select_migration_profile(profiles, request.partner_system);
    if (!selected) {
        log->info("{} [{}] step 6: no {} migration profile for {}", request.user, request.correlation_id, service,
                  request.partner_system);
        return make_error(errc::not_found, "no migration profile for this user and partner system");
    }
    log->info("{} [{}] step 6: {} {} {} applies", request.user, request.correlation_id, service, selected->name,
              selected->etag);
    auto released = register_->record_served(request.user, request.partner_system, service, selected->name,
                                             selected->etag, request.correlation_id);
    if (!released) {
        return std::move(released).err();
    }
    provision_outcome outcome;
    outcome.not_modified =
        request.if_none_match && store::entity_tag_list_matches(*request.if_none_match, selected->etag, true);
    outcome.profile = std::move(selected).value();
    if (!outcome.not_modified) {
        // Which other partners the profile is written for is none of this partner's business. The entity tag stays
        // the stored document's: it changes whenever the profile does.
        auto content = without_migration_for(outcome.profile.content);
        if (!content) {
            return make_error(errc::internal, outcome.profile.name + " does not parse: " + content.err().message);
        }
        outcome.profile.content = std::move(content).value();
    }
    outcome.partners_to_release = std::move(released).value();
    log->info("{} [{}] step 7-8: {} to {}", request.user, request.correlation_id,
              outcome.not_modified ? "not modified" : "provided", request.partner_system);
    return outcome;
}

} // namespace mcprov::migration
