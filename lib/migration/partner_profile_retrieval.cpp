#include "mcprov/migration/partner_profile_retrieval.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include <boost/json.hpp>

#include "mcprov/migration/migration_template.hpp"
#include "mcprov/migration/served_profile.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::migration {
namespace {

using support::errc;
using support::make_error;
using support::result;
namespace json = boost::json;

constexpr std::string_view visitor_auid = "org.mcprov.visitor";
// Per service, a visitor's documents are <service>-state.json, <service>-migration-profile.xml (as received) and the
// profile as served (visitor_profile_name).
constexpr std::string_view state_suffix = "-state.json";
constexpr std::string_view received_suffix = "-migration-profile.xml";

const std::shared_ptr<spdlog::logger>& log() {
    static const auto l = support::logger("migration");
    return l;
}


std::string field(const json::object& o, std::string_view k) {
    const auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string encode(const visitor_entry& e) {
    return json::serialize(json::object{{"user", e.user},
                                        {"service", xcap::to_string(e.service)},
                                        {"primary_system", e.primary_system},
                                        {"profile_name", e.profile_name},
                                        {"profile_etag", e.profile_etag},
                                        {"template", e.template_name},
                                        {"template_digest", e.template_digest},
                                        {"served_etag", e.served_etag},
                                        {"stored_at", support::format_utc(e.stored_at)},
                                        {"confirmed_at", support::format_utc(e.confirmed_at)},
                                        {"valid_until", support::format_utc(e.valid_until)},
                                        {"reported", e.reported}});
}

result<visitor_entry> decode(std::string_view text) {
    boost::system::error_code ec;
    auto value = json::parse(text, ec);
    if (ec || !value.is_object()) {
        return make_error(errc::internal, "a stored visitor state is not a JSON object");
    }
    const auto& o = value.as_object();
    auto when = [&](std::string_view k) {
        return support::parse_utc(field(o, k)).value_or(std::chrono::system_clock::time_point{});
    };
    const auto* reported = o.if_contains("reported");
    return visitor_entry{field(o, "user"),
                         xcap::service_named(field(o, "service")).value_or(xcap::mc_service::mcptt),
                         field(o, "primary_system"),
                         field(o, "profile_name"),
                         field(o, "profile_etag"),
                         field(o, "template"),
                         field(o, "template_digest"),
                         field(o, "served_etag"),
                         when("stored_at"),
                         when("confirmed_at"),
                         when("valid_until"),
                         reported && reported->is_bool() && reported->as_bool()};
}

std::chrono::seconds whole_seconds(std::chrono::system_clock::duration d) {
    return std::chrono::duration_cast<std::chrono::seconds>(d);
}

// A revalidation that confirms the stored copy records so at most this often: a stale copy's age is known to within
// this, and a visitor's requests cost no write in between.
constexpr std::chrono::seconds confirmation_interval{60};

// Unique to this instance among the processes that share the store: a lease names its holder.
std::string new_holder_name() {
    std::random_device device;
    std::uint64_t value = (std::uint64_t{device()} << 32) ^ device();
    return "retrieval-" + support::hex_encode(std::string_view(reinterpret_cast<const char*>(&value), sizeof value));
}

} // namespace

// One visitor's profile of one service: the unit of the procedure, its stored documents and its lease.
struct partner_profile_retrieval::visitor_key {
    xcap::mc_service service;
    std::string_view user;

    std::string service_name() const { return std::string(xcap::to_string(service)); }
    store::document_key state() const { return key(service_name() + std::string(state_suffix)); }
    store::document_key received() const { return key(service_name() + std::string(received_suffix)); }
    store::document_key served() const { return key(visitor_profile_name(service)); }
    std::string lease() const { return "visitor:" + service_name() + ":" + std::string(user); }
    // "sip:alice@... mcdata", for log lines.
    std::string label() const { return std::string(user) + " " + service_name(); }

private:
    store::document_key key(std::string name) const {
        return {std::string(visitor_auid), std::string(user), std::move(name)};
    }
};

struct partner_profile_retrieval::stored_visitor {
    visitor_entry entry;
    std::string state_etag;
    std::string received; // the migration profile as the primary sent it
    store::stored_document served;
};

// The store's lease on one visitor's procedure: held, the request obtains and generates the profile; while another
// request (in any process on the store) holds it, acquire() waits for it to finish or expire.
class partner_profile_retrieval::visitor_lease {
public:
    visitor_lease(std::mutex& local, store::document_store& documents, const visitor_key& visitor,
                  const std::string& holder, std::chrono::milliseconds ttl)
        : local_(local, std::defer_lock), documents_(documents), name_(visitor.lease()), holder_(holder), ttl_(ttl) {}
    visitor_lease(const visitor_lease&) = delete;
    visitor_lease& operator=(const visitor_lease&) = delete;
    ~visitor_lease() {
        if (held_) {
            if (auto released = documents_.release_lease(name_, holder_); !released) {
                log()->warn("{}: releasing the lease: {}", name_, released.err().message);
            }
        }
    }

