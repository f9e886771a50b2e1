#include "mcprov/http/client.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <stop_token>
#include <system_error>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <poll.h>

#include "mcprov/support/file.hpp"

namespace mcprov::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using support::errc;
using support::make_error;
using support::result;
using clock_type = std::chrono::steady_clock;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct target {
    bool tls = false;
    std::string host;
    std::string port;
    std::string path;

    // The peer whose connections may serve this target.
    std::string peer() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

result<target> parse_target(const std::string& url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) {
        return make_error(errc::invalid_argument, "not a URL: " + url);
    }
    target t;
    auto scheme = parsed->scheme();
    if (scheme == "https") {
        t.tls = true;
    } else if (scheme != "http") {
        return make_error(errc::invalid_argument, "unsupported scheme in " + url);
    }
    t.host = parsed->host_address();
    if (t.host.empty()) {
        return make_error(errc::invalid_argument, "no host in " + url);
    }
    t.port = parsed->has_port() ? std::string(parsed->port()) : (t.tls ? "443" : "80");
    t.path = std::string(parsed->encoded_target());
    if (t.path.empty()) {
        t.path = "/";
    }
    return t;
}

bool idempotent(bhttp::verb method) {
    return method == bhttp::verb::get || method == bhttp::verb::head || method == bhttp::verb::delete_;
}

// Resolves host:port before the deadline. getaddrinfo() cannot be interrupted, so it runs on a thread of its own,
// which is left to finish alone (and its result dropped) when the deadline passes first.
result<std::vector<tcp::endpoint>> resolve(const std::string& host, const std::string& port,
                                           clock_type::time_point deadline, std::chrono::seconds timeout) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (!ec) {
        unsigned long number = 0;
        try {
            number = std::stoul(port);
        } catch (const std::exception&) {
            number = 65536;
        }
        if (number > 65535) {
            return make_error(errc::invalid_argument, "bad port " + port);
        }
        return std::vector<tcp::endpoint>{tcp::endpoint(address, static_cast<std::uint16_t>(number))};
    }
    struct state {
        std::mutex mutex;
        std::condition_variable done_cv;
        bool done = false;
        boost::system::error_code ec;
        std::vector<tcp::endpoint> endpoints;
    };
    auto shared = std::make_shared<state>();
    try {
        std::thread([shared, host, port] {
            asio::io_context ioc;
            tcp::resolver resolver(ioc);
            boost::system::error_code resolve_ec;
            auto results = resolver.resolve(host, port, resolve_ec);
            std::lock_guard lock(shared->mutex);
            shared->ec = resolve_ec;
            for (const auto& entry : results) {
                shared->endpoints.push_back(entry.endpoint());
            }
            shared->done = true;
            shared->done_cv.notify_all();
        }).detach();
    } catch (const std::system_error& e) {
        return make_error(errc::unavailable, "resolving " + host + ": " + e.what());
    }
    std::unique_lock lock(shared->mutex);
    if (!shared->done_cv.wait_until(lock, deadline, [&] { return shared->done; })) {
        return make_error(errc::unavailable,
                          "resolving " + host + ": timed out after " + std::to_string(timeout.count()) + " s");
    }
    if (shared->ec || shared->endpoints.empty()) {
        return make_error(errc::unavailable,
                          "resolving " + host + ": " + (shared->ec ? shared->ec.message() : "no address"));
    }
    return std::move(shared->endpoints);
}

using tls_stream = beast::ssl_stream<beast::tcp_stream>;

// What one attempt of a request on one connection gave.
struct attempt_result {
    std::optional<response> answer;
    support::error error{errc::internal, {}};
    bool before_answer = false; // failed before any byte of an answer arrived
    bool reusable = false;      // the connection may carry another request
};

