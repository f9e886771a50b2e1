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

store::document_write audit_write(const audit_record& r) {
    static const auto log = support::logger("dms.audit");
    log->info("{} {} {} {}", r.device, r.actor, r.action, r.detail);
    return {{std::string(audit_auid), r.device, job_queue::new_id(r.time) + ".json"},
            json::serialize(json::object{{"time", support::format_utc(r.time)},
                                         {"actor", r.actor},
                                         {"action", r.action},
                                         {"detail", r.detail}})};
}

support::result<std::vector<audit_record>> read_audit(const store::document_store& documents, std::string_view device) {
    auto docs = documents.list_documents(audit_auid, device);
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
        out.push_back({support::parse_utc(text_of(o, "time")).value_or(std::chrono::system_clock::time_point{}),
                       text_of(o, "actor"), text_of(o, "action"), std::string(device), text_of(o, "detail")});
    }
    return out; // names begin with the time: list_documents orders them
}

} // namespace mcprov::dms
