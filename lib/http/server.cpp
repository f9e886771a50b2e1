#include "mcprov/http/server.hpp"

#include <array>
#include <atomic>
#include <condition_variable>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/resource.h>

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

// The per-connection state a stop() needs to reach: whether the connection sits idle between requests.
// Only touched on the connection's own strand, except `idle`, which stop() reads.
struct connection_handle {
    asio::any_io_executor executor;
    std::function<void()> close;
    bool finished = false;
    std::atomic<bool> idle{true};
};

class server_impl final : public server, public std::enable_shared_from_this<server_impl> {
public:
    server_impl(const server_config& config, std::shared_ptr<handler> h)
        : config_(config), handler_(std::move(h)), ssl_(asio::ssl::context::tls_server),
          ioc_(static_cast<int>(config.threads)), acceptor_(asio::make_strand(ioc_)) {}

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
            // Leave descriptors for the database, logs and files; past the limit accept() would only fail.
            auto usable = files.rlim_cur > 64 ? static_cast<std::size_t>(files.rlim_cur - 64) : 1;
            if (config_.max_connections > usable) {
                log_->warn("max_connections {} lowered to {}: the process may open {} files", config_.max_connections,
                           usable, files.rlim_cur);
                config_.max_connections = usable;
            }
        }
        asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
        for (unsigned i = 0; i < std::max(1u, config_.threads); ++i) {
            threads_.emplace_back([this] { ioc_.run(); });
        }
        return {};
    }

    std::uint16_t port() const override { return port_; }

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
            ioc_.stop();
        });
    }

    void wait() override {
        for (auto& t : threads_) {
            if (t.joinable()) {
                t.join();
            }
        }
        if (stopper_.joinable()) {
            stopper_.join();
        }
    }

private:
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
        ssl_.use_private_key_file(tls.private_key.string(), asio::ssl::context::pem, ec);
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
            ssl_.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
        }
        return {};
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), use_tuple);
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
            if (connection_count() >= config_.max_connections) {
                log_throttled("refusing connections: " + std::to_string(config_.max_connections) + " open");
                continue; // the socket closes as it goes out of scope
            }
            socket.set_option(tcp::no_delay(true), ec);
            auto executor = socket.get_executor();
            if (config_.tls) {
                asio::co_spawn(executor, serve_tls(std::move(socket)), asio::detached);
            } else {
                asio::co_spawn(executor, serve_plain(std::move(socket)), asio::detached);
            }
        }
    }

    asio::awaitable<void> serve_plain(tcp::socket socket) {
        beast::tcp_stream stream(std::move(socket));
        peer_info peer{remote_address(stream.socket()), {}, {}};
        tracked_connection tracked(*this, stream.get_executor(), [&stream] {
            boost::system::error_code ignored;
            stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            stream.socket().close(ignored);
        });
        co_await serve_requests(stream, stream, peer, *tracked.handle);
        boost::system::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    asio::awaitable<void> serve_tls(tcp::socket socket) {
        beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), ssl_);
        auto& lowest = beast::get_lowest_layer(stream);
        peer_info peer{remote_address(lowest.socket()), {}, {}};
        tracked_connection tracked(*this, lowest.get_executor(), [&lowest] {
            boost::system::error_code ignored;
            lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
            lowest.socket().close(ignored);
        });
        lowest.expires_after(std::chrono::seconds(10));
        auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
        if (ec) {
            log_->info("{}: TLS handshake failed: {}", peer.address, ec.message());
        } else {
            describe_peer_certificate(stream.native_handle(), peer);
            co_await serve_requests(stream, lowest, peer, *tracked.handle);
            lowest.expires_after(std::chrono::seconds(5));
            co_await stream.async_shutdown(use_tuple);
        }
    }

    template <class Stream>
    asio::awaitable<void> serve_requests(Stream& stream, beast::tcp_stream& lowest, const peer_info& peer,
                                         connection_handle& handle) {
        beast::flat_buffer buffer;
        for (;;) {
            bhttp::request_parser<bhttp::string_body> parser;
            parser.header_limit(static_cast<std::uint32_t>(config_.max_header_bytes));
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
                co_await write_and_close(stream, lowest,
                                         make_plain_response(bhttp::status::payload_too_large, 11,
                                                             "request body exceeds the limit of " +
                                                                 std::to_string(config_.max_body_bytes) + " bytes"));
                co_return;
            }
            if (ec) {
                auto status = ec == bhttp::error::header_limit ? bhttp::status::request_header_fields_too_large
                                                               : bhttp::status::bad_request;
                co_await write_and_close(stream, lowest,
                                         make_plain_response(status, 11, "malformed request: " + ec.message()));
                co_return;
            }
            auto& header = parser.get();
            if (parser.chunked() || parser.content_length().value_or(0) > 0) {
                // A body is coming: let the handler turn the request away before any of it is read.
                if (auto refusal = handler_->screen(header, peer)) {
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
                co_await write_and_close(
                    stream, lowest,
                    make_plain_response(bhttp::status::payload_too_large, 11,
                                        "request body exceeds the limit of " + std::to_string(config_.max_body_bytes)));
                co_return;
            }
            if (rec) {
                if (rec != asio::error::eof && rec != beast::error::timeout && rec != bhttp::error::end_of_stream) {
                    co_await write_and_close(
                        stream, lowest,
                        make_plain_response(bhttp::status::bad_request, 11, "malformed request: " + rec.message()));
                }
                co_return;
            }
            auto req = parser.release();
            bool keep_alive = req.keep_alive() && !stopping_;
            const bool head = req.method() == bhttp::verb::head;
            response res = handler_->handle(std::move(req), peer);
            res.keep_alive(keep_alive && !stopping_);
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

    // Registers a connection for stop() for as long as it lives; declared after the stream it closes, so that it
    // is gone (and the close disabled) before the stream is.
    struct tracked_connection {
        tracked_connection(server_impl& s, asio::any_io_executor executor, std::function<void()> close)
            : server(s), handle(std::make_shared<connection_handle>()) {
            handle->executor = std::move(executor);
            handle->close = std::move(close);
            std::lock_guard lock(server.mutex_);
            server.connections_.push_back(handle);
        }
        ~tracked_connection() {
            handle->finished = true;
            std::lock_guard lock(server.mutex_);
            server.connections_.remove(handle);
            server.drained_.notify_all();
        }
        tracked_connection(const tracked_connection&) = delete;
        tracked_connection& operator=(const tracked_connection&) = delete;

        server_impl& server;
        std::shared_ptr<connection_handle> handle;
    };

    std::size_t connection_count() {
        std::lock_guard lock(mutex_);
        return connections_.size();
    }

    void close_idle_connections() {
        std::lock_guard lock(mutex_);
        for (auto& c : connections_) {
            if (c->idle) {
                asio::post(c->executor, [c] {
                    if (!c->finished && c->idle) {
                        c->close();
                    }
                });
            }
        }
    }

    // Everything a connection's coroutine touches is declared before ioc_, so that it outlives ioc_: connections
    // still open when the server stops (idle keep-alive ones, or past shutdown_grace) are destroyed with ioc_, and
    // their tracked_connection then leaves connections_.
    server_config config_;
    std::shared_ptr<handler> handler_;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::condition_variable drained_;
    std::list<std::shared_ptr<connection_handle>> connections_;
    std::shared_ptr<spdlog::logger> log_ = support::logger("http");
    asio::ssl::context ssl_;
    asio::io_context ioc_;
    tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::vector<std::thread> threads_;
    std::thread stopper_;
    std::chrono::steady_clock::time_point last_warning_{}; // only touched on the acceptor's strand
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