// One connection to one peer, with the io_context its operations run on. Used by one thread at a time: the
// client hands it out exclusively and takes it back when the request is done.
class connection {
public:
    explicit connection(asio::ssl::context* tls_context) : ioc_(1) {
        if (tls_context) {
            tls_.emplace(ioc_, *tls_context);
        } else {
            plain_.emplace(ioc_);
        }
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    clock_type::time_point idle_since() const { return idle_since_; }
    void set_idle_since(clock_type::time_point when) { idle_since_ = when; }

    // TLS session resumption: a session to offer in the handshake of a new connection, whether the handshake
    // resumed one, and the session (with the newest ticket) the server gave this connection (null if none).
    void offer_session(SSL_SESSION* session) {
        if (tls_ && session && !connected_) {
            SSL_set_session(tls_->native_handle(), session);
        }
    }
    bool resumed() { return tls_ && SSL_session_reused(tls_->native_handle()) == 1; }
    SSL_SESSION* session() { return tls_ ? SSL_get1_session(tls_->native_handle()) : nullptr; }

    // Whether an idle connection still looks usable: the server has neither closed it nor sent anything (which
    // could only be a close_notify or garbage) since the last answer.
    bool looks_alive() {
        if (!connected_ || buffer_.size() != 0) {
            return false;
        }
        auto& socket = lowest().socket();
        if (!socket.is_open()) {
            return false;
        }
        pollfd p{socket.native_handle(), POLLIN, 0};
        int ready = ::poll(&p, 1, 0);
        return ready == 0;
    }

    // Connects (when not connected yet), sends the request and reads the answer, all before the deadline.
    attempt_result exchange(const std::vector<tcp::endpoint>* endpoints, const target& t,
                            const bhttp::request<bhttp::string_body>& message, const std::string& url,
                            std::size_t max_response_bytes, clock_type::time_point deadline,
                            std::chrono::seconds timeout) {
        attempt_result out;
        std::exception_ptr failure;
        ioc_.restart();
        asio::co_spawn(
            ioc_,
            [&]() -> asio::awaitable<void> {
                if (tls_) {
                    out = co_await run(*tls_, endpoints, t, message, url, max_response_bytes, deadline, timeout);
                } else {
                    out = co_await run(*plain_, endpoints, t, message, url, max_response_bytes, deadline, timeout);
                }
            },
            [&](std::exception_ptr e) { failure = e; });
        ioc_.run();
        if (failure) {
            out = attempt_result{};
            try {
                std::rethrow_exception(failure);
            } catch (const std::exception& e) {
                out.error = make_error(errc::internal, url + ": " + e.what());
            } catch (...) {
                out.error = make_error(errc::internal, url + ": unknown failure");
            }
        }
        if (!out.reusable) {
            close();
        }
        return out;
    }

private:
    beast::tcp_stream& lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

    void close() {
        boost::system::error_code ignored;
        lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest().socket().close(ignored);
        connected_ = false;
    }

    static support::error failed(const std::string& stage, boost::system::error_code ec,
                                 clock_type::time_point deadline, std::chrono::seconds timeout) {
        if (ec == beast::error::timeout || clock_type::now() >= deadline) {
            return make_error(errc::unavailable, stage + ": timed out after " + std::to_string(timeout.count()) + " s");
        }
        return make_error(errc::unavailable, stage + ": " + ec.message());
    }

    asio::awaitable<boost::system::error_code> connect(tls_stream& stream, const std::vector<tcp::endpoint>& endpoints,
                                                       const target& t, clock_type::time_point deadline,
                                                       std::string& stage) {
        auto& tcp_stream = beast::get_lowest_layer(stream);
        stage = "connecting to " + t.host + ":" + t.port;
        tcp_stream.expires_at(deadline);
        auto [ec, endpoint] = co_await tcp_stream.async_connect(endpoints, use_tuple);
        if (ec) {
            co_return ec;
        }
        boost::system::error_code ignored;
        tcp_stream.socket().set_option(tcp::no_delay(true), ignored);
        // Verify the server's name (DNS name or IP address in subjectAltName).
        X509_VERIFY_PARAM* param = SSL_get0_param(stream.native_handle());
        boost::system::error_code addr_ec;
        (void)asio::ip::make_address(t.host, addr_ec);
        if (addr_ec) {
            SSL_set_tlsext_host_name(stream.native_handle(), t.host.c_str());
            X509_VERIFY_PARAM_set1_host(param, t.host.c_str(), 0);
        } else {
            X509_VERIFY_PARAM_set1_ip_asc(param, t.host.c_str());
        }
        stage = "TLS handshake with " + t.host + ":" + t.port;
        tcp_stream.expires_at(deadline);
        auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::client, use_tuple);
        co_return hec;
    }

