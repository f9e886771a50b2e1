#include "mcprov/http/server.hpp"

#include <algorithm>
#include <limits>
#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <malloc.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/resource.h>

#include "mcprov/support/file.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using support::errc;
using support::make_error;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t logged_target_bytes = 256;

response make_plain_response(bhttp::status status, unsigned version, std::string body) {
    response res{status, version};
    res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

// Fills in what mutual TLS verified about the client: its certificate's subject and the certificate itself.
void describe_peer_certificate(SSL* ssl, peer_info& peer) {
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (!cert) {
        return;
    }
    auto bio_text = [](BIO* bio) {
        char* data = nullptr;
        long len = BIO_get_mem_data(bio, &data);
        return std::string(data, static_cast<std::size_t>(len));
    };
    if (BIO* bio = BIO_new(BIO_s_mem())) {
        X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
        peer.certificate_subject = bio_text(bio);
        BIO_free(bio);
    }
    if (BIO* bio = BIO_new(BIO_s_mem())) {
        if (PEM_write_bio_X509(bio, cert) == 1) {
            peer.certificate_pem = bio_text(bio);
        }
        BIO_free(bio);
    }
    X509_free(cert);
}

// The per-connection state the server needs to reach from outside the connection's coroutine: to close it at
// stop() when it sits idle between requests, or to drop it when it is the oldest one still handshaking.
struct connection_handle {
    asio::any_io_executor executor; // the connection's io_context, run by one thread
    // Only touched on that thread: closes the connection's socket; empty before the coroutine set it up and after
    // its streams are gone.
    std::function<void()> close;
    bool close_requested = false; // its thread only: a close() that came before `close` was set
    std::size_t context = 0;      // which of the server's io_contexts
    std::atomic<bool> idle{true};
    // Under the server's mutex: still handshaking (before its first bytes, or its TLS handshake), and where.
    bool handshaking = true;
    bool dropped = false; // closed by the server to make room; counts no more against max_connections
    std::list<std::shared_ptr<connection_handle>>::iterator in_handshaking;

    // Closes the connection; to be called on its thread.
    void close_now() {
        close_requested = true;
        if (close) {
            close();
        }
    }
};

class server_impl final : public server, public std::enable_shared_from_this<server_impl> {
public:
    server_impl(const server_config& config, std::shared_ptr<handler> h)
        : config_(config), handler_(std::move(h)), ssl_(asio::ssl::context::tls_server),
          contexts_(make_contexts(std::max(1u, config.threads))), acceptor_(accepting_) {
        per_context_.resize(contexts_.size());
        work_.push_back(asio::make_work_guard(accepting_));
        for (auto& c : contexts_) {
            work_.push_back(asio::make_work_guard(*c));
        }
        if (config.waiting_threads > 0) {
            waiting_ = std::make_unique<asio::thread_pool>(config.waiting_threads);
        }
    }

    ~server_impl() override {
        stop();
        wait();
    }

    support::result<void> start() {
        if (config_.tls) {
            if (auto configured = configure_tls(*config_.tls); !configured) {
                return configured;
            }
        }
        boost::system::error_code ec;
        auto address = asio::ip::make_address(config_.address, ec);
        if (ec) {
            return make_error(errc::invalid_argument, "listen address '" + config_.address + "': " + ec.message());
        }
        tcp::endpoint endpoint(address, config_.port);
        acceptor_.open(endpoint.protocol(), ec);
        if (!ec) {
            acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
        }
        if (!ec) {
            acceptor_.bind(endpoint, ec);
        }
        if (!ec) {
            acceptor_.listen(asio::socket_base::max_listen_connections, ec);
        }
        if (ec) {
            return make_error(errc::io, "cannot listen on " + config_.address + ":" + std::to_string(config_.port) +
                                            ": " + ec.message());
        }
        port_ = acceptor_.local_endpoint().port();
        if (rlimit files{}; ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
            // Leave descriptors for the database, logs and files, and the three each thread's io_context holds
            // (epoll, eventfd, timerfd); past the limit accept() would only fail.
            const auto reserved = 64 + 3 * (contexts_.size() + 1);
            auto usable = files.rlim_cur > reserved ? static_cast<std::size_t>(files.rlim_cur - reserved) : 1;
            socket_budget_ = usable;
            if (config_.max_connections > usable) {
                log_->warn("max_connections {} lowered to {}: the process may open {} files", config_.max_connections,
                           usable, files.rlim_cur);
                config_.max_connections = usable;
            }
        }
        // Handshaking connections must leave room for established ones.
        config_.max_handshakes =
            std::clamp<std::size_t>(config_.max_handshakes, 1, std::max<std::size_t>(1, config_.max_connections / 2));
        asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
        threads_.emplace_back([this] { accepting_.run(); });
        for (auto& c : contexts_) {
            threads_.emplace_back([&context = *c] { context.run(); });
        }
        return {};
    }

    std::uint16_t port() const override { return port_; }

    server_stats stats() const override {
        server_stats s;
        {
            std::lock_guard lock(mutex_);
            s.connections = connections_.size();
            s.handshaking = handshaking_.size();
        }
        s.handshakes_dropped = handshakes_dropped_;
        s.handshakes_timed_out = handshakes_timed_out_;
        s.refused = refused_;
        s.handler_exceptions = handler_exceptions_;
        return s;
    }

    bool wait_for_connections(std::size_t at_most, std::chrono::milliseconds timeout) override {
        std::unique_lock lock(mutex_);
        return drained_.wait_for(lock, timeout, [&] { return connections_.size() <= at_most && trimming_ == 0; });
    }

    void stop() override {
        if (stopping_.exchange(true)) {
            return;
        }
        asio::post(acceptor_.get_executor(), [this] {
            boost::system::error_code ignored;
            acceptor_.close(ignored);
        });
        close_idle_connections();
        // Requests in flight get the grace period to finish; whatever is left then is cut off.
        stopper_ = std::thread([this] {
            std::unique_lock lock(mutex_);
            drained_.wait_for(lock, config_.shutdown_grace, [this] { return connections_.empty(); });
            lock.unlock();
            accepting_.stop();
            for (auto& c : contexts_) {
                c->stop();
            }
        });
    }

    void wait() override {
        for (auto& t : threads_) {
            if (t.joinable()) {
                t.join();
            }
        }
        // Before the connections' coroutines are destroyed with the io_context: a request still on a waiting thread
        // refers to them. Peer calls have deadlines, so this ends.
        if (waiting_) {
            waiting_->join();
        }
        if (stopper_.joinable()) {
            stopper_.join();
        }
    }

private:
    // A connection's place in connections_ (and, while it handshakes, in handshaking_), for as long as its
    // coroutine lives. Passed to the coroutine as a parameter, so that it is released with the coroutine's frame
    // even if the coroutine never ran (a server destroyed right after accepting).
    class registration {
    public:
        registration(server_impl& s, std::shared_ptr<connection_handle> h) : server_(&s), handle_(std::move(h)) {}
        registration(registration&& other) noexcept
            : server_(std::exchange(other.server_, nullptr)), handle_(std::move(other.handle_)) {}
        registration& operator=(registration&&) = delete;
        ~registration() {
            if (server_) {
                server_->release(handle_);
            }
        }
        connection_handle& handle() { return *handle_; }
        const std::shared_ptr<connection_handle>& shared() { return handle_; }

    private:
        server_impl* server_;
        std::shared_ptr<connection_handle> handle_;
    };

    // Declared in a connection's coroutine after the streams that `handle.close` reaches: destroyed before them, it
    // disables the close.
    struct close_guard {
        connection_handle& handle;
        ~close_guard() { handle.close = nullptr; }
    };

    support::result<void> configure_tls(const tls_config& tls) {
        boost::system::error_code ec;
        ssl_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                         asio::ssl::context::single_dh_use);
        ssl_.use_certificate_chain_file(tls.certificate_chain.string(), ec);
        if (ec) {
            return make_error(errc::invalid_argument,
                              "TLS certificate chain " + tls.certificate_chain.string() + ": " + ec.message());
        }
        auto key = support::read_secret_file(tls.private_key);
        if (!key) {
            return make_error(errc::invalid_argument, "TLS private key " + key.err().message);
        }
        ssl_.use_private_key(asio::buffer(*key), asio::ssl::context::pem, ec);
        OPENSSL_cleanse(key->data(), key->size());
        if (ec) {
            return make_error(errc::invalid_argument,
                              "TLS private key " + tls.private_key.string() + ": " + ec.message());
        }
        for (const auto& ca : tls.client_cas) {
            ssl_.load_verify_file(ca.string(), ec);
            if (ec) {
                return make_error(errc::invalid_argument, "TLS client CA " + ca.string() + ": " + ec.message());
            }
        }
        if (!tls.client_cas.empty()) {
            ssl_.set_verify_mode(tls.client_certificate_required
                                     ? asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert
                                     : asio::ssl::verify_peer);
        }
        // Clients may resume sessions (TLS 1.3 tickets, or session IDs); with client certificates OpenSSL refuses a
        // resumption, failing the handshake, unless the sessions are bound to a context. A resumed session keeps the
        // client certificate it was made with.
        static constexpr unsigned char session_context[] = "mcprov";
        if (SSL_CTX_set_session_id_context(ssl_.native_handle(), session_context, sizeof session_context - 1) != 1) {
            return make_error(errc::internal, "TLS session context");
        }
        return {};
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            // Each connection lives on one thread's io_context, as an nginx worker's do: its coroutine needs no
            // strand, and no request wakes another thread. It goes to the thread with the fewest connections.
            const auto index = least_loaded();
            auto& context = *contexts_[index];
            auto [ec, socket] = co_await acceptor_.async_accept(context, use_tuple);
            if (ec == asio::error::operation_aborted || stopping_) {
                co_return;
            }
            if (ec) {
                // Typically out of file descriptors: retrying at once would spin, so pause and log once a second.
                log_throttled("accept failed: " + ec.message());
                asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(100));
                co_await pause.async_wait(use_tuple);
                continue;
            }
            auto handle = std::make_shared<connection_handle>();
            handle->executor = socket.get_executor();
            handle->context = index;
            std::shared_ptr<connection_handle> dropped;
            {
                std::lock_guard lock(mutex_);
                // Dropped connections closing on their threads count no more, but every socket counts against the
                // process's descriptors: a thread busy with a long request closes its dropped ones late.
                if (connections_.size() - dropped_closing_ >= config_.max_connections ||
                    connections_.size() >= socket_budget_) {
                    ++refused_;
                    log_throttled_locked("refusing connections: " + std::to_string(config_.max_connections) + " open");
                    continue; // the socket closes as it goes out of scope
                }
                if (handshaking_.size() >= config_.max_handshakes) {
                    // The oldest handshaking connection makes room: a client that is really connecting finishes
                    // its handshake in a few round trips, long before max_handshakes newer connections arrive.
                    dropped = handshaking_.front();
                    handshaking_.pop_front();
                    dropped->handshaking = false;
                    dropped->dropped = true;
                    ++dropped_closing_;
                    ++handshakes_dropped_;
                }
                connections_.push_back(handle);
                ++per_context_[index];
                handle->in_handshaking = handshaking_.insert(handshaking_.end(), handle);
            }
            if (dropped) {
                log_throttled("dropping the oldest unfinished handshakes: " + std::to_string(config_.max_handshakes) +
                              " connections have not finished theirs");
                asio::post(dropped->executor, [dropped] { dropped->close_now(); });
            }
            socket.set_option(tcp::no_delay(true), ec);
            auto executor = socket.get_executor();
            asio::co_spawn(executor, serve(std::move(socket), registration(*this, std::move(handle))), asio::detached);
        }
    }

    // Waits for the first bytes of a connection, within the handshake deadline, before anything else is allocated
    // for it (TLS state and buffers take tens of kilobytes): a connection that never sends costs a socket only.
    asio::awaitable<bool> first_bytes(tcp::socket& socket, std::chrono::steady_clock::time_point deadline,
                                      const std::string& peer_address) {
        using namespace asio::experimental::awaitable_operators;
        asio::steady_timer timer(socket.get_executor(), deadline);
        auto outcome = co_await (socket.async_wait(tcp::socket::wait_read, use_tuple) || timer.async_wait(use_tuple));
        if (outcome.index() == 1) {
            ++handshakes_timed_out_;
            log_->debug("{}: no request within {} s", peer_address, config_.handshake_timeout.count());
            co_return false;
        }
        co_return !std::get<0>(std::get<0>(outcome));
    }

    asio::awaitable<void> serve(tcp::socket socket, registration reg) {
        auto& handle = reg.handle();
        const auto deadline = std::chrono::steady_clock::now() + config_.handshake_timeout;
        peer_info peer{remote_address(socket), {}, {}};
        tcp::socket* current = &socket;
        std::optional<beast::tcp_stream> plain;
        std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
        close_guard guard{handle};
        handle.close = [&current] {
            boost::system::error_code ignored;
            current->shutdown(tcp::socket::shutdown_both, ignored);
            current->close(ignored);
        };
        if (handle.close_requested || !co_await first_bytes(socket, deadline, peer.address)) {
            co_return;
        }
        if (!config_.tls) {
            plain.emplace(std::move(socket));
            current = &plain->socket();
            established(handle);
            co_await serve_requests(*plain, *plain, peer, handle);
            boost::system::error_code ignored;
            current->shutdown(tcp::socket::shutdown_send, ignored);
            co_return;
        }
        tls.emplace(std::move(socket), ssl_);
        auto& lowest = beast::get_lowest_layer(*tls);
        current = &lowest.socket();
        lowest.expires_at(deadline);
        auto [ec] = co_await tls->async_handshake(asio::ssl::stream_base::server, use_tuple);
        if (ec) {
            if (ec == beast::error::timeout) {
                ++handshakes_timed_out_;
            }
            if (!handle.close_requested) { // a dropped handshake was logged, throttled, when it was dropped
                log_->info("{}: TLS handshake failed: {}", peer.address, ec.message());
            }
            co_return;
        }
        established(handle);
        describe_peer_certificate(tls->native_handle(), peer);
        if (!peer.certificate_subject.empty()) {
            log_->debug("{}: client certificate {}", peer.address, support::printable(peer.certificate_subject, 512));
        }
        co_await serve_requests(*tls, lowest, peer, handle);
        lowest.expires_after(std::chrono::seconds(5));
        co_await tls->async_shutdown(use_tuple);
    }

    // Why a request whose header was read cannot be served (RFC 9112), or nullopt.
    std::optional<std::pair<bhttp::status, std::string>>
    framing_error(const bhttp::request_parser<bhttp::string_body>& parser) const {
        const auto& header = parser.get();
        if (header.target().size() > config_.max_uri_bytes) {
            return std::pair{bhttp::status::uri_too_long, "the request-target exceeds the limit of " +
                                                              std::to_string(config_.max_uri_bytes) + " bytes"};
        }
        std::size_t field_bytes = 0;
        for (const auto& f : header) {
            field_bytes += f.name_string().size() + f.value().size() + 4; // ": " and CRLF
        }
        if (field_bytes > config_.max_header_bytes) {
            return std::pair{bhttp::status::request_header_fields_too_large,
                             "the header fields exceed the limit of " + std::to_string(config_.max_header_bytes) +
                                 " bytes"};
        }
        auto encodings = header.count(bhttp::field::transfer_encoding);
        if (encodings > 0 && !parser.chunked()) {
            // RFC 9112 section 6.3: the body's length cannot be known; reading on would run it as a request.
            return std::pair{bhttp::status::bad_request, std::string("Transfer-Encoding must end in chunked")};
        }
        if (encodings > 0 && header.version() < 11) {
            // RFC 9112 section 6.1: an HTTP/1.0 recipient would not understand it; the framing is faulty.
            return std::pair{bhttp::status::bad_request, std::string("Transfer-Encoding needs HTTP/1.1")};
        }
        if (encodings > 0 && header.count(bhttp::field::content_length) > 0) {
            return std::pair{bhttp::status::bad_request,
                             std::string("Transfer-Encoding and Content-Length exclude each other")};
        }
        if (header.version() >= 11 && header.count(bhttp::field::host) != 1) {
            return std::pair{bhttp::status::bad_request, std::string("an HTTP/1.1 request needs one Host field")};
        }
        return std::nullopt;
    }

    // Whether a header over the parser's limit is so because of its request-target. The parser takes the request
    // line in as soon as it is complete: then its target is known; otherwise the unparsed start of `buffer` is the
    // request line, still without its end.
    bool request_line_too_long(const bhttp::request_parser<bhttp::string_body>& parser,
                               const beast::flat_buffer& buffer) const {
        if (!parser.get().target().empty()) {
            return parser.get().target().size() > config_.max_uri_bytes;
        }
        std::string_view data(static_cast<const char*>(buffer.data().data()), buffer.data().size());
        // "<method> <target> HTTP/1.1\r": the longest method mcprov knows is short.
        return data.substr(0, data.find('\n')).size() > config_.max_uri_bytes + 32;
    }

    template <class Stream>
    asio::awaitable<void> serve_requests(Stream& stream, beast::tcp_stream& lowest, const peer_info& peer,
                                         connection_handle& handle) {
        beast::flat_buffer buffer;
        for (;;) {
            bhttp::request_parser<bhttp::string_body> parser;
            // The request line and the fields are limited apart (414 and 431): the parser gets room for both, and
            // the parts are checked once the header is in.
            parser.header_limit(static_cast<std::uint32_t>(config_.max_header_bytes + config_.max_uri_bytes + 32));
            parser.body_limit(config_.max_body_bytes);
            handle.idle = true;
            if (stopping_) {
                co_return;
            }
            lowest.expires_after(config_.idle_timeout);
            auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
            handle.idle = false;
            if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
                ec == beast::error::timeout || ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
                co_return;
            }
            if (ec == bhttp::error::body_limit) {
                // The declared Content-Length is over the limit: refuse before reading any of the body.
                co_await refuse(stream, lowest, peer, parser.get(), bhttp::status::payload_too_large,
                                "request body exceeds the limit of " + std::to_string(config_.max_body_bytes) +
                                    " bytes");
                co_return;
            }
            if (ec == bhttp::error::header_limit) {
                auto status = request_line_too_long(parser, buffer) ? bhttp::status::uri_too_long
                                                                    : bhttp::status::request_header_fields_too_large;
                co_await refuse(stream, lowest, peer, std::nullopt, status, "request header too large");
                co_return;
            }
            if (ec) {
                co_await refuse(stream, lowest, peer, std::nullopt, bhttp::status::bad_request,
                                "malformed request: " + ec.message());
                co_return;
            }
            if (auto framing = framing_error(parser)) {
                co_await refuse(stream, lowest, peer, parser.get(), framing->first, framing->second);
                co_return;
            }
            auto& header = parser.get();
            if (parser.chunked() || parser.content_length().value_or(0) > 0) {
                // A body is coming: let the handler turn the request away before any of it is read.
                auto refusal = guarded(peer, header, [&] { return handler_->screen(header, peer); });
                if (refusal) {
                    co_await write_and_close(stream, lowest, std::move(*refusal));
                    co_return;
                }
            }
            if (beast::iequals(header[bhttp::field::expect], "100-continue")) {
                bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, header.version()};
                auto [wec, wn] = co_await bhttp::async_write(stream, cont, use_tuple);
                if (wec) {
                    co_return;
                }
            }
            lowest.expires_after(config_.body_timeout);
            auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
            if (rec == bhttp::error::body_limit) {
                co_await refuse(stream, lowest, peer, parser.get(), bhttp::status::payload_too_large,
                                "request body exceeds the limit of " + std::to_string(config_.max_body_bytes));
                co_return;
            }
            if (rec) {
                if (rec != asio::error::eof && rec != beast::error::timeout && rec != bhttp::error::end_of_stream) {
                    co_await refuse(stream, lowest, peer, parser.get(), bhttp::status::bad_request,
                                    "malformed request: " + rec.message());
                }
                co_return;
            }
            auto req = parser.release();
            bool keep_alive = req.keep_alive() && !stopping_;
            const bool head = req.method() == bhttp::verb::head;
            const auto method = std::string(req.method_string());
            const auto target = std::string(req.target());
            bool failed = false;
            response res;
            if (waiting_ && handler_->may_wait(req)) {
                // On a waiting thread; this connection's coroutine resumes on its own executor with the answer.
                res = co_await asio::co_spawn(
                    waiting_->get_executor(),
                    [&]() -> asio::awaitable<response> {
                        co_return guarded(
                            peer, method, target, [&] { return handler_->handle(std::move(req), peer); }, &failed);
                    },
                    asio::use_awaitable);
            } else {
                res = guarded(
                    peer, method, target, [&] { return handler_->handle(std::move(req), peer); }, &failed);
            }
            res.keep_alive(keep_alive && !stopping_ && !failed);
            res.prepare_payload();
            if (head) {
                // The headers of the GET, Content-Length included, without its body.
                auto length = res.body().size();
                res.body().clear();
                res.content_length(length);
            }
            keep_alive = res.keep_alive();
            auto [wec, wn] = co_await bhttp::async_write(stream, res, use_tuple);
            if (wec || !keep_alive) {
                co_return;
            }
        }
    }

    // The server's guard: an exception escaping the handler becomes a 500 with a generic body and one log line.
    template <class F> std::optional<response> guarded(const peer_info& peer, const request& header, F&& f) {
        try {
            return f();
        } catch (...) {
            ++handler_exceptions_;
            log_->error("{} {} {}: the handler threw: {}", peer.address, support::printable(header.method_string(), 32),
                        support::printable(header.target(), logged_target_bytes), what_of(std::current_exception()));
            return make_plain_response(bhttp::status::internal_server_error, header.version(), "internal error\n");
        }
    }
    template <class F>
    response guarded(const peer_info& peer, const std::string& method, const std::string& target, F&& f, bool* failed) {
        try {
            return f();
        } catch (...) {
            ++handler_exceptions_;
            *failed = true;
            log_->error("{} {} {}: the handler threw: {}", peer.address, support::printable(method, 32),
                        support::printable(target, logged_target_bytes), what_of(std::current_exception()));
            return make_plain_response(bhttp::status::internal_server_error, 11, "internal error\n");
        }
    }

    static std::string what_of(std::exception_ptr e) {
        try {
            std::rethrow_exception(std::move(e));
        } catch (const std::exception& ex) {
            return support::printable(ex.what(), 512);
        } catch (...) {
            return "an exception that is not a std::exception";
        }
    }

    // Answers a request the server itself cannot serve, logs why (the peer's text made printable), and ends the
    // connection.
    template <class Stream>
    asio::awaitable<void> refuse(Stream& stream, beast::tcp_stream& lowest, const peer_info& peer,
                                 std::optional<std::reference_wrapper<const request>> header, bhttp::status status,
                                 std::string reason) {
        if (header) {
            log_->info("{} {} {}: {} {}", peer.address, support::printable(header->get().method_string(), 32),
                       support::printable(header->get().target(), logged_target_bytes), static_cast<int>(status),
                       support::printable(reason));
        } else {
            log_->info("{}: {} {}", peer.address, static_cast<int>(status), support::printable(reason));
        }
        co_await write_and_close(stream, lowest, make_plain_response(status, 11, std::move(reason)));
    }

    // Answers and ends the connection. What the client is still sending is read and dropped for a moment first:
    // closing with unread input would reset the connection and could destroy the answer before it is read.
    template <class Stream>
    asio::awaitable<void> write_and_close(Stream& stream, beast::tcp_stream& lowest, response res) {
        res.keep_alive(false);
        res.prepare_payload();
        auto [ec, n] = co_await bhttp::async_write(stream, res, use_tuple);
        if (ec) {
            co_return;
        }
        constexpr std::size_t drain_limit = 16 * 1024 * 1024;
        lowest.expires_after(std::chrono::seconds(2));
        std::array<char, 16 * 1024> scratch;
        for (std::size_t drained = 0; drained < drain_limit;) {
            auto [rec, got] = co_await stream.async_read_some(asio::buffer(scratch), use_tuple);
            if (rec) {
                break;
            }
            drained += got;
        }
    }

    void log_throttled(const std::string& message) {
        std::lock_guard lock(mutex_);
        log_throttled_locked(message);
    }
    void log_throttled_locked(const std::string& message) {
        auto now = std::chrono::steady_clock::now();
        if (now - last_warning_ >= std::chrono::seconds(1)) {
            last_warning_ = now;
            log_->warn("{}", message);
        }
    }

    template <class Socket> static std::string remote_address(const Socket& socket) {
        boost::system::error_code ec;
        auto endpoint = socket.remote_endpoint(ec);
        return ec ? std::string("unknown") : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    }

    // The connection sent its first bytes (plain HTTP) or finished its TLS handshake.
    void established(connection_handle& handle) {
        std::lock_guard lock(mutex_);
        if (handle.handshaking) {
            handshaking_.erase(handle.in_handshaking);
            handle.handshaking = false;
        }
    }

    void release(const std::shared_ptr<connection_handle>& handle) {
        bool trim = false;
        {
            std::lock_guard lock(mutex_);
            if (handle->handshaking) {
                handshaking_.erase(handle->in_handshaking);
                handle->handshaking = false;
            }
            connections_.remove(handle);
            --per_context_[handle->context];
            if (handle->dropped) {
                --dropped_closing_;
            }
            // glibc keeps freed memory in its arenas: after a burst of connections has gone (a flood, a load peak),
            // give it back to the system.
            ++closed_since_trim_;
            if (closed_since_trim_ >= 1024 || (connections_.empty() && closed_since_trim_ >= 64)) {
                closed_since_trim_ = 0;
                trim = true;
                ++trimming_;
            }
            drained_.notify_all();
        }
        if (trim) {
            ::malloc_trim(0);
            std::lock_guard lock(mutex_);
            --trimming_;
            drained_.notify_all();
        }
    }

    void close_idle_connections() {
        std::lock_guard lock(mutex_);
        for (auto& c : connections_) {
            if (c->idle) {
                asio::post(c->executor, [c] {
                    if (c->idle) {
                        c->close_now();
                    }
                });
            }
        }
    }

    std::size_t least_loaded() const {
        std::lock_guard lock(mutex_);
        return static_cast<std::size_t>(std::min_element(per_context_.begin(), per_context_.end()) -
                                        per_context_.begin());
    }

    static std::vector<std::unique_ptr<asio::io_context>> make_contexts(unsigned count) {
        std::vector<std::unique_ptr<asio::io_context>> contexts;
        for (unsigned i = 0; i < count; ++i) {
            contexts.push_back(std::make_unique<asio::io_context>(1));
        }
        return contexts;
    }

    // Everything a connection's coroutine touches is declared before contexts_, so that it outlives them:
    // connections still open when the server stops (idle keep-alive ones, or past shutdown_grace) are destroyed with
    // their io_context, and their registration then leaves connections_.
    server_config config_;
    std::shared_ptr<handler> handler_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::condition_variable drained_;
    std::list<std::shared_ptr<connection_handle>> connections_;
    std::list<std::shared_ptr<connection_handle>> handshaking_; // oldest first
    // Dropped connections still closing on their threads: their slots are free already, or a flood faster than
    // the closing would be refused although each of its connections makes room.
    std::size_t dropped_closing_ = 0;
    std::vector<std::size_t> per_context_; // connections per io_context, under mutex_
    std::size_t socket_budget_ = std::numeric_limits<std::size_t>::max(); // the descriptors sockets may take
    std::size_t closed_since_trim_ = 0;
    std::size_t trimming_ = 0; // malloc_trim calls under way
    std::atomic<std::uint64_t> handshakes_dropped_{0};
    std::atomic<std::uint64_t> handshakes_timed_out_{0};
    std::atomic<std::uint64_t> refused_{0};
    std::atomic<std::uint64_t> handler_exceptions_{0};
    std::chrono::steady_clock::time_point last_warning_{}; // under mutex_
    std::shared_ptr<spdlog::logger> log_ = support::logger("http");
    asio::ssl::context ssl_;
    std::vector<std::unique_ptr<asio::io_context>> contexts_; // one per request thread
    // The acceptor's, on a thread of its own, so that a long request never delays accepting. Declared after
    // contexts_: a pending accept, destroyed with it, holds a socket for one of them.
    asio::io_context accepting_{1};
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
    std::unique_ptr<asio::thread_pool> waiting_;
    tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::vector<std::thread> threads_;
    std::thread stopper_;
};

} // namespace

support::result<std::unique_ptr<server>> create_server(const server_config& config, std::shared_ptr<handler> h) {
    auto s = std::make_unique<server_impl>(config, std::move(h));
    if (auto started = s->start(); !started) {
        return std::move(started).err();
    }
    return std::unique_ptr<server>(std::move(s));
}

} // namespace mcprov::http
