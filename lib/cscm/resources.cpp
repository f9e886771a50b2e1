#include "mcprov/cscm/resources.hpp"

#include <algorithm>
#include <random>

#include "mcprov/support/encoding.hpp"

namespace mcprov::cscm {
namespace {

using support::errc;
using support::make_error;
using support::result;

constexpr std::string_view users_prefix = "/cscm-x/v1/users/";
constexpr std::string_view visitors_prefix = "/cscm-x/v1/visitors/";
constexpr std::string_view migration_profile_suffix = "/migration-profile";
constexpr std::string_view delivery_reports_suffix = "/delivery-reports";

result<std::string> user_segment(std::string_view segment) {
    auto refused = make_error(errc::invalid_argument, "the path must name an MC service ID");
    // At most 1 KiB once decoded, so that any user a path names has a path (each byte at most three) that parses.
    if (segment.empty() || segment.size() > 3 * 1024 || segment.find('/') != std::string_view::npos) {
        return refused;
    }
    auto decoded = support::percent_decode(segment);
    if (!decoded || decoded->empty() || decoded->size() > 1024 ||
        std::any_of(decoded->begin(), decoded->end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
        return refused;
    }
    return std::move(*decoded);
}

} // namespace

bool is_service(std::string_view name) {
    return std::find(services.begin(), services.end(), name) != services.end();
}

std::string migration_profile_media_type(std::string_view service) {
    return "application/vnd.3gpp." + std::string(service) + "-user-profile+xml";
}

std::string path_of(const resource& r) {
    auto user = support::percent_encode(r.user);
    switch (r.kind) {
    case resource_kind::migration_profile:
        return std::string(users_prefix) + user + std::string(migration_profile_suffix) + "/" + r.service;
    case resource_kind::delivery_reports:
        return std::string(users_prefix) + user + std::string(delivery_reports_suffix);
    case resource_kind::visitor:
        return std::string(visitors_prefix) + user;
    }
    return {};
}

result<resource> parse_resource(std::string_view target) {
    if (target.starts_with(users_prefix)) {
        auto rest = target.substr(users_prefix.size());
        auto slash = rest.find('/');
        if (slash == std::string_view::npos) {
            return make_error(errc::not_found, "no such CSCM-x resource");
        }
        auto what = rest.substr(slash);
        resource_kind kind;
        std::string service = "mcptt";
        if (what.starts_with(migration_profile_suffix) &&
            (what.size() == migration_profile_suffix.size() || what[migration_profile_suffix.size()] == '/')) {
            kind = resource_kind::migration_profile;
            if (what.size() > migration_profile_suffix.size()) {
                service = what.substr(migration_profile_suffix.size() + 1);
                if (!is_service(service)) {
                    return make_error(errc::not_found, "no such CSCM-x resource: the service must be one of mcptt, "
                                                       "mcdata, mcvideo");
                }
            }
        } else if (what == delivery_reports_suffix) {
            kind = resource_kind::delivery_reports;
        } else {
            return make_error(errc::not_found, "no such CSCM-x resource");
        }
        auto user = user_segment(rest.substr(0, slash));
        if (!user) {
            return std::move(user).err();
        }
        return resource{kind, std::move(user).value(), std::move(service)};
    }
    if (target.starts_with(visitors_prefix)) {
        auto user = user_segment(target.substr(visitors_prefix.size()));
        if (!user) {
            return std::move(user).err();
        }
        return resource{resource_kind::visitor, std::move(user).value()};
    }
    return make_error(errc::not_found, "no such CSCM-x resource");
}

std::string new_correlation_id() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    std::uint64_t value = generator();
    return support::hex_encode(std::string_view(reinterpret_cast<const char*>(&value), sizeof value));
}

bool is_correlation_id(std::string_view id) {
    return !id.empty() && id.size() <= 64 &&
           id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") ==
               std::string_view::npos;
}

} // namespace mcprov::cscm
