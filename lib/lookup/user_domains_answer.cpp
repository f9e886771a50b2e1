#include <boost/json.hpp>

#include "mcprov/lookup/central_lookup.hpp"
#include "mcprov/support/json.hpp"

namespace mcprov::lookup {
namespace {

namespace json = boost::json;
using support::errc;
using support::make_error;
using support::result;

constexpr std::size_t max_domains = 256;
constexpr std::size_t max_uri_bytes = 1024;

} // namespace

result<std::vector<supported_domain>> read_user_domains(std::string_view body) {
    boost::system::error_code ec;
    json::parse_options limits;
    limits.max_depth = 8;
    auto value = json::parse(body, ec, {}, limits);
    const auto* root = ec ? nullptr : value.if_object();
    const auto* domains = root ? root->if_contains("domains") : nullptr;
    if (!domains || !domains->is_array() || domains->get_array().size() > max_domains) {
        return make_error(errc::invalid_argument, "its answer is not a list of domains");
    }
    std::vector<supported_domain> out;
    for (const auto& d : domains->get_array()) {
        const auto* o = d.if_object();
        auto kms = o ? support::json_bounded_text(*o, "kms_uri", max_uri_bytes) : std::nullopt;
        const auto* permitted = o ? o->if_contains("permitted_external") : nullptr;
        if (!kms || kms->empty() || (permitted && (!permitted->is_array() ||
                                                    permitted->get_array().size() > max_domains))) {
            return make_error(errc::invalid_argument, "its answer names a domain without a KMS URI or with a bad list");
        }
        supported_domain s{.kms_uri = *kms, .permitted_external = {}};
        if (permitted) {
            for (const auto& p : permitted->get_array()) {
                if (!p.is_string() || p.get_string().empty() || p.get_string().size() > max_uri_bytes) {
                    return make_error(errc::invalid_argument, "its answer has a permitted domain that is not a URI");
                }
                s.permitted_external.emplace_back(p.get_string());
            }
        }
        out.push_back(std::move(s));
    }
    return out;
}

} // namespace mcprov::lookup
