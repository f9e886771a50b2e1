#include <mcprov/gsup/hlr_client.hpp>

extern "C" {
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/select.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/timer.h>
#include <osmocom/gsm/gsm48_ie.h>
#include <osmocom/gsm/gsup.h>
#include <osmocom/gsupclient/gsup_client.h>
}

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

namespace mcprov::gsup {
namespace {

using support::errc;
using support::make_error;

std::atomic<bool> client_exists{false};

// libosmocore logs through categories of its own; the process adds none, and keeps only its fatal messages.
const struct log_info_cat own_category[] = {
    {.name = "DMCPROV", .color = nullptr, .description = "mcprov", .loglevel = LOGL_FATAL, .enabled = 0}};
struct log_info osmo_logging() {
    struct log_info info {};
    info.cat = own_category;
    info.num_cat = 1;
    return info;
}

// One request at a time travels to the HLR; its answer is the next message for its IMSI of the expected kind.
struct request {
    osmo_gsup_message_type type{};
    std::string imsi;
    std::string rand;
    std::string auts;
    std::string imei_bcd;
    bool sent = false;
    bool done = false;
    support::error failure{errc::internal, {}};
    bool failed = false;
    aka::authentication_vector vector{};
};

std::string cause_text(int cause) {
    return std::string(get_value_string(gsm48_gmm_cause_names, static_cast<std::uint32_t>(cause))) + " (cause " +
           std::to_string(cause) + ")";
}

class gsup_hlr_client final : public hlr_client {
public:
    gsup_hlr_client(hlr_address address, std::shared_ptr<support::peer_health> health)
        : address_(std::move(address)), health_(std::move(health)) {}

    support::result<void> start() {
        wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (wake_ < 0)
            return make_error(errc::internal, "eventfd: " + std::string(std::strerror(errno)));
        loop_ = std::thread([this] { run(); });
        return {};
    }

    ~gsup_hlr_client() override {
        stopping_ = true;
        poke();
        if (loop_.joinable())
            loop_.join();
        if (wake_ >= 0)
            ::close(wake_);
        client_exists = false;
    }

    support::result<aka::authentication_vector>
    send_auth_info(std::string_view imsi, const std::optional<resynchronisation>& resync) override {
        if (imsi.empty() || imsi.size() > 15 || imsi.find_first_not_of("0123456789") != std::string_view::npos)
            return make_error(errc::invalid_argument, "an IMSI is up to 15 digits");
        if (resync && (resync->rand.size() != aka::rand_size || resync->auts.size() != aka::auts_size))
            return make_error(errc::invalid_argument, "re-synchronisation needs a 16-octet RAND and a 14-octet AUTS");
        request r;
        r.type = OSMO_GSUP_MSGT_SEND_AUTH_INFO_REQUEST;
        r.imsi = std::string(imsi);
        if (resync) {
            r.rand = resync->rand;
            r.auts = resync->auts;
        }
        if (auto done = exchange(r); !done)
            return std::move(done).err();
        return r.vector;
    }

    support::result<void> check_imei(std::string_view imsi, std::string_view imei) override {
        if (imsi.empty() || imsi.size() > 15 || imsi.find_first_not_of("0123456789") != std::string_view::npos)
            return make_error(errc::invalid_argument, "an IMSI is up to 15 digits");
        if ((imei.size() != 14 && imei.size() != 15) || imei.find_first_not_of("0123456789") != std::string_view::npos)
            return make_error(errc::invalid_argument, "an IMEI is 15 digits (or 14 without its check digit)");
        // The network sends the IMEI without its check digit (TS 23.003 clause 6.2.1); the HLR adds it.
        std::uint8_t bcd[16] = {};
        const int n = gsm48_encode_bcd_number(bcd, sizeof bcd, 0, std::string(imei.substr(0, 14)).c_str());
        if (n < 2)
            return make_error(errc::invalid_argument, "the IMEI does not encode");
        request r;
        r.type = OSMO_GSUP_MSGT_CHECK_IMEI_REQUEST;
        r.imsi = std::string(imsi);
        r.imei_bcd.assign(reinterpret_cast<const char*>(bcd), static_cast<std::size_t>(n));
        return exchange(r);
    }

private:
    support::result<void> exchange(request& r) {
        std::lock_guard one_at_a_time(exchange_mutex_);
        {
            std::unique_lock lock(mutex_);
            pending_ = &r;
        }
        poke();
        std::unique_lock lock(mutex_);
        const bool answered = done_.wait_for(lock, address_.timeout, [&] { return r.done; });
        pending_ = nullptr;
        if (health_)
            answered ? health_->answered() : health_->failed();
        if (!answered)
            return make_error(errc::unavailable, "the HLR at " + address_.host + ":" + std::to_string(address_.port) +
                                                     (link_up_ ? " did not answer in time" : " cannot be reached"));
        if (r.failed)
            return r.failure;
        return {};
    }

