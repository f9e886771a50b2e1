#include "mcprov/migration/serving_register.hpp"

#include <algorithm>
#include <cstdio>

#include <boost/json.hpp>

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
    json::object o{{"user", r.user},
                   {"partner", r.partner},
                   {"state", to_string(r.state)},
                   {"profile_name", r.profile_name},
                   {"profile_etag", r.profile_etag},
                   {"first_served_at", support::format_utc(r.first_served_at)},
                   {"last_served_at", support::format_utc(r.last_served_at)},
                   {"correlation_id", r.correlation_id}};
    if (r.delivery) {
        o["delivery"] = json::object{{"profile_etag", r.delivery->profile_etag},
                                     {"digest", r.delivery->digest},
                                     {"template", r.delivery->template_name},
                                     {"delivered_at", support::format_utc(r.delivery->delivered_at)},
                                     {"correlation_id", r.delivery->correlation_id}};
    }
    return json::serialize(o);
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
    r.profile_name = field(o, "profile_name");
    r.profile_etag = field(o, "profile_etag");
    r.first_served_at = time_field(o, "first_served_at");
    r.last_served_at = time_field(o, "last_served_at");
    r.correlation_id = field(o, "correlation_id");
    if (const auto* d = o.if_contains("delivery"); d && d->is_object()) {
        const auto& dobj = d->as_object();
        r.delivery = delivery_report{field(dobj, "profile_etag"), field(dobj, "digest"), field(dobj, "template"),
                                     time_field(dobj, "delivered_at"), field(dobj, "correlation_id")};
    }
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
                unchanged = r->state == serving_state::serving && r->profile_name == profile_name &&
                            r->profile_etag == profile_etag && now - r->last_served_at < refresh_interval;
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
        const bool unchanged = current && current->state == serving_state::serving &&
                               current->profile_name == profile_name && current->profile_etag == profile_etag &&
                               now - current->last_served_at < refresh_interval;
        if (!unchanged) {
            serving_record r = current.value_or(serving_record{});
            if (!current || r.state != serving_state::serving) {
                r.first_served_at = now;
                r.delivery.reset();
            }
            r.user = std::string(user);
            r.partner = std::string(partner);
            r.state = serving_state::serving;
            r.profile_name = std::string(profile_name);
            r.profile_etag = std::string(profile_etag);
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
        r->delivery = report;
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
