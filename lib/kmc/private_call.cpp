#include "mcprov/kmc/private_call.hpp"

#include <algorithm>

#include "mcprov/kmc/key_establishment.hpp"
#include "mcprov/kms_interface/kms_redirect_response.hpp"
#include "mcprov/sip/mikey_in_body.hpp"
#include "mcprov/sip/user_agent.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::kmc {
namespace {

using support::errc;
using support::make_error;
using support::result;

constexpr std::string_view boundary = "mcprov-private-call";

// The INVITE's body of an MCPTT private call: the SDP with the key-mgmt line, and the mcptt-info part.
std::pair<std::string, std::string> private_call_body(const std::string& i_message) {
    const std::string sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                            "m=audio 49170 RTP/SAVP 96\r\na=rtpmap:96 AMR-WB/16000\r\na=key-mgmt:mikey " +
                            support::base64_encode(i_message) + "\r\n";
    const std::string info = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\">"
                             "<mcptt-Params><session-type>private</session-type></mcptt-Params></mcpttinfo>\r\n";
    const std::string b(boundary);
    return {"multipart/mixed;boundary=" + b, "--" + b + "\r\nContent-Type: application/sdp\r\n\r\n" + sdp + "\r\n--" +
                                                 b + "\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n" +
                                                 info + "\r\n--" + b + "--\r\n"};
}

std::string join(const std::vector<std::string>& list) {
    std::string out;
    for (const auto& s : list)
        out += (out.empty() ? "" : ", ") + s;
    return out;
}

} // namespace

result<private_call_outcome> place_private_call(const private_call_request& request) {
    if (request.held.empty())
        return make_error(errc::invalid_argument, "no key material to call with");
    private_call_outcome out;
    out.keys = {0, request.responder_kms.empty() ? request.held.front().own.kms_uri : request.responder_kms};
    std::vector<call_keys> tried;
    for (unsigned round = 1; round <= request.max_rounds; ++round) {
        const auto& material = request.held.at(out.keys.material);
        const auto now = std::chrono::system_clock::now();
        auto built = send_i_message(material, request.to, out.keys.responder_kms, now);
        if (!built) {
            if (round == 1)
                return std::move(built).err();
            out.why = "the offered domain cannot be used: " + built.err().message;
            return out;
        }
        tried.push_back(out.keys);
        auto [type, body] = private_call_body(built->bytes);
        auto answer = sip::place_call({.from = material.keys.user_uri,
                                       .to = request.to,
                                       .proxy = request.proxy,
                                       .content_type = type,
                                       .body = body,
                                       .timeout = std::chrono::seconds(10)});
        if (!answer)
            return std::move(answer).err();
        out.status = answer->status;
        const std::string attempt = "INVITE signed in " + material.own.kms_uri + " to " + request.to + " under " +
                                    out.keys.responder_kms + ": " + std::to_string(answer->status);
        if (answer->status < 300) {
            out.rounds.push_back(attempt + " (established)");
            out.established = true;
            return out;
        }
        if (answer->status != 488 || answer->content_type != kms_interface::krr_media_type) {
            out.rounds.push_back(attempt + (answer->warning.empty() ? "" : " (" + answer->warning + ")"));
            out.why = "the call was refused with " + std::to_string(answer->status) +
                      (answer->warning.empty() ? "" : ": " + answer->warning);
            return out;
        }
        auto krr = kms_interface::decode_kms_redirect_response(answer->body);
        if (krr && !request.trusted_ca_pem.empty()) {
            if (auto verified = kms_interface::verify_kms_redirect_response(answer->body, request.trusted_ca_pem);
                !verified) {
                out.rounds.push_back(attempt + " with a KMS Redirect Response that does not verify");
                out.why = "the redirect is not trusted: " + verified.err().message;
                return out;
            }
        }
        if (!krr) {
            out.rounds.push_back(attempt + " with a KMS Redirect Response that does not read");
            out.why = "the redirect does not read: " + krr.err().message;
            return out;
        }
        out.rounds.push_back(attempt + ", redirected by " + krr->krr.redirector + " (" +
                             std::string(kms_interface::to_string(krr->krr.role)) + " KMS " + krr->krr.rejected_kms +
                             "; offered: " + (krr->krr.acceptable.empty() ? "none" : join(krr->krr.acceptable)) + ")");
        auto decision = follow_redirect(request.held, out.keys, krr->krr, tried, std::chrono::system_clock::now());
        if (!decision.retry) {
            out.why = decision.why;
            return out;
        }
        out.keys = *decision.retry;
    }
    out.why = "still redirected after " + std::to_string(request.max_rounds) + " attempts";
    return out;
}