    asio::awaitable<boost::system::error_code> connect(beast::tcp_stream& stream,
                                                       const std::vector<tcp::endpoint>& endpoints, const target& t,
                                                       clock_type::time_point deadline, std::string& stage) {
        stage = "connecting to " + t.host + ":" + t.port;
        stream.expires_at(deadline);
        auto [ec, endpoint] = co_await stream.async_connect(endpoints, use_tuple);
        if (!ec) {
            boost::system::error_code ignored;
            stream.socket().set_option(tcp::no_delay(true), ignored);
        }
        co_return ec;
    }

    template <class Stream>
    asio::awaitable<attempt_result> run(Stream& stream, const std::vector<tcp::endpoint>* endpoints, const target& t,
                                        const bhttp::request<bhttp::string_body>& message, const std::string& url,
                                        std::size_t max_response_bytes, clock_type::time_point deadline,
                                        std::chrono::seconds timeout) {
        attempt_result out;
        auto& tcp_stream = lowest();
        if (!connected_) {
            std::string stage;
            auto ec = co_await connect(stream, *endpoints, t, deadline, stage);
            if (ec) {
                out.error = failed(stage, ec, deadline, timeout);
                co_return out;
            }
            connected_ = true;
        }
        tcp_stream.expires_at(deadline);
        auto [send_ec, sent] = co_await bhttp::async_write(stream, message, use_tuple);
        // A server may answer and close before reading the whole request (413, say): its answer still counts.
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(max_response_bytes);
        parser.skip(message.method() == bhttp::verb::head);
        tcp_stream.expires_at(deadline);
        auto [ec, got] = co_await bhttp::async_read(stream, buffer_, parser, use_tuple);
        tcp_stream.expires_never();
        if (ec == bhttp::error::body_limit) {
            out.error = make_error(errc::too_large, "response from " + url + " exceeds " +
                                                        std::to_string(max_response_bytes) + " bytes");
            co_return out;
        }
        if (ec) {
            out.before_answer = !parser.got_some() && buffer_.size() == 0;
            out.error = send_ec && out.before_answer ? failed("sending to " + url, send_ec, deadline, timeout)
                                                     : failed("reading from " + url, ec, deadline, timeout);
            co_return out;
        }
        // Kept for the next request only if the answer ended by its length (not by the end of the connection),
        // neither side asked to close, and nothing was sent after it.
        out.reusable = !send_ec && parser.keep_alive() && message.keep_alive() && buffer_.size() == 0;
        out.answer = parser.release();
        co_return out;
    }

    // Declared first: destroyed after the streams whose operations it runs.
    asio::io_context ioc_;
    std::optional<beast::tcp_stream> plain_;
    std::optional<tls_stream> tls_;
    beast::flat_buffer buffer_;
    bool connected_ = false;
    clock_type::time_point idle_since_{};
};

class client_impl final : public client {
public:
    explicit client_impl(const client_options& options) : options_(options), tls_(asio::ssl::context::tls_client) {}

    result<void> configure() {
        boost::system::error_code ec;
        tls_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                         asio::ssl::context::no_compression);
        tls_.set_verify_mode(asio::ssl::verify_peer);
        // Sessions (TLS 1.3 tickets arrive after the handshake) are kept per peer by this client, not by OpenSSL.
        SSL_CTX_set_session_cache_mode(tls_.native_handle(), SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        if (options_.ca_file) {
            tls_.load_verify_file(options_.ca_file->string(), ec);
        } else {
            tls_.set_default_verify_paths(ec);
        }
        if (ec) {
            return make_error(errc::invalid_argument, "loading trusted CAs: " + ec.message());
        }
        if (options_.certificate_chain.has_value() != options_.private_key.has_value()) {
            return make_error(errc::invalid_argument, "a client certificate chain needs its private key");
        }
        if (options_.certificate_chain) {
            tls_.use_certificate_chain_file(options_.certificate_chain->string(), ec);
            if (ec) {
                return make_error(errc::invalid_argument, "loading client certificate: " + ec.message());
            }
            auto key = support::read_secret_file(*options_.private_key);
            if (!key) {
                return make_error(errc::invalid_argument, "client private key " + key.err().message);
            }
            tls_.use_private_key(asio::buffer(*key), asio::ssl::context::pem, ec);
            OPENSSL_cleanse(key->data(), key->size());
            if (ec) {
                return make_error(errc::invalid_argument,
                                  "client private key " + options_.private_key->string() + ": " + ec.message());
            }
        }
        return {};
    }