    void poke() const {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wake_, &one, sizeof one);
    }

    // The event loop's thread: everything libosmocore happens here.
    void run() {
        // libosmocore keeps its contexts and its file descriptor list per thread: this one's are set up here.
        osmo_ctx_init("mcprov-gsup");
        osmo_select_init();
        void* ctx = talloc_named_const(nullptr, 0, "mcprov-gsup");
        static std::once_flag logging;
        std::call_once(logging, [] {
            static const struct log_info info = osmo_logging();
            // Its own context, never freed: libosmocore's logging outlives any one client.
            osmo_init_logging2(talloc_named_const(nullptr, 0, "mcprov-osmo-logging"), &info);
            log_set_log_level(osmo_stderr_target, LOGL_FATAL);
        });
        auto* unit = static_cast<ipaccess_unit*>(talloc_zero_size(ctx, sizeof(ipaccess_unit)));
        unit->unit_name = talloc_strdup(unit, address_.unit_name.c_str());
        osmo_gsup_client_config config{};
        config.ipa_dev = unit;
        config.ip_addr = address_.host.c_str();
        config.tcp_port = address_.port;
        config.read_cb = &gsup_hlr_client::on_message;
        config.up_down_cb = &gsup_hlr_client::on_link;
        config.data = this;
        client_ = osmo_gsup_client_create3(ctx, &config);
        osmo_fd wake{};
        osmo_fd_setup(&wake, wake_, OSMO_FD_READ, &gsup_hlr_client::on_wake, this, 0);
        osmo_fd_register(&wake);
        osmo_timer_setup(&resend_, &gsup_hlr_client::on_resend, this);
        while (!stopping_)
            osmo_select_main(0);
        osmo_timer_del(&resend_);
        osmo_fd_unregister(&wake);
        if (client_)
            osmo_gsup_client_destroy(client_);
        talloc_free(ctx);
    }

    static int on_wake(osmo_fd* fd, unsigned int) {

        std::uint64_t count = 0;
        [[maybe_unused]] auto n = ::read(fd->fd, &count, sizeof count);
        static_cast<gsup_hlr_client*>(fd->data)->send_pending();
        return 0;
    }

    static bool on_link(osmo_gsup_client* client, bool up) {
        auto* self = static_cast<gsup_hlr_client*>(client->data);
        {
            std::lock_guard lock(self->mutex_);
            self->link_up_ = up;
            if (!up && self->pending_ && self->pending_->sent) // its answer is lost with the link
                self->pending_->sent = false;
        }
        if (up)
            self->send_pending();
        return true;
    }

