#include "mcprov/kmc/key_establishment.hpp"

#include <string>
#include <utility>

#include "mcprov/support/encoding.hpp"

namespace mcprov::kmc {

using support::errc;
using support::make_error;
using support::result;

result<mikey::built_i_message> send_i_message(const key_material& sender, std::string_view responder_uri,
                                              std::string_view responder_kms_uri,
                                              std::chrono::system_clock::time_point time,
                                              mikey::identity_form identities) {
    auto responder =
        usable_certificate(sender, responder_kms_uri.empty() ? sender.own.kms_uri : responder_kms_uri, time);
    if (!responder) {
        return std::move(responder).err();
    }
    mikey::i_message_request request;
    request.initiator_uri = sender.keys.user_uri;
    request.initiator_kms = identity_of(sender.own);
    request.initiator_keys = {sender.keys.user_decrypt_key, sender.keys.user_signing_key_ssk,
                              sender.keys.user_pub_token_pvt};
    request.responder_uri = std::string(responder_uri);
    request.responder_kms = identity_of(*responder);
    request.time = time;
    request.identities = identities;
    return mikey::build_i_message(request);
}

result<mikey::received_i_message> receive_i_message(const key_material& responder, std::string_view bytes,
                                                    std::chrono::system_clock::time_point now) {
    auto credentials = responder_of(responder);
    if (!credentials) {
        return std::move(credentials).err();
    }
    return mikey::process_i_message(bytes, *credentials, trust_of(responder, now), now, allowed_clock_skew);
}

result<mikey::received_i_message> verify_i_message(kms_interface::kms_key_set keys,
                                                   std::vector<kms_interface::kms_certificate> certificates,
                                                   std::string_view bytes, std::chrono::system_clock::time_point now) {
    key_material material;
    material.keys = std::move(keys);
    bool own_found = false;
    for (auto& certificate : certificates) {
        if (!own_found && certificate.kms_uri == material.keys.kms_uri) {
            material.own = std::move(certificate);
            own_found = true;
        } else {
            material.external.push_back(std::move(certificate));
        }
    }
    if (!own_found) {
        return make_error(errc::invalid_argument,
                          "none of the certificates is of the key set's KMS, " + material.keys.kms_uri);
    }
    if (auto valid = validate_key_set(material.own, material.keys); !valid) {
        return std::move(valid).err();
    }
    return receive_i_message(material, bytes, now);
}

bool uses_external_domain(const key_material& responder, const mikey::received_i_message& received) {
    return received.initiator_kms_uri != responder.own.kms_uri;
}

result<bool> report_external_domain_use(kms_client& kms, const key_material& responder,
                                        const mikey::received_i_message& received,
                                        std::chrono::system_clock::time_point used_at) {
    if (!uses_external_domain(responder, received)) {
        return false;
    }
    const auto peer =
        received.initiator_uri.empty() ? support::hex_encode(received.initiator_uid) : received.initiator_uri;
    if (auto reported = kms.report_use(received.initiator_kms_uri, peer, used_at); !reported) {
        return std::move(reported).err();
    }
    return true;
}

} // namespace mcprov::kmc