    // Closes expired idle connections every half idle_timeout (at least every second) until the client goes.
    void start_pruning() {
        if (options_.max_idle_connections == 0 || options_.idle_clock) {
            return;
        }
        const auto interval =
            std::max<std::chrono::milliseconds>(std::chrono::seconds(1), options_.idle_timeout / 2);
        pruner_ = std::jthread([this, interval](std::stop_token stop) {
            std::mutex m;
            std::condition_variable_any wake;
            std::unique_lock lock(m);
            while (!wake.wait_for(lock, stop, interval, [&] { return stop.stop_requested(); })) {
                prune_idle();
            }
        });
    }

    result<response> fetch(const client_request& req) override { return fetch(req, options_.max_response_bytes); }

    result<response> fetch(const client_request& req, std::size_t max_response_bytes) override {
        auto t = parse_target(req.url);
        if (!t) {
            return std::move(t).err();
        }
        const auto deadline = clock_type::now() + options_.timeout;
        bhttp::request<bhttp::string_body> message{req.method, t->path, 11};
        message.set(bhttp::field::host, t->host + ":" + t->port);
        message.set(bhttp::field::user_agent, "mcprov");
        for (const auto& [name, value] : req.headers) {
            message.set(name, value);
        }
        message.body() = req.body;
        message.prepare_payload();
        const auto peer = t->peer();

        std::optional<std::vector<tcp::endpoint>> endpoints;
        for (int attempt = 0;; ++attempt) {
            auto conn = attempt == 0 ? take_idle(peer) : nullptr;
            const bool reused = conn != nullptr;
            if (!conn) {
                if (!endpoints) {
                    auto resolved = resolve(t->host, t->port, deadline, options_.timeout);
                    if (!resolved) {
                        return std::move(resolved).err();
                    }
                    endpoints = std::move(resolved).value();
                }
                try {
                    conn = std::make_unique<connection>(t->tls ? &tls_ : nullptr);
                } catch (const std::exception& e) {
                    // Out of file descriptors or memory: like a connection that cannot be made.
                    return make_error(errc::unavailable, "connecting to " + t->host + ":" + t->port + ": " + e.what());
                }
            }
            if (!reused && t->tls) {
                conn->offer_session(session_for(peer).get());
            }
            auto outcome = conn->exchange(endpoints ? &*endpoints : nullptr, *t, message, req.url, max_response_bytes,
                                          deadline, options_.timeout);
            if (outcome.answer && !reused && t->tls) {
                keep_session(peer, *conn);
            }
            if (outcome.answer) {
                if (outcome.reusable) {
                    give_back(peer, std::move(conn));
                }
                return std::move(*outcome.answer);
            }
            // A reused connection the server closed meanwhile: once more on a fresh one, if that is harmless.
            if (reused && outcome.before_answer && idempotent(req.method) && clock_type::now() < deadline) {
                continue;
            }
            return std::move(outcome.error);
        }
    }

    std::size_t prune_idle() override {
        std::vector<std::unique_ptr<connection>> dropped; // closed outside the lock
        {
            std::lock_guard lock(mutex_);
            drop_expired(dropped);
        }
        return dropped.size();
    }

    handshake_counts handshakes() const override {
        std::lock_guard lock(mutex_);
        return handshakes_;
    }

    std::size_t idle_connections() const override {
        std::lock_guard lock(mutex_);
        std::size_t n = 0;
        for (const auto& [peer, list] : idle_) {
            n += list.size();
        }
        return n;
    }

private:
    clock_type::time_point idle_now() const { return options_.idle_clock ? options_.idle_clock() : clock_type::now(); }

