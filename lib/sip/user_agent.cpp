#include "mcprov/sip/user_agent.hpp"

struct mcprov_sip_call;
#define NTA_LEG_MAGIC_T struct mcprov_sip_call
#define NTA_OUTGOING_MAGIC_T struct mcprov_sip_call
#define SU_ROOT_MAGIC_T struct mcprov_sip_call

#include <sofia-sip/nta.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_wait.h>

#include "mcprov/sip/sofia_text.hpp"

#include <optional>
#include <vector>

using mcprov::support::errc;
using mcprov::support::make_error;
using mcprov::support::result;
using mcprov::sip::header_text;
using mcprov::sip::url_text;

// One call's state, for the callbacks.
struct mcprov_sip_call {
    su_root_t* root = nullptr;
    nta_agent_t* agent = nullptr;
    nta_leg_t* leg = nullptr;
    std::optional<mcprov::sip::call_outcome> outcome;
    bool bye_done = false;
    // The terminating side.
    const std::function<mcprov::sip::call_answer(const mcprov::sip::incoming_call&)>* answer = nullptr;
    unsigned answered = 0;
    unsigned ended = 0;
    std::vector<nta_incoming_t*> accepted;
    std::string contact; // the terminating side's own address, for its answers' Contact

    ~mcprov_sip_call() {
        for (auto* irq : accepted)
            nta_incoming_destroy(irq);
        if (leg)
            nta_leg_destroy(leg);
        if (agent)
            nta_agent_destroy(agent);
        if (root)
            su_root_destroy(root);
        su_deinit();
    }
};

namespace {

std::string text_of(const msg_payload_t* pl) {
    return pl && pl->pl_data ? std::string(pl->pl_data, pl->pl_len) : std::string();
}

result<void> start(mcprov_sip_call& c, const std::string& bind) {
    if (su_init() != 0)
        return make_error(errc::internal, "sofia-sip does not initialise");
    c.root = su_root_create(&c);
    if (!c.root)
        return make_error(errc::internal, "sofia-sip: no event loop");
    c.agent = nta_agent_create(c.root, reinterpret_cast<const url_string_t*>(bind.c_str()), nullptr, nullptr,
                               NTATAG_UA(1), TAG_END());
    if (!c.agent)
        return make_error(errc::unavailable, "cannot listen on " + bind);
    return {};
}

int on_bye(mcprov_sip_call* c, nta_outgoing_t* orq, sip_t const* sip) {
    if (!sip || sip->sip_status->st_status >= 200) {
        c->bye_done = true;
        nta_outgoing_destroy(orq);
    }
    return 0;
}

int on_invite_response(mcprov_sip_call* c, nta_outgoing_t* orq, sip_t const* sip) {
    const int status = sip && sip->sip_status ? sip->sip_status->st_status : 408;
    if (status < 200)
        return 0;
    mcprov::sip::call_outcome out;
    out.status = status;
    if (sip) {
        out.content_type = sip->sip_content_type && sip->sip_content_type->c_type ? sip->sip_content_type->c_type : "";
        out.body = text_of(sip->sip_payload);
        if (sip->sip_warning && sip->sip_warning->w_text)
            out.warning = sip->sip_warning->w_text;
    }
    if (status < 300 && sip && sip->sip_to && sip->sip_contact) {
        // The dialog: ACK, then BYE, to the callee's Contact along the Record-Route.
        nta_leg_rtag(c->leg, sip->sip_to->a_tag);
        nta_leg_client_route(c->leg, sip->sip_record_route, sip->sip_contact);
        const auto* contact = reinterpret_cast<const url_string_t*>(sip->sip_contact->m_url);
        su_home_t home[1] = {SU_HOME_INIT(home)};
        sip_cseq_t* cseq = sip_cseq_create(home, sip->sip_cseq->cs_seq, SIP_METHOD_ACK);
        nta_outgoing_t* ack =
            nta_outgoing_tcreate(c->leg, nullptr, nullptr, nullptr, SIP_METHOD_ACK, contact, SIPTAG_CSEQ(cseq),
                                 NTATAG_ACK_BRANCH(nta_outgoing_branch(orq)), TAG_END());
        su_home_deinit(home);
        if (ack)
            nta_outgoing_destroy(ack);
        if (!nta_outgoing_tcreate(c->leg, on_bye, c, nullptr, SIP_METHOD_BYE, contact, TAG_END()))
            c->bye_done = true;
    } else {
        c->bye_done = true;
    }
    c->outcome = std::move(out);
    nta_outgoing_destroy(orq);
    return 0;
}

int on_request(mcprov_sip_call* c, nta_leg_t*, nta_incoming_t* irq, sip_t const* sip) {
    if (!sip || !sip->sip_request)
        return 400;
    switch (sip->sip_request->rq_method) {
    case sip_method_invite: {
        mcprov::sip::incoming_call call{
            .from = sip->sip_from ? url_text(sip->sip_from->a_url) : "",
            .to = sip->sip_to ? url_text(sip->sip_to->a_url) : "",
            .content_type = header_text(reinterpret_cast<const sip_header_t*>(sip->sip_content_type)),
            .body = text_of(sip->sip_payload)};
        const auto a = (*c->answer)(call);
        ++c->answered;
        if (a.status >= 300)
            ++c->ended; // the caller's transaction layer ACKs it; nothing more comes of this call
        const std::string& contact = c->contact;
        if (a.body.empty())
            nta_incoming_treply(irq, a.status, nullptr, SIPTAG_CONTACT_STR(contact.c_str()), TAG_END());
        else
            nta_incoming_treply(irq, a.status, nullptr, SIPTAG_CONTACT_STR(contact.c_str()),
                                SIPTAG_CONTENT_TYPE_STR(a.content_type.c_str()), SIPTAG_PAYLOAD_STR(a.body.c_str()),
                                TAG_END());
        if (a.status < 300) {
            c->accepted.push_back(irq); // retransmitted until its ACK: the transaction layer's, until the end
            return 0;
        }
        return a.status;
    }
    case sip_method_ack:
        nta_incoming_destroy(irq);
        return 0;
    case sip_method_bye:
        ++c->ended;
        return 200;
    default:
        return 501;
    }
}

} // namespace

