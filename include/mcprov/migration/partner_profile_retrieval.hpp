#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "mcprov/migration/agreement.hpp"
#include "mcprov/migration/serving_register.hpp"
#include "mcprov/migration/template_catalogue.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/xcap/application_usage.hpp"
#include "mcprov/xml/signature.hpp"

namespace mcprov::migration {

struct fetched_migration_profile {
    bool not_modified = false;
    std::string name; // the primary's document name, for the logs
    std::string content;
    std::string etag;
};

// The partner side of CSCM-x: how this system reaches the configuration management server of a visitor's
// primary system (steps 4 and 8).
class primary_link {
public:
    virtual ~primary_link() = default;
    // The user's migration profile of one service. Errors: unavailable (cannot reach the primary, or it failed),
    // not_found (no migration profile of that service for this user and this system), forbidden (the primary
    // refuses this system).
    virtual support::result<fetched_migration_profile>
    fetch_migration_profile(const partner_agreement& primary, xcap::mc_service service, std::string_view user,
                            const std::optional<std::string>& if_none_match, std::string_view correlation_id) = 0;
    // The report names its service.
    virtual support::result<void> report_delivery(const partner_agreement& primary, std::string_view user,
                                                  const delivery_report& report) = 0;
};

struct retrieval_config {
    std::string system;                       // this (the partner) MC system's identity
    std::chrono::seconds max_stale{86400};    // serve a stored copy this long after the primary last confirmed it
    std::chrono::seconds validity{86400};     // of the signed statement in each served profile
    xml::signer signer;                       // of the served profiles
    // How long one visitor's procedure may take (fetch, generate, store, report): the lease that keeps every other
    // request for the visitor, in this process or another on the same store, waiting for its stored result.
    std::chrono::milliseconds procedure_deadline{20000};
};

// A visiting user's profile as served.
struct visitor_profile {
    std::string content;
    std::string etag;
    bool stale = false;            // the primary could not be reached; this is the stored copy
    std::chrono::seconds age{0};   // since the primary last confirmed the copy
};

// What is stored about one visitor's profile of one service.
struct visitor_entry {
    std::string user;
    xcap::mc_service service = xcap::mc_service::mcptt;
    std::string primary_system;
    std::string profile_name;
    std::string profile_etag;
    std::string template_name;
    std::string template_digest;
    std::string served_etag;
    std::chrono::system_clock::time_point stored_at;
    std::chrono::system_clock::time_point confirmed_at;
    std::chrono::system_clock::time_point valid_until;
    bool reported = false;
};

// TS 23.280 clause 10.1.4.x.2, at the partner MC system: steps 2 to 4 and 9 to 12, for each MC service's profile on
// its own (the procedure, its stored state and its lease are per service and user). The migration profile is
// obtained from the visitor's primary system (revalidated on every request), combined with the template for the
// visitor's primary system and organisation, stamped and signed, stored (one transaction) and returned for
// step 13. While the primary cannot be reached the stored copy is returned, marked stale, up to max_stale.
// Thread-safe, and safe for several processes on one store: all state (the copy, when the primary last confirmed it,
// whether the delivery was reported) is in the store, and a lease there lets one request at a time, across every
// process, obtain and generate a visitor's profile; the others wait for its stored result.
class partner_profile_retrieval {
public:
    partner_profile_retrieval(retrieval_config config, std::shared_ptr<store::document_store> documents,
                              std::shared_ptr<primary_link> link, template_catalogue templates,
                              std::shared_ptr<support::clock> clock);

    // Errors: unavailable (primary unreachable and no usable stored copy), not_found (the primary has no
    // migration profile for the user and this system; any stored copy is deleted), forbidden (the primary
    // refuses this system, or no template applies to the visitor), io.
    support::result<visitor_profile> run(const partner_agreement& primary, xcap::mc_service service,
                                         std::string_view user, std::string_view correlation_id);

    // The stored profile, without asking the primary: what this system's MC service servers get at service
    // authorization. not_found when there is none.
    support::result<store::stored_document> stored_profile(xcap::mc_service service, std::string_view user) const;

    // The primary system says the user is served elsewhere now: deletes the stored copies of every service.
    // Returns whether there was one. forbidden when the stored copies belong to another primary system.
    support::result<bool> release(std::string_view user, std::string_view primary_system);

    // Replaces the templates and regenerates every stored profile (of every service) whose template changed (or no longer applies:
    // that copy is deleted). Returns how many were regenerated or deleted.
    support::result<std::size_t> replace_templates(template_catalogue templates,
                                                   const agreement_set& agreements);

    support::result<std::vector<visitor_entry>> visitors() const;

    // Copies stored by mcprov before profiles were kept per service (MCPTT only, beside state.json) are not read by
    // this version: deletes them, so that no MC service server or release meets one, and the visitor's next request
    // obtains the profile again. Returns how many visitors had one.
    support::result<std::size_t> discard_earlier_copies();

private:
    struct stored_visitor;
    struct visitor_key;
    support::result<std::optional<stored_visitor>> load(const visitor_key& visitor) const;
    support::result<visitor_profile> generate(const partner_agreement& primary, const visitor_key& visitor,
                                              const fetched_migration_profile& fetched,
                                              std::string_view correlation_id);
    support::result<void> remove(const visitor_key& visitor);
    // Sends the delivery report; true (and entry.reported set) when the primary took it.
    bool report(const partner_agreement& primary, visitor_entry& entry, std::string_view digest,
                std::string_view correlation_id);
    // After a revalidation that found the copy current: records the primary's confirmation (at most once a minute)
    // and sends a delivery report that failed before, in one conditional write of the visitor's state.
    void record_state(const partner_agreement& primary, const stored_visitor& stored,
                      std::chrono::system_clock::time_point now, std::string_view correlation_id);
    class visitor_lease;

    retrieval_config config_;
    std::shared_ptr<store::document_store> documents_;
    std::shared_ptr<primary_link> link_;
    std::shared_ptr<support::clock> clock_;
    // One visitor's procedure (of a service) at a time in this process (the store's lease does it across processes).
    std::mutex& lock_for(const visitor_key& visitor);
    std::array<std::mutex, 64> user_locks_;
    std::string holder_; // this instance's name on the store's leases
    mutable std::mutex mutex_; // guards templates_
    std::shared_ptr<const template_catalogue> templates_;
};

} // namespace mcprov::migration