    // The most recently used idle connection to the peer that still looks usable, or null. Drops the expired and
    // dead ones on the way (of every peer: nothing else looks at them).
    std::unique_ptr<connection> take_idle(const std::string& peer) {
        std::vector<std::unique_ptr<connection>> dropped; // closed outside the lock
        std::unique_ptr<connection> found;
        {
            std::lock_guard lock(mutex_);
            drop_expired(dropped);
            if (auto it = idle_.find(peer); it != idle_.end()) {
                auto& list = it->second;
                while (!found && !list.empty()) {
                    auto candidate = std::move(list.back());
                    list.pop_back();
                    if (candidate->looks_alive()) {
                        found = std::move(candidate);
                    } else {
                        dropped.push_back(std::move(candidate));
                    }
                }
                if (list.empty()) {
                    idle_.erase(it);
                }
            }
        }
        return found;
    }

    // Moves the connections of every peer idle for idle_timeout into `dropped`. Called with mutex_ held.
    void drop_expired(std::vector<std::unique_ptr<connection>>& dropped) {
        const auto oldest = idle_now() - options_.idle_timeout;
        for (auto it = idle_.begin(); it != idle_.end();) {
            auto& list = it->second;
            for (auto c = list.begin(); c != list.end();) {
                if ((*c)->idle_since() <= oldest) {
                    dropped.push_back(std::move(*c));
                    c = list.erase(c);
                } else {
                    ++c;
                }
            }
            it = list.empty() ? idle_.erase(it) : std::next(it);
        }
    }

    std::shared_ptr<SSL_SESSION> session_for(const std::string& peer) const {
        std::lock_guard lock(mutex_);
        auto it = sessions_.find(peer);
        return it == sessions_.end() ? nullptr : it->second;
    }

    // After an answer on a new TLS connection: counts its handshake and keeps the peer's newest resumable session.
    void keep_session(const std::string& peer, connection& conn) {
        const bool resumed = conn.resumed();
        // A copy: OpenSSL marks a connection's own session not resumable when the connection is freed without a
        // close_notify, which is how this client drops connections.
        SSL_SESSION* own = conn.session();
        std::shared_ptr<SSL_SESSION> session(own ? SSL_SESSION_dup(own) : nullptr, SSL_SESSION_free);
        SSL_SESSION_free(own);
        std::lock_guard lock(mutex_);
        ++(resumed ? handshakes_.resumed : handshakes_.full);
        if (session && SSL_SESSION_is_resumable(session.get()) == 1) {
            sessions_[peer] = std::move(session);
        }
    }

    void give_back(const std::string& peer, std::unique_ptr<connection> conn) {
        if (options_.max_idle_connections == 0) {
            return;
        }
        conn->set_idle_since(idle_now());
        std::unique_ptr<connection> oldest; // closed outside the lock
        std::lock_guard lock(mutex_);
        auto& list = idle_[peer];
        if (list.size() >= options_.max_idle_connections) {
            oldest = std::move(list.front());
            list.erase(list.begin());
        }
        list.push_back(std::move(conn));
    }

    client_options options_;
    asio::ssl::context tls_;
    mutable std::mutex mutex_;
    // Idle connections per peer, the most recently used last.
    std::map<std::string, std::vector<std::unique_ptr<connection>>> idle_;
    std::map<std::string, std::shared_ptr<SSL_SESSION>> sessions_; // per peer, to resume
    handshake_counts handshakes_;

    std::jthread pruner_; // last: stopped and joined before the members it uses go
};

} // namespace

result<std::unique_ptr<client>> create_client(const client_options& options) {
    auto c = std::make_unique<client_impl>(options);
    if (auto configured = c->configure(); !configured) {
        return std::move(configured).err();
    }
    c->start_pruning();
    return std::unique_ptr<client>(std::move(c));
}

result<response> fetch(const client_request& req, const client_options& options) {
    auto one_shot = options;
    one_shot.max_idle_connections = 0;
    auto c = create_client(one_shot);
    if (!c) {
        return std::move(c).err();
    }
    return (*c)->fetch(req);
}

} // namespace mcprov::http
