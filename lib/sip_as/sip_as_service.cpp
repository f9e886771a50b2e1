// The application server on sofia-sip's NTA layer: a transaction-stateful proxy that judges the I_MESSAGEs of the
// requests it relays and narrows the KMS Redirect Responses that come back.
#include "mcprov/sip_as/sip_as_service.hpp"

struct mcprov_sip_as_server;
struct mcprov_sip_as_forward;
#define SU_ROOT_MAGIC_T struct mcprov_sip_as_server
#define NTA_AGENT_MAGIC_T struct mcprov_sip_as_server
#define NTA_LEG_MAGIC_T struct mcprov_sip_as_server
#define NTA_OUTGOING_MAGIC_T struct mcprov_sip_as_forward
#define NTA_INCOMING_MAGIC_T struct mcprov_sip_as_forward

#include <sofia-sip/msg_header.h>
#include <sofia-sip/nta.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_util.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/tport_tag.h>

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "mcprov/mikey/i_message.hpp"
#include "mcprov/sip/mikey_in_body.hpp"
#include "mcprov/sip/sofia_text.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/file.hpp"

using namespace mcprov;
using support::errc;
using support::make_error;
using support::result;

namespace {

// A Warning header's text: printable, without quotes, short (RFC 3261 20.43).
std::string warning_text(std::string text) {
    if (text.size() > 200)
        text.resize(200);
    std::replace_if(text.begin(), text.end(), [](char c) { return c == '"' || static_cast<unsigned char>(c) < 0x20; },
                    '\'');
    return text;
}

} // namespace

// One request relayed: its server transaction and the client transaction that carries it on.
struct mcprov_sip_as_forward {
    mcprov_sip_as_server* server = nullptr;
    nta_incoming_t* irq = nullptr;
    nta_outgoing_t* orq = nullptr;
};

struct mcprov_sip_as_server final : sip_as::sip_application_server {
    explicit mcprov_sip_as_server(sip_as::sip_as_config c)
        : config(std::move(c)), lookup(std::make_shared<lookup::security_domain_lookup>()),
          check(lookup, config.policy), log(support::logger("sip-as")) {
        if (config.central) {
            auto central = lookup::create_central_lookup(*config.central);
            if (!central) {
                setup_error = central.err();
                return;
            }
            check = sip_as::security_domain_check(std::move(central).value(), config.policy);
        }
        for (const auto& d : config.domains)
            lookup->update(d);
        if (!config.followed.empty())
            follower = std::make_unique<lookup::policy_follower>(config.followed, config.token_file, config.refresh,
                                                                 lookup, support::create_system_clock());
        const auto host = config.uri.substr(config.uri.find(':') + 1);
        warning_agent = host.substr(0, host.find_first_of(";>"));
    }

    ~mcprov_sip_as_server() override {
        if (leg)
            nta_leg_destroy(leg);
        if (agent)
            nta_agent_destroy(agent);
        if (root)
            su_root_destroy(root);
        su_deinit();
    }

    result<void> start() {
        if (setup_error)
            return *setup_error;
        if (su_init() != 0)
            return make_error(errc::internal, "sofia-sip does not initialise");
        root = su_root_create(this);
        if (!root)
            return make_error(errc::internal, "sofia-sip: no event loop");
        const std::string bind = "sip:" + config.listen_address + ":" + std::to_string(config.listen_port);
        agent = nta_agent_create(root, reinterpret_cast<const url_string_t*>(bind.c_str()), nullptr, nullptr,
                                 NTATAG_UA(0), NTATAG_CANCEL_487(0), NTATAG_SERVER_RPORT(1),
                                 NTATAG_UDP_MTU(config.udp_mtu), TAG_END());
        if (!agent)
            return make_error(errc::unavailable, "cannot listen on " + bind + " (UDP and TCP)");
        if (config.tls_port) {
            if (auto tls = add_tls(); !tls)
                return tls;
        }
        leg = nta_leg_tcreate(agent, &mcprov_sip_as_server::on_request, this, NTATAG_NO_DIALOG(1), TAG_END());
        if (!leg)
            return make_error(errc::internal, "sofia-sip: no default leg");
        if (follower) {
            // Judged from the first request on: the followed KMSs are asked before this server says it listens.
            const auto answered = follower->refresh_now();
            if (answered < config.followed.size())
                log->warn("{} of {} followed KMS(s) answered; the others are asked again every {} s", answered,
                          config.followed.size(), config.refresh.count());
        }
        log->info("security domains from {}",
                  config.central     ? "the central lookup " + config.central->url
                  : follower         ? std::to_string(config.followed.size()) + " followed KMS(s)"
                                     : std::to_string(config.domains.size()) + " domain(s) of the configuration");
        log->info("listening on {} (udp, tcp) as {}, requests on to {}", bind, config.uri,
                  config.next_hop.empty() ? "their Request-URI" : config.next_hop);
        return {};
    }

