#include "mcprov/kms/certificate_cache.hpp"

#include "mcprov/support/log.hpp"

namespace mcprov::kms {

using support::errc;
using support::make_error;
using support::result;

result<kms_interface::kms_cert_cache> certificate_cache::run(std::string_view user,
                                                             std::optional<std::int64_t> known) const {
    static const auto log = support::logger("kms");
    auto member = store_->is_member(user);
    if (!member) {
        return std::move(member).err();
    }
    if (!*member) {
        return make_error(errc::forbidden, std::string(user) + " is not a member of " + kms_uri_);
    }
    auto cache = store_->external_domains();
    if (!cache) {
        return std::move(cache).err();
    }
    kms_interface::kms_cert_cache body;
    body.cache_num = cache->cache_number;
    if (known != cache->cache_number) {
        for (const auto& external : cache->domains) {
            auto certificate = kms_interface::decode_kms_certificate(external.certificate_xml);
            if (!certificate) {
                log->error("{}: the stored certificate of {} does not decode: {}", support::printable(user),
                           support::printable(external.kms_uri), certificate.err().message);
                continue;
            }
            certificate->role = kms_interface::kms_role::external;
            certificate->revoked = external.revoked;
            body.certificates.push_back(std::move(certificate).value());
        }
    }
    log->info("{}: certcache {} ({} certificates)", support::printable(user), cache->cache_number,
              body.certificates.size());
    return body;
}

} // namespace mcprov::kms
