#include "mcprov/migration/serving_register.hpp"

#include <algorithm>
#include <cstdio>

#include <boost/json.hpp>

#include "mcprov/cscm/resources.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::migration {
namespace {

using support::errc;
using support::make_error;
using support::result;
namespace json = boost::json;

constexpr std::string_view record_auid = "org.mcprov.serving-record";
// last_served_at is refreshed no more often than this, so that revalidations cost no write.
constexpr auto refresh_interval = std::chrono::minutes(1);

std::string field(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::chrono::system_clock::time_point time_field(const json::object& o, std::string_view key) {
    return support::parse_utc(field(o, key)).value_or(std::chrono::system_clock::time_point{});
}

std::string encode(const serving_record& r) {
    json::array profiles;
    for (const auto& p : r.profiles) {
        json::object o{{"service", p.service}, {"profile_name", p.profile_name}, {"profile_etag", p.profile_etag}};
        if (p.delivery) {
            o["delivery"] = json::object{{"profile_etag", p.delivery->profile_etag},
                                         {"digest", p.delivery->digest},
                                         {"template", p.delivery->template_name},
                                         {"delivered_at", support::format_utc(p.delivery->delivered_at)},
                                         {"correlation_id", p.delivery->correlation_id}};
        }
        profiles.push_back(std::move(o));
    }
    return json::serialize(json::object{{"user", r.user},
                                        {"partner", r.partner},
                                        {"state", to_string(r.state)},
                                        {"profiles", std::move(profiles)},
                                        {"first_served_at", support::format_utc(r.first_served_at)},
                                        {"last_served_at", support::format_utc(r.last_served_at)},
                                        {"correlation_id", r.correlation_id}});
}

provided_profile decode_profile(const json::object& o, std::string service) {
    provided_profile p{std::move(service), field(o, "profile_name"), field(o, "profile_etag"), std::nullopt};
    if (const auto* d = o.if_contains("delivery"); d && d->is_object()) {
        const auto& dobj = d->as_object();
        p.delivery = delivery_report{field(dobj, "profile_etag"),   field(dobj, "digest"),
                                     field(dobj, "template"),       time_field(dobj, "delivered_at"),
                                     field(dobj, "correlation_id"), p.service};
    }
    return p;
}

result<serving_record> decode(std::string_view text) {
    boost::system::error_code ec;
    auto value = json::parse(text, ec);
    if (ec || !value.is_object()) {
        return make_error(errc::internal, "a stored serving record is not a JSON object");
    }
    const auto& o = value.as_object();
    serving_record r;
    r.user = field(o, "user");
    r.partner = field(o, "partner");
    auto state = field(o, "state");
    r.state = state == "released"          ? serving_state::released
              : state == "release-pending" ? serving_state::release_pending
                                           : serving_state::serving;
    if (const auto* profiles = o.if_contains("profiles"); profiles && profiles->is_array()) {
        for (const auto& p : profiles->as_array()) {
            if (p.is_object()) {
                r.profiles.push_back(decode_profile(p.as_object(), field(p.as_object(), "service")));
            }
        }
    } else if (o.contains("profile_name")) {
        r.profiles.push_back(decode_profile(o, "mcptt")); // a record from before MCData and MCVideo migrated
    }
    r.first_served_at = time_field(o, "first_served_at");
    r.last_served_at = time_field(o, "last_served_at");
    r.correlation_id = field(o, "correlation_id");
    return r;
}

} // namespace

std::string_view to_string(serving_state state) {
    switch (state) {
    case serving_state::serving:
        return "serving";
    case serving_state::release_pending:
        return "release-pending";
    case serving_state::released:
        return "released";
    }
    return "serving";
}

const provided_profile* serving_record::profile(std::string_view service) const {
    auto found = std::find_if(profiles.begin(), profiles.end(), [&](const auto& p) { return p.service == service; });
    return found == profiles.end() ? nullptr : &*found;
}

namespace {

// Whether the record says the partner serves the user with this profile of the service, confirmed lately.
bool serves_lately(const serving_record& r, std::string_view service, std::string_view profile_name,
                   std::string_view profile_etag, std::chrono::system_clock::time_point now) {
    const auto* p = r.profile(service);
    return r.state == serving_state::serving && p && p->profile_name == profile_name &&
           p->profile_etag == profile_etag && now - r.last_served_at < refresh_interval;
}

// The record's profile of the service, added in cscm::services order if it has none.
provided_profile& profile_of(serving_record& r, std::string_view service) {
    auto rank = [](std::string_view s) { return std::find(cscm::services.begin(), cscm::services.end(), s); };
    auto at = std::find_if(r.profiles.begin(), r.profiles.end(),
                           [&](const provided_profile& p) { return rank(p.service) >= rank(service); });
    if (at == r.profiles.end() || at->service != service) {
        at = r.profiles.insert(at, provided_profile{std::string(service), {}, {}, {}});
    }
    return *at;
}

} // namespace

serving_register::serving_register(std::shared_ptr<store::document_store> documents,
                                   std::shared_ptr<support::clock> clock)
    : documents_(std::move(documents)), clock_(std::move(clock)) {}

namespace {

store::document_key record_key(std::string_view user, std::string_view partner) {
    return {std::string(record_auid), std::string(user), std::string(partner)};
}

// The records among listed documents; one that does not decode is logged and left out.
std::vector<serving_record> decode_records(std::string_view user, const std::vector<store::named_document>& docs) {
    std::vector<serving_record> out;
    out.reserve(docs.size());
    for (const auto& d : docs) {
        auto record = decode(d.document.content);
        if (!record) {
            support::logger("migration")->error("{} serving record {}: {}", user, d.name, record.err().message);
            continue;
        }
        out.push_back(std::move(record).value());
    }
    return out;
}

result<void> save(store::transaction& tx, const serving_record& r) {
    auto written = tx.put(record_key(r.user, r.partner), encode(r));
    if (!written) {
        return std::move(written).err();
    }
    return {};
}

// Inside the caller's unit of work: every partner serving the user other than `keep` is marked release_pending, and
// every partner not yet released other than `keep` is returned.
result<std::vector<std::string>> release_all_except(store::transaction& tx, std::string_view user,
                                                    std::string_view keep) {
    auto docs = tx.list_documents(record_auid, user);
    if (!docs) {
        return std::move(docs).err();
    }
    std::vector<std::string> to_release;
    for (auto& r : decode_records(user, *docs)) {
        if (r.partner == keep || r.state == serving_state::released) {
            continue;
        }
        to_release.push_back(r.partner);
        if (r.state == serving_state::serving) {
            r.state = serving_state::release_pending;
            if (auto saved = save(tx, r); !saved) {
                return std::move(saved).err();
            }
        }
    }
    return to_release;
}

} // namespace

// Each change is one unit of work in the store (a read-modify-write that commits whole), so several processes may
// share one register.
result<std::vector<std::string>> serving_register::record_served(std::string_view user, std::string_view partner,
                                                                 std::string_view service,
                                                                 std::string_view profile_name,
                                                                 std::string_view profile_etag,
                                                                 std::string_view correlation_id) {
    // Most provisions are revalidations that change nothing: answered from one read, without a write transaction.
    if (auto docs = documents_->list_documents(record_auid, user)) {
        const auto now = clock_->now();
        bool unchanged = false;
        bool others_released = true;
        for (const auto& d : *docs) {
            auto r = decode(d.document.content);
            if (!r) {
                others_released = false;
                break;
            }
            if (d.name == partner) {
                unchanged = serves_lately(*r, service, profile_name, profile_etag, now);
            } else if (r->state != serving_state::released) {
                others_released = false;
            }
        }
        if (unchanged && others_released) {
            return std::vector<std::string>{};
        }
    }
    std::vector<std::string> out;
    auto done = documents_->transact([&](store::transaction& tx) -> result<void> {
        const auto now = clock_->now();
        auto doc = tx.get(record_key(user, partner));
        if (!doc) {
            return std::move(doc).err();
        }
        std::optional<serving_record> current;
        if (doc.value()) {
            if (auto decoded = decode(doc.value()->content)) {
                current = std::move(decoded).value();
            }
        }
        if (!current || !serves_lately(*current, service, profile_name, profile_etag, now)) {
            serving_record r = current.value_or(serving_record{});
            if (!current || r.state != serving_state::serving) {
                r.first_served_at = now;
                r.profiles.clear();
            }
            r.user = std::string(user);
            r.partner = std::string(partner);
            r.state = serving_state::serving;
            auto& provided = profile_of(r, service);
            provided.profile_name = std::string(profile_name);
            provided.profile_etag = std::string(profile_etag);
            r.last_served_at = now;
            r.correlation_id = std::string(correlation_id);
            if (auto saved = save(tx, r); !saved) {
                return saved;
            }
        }
        auto released = release_all_except(tx, user, partner);
        if (!released) {
            return std::move(released).err();
        }
        out = std::move(released).value();
        return {};
    });
    if (!done) {
        return std::move(done).err();
    }
    return out;
}

result<std::vector<std::string>> serving_register::record_home(std::string_view user) {
    // Every home read of a user profile comes here; most users are served nowhere else: one read, no write transaction.
    if (auto docs = documents_->list_documents(record_auid, user)) {
        const auto records = decode_records(user, *docs);
        if (records.size() == docs->size() &&
            std::all_of(records.begin(), records.end(),
                        [](const serving_record& r) { return r.state == serving_state::released; })) {
            return std::vector<std::string>{};
        }
    }
    std::vector<std::string> out;
    auto done = documents_->transact([&](store::transaction& tx) -> result<void> {
        auto released = release_all_except(tx, user, {});
        if (!released) {
            return std::move(released).err();
        }
        out = std::move(released).value();
        return {};
    });
    if (!done) {
        return std::move(done).err();
    }
    return out;
}

result<void> serving_register::record_released(std::string_view user, std::string_view partner) {
    return documents_->transact([&](store::transaction& tx) -> result<void> {
        auto doc = tx.get(record_key(user, partner));
        if (!doc) {
            return std::move(doc).err();
        }
        if (!doc.value()) {
            return {};
        }
        auto r = decode(doc.value()->content);
        // A release that raced with a new provision to the same partner must not undo it.
        if (!r || r->state != serving_state::release_pending) {
            return {};
        }
        r->state = serving_state::released;
        return save(tx, *r);
    });
}

result<void> serving_register::record_delivery(std::string_view user, std::string_view partner,
                                               delivery_report report) {
    return documents_->transact([&](store::transaction& tx) -> result<void> {
        auto doc = tx.get(record_key(user, partner));
        if (!doc) {
            return std::move(doc).err();
        }
        if (!doc.value()) {
            return make_error(errc::not_found, std::string(partner) + " was never provided this user's profile");
        }
        auto r = decode(doc.value()->content);
        if (!r) {
            return std::move(r).err();
        }
        if (r->state != serving_state::serving) {
            return make_error(errc::conflict, "the user is no longer served by " + std::string(partner));
        }
        auto provided = std::find_if(r->profiles.begin(), r->profiles.end(),
                                     [&](const provided_profile& p) { return p.service == report.service; });
        if (provided == r->profiles.end()) {
            return make_error(errc::not_found, std::string(partner) + " was never provided this user's " +
                                                   report.service + " profile");
        }
        provided->delivery = std::move(report);
        return save(tx, *r);
    });
}

result<std::vector<serving_record>> serving_register::records(std::optional<std::string_view> user) const {
    if (user) {
        auto docs = documents_->list_documents(record_auid, *user);
        if (!docs) {
            return std::move(docs).err();
        }
        return decode_records(*user, *docs);
    }
    auto all = documents_->list_all(record_auid);
    if (!all) {
        return std::move(all).err();
    }
    std::vector<serving_record> out;
    out.reserve(all->size());
    for (const auto& d : *all) {
        auto record = decode(d.document.content);
        if (!record) {
            support::logger("migration")->error("{} serving record {}: {}", d.xui, d.name, record.err().message);
            continue;
        }
        out.push_back(std::move(record).value());
    }
    return out;
}

result<std::vector<serving_record>> serving_register::pending_releases() const {
    auto all = records();
    if (!all) {
        return all;
    }
    std::erase_if(*all, [](const serving_record& r) { return r.state != serving_state::release_pending; });
    return all;
}

} // namespace mcprov::migration