    // sofia-sip reads its TLS credentials from a folder (agent.pem: key and chain; cafile.pem): they are written to a
    // private one for as long as the transport takes to load them, then removed.
    result<void> add_tls() {
        std::error_code ec;
        std::string pattern = (std::filesystem::temp_directory_path(ec) / "mcprov-sip-as-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr)
            return make_error(errc::io, "cannot make a private folder for the TLS credentials");
        const std::filesystem::path folder(pattern);
        const bool written = support::write_file(folder / "agent.pem",
                                                 config.tls_private_key_pem + "\n" + config.tls_certificate_pem) &&
                             support::write_file(folder / "cafile.pem", config.tls_certificate_pem);
        const std::string bind = "sips:" + config.listen_address + ":" + std::to_string(*config.tls_port);
        const int added = written ? nta_agent_add_tport(agent, reinterpret_cast<const url_string_t*>(bind.c_str()),
                                                        TPTAG_CERTIFICATE(folder.c_str()),
                                                        TPTAG_TLS_VERIFY_POLICY(TPTLS_VERIFY_NONE), TAG_END())
                                  : -1;
        std::filesystem::remove_all(folder, ec);
        if (added != 0)
            return make_error(errc::unavailable, "cannot listen on " + bind + " (TLS)");
        log->info("listening on {} (tls)", bind);
        return {};
    }

    void run() override {
        while (!stopping.load())
            su_root_step(root, 100);
    }
    void stop() override { stopping.store(true); }
    const sip_as::sip_as_counters& counters() const override { return counts; }
    const std::shared_ptr<support::metrics_registry>& metrics() const override { return registry; }

    // ---- requests ----

    static int on_request(mcprov_sip_as_server* self, nta_leg_t*, nta_incoming_t* irq, sip_t const* sip) {
        return self->take(irq, sip);
    }

    // A request's refusal (counted), or a response's (a downstream KRR: the request was counted as forwarded).
    int refuse(nta_incoming_t* irq, int status, const char* phrase, const std::string& why, bool a_request = true) {
        if (a_request)
            counts.refused.inc();
        const std::string warning = "399 " + warning_agent + " \"" + warning_text(why) + "\"";
        nta_incoming_treply(irq, status, phrase, SIPTAG_WARNING_STR(warning.c_str()), TAG_END());
        return status;
    }

    int take(nta_incoming_t* irq, sip_t const* sip) {
        if (!sip || !sip->sip_request)
            return 400;
        const auto method = sip->sip_request->rq_method;
        const std::string target = sip::url_text(sip->sip_request->rq_url);
        const std::string from = sip->sip_from ? sip::url_text(sip->sip_from->a_url) : std::string();
        const std::string call_id = sip->sip_call_id && sip->sip_call_id->i_id ? sip->sip_call_id->i_id : "";

        if (method == sip_method_ack) {
            // The ACK of a 2xx is a transaction of its own: sent on as it is.
            relay_stateless(irq);
            return 0;
        }
        if (sip->sip_max_forwards && sip->sip_max_forwards->mf_count == 0)
            return refuse(irq, SIP_483_TOO_MANY_HOPS, "Max-Forwards reached 0");

        if ((method == sip_method_invite || method == sip_method_message) && sip->sip_payload &&
            sip->sip_payload->pl_len > 0) {
            const std::string type = sip::header_text(reinterpret_cast<const sip_header_t*>(sip->sip_content_type));
            const std::string_view body(sip->sip_payload->pl_data, sip->sip_payload->pl_len);
            auto found = sip::find_i_messages(type, body);
            if (!found) {
                log->warn("{} [{}]: {}", from, call_id, found.err().message);
                return found.err().code == errc::too_large
                           ? refuse(irq, SIP_413_REQUEST_TOO_LARGE, found.err().message)
                           : refuse(irq, SIP_400_BAD_REQUEST, found.err().message);
            }
            for (const auto& m : *found) {
                auto message = mikey::decode_i_message(m.octets);
                if (!message) {
                    log->warn("{} [{}]: the I_MESSAGE of the {}: {}", from, call_id, m.where, message.err().message);
                    return refuse(irq, SIP_400_BAD_REQUEST, "the I_MESSAGE does not decode: " + message.err().message);
                }
                auto parties = sip_as::parties_of(*message, from, target);
                if (!parties) {
                    log->warn("{} [{}]: {}", from, call_id, parties.err().message);
                    return refuse(irq, SIP_400_BAD_REQUEST, parties.err().message);
                }
                auto verdict = check.judge(*parties);
                if (!verdict) {
                    log->error("{} [{}] to {}: not judged: {}", from, call_id, parties->responder,
                               verdict.err().message);
                    return refuse(irq, SIP_503_SERVICE_UNAVAILABLE, "the security-domain lookup cannot answer");
                }
                if (!verdict->forward) {
                    return redirect(irq, *verdict, *parties, call_id);
                }
            }
        }
        return forward(irq, sip);
    }

    int redirect(nta_incoming_t* irq, const sip_as::domain_verdict& verdict, const sip_as::key_management_parties& p,
                 const std::string& call_id) {
        auto body = sip_as::redirect_krr(verdict, p, config.uri, std::chrono::system_clock::now(), config.krr_key);
        if (!body) {
            log->error("{} [{}]: the KRR cannot be made: {}", p.initiator, call_id, body.err().message);
            return refuse(irq, SIP_500_INTERNAL_SERVER_ERROR, "the KMS Redirect Response cannot be made");
        }
        counts.redirected.inc();
        log->info("{} [{}] to {}: {} KMS {} refused ({}); KRR offers {}", p.initiator, call_id, p.responder,
                  kms_interface::to_string(verdict.role), verdict.rejected_kms, verdict.reason,
                  verdict.acceptable.empty() ? std::string("none") : join(verdict.acceptable));
        const std::string media(kms_interface::krr_media_type);
        nta_incoming_treply(irq, SIP_488_NOT_ACCEPTABLE, SIPTAG_CONTENT_TYPE_STR(media.c_str()),
                            SIPTAG_PAYLOAD_STR(body->c_str()), TAG_END());
        return 488;
    }

    static std::string join(const std::vector<std::string>& list) {
        std::string out;
        for (const auto& s : list)
            out += (out.empty() ? "" : ", ") + s;
        return out;
    }

    const url_string_t* route() const {
        return config.next_hop.empty() ? nullptr : reinterpret_cast<const url_string_t*>(config.next_hop.c_str());
    }

    // A copy of the request with Max-Forwards one less (70 when it had none).
    msg_t* copy_on(nta_incoming_t* irq) {
        msg_t* request = nta_incoming_getrequest(irq);
        msg_t* copy = msg_dup(request);
        msg_destroy(request);
        if (!copy)
            return nullptr;
        sip_t* sip = sip_object(copy);
        const unsigned long hops = sip->sip_max_forwards ? sip->sip_max_forwards->mf_count - 1 : 70;
        sip_max_forwards_t* mf = sip_max_forwards_make(msg_home(copy), std::to_string(hops).c_str());
        if (sip->sip_max_forwards)
            msg_header_replace(copy, reinterpret_cast<msg_pub_t*>(sip),
                               reinterpret_cast<msg_header_t*>(sip->sip_max_forwards),
                               reinterpret_cast<msg_header_t*>(mf));
        else
            msg_header_insert(copy, reinterpret_cast<msg_pub_t*>(sip), reinterpret_cast<msg_header_t*>(mf));
        return copy;
    }

    void relay_stateless(nta_incoming_t* irq) {
        if (msg_t* copy = copy_on(irq))
            nta_outgoing_mcreate(agent, nullptr, nullptr, route(), copy, NTATAG_STATELESS(1), TAG_END());
        nta_incoming_destroy(irq);
    }

    int forward(nta_incoming_t* irq, sip_t const* sip) {
        auto* f = new mcprov_sip_as_forward{this, irq, nullptr};
        msg_t* copy = copy_on(irq);
        if (copy)
            f->orq = nta_outgoing_mcreate(agent, &mcprov_sip_as_server::on_response, f, route(), copy, TAG_END());
        if (!f->orq) {
            delete f;
            return refuse(irq, SIP_500_INTERNAL_SERVER_ERROR, "the request cannot be sent on");
        }
        if (sip->sip_request->rq_method == sip_method_invite)
            nta_incoming_bind(irq, &mcprov_sip_as_server::on_cancel, f);
        counts.forwarded.inc();
        return 0;
    }

    // ---- responses ----

    static int on_cancel(mcprov_sip_as_forward* f, nta_incoming_t*, sip_t const* sip) {
        if (sip && sip->sip_request && sip->sip_request->rq_method == sip_method_cancel && f->orq)
            nta_outgoing_tcancel(f->orq, nullptr, nullptr, TAG_END());
        return 0;
    }

    static int on_response(mcprov_sip_as_forward* f, nta_outgoing_t* orq, sip_t const* sip) {
        return f->server->relay(f, orq, sip);
    }

    int relay(mcprov_sip_as_forward* f, nta_outgoing_t* orq, sip_t const* sip) {
        const int status = sip && sip->sip_status ? sip->sip_status->st_status : 408;
        if (status == 100)
            return 0;
        bool answered = false;
        if (status == 488 && sip && sip->sip_content_type && sip->sip_content_type->c_type && sip->sip_payload &&
            kms_interface::krr_media_type == sip->sip_content_type->c_type) {
            answered = narrow(f, std::string_view(sip->sip_payload->pl_data, sip->sip_payload->pl_len));
        }
        if (!answered) {
            msg_t* response = nta_outgoing_getresponse(orq);
            if (response) {
                sip_via_remove(response, sip_object(response));
                nta_incoming_mreply(f->irq, response);
            } else {
                nta_incoming_treply(f->irq, status, nullptr, TAG_END());
            }
        }
        if (status >= 200) {
            nta_outgoing_destroy(orq);
            nta_incoming_destroy(f->irq);
            delete f;
        }
        return 0;
    }

    // Steps 5 and 6: a KRR from downstream goes on untouched, or narrowed in this server's own. True when this server
    // answered (narrowed, or refused a KRR that does not read).
    bool narrow(mcprov_sip_as_forward* f, std::string_view received) {
        auto outcome = sip_as::narrow_krr(received, config.policy, config.uri, std::chrono::system_clock::now(),
                                          config.krr_key, config.krr_trusted_ca_pem);
        if (!outcome) {
            log->warn("a KMS Redirect Response from downstream is refused: {}", outcome.err().message);
            refuse(f->irq, SIP_502_BAD_GATEWAY, "the KMS Redirect Response from downstream: " + outcome.err().message,
                   false);
            return true;
        }
        if (!outcome->narrowed)
            return false;
        counts.narrowed.inc();
        log->info("a KMS Redirect Response from downstream narrowed to {}",
                  outcome->acceptable.empty() ? std::string("none") : join(outcome->acceptable));
        const std::string media(kms_interface::krr_media_type);
        nta_incoming_treply(f->irq, SIP_488_NOT_ACCEPTABLE, SIPTAG_CONTENT_TYPE_STR(media.c_str()),
                            SIPTAG_PAYLOAD_STR(outcome->body.c_str()), TAG_END());
        return true;
    }

    sip_as::sip_as_config config;
    std::shared_ptr<lookup::security_domain_lookup> lookup;
    std::unique_ptr<lookup::policy_follower> follower;
    sip_as::security_domain_check check;
    std::optional<support::error> setup_error;
    std::shared_ptr<spdlog::logger> log;
    std::string warning_agent;
    std::shared_ptr<support::metrics_registry> registry = std::make_shared<support::metrics_registry>();
    sip_as::sip_as_counters counts{*registry};
    std::atomic<bool> stopping{false};
    su_root_t* root = nullptr;
    nta_agent_t* agent = nullptr;
    nta_leg_t* leg = nullptr;
};

namespace mcprov::sip_as {

sip_as_counters::sip_as_counters(support::metrics_registry& m)
    : forwarded(m.counter_of("mcprov_sip_as_requests_total", "SIP requests, by what the application server did",
                             {{"outcome", "forwarded"}})),
      redirected(m.counter_of("mcprov_sip_as_requests_total", "", {{"outcome", "redirected"}})),
      refused(m.counter_of("mcprov_sip_as_requests_total", "", {{"outcome", "refused"}})),
      narrowed(m.counter_of("mcprov_sip_as_krr_narrowed_total",
                            "KMS Redirect Responses from downstream narrowed by this server's policy")) {}

result<std::unique_ptr<sip_application_server>> create_sip_application_server(const sip_as_config& config) {
    auto server = std::make_unique<mcprov_sip_as_server>(config);
    if (auto started = server->start(); !started)
        return std::move(started).err();
    return std::unique_ptr<sip_application_server>(std::move(server));
}

} // namespace mcprov::sip_as
