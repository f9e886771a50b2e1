#include "mcprov/cmc/served_profile_check.hpp"

#include "mcprov/http/tls.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/xml/document.hpp"
#include "mcprov/xml/signature.hpp"

namespace mcprov::cmc {

using support::errc;
using support::make_error;
using support::result;

namespace {

// The XUI-URI attribute at the root of a profile ("" when absent or the profile does not parse).
std::string xui_uri_of(std::string_view profile) {
    auto doc = xml::parse(profile);
    if (!doc) {
        return {};
    }
    return doc->root().attribute("XUI-URI").value_or("");
}

} // namespace

result<checked_profile> check_served_profile(std::string_view profile, std::string_view trusted_ca_pem,
                                             const serving_expectation& expected,
                                             std::chrono::system_clock::time_point now) {
    auto verified = xml::verify_enveloped(profile, trusted_ca_pem);
    if (!verified) {
        return std::move(verified).err();
    }
    // The signer is the serving system itself, not merely someone the CA vouches for.
    if (!http::certificate_names(verified->signer_certificate_pem, expected.serving_system)) {
        return make_error(errc::forbidden, "the profile is signed by " + verified->signer_subject + ", not by " +
                                               expected.serving_system);
    }
    auto stamp = migration::read_serving_stamp(profile);
    if (!stamp) {
        return std::move(stamp).err();
    }
    if (stamp->serving_system != expected.serving_system) {
        return make_error(errc::forbidden,
                          "the profile is for " + stamp->serving_system + ", not " + expected.serving_system);
    }
    if (now < stamp->valid_from || now >= stamp->valid_until) {
        return make_error(errc::forbidden, "the profile is valid from " + support::format_utc(stamp->valid_from) +
                                               " until " + support::format_utc(stamp->valid_until) + ", not now");
    }
    auto xui = xui_uri_of(verified->unsigned_document);
    if (xui != expected.user) {
        return make_error(errc::forbidden, "the profile is " + (xui.empty() ? "of no user (no XUI-URI)" : "of " + xui) +
                                               ", not " + expected.user);
    }
    return checked_profile{std::move(stamp).value(), std::move(verified->signer_subject),
                           std::move(verified->unsigned_document)};
}

} // namespace mcprov::cmc
