#include "mcprov/kms/external_domain_use_report.hpp"

#include <algorithm>
#include <array>

#include <boost/json.hpp>

#include "mcprov/support/log.hpp"

namespace mcprov::kms {
namespace {

namespace json = boost::json;
using support::errc;
using support::make_error;
using support::result;

constexpr std::array<std::string_view, 3> report_members{"external_kms_uri", "peer_uri", "used_at"};

const std::shared_ptr<spdlog::logger>& log() {
    static const auto logger = support::logger("kms");
    return logger;
}

support::error bad_report() {
    return make_error(errc::invalid_argument,
                      "a use report is a JSON object with external_kms_uri, peer_uri and used_at (RFC 3339 UTC)");
}

// What failed inside the store is logged; the client learns only that the store cannot be used.
support::error store_failure(std::string_view reporter, const support::error& e) {
    log()->error("{}: a use report cannot be kept: {}: {}", support::printable(reporter), support::to_string(e.code),
                 support::printable(e.message));
    return make_error(errc::unavailable, "the KMS store is unavailable");
}

result<external_domain_use> decode_report(std::string_view text) {
    boost::system::error_code ec;
    auto value = json::parse(text, ec);
    if (ec || !value.is_object()) {
        return bad_report();
    }
    const auto& o = value.get_object();
    for (const auto& member : o) {
        std::string_view key(member.key().data(), member.key().size());
        if (std::find(report_members.begin(), report_members.end(), key) == report_members.end()) {
            return make_error(errc::invalid_argument, "a use report has no member \"" + support::printable(key, 64) +
                                                          "\": it has external_kms_uri, peer_uri and used_at");
        }
    }
    auto text_of = [&](std::string_view key) -> std::string {
        const auto* v = o.if_contains(key);
        return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    external_domain_use use;
    use.external_kms_uri = text_of("external_kms_uri");
    use.peer_uri = text_of("peer_uri");
    auto used_at = support::parse_utc(text_of("used_at"));
    if (use.external_kms_uri.empty() || use.peer_uri.empty() || !used_at) {
        return bad_report();
    }
    use.used_at = *used_at;
    return use;
}

} // namespace

result<external_domain_use> external_domain_use_report::run(std::string_view reporter, std::string_view report) const {
    auto member = store_->is_member(reporter);
    if (!member) {
        return store_failure(reporter, member.err());
    }
    if (!*member) {
        return make_error(errc::forbidden, std::string(reporter) + " is not a member of " + kms_uri_);
    }
    auto use = decode_report(report);
    if (!use) {
        return std::move(use).err();
    }
    use->reporter = std::string(reporter);
    use->received_at = clock_->now();
    auto cache = store_->external_domains();
    if (!cache) {
        return store_failure(reporter, cache.err());
    }
    auto it = std::find_if(cache->domains.begin(), cache->domains.end(),
                           [&](const external_domain& e) { return e.kms_uri == use->external_kms_uri; });
    use->permitted = it != cache->domains.end() && !it->revoked;
    use->revoked = it != cache->domains.end() && it->revoked;
    if (auto recorded = store_->record_use(*use); !recorded) {
        if (recorded.err().code == errc::invalid_argument) {
            return std::move(recorded).err();
        }
        return store_failure(reporter, recorded.err());
    }
    if (!use->permitted) {
        log()->warn("{}: reports use of {} with {}, which {} does not permit{}", support::printable(reporter),
                    support::printable(use->external_kms_uri), support::printable(use->peer_uri), kms_uri_,
                    use->revoked ? " (its certificate is revoked)" : "");
    } else {
        log()->info("{}: reports use of {} with {}", support::printable(reporter),
                    support::printable(use->external_kms_uri), support::printable(use->peer_uri));
    }
    return use;
}

} // namespace mcprov::kms
