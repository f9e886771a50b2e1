#include "mcprov/kmc/key_material.hpp"

#include <algorithm>

#include "mcprov/mikey/keys.hpp"

namespace mcprov::kmc {

using kms_interface::kms_certificate;
using kms_interface::kms_key_set;
using support::errc;
using support::make_error;
using support::result;

mikey::kms_identity identity_of(const kms_certificate& certificate) {
    return {certificate.kms_uri,
            {certificate.pub_auth_key, certificate.pub_enc_key},
            {static_cast<std::uint64_t>(certificate.user_key_period),
             static_cast<std::uint64_t>(certificate.user_key_offset)}};
}

result<kms_certificate> usable_certificate(const key_material& material, std::string_view kms_uri,
                                           std::chrono::system_clock::time_point now) {
    const kms_certificate* found = nullptr;
    if (material.own.kms_uri == kms_uri) {
        found = &material.own;
    } else {
        auto it = std::find_if(material.external.begin(), material.external.end(),
                               [&](const kms_certificate& c) { return c.kms_uri == kms_uri; });
        if (it == material.external.end()) {
            return make_error(errc::forbidden, "the security domain " + std::string(kms_uri) + " is not permitted by " +
                                                   material.own.kms_uri + " (not in its certcache)");
        }
        found = &*it;
    }
    if (found->revoked) {
        return make_error(errc::forbidden, "the KmsCertificate of " + std::string(kms_uri) + " is revoked");
    }
    if ((found->valid_from && now < *found->valid_from) || (found->valid_to && now >= *found->valid_to)) {
        return make_error(errc::forbidden, "the KmsCertificate of " + std::string(kms_uri) + " is not valid now");
    }
    return *found;
}

mikey::kms_trust trust_of(const key_material& material, std::chrono::system_clock::time_point now) {
    return [&material, now](std::string_view kms_uri) -> result<mikey::trusted_kms> {
        auto certificate = usable_certificate(material, kms_uri, now);
        if (!certificate) {
            return std::move(certificate).err();
        }
        auto identity = identity_of(*certificate);
        return mikey::trusted_kms{identity.keys, identity.periods};
    };
}

result<mikey::responder_credentials> responder_of(const key_material& material) {
    mikey::responder_credentials out;
    out.uri = material.keys.user_uri;
    out.kms = identity_of(material.own);
    out.keys = {material.keys.user_decrypt_key, material.keys.user_signing_key_ssk, material.keys.user_pub_token_pvt};
    if (material.keys.key_period_no < 0) {
        return make_error(errc::invalid_argument, "a key set with a negative key period");
    }
    out.key_period = static_cast<std::uint64_t>(material.keys.key_period_no);
    return out;
}

result<void> validate_key_set(const kms_certificate& kms, const kms_key_set& keys) {
    if (keys.kms_uri != kms.kms_uri) {
        return make_error(errc::unauthenticated, "the key set is from " + keys.kms_uri + ", not " + kms.kms_uri);
    }
    mikey::public_keys pub{kms.pub_auth_key, kms.pub_enc_key};
    if (auto rsk = mikey::validate_receiver_key(pub, keys.user_id, keys.user_decrypt_key); !rsk) {
        return make_error(rsk.err().code, "the RSK does not validate: " + rsk.err().message);
    }
    if (auto ssk = mikey::validate_signing_keys(pub, keys.user_id, keys.user_signing_key_ssk, keys.user_pub_token_pvt);
        !ssk) {
        return make_error(ssk.err().code, "the SSK and PVT do not validate: " + ssk.err().message);
    }
    return {};
}

} // namespace mcprov::kmc
