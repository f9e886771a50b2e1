#include "mcprov/devkit/system_credentials.hpp"

#include "mcprov/identity/access_token.hpp"

namespace mcprov::devkit {

using support::errc;
using support::make_error;
using support::result;

result<system_credentials> make_system_credentials(const std::string& ca_name, const std::string& system_id,
                                                   std::chrono::hours validity) {
    auto idms_key = identity::generate_p256_private_key_pem();
    auto idms_public = idms_key ? identity::public_key_pem_from_private(*idms_key) : result<std::string>{""};
    auto ca = http::create_certificate_authority(ca_name, validity);
    if (!idms_key || !idms_public || !ca) {
        return make_error(errc::internal, "key generation failed");
    }
    auto tls = http::issue_certificate(*ca, system_id, {system_id, "localhost"}, {"127.0.0.1", "::1"},
                                       http::certificate_usage::server, validity);
    if (!tls) {
        return make_error(errc::internal, "certificate issuing failed");
    }
    return system_credentials{std::move(idms_key).value(), std::move(idms_public).value(), std::move(ca).value(),
                              std::move(tls).value()};
}

} // namespace mcprov::devkit
