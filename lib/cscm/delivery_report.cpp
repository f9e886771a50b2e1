#include "mcprov/cscm/delivery_report.hpp"

#include <algorithm>
#include <cstdio>

#include <boost/json.hpp>

#include "mcprov/cscm/resources.hpp"
#include "mcprov/support/clock.hpp"

namespace mcprov::cscm {
namespace {

using support::errc;
using support::make_error;
using support::result;
namespace json = boost::json;

std::string field(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool is_digest(std::string_view d) {
    constexpr std::string_view prefix = "sha-256:";
    if (!d.starts_with(prefix) || d.size() != prefix.size() + 64) {
        return false;
    }
    return d.find_first_not_of("0123456789abcdef", prefix.size()) == std::string_view::npos;
}

} // namespace

std::string encode_delivery_report(const delivery_report& r) {
    return json::serialize(json::object{{"profile_etag", r.profile_etag},
                                        {"digest", r.digest},
                                        {"template", r.template_name},
                                        {"delivered_at", support::format_utc(r.delivered_at)},
                                        {"correlation_id", r.correlation_id},
                                        {"service", r.service}});
}

result<delivery_report> decode_delivery_report(std::string_view text) {
    if (text.size() > 4096) {
        return make_error(errc::too_large, "a delivery report is at most 4096 bytes");
    }
    boost::system::error_code ec;
    json::parse_options options;
    options.max_depth = 4;
    auto value = json::parse(text, ec, {}, options);
    if (ec || !value.is_object()) {
        return make_error(errc::invalid_argument, "a delivery report must be a JSON object");
    }
    const auto& o = value.as_object();
    for (const auto& member : o) {
        static constexpr std::string_view known[] = {"profile_etag", "digest", "template", "delivered_at",
                                                     "correlation_id", "service"};
        if (std::find(std::begin(known), std::end(known), member.key()) == std::end(known)) {
            return make_error(errc::invalid_argument, "unknown member " + std::string(member.key()));
        }
        if (!member.value().is_string() || member.value().as_string().size() > 512) {
            return make_error(errc::invalid_argument,
                              std::string(member.key()) + " must be a string of at most 512 characters");
        }
        // The members end up in logs and listings: no control characters, nothing but printable ASCII.
        const auto& chars = member.value().as_string();
        if (auto bad = std::find_if(chars.begin(), chars.end(), [](char c) { return c < 0x20 || c > 0x7e; });
            bad != chars.end()) {
            char code[8];
            std::snprintf(code, sizeof code, "0x%02x", static_cast<unsigned>(static_cast<unsigned char>(*bad)));
            return make_error(errc::invalid_argument, std::string(member.key()) + " must be printable ASCII; byte " +
                                                          code + " at offset " + std::to_string(bad - chars.begin()) +
                                                          " is not");
        }
    }
    delivery_report r{
        field(o, "profile_etag"), field(o, "digest"), field(o, "template"), {}, field(o, "correlation_id")};
    if (o.contains("service")) {
        r.service = field(o, "service");
        if (!is_service(r.service)) {
            return make_error(errc::invalid_argument, "service must be one of mcptt, mcdata, mcvideo");
        }
    }
    if (r.profile_etag.empty() || r.template_name.empty()) {
        return make_error(errc::invalid_argument, "profile_etag and template are required");
    }
    if (!is_digest(r.digest)) {
        return make_error(errc::invalid_argument, "digest must be sha-256: and 64 lowercase hex digits");
    }
    auto when = support::parse_utc(field(o, "delivered_at"));
    if (!when) {
        return make_error(errc::invalid_argument, "delivered_at must be an RFC 3339 UTC time");
    }
    r.delivered_at = *when;
    return r;
}

} // namespace mcprov::cscm