    void send_pending() {
        std::lock_guard lock(mutex_);

        if (!pending_ || pending_->sent || !link_up_ || !client_)
            return;
        request& r = *pending_;
        osmo_gsup_message m{};
        m.message_type = r.type;
        m.message_class = OSMO_GSUP_MESSAGE_CLASS_SUBSCRIBER_MANAGEMENT;
        OSMO_STRLCPY_ARRAY(m.imsi, r.imsi.c_str());
        if (r.type == OSMO_GSUP_MSGT_SEND_AUTH_INFO_REQUEST) {
            m.num_auth_vectors = 1;
            if (!r.auts.empty()) {
                m.rand = reinterpret_cast<const std::uint8_t*>(r.rand.data());
                m.auts = reinterpret_cast<const std::uint8_t*>(r.auts.data());
            }
        } else {
            m.imei_enc = reinterpret_cast<const std::uint8_t*>(r.imei_bcd.data());
            m.imei_enc_len = r.imei_bcd.size();
        }
        if (osmo_gsup_client_enc_send(client_, &m) == 0) {
            r.sent = true;
            // The HLR drops what a peer sends before the IPA identification has finished, which the client library
            // does not report: a request that is not answered soon is sent again (both requests are idempotent for
            // the subscriber, a second vector only uses a fresher SQN).
            osmo_timer_schedule(&resend_, 0, 300'000);
        }
    }

    static void on_resend(void* data) {
        auto* self = static_cast<gsup_hlr_client*>(data);
        {
            std::lock_guard lock(self->mutex_);
            if (!self->pending_ || self->pending_->done)
                return;
            self->pending_->sent = false;
        }
        self->send_pending();
    }

    static int on_message(osmo_gsup_client* client, msgb* msg) {
        auto* self = static_cast<gsup_hlr_client*>(client->data);
        osmo_gsup_message m{};
        const int rc = osmo_gsup_decode(static_cast<const std::uint8_t*>(msgb_l2(msg)), msgb_l2len(msg), &m);
        if (rc >= 0)
            self->answer(m);
        msgb_free(msg);
        return 0;
    }

    // Runs while `m`'s pointers into the message are valid: everything is copied out here.
    void answer(const osmo_gsup_message& m) {
        std::lock_guard lock(mutex_);
        if (!pending_ || !pending_->sent || pending_->imsi != m.imsi)
            return; // an answer to a request abandoned after its timeout
        request& r = *pending_;
        const bool auth = r.type == OSMO_GSUP_MSGT_SEND_AUTH_INFO_REQUEST;
        if (m.message_type == (auth ? OSMO_GSUP_MSGT_SEND_AUTH_INFO_RESULT : OSMO_GSUP_MSGT_CHECK_IMEI_RESULT)) {
            if (auth) {
                if (m.num_auth_vectors < 1 || !(m.auth_vectors[0].auth_types & OSMO_AUTH_TYPE_UMTS)) {
                    r.failed = true;
                    r.failure = make_error(errc::not_found, "the HLR has no 3G authentication for IMSI " + r.imsi);
                } else {
                    const auto& v = m.auth_vectors[0];
                    const auto bytes = [](const std::uint8_t* p, std::size_t n) {
                        return std::string(reinterpret_cast<const char*>(p), n);
                    };
                    r.vector = {.rand = bytes(v.rand, 16), .xres = bytes(v.res, v.res_len), .ck = bytes(v.ck, 16),
                                .ik = bytes(v.ik, 16), .autn = bytes(v.autn, 16)};
                }
            } else if (m.imei_result != OSMO_GSUP_IMEI_RESULT_ACK) {
                r.failed = true;
                r.failure = make_error(errc::forbidden, "the HLR refused the IMEI");
            }
        } else if (m.message_type ==
                   (auth ? OSMO_GSUP_MSGT_SEND_AUTH_INFO_ERROR : OSMO_GSUP_MSGT_CHECK_IMEI_ERROR)) {
            r.failed = true;
            const bool unknown = m.cause == GMM_CAUSE_IMSI_UNKNOWN;
            r.failure = make_error(unknown ? errc::not_found : (auth ? errc::unavailable : errc::forbidden),
                                   "the HLR answered " + cause_text(m.cause) + " for IMSI " + r.imsi);
        } else {
            return;
        }
        r.done = true;
        done_.notify_all();
    }

    hlr_address address_;
    std::shared_ptr<support::peer_health> health_;
    int wake_ = -1;
    std::thread loop_;
    std::atomic<bool> stopping_{false};
    osmo_gsup_client* client_ = nullptr;
    osmo_timer_list resend_{};

    std::mutex exchange_mutex_;
    std::mutex mutex_;
    std::condition_variable done_;
    request* pending_ = nullptr;
    bool link_up_ = false;
};

} // namespace

support::result<std::unique_ptr<hlr_client>> create_gsup_hlr_client(const hlr_address& address,
                                                                    std::shared_ptr<support::peer_health> health) {
    if (client_exists.exchange(true))
        return make_error(errc::conflict, "this process already has a GSUP client (libosmocore's loop is one per process)");
    auto client = std::make_unique<gsup_hlr_client>(address, std::move(health));
    if (auto started = client->start(); !started) {
        client_exists = false;
        return std::move(started).err();
    }
    return std::unique_ptr<hlr_client>(std::move(client));
}

} // namespace mcprov::gsup
