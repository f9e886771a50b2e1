#include "mcprov/dms/audit.hpp"

#include <boost/json.hpp>

#include "mcprov/dms/job.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::dms {
namespace {

namespace json = boost::json;
constexpr std::string_view audit_auid = "org.mcprov.dm-audit";

std::string text_of(const json::object& o, std::string_view k) {
    const auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

} // namespace

std::string record_json(const audit_record& r) {
    json::object o{{"time", support::format_utc(r.time)}, {"actor", r.actor}, {"action", r.action},
                   {"device", r.device}, {"detail", r.detail}};
    if (!r.subscription.empty())
        o["subscription"] = r.subscription;
    return json::serialize(o);
}

store::document_write audit_write(const audit_record& r) {
    static const auto log = support::logger("dms.audit");
    log->info("{} {} {} {}{}", r.device, r.actor, r.action, r.detail,
              r.subscription.empty() ? std::string() : " (subscription " + r.subscription + ")");
    return {{std::string(audit_auid), r.device, job_queue::new_id(r.time) + ".json"}, record_json(r)};
}

std::vector<store::document_write> audit_writes(const audit_record& r) {
    std::vector<store::document_write> out{audit_write(r)};
    if (!r.subscription.empty())
        out.push_back({{std::string(audit_auid), "IMSI:" + r.subscription, out.front().key.name}, record_json(r)});
    return out;
}

namespace {

support::result<std::vector<audit_record>> records_of(const store::document_store& documents, std::string_view xui,
                                                      std::string_view device) {
    auto docs = documents.list_documents(audit_auid, xui);
    if (!docs) {
        return std::move(docs).err();
    }
    std::vector<audit_record> out;
    for (const auto& d : *docs) {
        boost::system::error_code ec;
        auto v = json::parse(d.document.content, ec);
        if (ec || !v.is_object()) {
            continue;
        }
        const auto& o = v.as_object();
        const auto stored_device = text_of(o, "device");
        out.push_back({support::parse_utc(text_of(o, "time")).value_or(std::chrono::system_clock::time_point{}),
                       text_of(o, "actor"), text_of(o, "action"),
                       stored_device.empty() ? std::string(device) : stored_device, text_of(o, "detail"),
                       text_of(o, "subscription")});
    }
    return out; // names begin with the time: list_documents orders them
}

} // namespace

support::result<std::vector<audit_record>> read_audit(const store::document_store& documents, std::string_view device) {
    return records_of(documents, device, device);
}

support::result<std::vector<audit_record>> read_subscription_audit(const store::document_store& documents,
                                                                   std::string_view imsi) {
    return records_of(documents, "IMSI:" + std::string(imsi), {});
}

} // namespace mcprov::dms