result<unsigned> answer_private_calls(const key_material& material, std::uint16_t port, unsigned calls,
                                      std::chrono::milliseconds timeout,
                                      const std::function<void(const answered_call&)>& answered,
                                      const std::function<void()>& listening, kms_client* kms) {
    const std::string& own = material.own.kms_uri;
    auto refuse_with_krr = [&](const sip::incoming_call& call, const mikey::i_message& m, kms_interface::krr_role role,
                               std::vector<std::string> acceptable, const std::string& why) {
        const auto* kmsi = m.find_identity(mikey::id_role::initiator_kms);
        const auto* kmsr = m.find_identity(mikey::id_role::responder_kms);
        auto krr = kms_interface::encode_kms_redirect_response(
            {.time = std::chrono::system_clock::now(),
             .redirector = material.keys.user_uri,
             .initiator = call.from,
             .responder = material.keys.user_uri,
             .role = role,
             .rejected_kms = role == kms_interface::krr_role::initiator ? (kmsi ? kmsi->data : "")
                                                                        : (kmsr ? kmsr->data : ""),
             .acceptable = std::move(acceptable),
             .reason = why,
             .embedded = std::nullopt});
        answered({.from = call.from, .status = 488, .initiator_kms = kmsi ? kmsi->data : "", .why = why,
                  .external = false, .reported = false});
        if (!krr)
            return sip::call_answer{.status = 488, .content_type = {}, .body = {}};
        return sip::call_answer{.status = 488, .content_type = std::string(kms_interface::krr_media_type),
                                .body = *krr};
    };
    auto answer = [&](const sip::incoming_call& call) -> sip::call_answer {
        auto found = sip::find_i_messages(call.content_type, call.body);
        if (!found || found->empty()) {
            answered({.from = call.from, .status = 488, .initiator_kms = {},
                      .why = found ? "no I_MESSAGE" : found.err().message, .external = false, .reported = false});
            return {.status = 488, .content_type = {}, .body = {}};
        }
        const auto& bytes = found->front().octets;
        auto message = mikey::decode_i_message(bytes);
        if (!message) {
            answered({.from = call.from, .status = 488, .initiator_kms = {}, .why = message.err().message,
                      .external = false, .reported = false});
            return {.status = 488, .content_type = {}, .body = {}};
        }
        const auto* kmsr = message->find_identity(mikey::id_role::responder_kms);
        if (!kmsr || kmsr->data != own)
            return refuse_with_krr(call, *message, kms_interface::krr_role::responder, {own},
                                   "this user's keys are from " + own);
        auto received = receive_i_message(material, bytes, std::chrono::system_clock::now());
        if (!received) {
            if (received.err().code == errc::forbidden) {
                // Step 4: the initiator's domain is not one this user may use: offer its own and those it permits.
                std::vector<std::string> acceptable{own};
                for (const auto& c : material.external)
                    if (usable_certificate(material, c.kms_uri, std::chrono::system_clock::now()))
                        acceptable.push_back(c.kms_uri);
                return refuse_with_krr(call, *message, kms_interface::krr_role::initiator, std::move(acceptable),
                                       received.err().message);
            }
            answered({.from = call.from, .status = 488, .initiator_kms = {}, .why = received.err().message,
                      .external = false, .reported = false});
            return {.status = 488, .content_type = {}, .body = {}};
        }
        answered_call call_answered{.from = received->initiator_uri, .status = 200,
                                    .initiator_kms = received->initiator_kms_uri, .why = {},
                                    .external = uses_external_domain(material, *received), .reported = false};
        if (call_answered.external && kms) {
            auto reported = report_external_domain_use(*kms, material, *received, std::chrono::system_clock::now());
            call_answered.reported = reported && *reported;
            if (!reported)
                call_answered.why = "the use of " + received->initiator_kms_uri + " not reported: " +
                                    reported.err().message;
        }
        answered(call_answered);
        return {.status = 200, .content_type = {}, .body = {}};
    };
    return sip::answer_calls("127.0.0.1", port, calls, answer, timeout, listening);
}

} // namespace mcprov::kmc