    bool held() const { return held_; }

    // Takes the lease only if no one holds it now. Errors are logged and count as not taken.
    bool try_acquire() {
        if (!local_.try_lock()) {
            return false;
        }
        auto taken = documents_.try_acquire_lease(name_, holder_, ttl_);
        if (!taken) {
            log()->warn("{}: taking the lease: {}", name_, taken.err().message);
        }
        held_ = taken && *taken;
        if (!held_) {
            local_.unlock();
        }
        return held_;
    }

    // Takes the lease, waiting while someone else holds it. Errors: those of the store; unavailable when the lease
    // stays taken (renewed by its holder) for twice its lifetime.
    result<void> acquire() {
        // The requests of this process wait on the mutex; those of other processes on the store's lease.
        local_.lock();
        const auto give_up = std::chrono::steady_clock::now() + 2 * ttl_;
        auto pause = std::chrono::milliseconds(2);
        for (;;) {
            auto taken = documents_.try_acquire_lease(name_, holder_, ttl_);
            if (!taken) {
                return std::move(taken).err();
            }
            if (*taken) {
                held_ = true;
                return {};
            }
            if (std::chrono::steady_clock::now() >= give_up) {
                return make_error(errc::unavailable, "another request for this visitor's profile did not finish");
            }
            // Polling: the lease lives in the store, which has no way to notify another process.
            std::this_thread::sleep_for(pause);
            pause = std::min(pause * 2, std::chrono::milliseconds(100));
        }
    }

private:
    std::unique_lock<std::mutex> local_;
    store::document_store& documents_;
    std::string name_;
    const std::string& holder_;
    std::chrono::milliseconds ttl_;
    bool held_ = false;
};

partner_profile_retrieval::partner_profile_retrieval(retrieval_config config,
                                                     std::shared_ptr<store::document_store> documents,
                                                     std::shared_ptr<primary_link> link, template_catalogue templates,
                                                     std::shared_ptr<support::clock> clock)
    : config_(std::move(config)), documents_(std::move(documents)), link_(std::move(link)), clock_(std::move(clock)),
      holder_(new_holder_name()), templates_(std::make_shared<const template_catalogue>(std::move(templates))) {}

result<std::optional<partner_profile_retrieval::stored_visitor>>
partner_profile_retrieval::load(const visitor_key& visitor) const {
    // The state, the received and the served profile: one query (it lists the visitor's other services too).
    auto listed = documents_->list_documents(visitor_auid, visitor.user);
    if (!listed) {
        return std::move(listed).err();
    }
    const auto state_name = visitor.state().name;
    const auto received_name = visitor.received().name;
    const auto served_name = visitor.served().name;
    store::stored_document* state = nullptr;
    store::stored_document* received = nullptr;
    store::stored_document* served = nullptr;
    for (auto& d : *listed) {
        auto* slot = d.name == state_name      ? &state
                     : d.name == received_name ? &received
                     : d.name == served_name   ? &served
                                               : nullptr;
        if (slot) {
            *slot = &d.document;
        }
    }
    if (!state) {
        return std::optional<stored_visitor>{};
    }
    auto entry = decode(state->content);
    if (!entry || !received || !served) {
        // Written in one transaction, so this is damage, not a half-finished store; start again from the primary.
        log()->error("{} stored visitor state is incomplete; it will be fetched again", visitor.label());
        return std::optional<stored_visitor>{};
    }
    entry->service = visitor.service;
    return std::optional<stored_visitor>{stored_visitor{std::move(entry).value(), std::move(state->etag),
                                                        std::move(received->content), std::move(*served)}};
}

result<void> partner_profile_retrieval::remove(const visitor_key& visitor) {
    return documents_->write_all(
        {{visitor.received(), std::nullopt}, {visitor.state(), std::nullopt}, {visitor.served(), std::nullopt}});
}

std::mutex& partner_profile_retrieval::lock_for(const visitor_key& visitor) {
    const auto hash = std::hash<std::string_view>{}(visitor.user) + static_cast<std::size_t>(visitor.service);
    return user_locks_[hash % user_locks_.size()];
}

result<visitor_profile> partner_profile_retrieval::run(const partner_agreement& primary, xcap::mc_service service,
                                                       std::string_view user, std::string_view cid) {
    const visitor_key visitor{service, user};
    const auto who = visitor.label();
    // A revalidation takes no lock: only obtaining or generating a profile is done by one request at a time.
    visitor_lease lease(lock_for(visitor), *documents_, visitor, holder_, config_.procedure_deadline);
    auto serve = [&](stored_visitor& stored, std::string_view why) {
        log()->info("{} [{}] step 12-13: {} {}", who, cid, why, stored.served.etag);
        return visitor_profile{std::move(stored.served.content), std::move(stored.served.etag), false,
                               std::chrono::seconds(0)};
    };
    auto loaded = load(visitor);
    if (!loaded) {
        return std::move(loaded).err();
    }
    auto stored = std::move(loaded).value();
    // Whether another request (of this process or another) stored a profile for this visitor after this request
    // read: then it was obtained after this request came, and is served as is when it is what the primary has now.
    const std::string served_seen = stored ? stored->served.etag : std::string();
    auto stored_since = [&](const std::optional<stored_visitor>& again, const std::string* etag) {
        return again && again->served.etag != served_seen && again->entry.primary_system == primary.system &&
               (!etag || again->entry.profile_etag == *etag);
    };
    if (!stored) {
        // A first visit: one request, across every process on the store, obtains the profile. Whether it had to
        // wait for the lease says nothing: another request may have finished between this one's read and the lease.
        if (auto taken = lease.acquire(); !taken) {
            return std::move(taken).err();
        }
        auto again = load(visitor);
        if (!again) {
            return std::move(again).err();
        }
        if (stored_since(*again, nullptr)) {
            return serve(**again, "stored by another request:");
        }
        stored = std::move(again).value();
    }
    if (stored && stored->entry.primary_system != primary.system) {
        log()->warn("{} [{}] stored copy came from {}, the user now comes from {}; discarded", who, cid,
                    stored->entry.primary_system, primary.system);
        stored.reset();
    }
    log()->info("{} [{}] step 2-3: profile requested; stored copy: {}", who, cid,
                stored ? stored->entry.profile_etag : std::string("none"));
    std::optional<std::string> known_etag;
    if (stored) {
        known_etag = stored->entry.profile_etag;
    }
    log()->info("{} [{}] step 4: asking {} for the migration profile", who, cid, primary.system);
    auto fetched = link_->fetch_migration_profile(primary, service, user, known_etag, cid);
    const auto now = clock_->now();
    if (!fetched) {
        if (fetched.err().code == errc::not_found || fetched.err().code == errc::forbidden) {
            log()->info("{} [{}] step 8: {} refuses: {}", who, cid, primary.system, fetched.err().message);
            if (stored) {
                if (auto removed = remove(visitor); !removed) {
                    return std::move(removed).err();
                }
            }
            return std::move(fetched).err();
        }
        if (fetched.err().code != errc::unavailable) {
            return std::move(fetched).err();
        }
        if (!stored) {
            log()->warn("{} [{}] step 4: {} unreachable and no stored copy: {}", who, cid, primary.system,
                        fetched.err().message);
            return make_error(errc::unavailable, "the user's primary system cannot be reached and no stored "
                                                 "profile exists");
        }
        const auto age = whole_seconds(now - stored->entry.confirmed_at);
        if (age > config_.max_stale || now >= stored->entry.valid_until) {
            log()->warn("{} [{}] step 4: {} unreachable and the stored copy is {} s old (limit {} s)", who, cid,
                        primary.system, age.count(), config_.max_stale.count());
            return make_error(errc::unavailable, "the user's primary system cannot be reached and the stored "
                                                 "profile is too old to serve (" +
                                                     std::to_string(age.count()) + " s)");
        }
        log()->warn("{} [{}] step 12: {} unreachable ({}); serving the stored copy, {} s old", who, cid,
                    primary.system, fetched.err().message, age.count());
        return visitor_profile{std::move(stored->served.content), std::move(stored->served.etag), true, age};
    }
    if (fetched->not_modified && !stored) {
        return make_error(errc::unavailable, "the primary system answered 'not modified' to an unconditional request");
    }
    if (!fetched->not_modified) {
        log()->info("{} [{}] step 8-9: received {} {}", who, cid, fetched->name, fetched->etag);
    } else {
        log()->info("{} [{}] step 8-9: {} unchanged", who, cid, stored->entry.profile_etag);
        std::shared_ptr<const template_catalogue> templates;
        {
            std::lock_guard lock(mutex_);
            templates = templates_;
        }
        auto organisation = primary.organisation ? primary.organisation->organisation_of(user) : std::nullopt;
        const auto* t = templates->select(primary.system, organisation);
        const bool current = t && t->name == stored->entry.template_name &&
                             t->digest == stored->entry.template_digest &&
                             stored->entry.valid_until - now > config_.validity / 2;
        if (current) {
            record_state(primary, *stored, now, cid);
            return serve(*stored, "stored copy is current:");
        }
    }
    // A new profile is generated and stored: by one request at a time, across every process.
    if (!lease.held()) {
        if (auto taken = lease.acquire(); !taken) {
            return std::move(taken).err();
        }
        auto again = load(visitor);
        if (!again) {
            return std::move(again).err();
        }
        const auto& etag = fetched->not_modified ? stored->entry.profile_etag : fetched->etag;
        if (stored_since(*again, &etag)) {
            return serve(**again, "stored by another request:");
        }
    }
    if (fetched->not_modified) {
        return generate(primary, visitor,
                        {false, stored->entry.profile_name, std::move(stored->received), stored->entry.profile_etag},
                        cid);
    }
    return generate(primary, visitor, *fetched, cid);
}

void partner_profile_retrieval::record_state(const partner_agreement& primary, const stored_visitor& stored,
                                             std::chrono::system_clock::time_point now, std::string_view cid) {
    auto entry = stored.entry;
    auto state_etag = stored.state_etag;
    const visitor_key visitor{stored.entry.service, stored.entry.user};
    bool changed = false;
    std::optional<visitor_lease> lease;
    if (!entry.reported) {
        // A report is retried only by a request that gets the lease at once: while the request that generated the
        // profile holds it, that request is still reporting, and the primary would hear of one delivery twice.
        lease.emplace(lock_for(visitor), *documents_, visitor, holder_, config_.procedure_deadline);
        if (lease->try_acquire()) {
            if (auto again = load(visitor); again && *again && (*again)->served.etag == stored.served.etag) {
                entry = std::move((*again)->entry);
                state_etag = std::move((*again)->state_etag);
                if (!entry.reported) {
                    changed |= report(primary, entry,
                                      "sha-256:" + support::hex_encode(support::sha256(stored.served.content)), cid);
                }
            }
        }
    }
    if (now - entry.confirmed_at >= confirmation_interval) {
        entry.confirmed_at = now;
        changed = true;
    }
    if (!changed) {
        return;
    }
    store::write_condition unchanged;
    unchanged.if_match = state_etag;
    // Another request recording the same first is as good: a failed condition is not an error here.
    if (auto saved = documents_->put(visitor.state(), encode(entry), unchanged);
        !saved && saved.err().code != errc::precondition_failed) {
        log()->warn("{} [{}] recording the visitor's state: {}", visitor.label(), cid, saved.err().message);
    }
}

result<visitor_profile> partner_profile_retrieval::generate(const partner_agreement& primary,
                                                            const visitor_key& visitor,
                                                            const fetched_migration_profile& fetched,
                                                            std::string_view cid) {
    const auto who = visitor.label();
    std::shared_ptr<const template_catalogue> templates;
    {
        std::lock_guard lock(mutex_);
        templates = templates_;
    }
    auto organisation = primary.organisation ? primary.organisation->organisation_of(visitor.user) : std::nullopt;
    const auto* t = templates->select(primary.system, organisation);
    if (!t) {
        log()->warn("{} [{}] step 10: no template for visitors from {} (organisation {})", who, cid, primary.system,
                    organisation.value_or("none"));
        if (auto removed = remove(visitor); !removed) {
            return std::move(removed).err();
        }
        return make_error(errc::forbidden, "this system has no template for visitors from " + primary.system);
    }
    log()->info("{} [{}] step 10: applying template {}", who, cid, t->name);
    auto combined = apply_template(*t, visitor.service, fetched.content);
    if (!combined) {
        log()->error("{} [{}] step 10: template {} on {} {}: {}", who, cid, t->name, fetched.name, fetched.etag,
                     combined.err().message);
        return make_error(errc::unavailable, "the migration profile from " + primary.system +
                                                 " cannot be combined with this system's template");
    }
    const auto now = clock_->now();
    auto stamped = stamp_for_serving(
        *combined, {config_.system, primary.system, t->name, fetched.name, now, now + config_.validity});
    if (!stamped) {
        return std::move(stamped).err();
    }
    auto signed_profile = xml::sign_enveloped(*stamped, config_.signer);
    if (!signed_profile) {
        log()->error("{} [{}] signing: {}", who, cid, signed_profile.err().message);
        return make_error(errc::internal, "signing the profile failed");
    }
    visitor_entry entry{std::string(visitor.user),
                        visitor.service,
                        primary.system,
                        fetched.name,
                        fetched.etag,
                        t->name,
                        t->digest,
                        store::entity_tag_of(*signed_profile),
                        now,
                        now,
                        now + config_.validity,
                        false};
    auto written = documents_->write_all({{visitor.received(), fetched.content},
                                          {visitor.state(), encode(entry)},
                                          {visitor.served(), *signed_profile}});
    if (!written) {
        log()->error("{} [{}] step 11: storing: {}", who, cid, written.err().message);
        return std::move(written).err();
    }
    log()->info("{} [{}] step 11: stored {}", who, cid, entry.served_etag);
    if (report(primary, entry, "sha-256:" + support::hex_encode(support::sha256(*signed_profile)), cid)) {
        if (auto saved = documents_->put(visitor.state(), encode(entry), {}); !saved) {
            log()->error("{} [{}] recording the delivery report: {}", who, cid, saved.err().message);
        }
    }
    log()->info("{} [{}] step 12-13: serving {}", who, cid, entry.served_etag);
    return visitor_profile{std::move(signed_profile).value(), entry.served_etag, false, std::chrono::seconds(0)};
}

bool partner_profile_retrieval::report(const partner_agreement& primary, visitor_entry& entry, std::string_view digest,
                                       std::string_view cid) {
    delivery_report r{entry.profile_etag,       std::string(digest), entry.template_name, clock_->now(),
                      std::string(cid),         std::string(xcap::to_string(entry.service))};
    if (auto sent = link_->report_delivery(primary, entry.user, r); !sent) {
        log()->warn("{} {} [{}] delivery report to {} failed, will retry: {}", entry.user, r.service, cid,
                    primary.system, sent.err().message);
        return false;
    }
    entry.reported = true;
    return true;
}

result<store::stored_document> partner_profile_retrieval::stored_profile(xcap::mc_service service,
                                                                         std::string_view user) const {
    return documents_->get(visitor_key{service, user}.served());
}

result<bool> partner_profile_retrieval::release(std::string_view user, std::string_view primary_system) {
    bool released = false;
    bool another_primary = false;
    for (const auto& service : xcap::mc_services()) {
        const visitor_key visitor{service.service, user};
        visitor_lease lease(lock_for(visitor), *documents_, visitor, holder_, config_.procedure_deadline);
        if (auto taken = lease.acquire(); !taken) {
            return std::move(taken).err();
        }
        auto loaded = load(visitor);
        if (!loaded) {
            return std::move(loaded).err();
        }
        if (!*loaded) {
            continue;
        }
        if ((*loaded)->entry.primary_system != primary_system) {
            another_primary = true;
            continue;
        }
        if (auto removed = remove(visitor); !removed) {
            return std::move(removed).err();
        }
        log()->info("{} released by {}: stored profile deleted", visitor.label(), primary_system);
        released = true;
    }
    if (another_primary && !released) {
        return make_error(errc::forbidden, "the stored profile belongs to another primary system");
    }
    return released;
}

result<std::size_t> partner_profile_retrieval::replace_templates(template_catalogue templates,
                                                                 const agreement_set& agreements) {
    {
        std::lock_guard lock(mutex_);
        templates_ = std::make_shared<const template_catalogue>(std::move(templates));
    }
    auto entries = visitors();
    if (!entries) {
        return std::move(entries).err();
    }
    std::size_t changed = 0;
    std::shared_ptr<const template_catalogue> current;
    {
        std::lock_guard lock(mutex_);
        current = templates_;
    }
    for (const auto& listed : *entries) {
        const visitor_key visitor{listed.service, listed.user};
        visitor_lease lease(lock_for(visitor), *documents_, visitor, holder_, config_.procedure_deadline);
        if (auto taken = lease.acquire(); !taken) {
            log()->warn("{} not regenerated after a template change: {}", visitor.label(), taken.err().message);
            continue;
        }
        auto loaded = load(visitor); // again, now that no request for this visitor runs
        if (!loaded || !*loaded) {
            continue;
        }
        const auto& entry = (*loaded)->entry;
        const auto* primary = agreements.find_system(entry.primary_system);
        auto organisation =
            primary && primary->organisation ? primary->organisation->organisation_of(entry.user) : std::nullopt;
        const auto* t = primary ? current->select(primary->system, organisation) : nullptr;
        if (t && t->name == entry.template_name && t->digest == entry.template_digest) {
            continue;
        }
        ++changed;
        if (!t) {
            log()->info("{} no template applies any more: stored profile deleted", visitor.label());
            if (auto removed = remove(visitor); !removed) {
                return std::move(removed).err();
            }
            continue;
        }
        auto regenerated = generate(*primary, visitor,
                                    {false, entry.profile_name, std::move((*loaded)->received), entry.profile_etag},
                                    "template-change");
        if (!regenerated) {
            log()->error("{} regenerating after a template change: {}", visitor.label(), regenerated.err().message);
        }
    }
    return changed;
}

result<std::vector<visitor_entry>> partner_profile_retrieval::visitors() const {
    auto all = documents_->list_all(visitor_auid);
    if (!all) {
        return std::move(all).err();
    }
    std::vector<visitor_entry> out;
    for (const auto& d : *all) {
        if (!d.name.ends_with(state_suffix)) {
            continue;
        }
        auto service = xcap::service_named(std::string_view(d.name).substr(0, d.name.size() - state_suffix.size()));
        if (!service) {
            continue;
        }
        if (auto entry = decode(d.document.content)) {
            entry->service = *service;
            out.push_back(std::move(entry).value());
        }
    }
    return out;
}

result<std::size_t> partner_profile_retrieval::discard_earlier_copies() {
    constexpr std::string_view earlier_state = "state.json";
    constexpr std::string_view earlier_received = "migration-profile.xml";
    auto all = documents_->list_all(visitor_auid);
    if (!all) {
        return std::move(all).err();
    }
    std::size_t discarded = 0;
    for (const auto& d : *all) {
        if (d.name != earlier_state) {
            continue;
        }
        const visitor_key visitor{xcap::mc_service::mcptt, d.xui};
        visitor_lease lease(lock_for(visitor), *documents_, visitor, holder_, config_.procedure_deadline);
        if (auto taken = lease.acquire(); !taken) {
            return std::move(taken).err();
        }
        std::vector<store::document_write> writes{{{std::string(visitor_auid), d.xui, std::string(earlier_state)}, {}},
                                                  {{std::string(visitor_auid), d.xui, std::string(earlier_received)}, {}}};
        // The served copy has the name it had then; it is this version's only if this version stored its state.
        if (auto current = documents_->get(visitor.state()); !current && current.err().code == errc::not_found) {
            writes.push_back({visitor.served(), std::nullopt});
        }
        if (auto removed = documents_->write_all(writes); !removed) {
            return std::move(removed).err();
        }
        log()->info("{} a copy stored by an earlier version deleted; the next request obtains it again", d.xui);
        ++discarded;
    }
    return discarded;
}

} // namespace mcprov::migration
