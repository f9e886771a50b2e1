#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/cscm/delivery_report.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::migration {

// serving: the partner holds the user's profile; release_pending: it must be told to delete it (the user is
// served elsewhere) and has not confirmed yet; released: it has confirmed.
enum class serving_state { serving, release_pending, released };

std::string_view to_string(serving_state state);

using cscm::delivery_report;

// One service's migration profile provided to a partner, and what the partner reported it delivered.
struct provided_profile {
    std::string service; // one of cscm::services
    std::string profile_name;
    std::string profile_etag;
    std::optional<delivery_report> delivery;
};

// The primary system's record of one of its users served by one partner system, in every MC service the partner
// asked for.
struct serving_record {
    std::string user;
    std::string partner;
    serving_state state = serving_state::serving;
    std::vector<provided_profile> profiles; // since the user was last served there: one per service, in cscm order
    std::chrono::system_clock::time_point first_served_at;
    std::chrono::system_clock::time_point last_served_at; // refreshed at most once a minute
    std::string correlation_id;                           // of the last provision that changed the record

    const provided_profile* profile(std::string_view service) const;
};

// Where the primary system's users are being served, kept in the MC service user database (application usage
// org.mcprov.serving-record, one document per user and partner). What the primary lacks in seed 000: visibility
// of what its users receive elsewhere. Thread-safe, and several processes may share one register: every change is one
// unit of work (store::document_store::transact) that reads, decides and writes in one transaction.
class serving_register {
public:
    serving_register(std::shared_ptr<store::document_store> documents, std::shared_ptr<support::clock> clock);

    // A partner was provided the user's migration profile of one service. Every other partner recorded as serving the user is
    // marked release_pending; those partners are returned, to be told to delete their copy.
    support::result<std::vector<std::string>> record_served(std::string_view user, std::string_view partner,
                                                            std::string_view service, std::string_view profile_name,
                                                            std::string_view profile_etag,
                                                            std::string_view correlation_id);

    // The user is served by its primary system again: every partner serving it is marked release_pending and
    // returned.
    support::result<std::vector<std::string>> record_home(std::string_view user);

    // The partner confirmed it deleted its copy.
    support::result<void> record_released(std::string_view user, std::string_view partner);

    // Records the report with the profile of its service. not_found when the partner was never provided this user's
    // profile of that service; conflict when the user is no longer served there.
    support::result<void> record_delivery(std::string_view user, std::string_view partner, delivery_report report);

    // Every record, or one user's, ordered by user then partner.
    support::result<std::vector<serving_record>> records(std::optional<std::string_view> user = std::nullopt) const;

    support::result<std::vector<serving_record>> pending_releases() const;

private:
    std::shared_ptr<store::document_store> documents_;
    std::shared_ptr<support::clock> clock_;
};

} // namespace mcprov::migration