namespace mcprov::sip {

result<call_outcome> place_call(const call_request& request) {
    mcprov_sip_call c;
    if (auto started = start(c, "sip:127.0.0.1:*;transport=udp"); !started)
        return std::move(started).err();
    c.leg = nta_leg_tcreate(c.agent, nullptr, &c, SIPTAG_FROM_STR(request.from.c_str()),
                            SIPTAG_TO_STR(request.to.c_str()), TAG_END());
    if (!c.leg)
        return make_error(errc::invalid_argument, "the From or To URI does not parse");
    nta_outgoing_t* orq = nta_outgoing_tcreate(
        c.leg, on_invite_response, &c, reinterpret_cast<const url_string_t*>(request.proxy.c_str()), SIP_METHOD_INVITE,
        reinterpret_cast<const url_string_t*>(request.to.c_str()),
        SIPTAG_CONTACT_STR(("<" + request.from + ">").c_str()), SIPTAG_CONTENT_TYPE_STR(request.content_type.c_str()),
        SIPTAG_PAYLOAD_STR(request.body.c_str()), TAG_END());
    if (!orq)
        return make_error(errc::invalid_argument, "the INVITE cannot be made (a URI that does not parse?)");
    const auto deadline = std::chrono::steady_clock::now() + request.timeout;
    while ((!c.outcome || !c.bye_done) && std::chrono::steady_clock::now() < deadline)
        su_root_step(c.root, 50);
    if (!c.outcome)
        return make_error(errc::unavailable, "no final response from " + request.proxy);
    return *c.outcome;
}

result<unsigned> answer_calls(const std::string& address, std::uint16_t port, unsigned calls,
                              const std::function<call_answer(const incoming_call&)>& answer,
                              std::chrono::milliseconds timeout, const std::function<void()>& listening) {
    mcprov_sip_call c;
    c.answer = &answer;
    c.contact = "<sip:" + address + ":" + std::to_string(port) + ">";
    if (auto started = start(c, "sip:" + address + ":" + std::to_string(port) + ";transport=udp"); !started)
        return std::move(started).err();
    c.leg = nta_leg_tcreate(c.agent, on_request, &c, NTATAG_NO_DIALOG(1), TAG_END());
    if (!c.leg)
        return make_error(errc::internal, "sofia-sip: no default leg");
    if (listening)
        listening();
    auto deadline = std::chrono::steady_clock::now() + timeout;
    unsigned seen = 0;
    while (c.ended < calls) {
        if (c.answered != seen) {
            seen = c.answered;
            deadline = std::chrono::steady_clock::now() + timeout;
        }
        if (std::chrono::steady_clock::now() >= deadline)
            return make_error(errc::unavailable, "no call within " + std::to_string(timeout.count()) + " ms");
        su_root_step(c.root, 50);
    }
    // The last responses' retransmissions and ACKs are the transaction layer's: let it finish them.
    for (int i = 0; i < 4; ++i)
        su_root_step(c.root, 50);
    return c.answered;
}

} // namespace mcprov::sip
