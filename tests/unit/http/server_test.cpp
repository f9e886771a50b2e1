#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <spdlog/sinks/base_sink.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "../temp_dir.hpp"
#include "recording_sink.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using namespace std::chrono_literals;

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// Answers 200 with the target it was asked for; remembers every target; throws for targets starting "/throw".
class echo_handler final : public handler {
public:
    response handle(request&& req, const peer_info&) override {
        std::string target(req.target());
        {
            std::lock_guard lock(mutex_);
            targets_.push_back(target);
        }
        if (target.starts_with("/throw")) {
            throw std::runtime_error("a bug\r\n2026-12-06T10:00:00Z info [http] forged line \xff");
        }
        response res{bhttp::status::ok, req.version()};
        res.body() = "seen " + std::to_string(target.size()) + " bytes";
        return res;
    }
    std::optional<response> screen(const request& req, const peer_info&) override {
        if (req.target().starts_with("/screen-throw")) {
            throw std::logic_error("screen bug");
        }
        return std::nullopt;
    }
    std::vector<std::string> targets() {
        std::lock_guard lock(mutex_);
        return targets_;
    }

private:
    std::mutex mutex_;
    std::vector<std::string> targets_;
};

// A blocking TCP connection with a receive timeout, so that a test that goes wrong fails instead of hanging.
class raw_connection {
public:
    explicit raw_connection(std::uint16_t port) : socket_(ioc_) {
        socket_.connect({asio::ip::make_address("127.0.0.1"), port});
        timeval tv{20, 0};
        ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    void send(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }
    // Says that nothing more comes (the server then needs not wait for more before it closes).
    void end_sending() {
        boost::system::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
    }
    // Everything the server sends until it closes the connection.
    std::string read_to_end() {
        std::string out;
        std::array<char, 4096> chunk;
        for (;;) {
            boost::system::error_code ec;
            auto n = socket_.read_some(asio::buffer(chunk), ec);
            out.append(chunk.data(), n);
            if (ec) {
                closed_ = ec == asio::error::eof || ec == asio::error::connection_reset;
                return out;
            }
        }
    }
    bool closed() const { return closed_; }

private:
    asio::io_context ioc_;
    tcp::socket socket_;
    bool closed_ = false;
};

class http_server : public ::testing::Test {
protected:
    void SetUp() override {
        sink_ = std::make_shared<recording_sink>();
        support::logger("http")->sinks().push_back(sink_);
    }
    void TearDown() override {
        if (server_) {
            server_->stop();
            server_->wait();
        }
        auto& sinks = support::logger("http")->sinks();
        sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
    }

    void start_plain(server_config config = {}) {
        config.shutdown_grace = 0s;
        auto s = create_server(config, handler_);
        ASSERT_TRUE(s) << s.err().message;
        server_ = std::move(s).value();
    }

    void start_tls(server_config config) {
        auto ca = create_certificate_authority("server test CA", 1h);
        ASSERT_TRUE(ca) << ca.err().message;
        auto cert = issue_certificate(*ca, "localhost", {"localhost"}, {"127.0.0.1"}, certificate_usage::server, 1h);
        ASSERT_TRUE(cert) << cert.err().message;
        ASSERT_TRUE(support::write_file(dir_.path() / "ca.pem", ca->certificate_pem));
        ASSERT_TRUE(support::write_file(dir_.path() / "server.crt", cert->certificate_pem));
        ASSERT_TRUE(support::write_file(dir_.path() / "server.key", cert->private_key_pem));
        config.shutdown_grace = 0s;
        config.tls = tls_config{dir_.path() / "server.crt", dir_.path() / "server.key", {}};
        auto s = create_server(config, handler_);
        ASSERT_TRUE(s) << s.err().message;
        server_ = std::move(s).value();
    }
    std::unique_ptr<client> tls_client() {
        client_options options;
        options.ca_file = dir_.path() / "ca.pem";
        auto c = create_client(options);
        EXPECT_TRUE(c) << c.err().message;
        return c ? std::move(c).value() : nullptr;
    }
    std::string tls_url(const std::string& path = "/") const {
        return "https://127.0.0.1:" + std::to_string(server_->port()) + path;
    }

    // Sends raw bytes and returns all the server answers before it closes the connection.
    std::string exchange(const std::string& bytes, bool* closed = nullptr) {
        raw_connection c(server_->port());
        c.send(bytes);
        c.end_sending();
        auto out = c.read_to_end();
        if (closed) {
            *closed = c.closed();
        }
        return out;
    }

    std::size_t responses_in(const std::string& text) {
        std::size_t n = 0;
        for (auto pos = text.find("HTTP/1."); pos != std::string::npos; pos = text.find("HTTP/1.", pos + 1)) {
            n += pos == 0 || text.compare(pos - 2, 2, "\r\n") == 0 ? 1 : 0;
        }
        return n;
    }

    testing::temp_dir dir_;
    std::shared_ptr<echo_handler> handler_ = std::make_shared<echo_handler>();
    std::unique_ptr<server> server_;
    std::shared_ptr<recording_sink> sink_;
};

// ---- framing (RFC 9112 section 6) ----

TEST_F(http_server, when_transfer_encoding_does_not_end_in_chunked_then_400_and_the_body_is_never_run_as_a_request) {
    start_plain();
    bool closed = false;
    auto answer = exchange("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"
                           "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
                           &closed);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
    EXPECT_EQ(responses_in(answer), 1u) << answer;
    EXPECT_TRUE(closed);
    EXPECT_TRUE(handler_->targets().empty());
}

TEST_F(http_server, when_transfer_encoding_comes_with_content_length_then_400_and_close) {
    start_plain();
    for (std::string fields :
         {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
          "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n",
          "Transfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n"}) {
        bool closed = false;
        auto answer = exchange("POST /upload HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n0\r\n\r\n", &closed);
        EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << fields << answer;
        EXPECT_TRUE(closed) << fields;
    }
    auto old = exchange("POST /upload HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    EXPECT_TRUE(old.starts_with("HTTP/1.1 400")) << old;
    EXPECT_TRUE(handler_->targets().empty());
    // A chunked body alone is fine.
    auto chunked =
        exchange("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                 "5\r\nhello\r\n0\r\n\r\n");
    EXPECT_TRUE(chunked.starts_with("HTTP/1.1 200")) << chunked;
}

TEST_F(http_server, when_an_http11_request_has_no_host_or_two_then_400) {
    start_plain();
    auto none = exchange("GET /a HTTP/1.1\r\n\r\n");
    EXPECT_TRUE(none.starts_with("HTTP/1.1 400")) << none;
    auto two = exchange("GET /a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
    EXPECT_TRUE(two.starts_with("HTTP/1.1 400")) << two;
    // HTTP/1.0 has no Host requirement.
    auto old = exchange("GET /old HTTP/1.0\r\n\r\n");
    EXPECT_TRUE(old.starts_with("HTTP/1.0 200") || old.starts_with("HTTP/1.1 200")) << old;
    EXPECT_EQ(handler_->targets(), std::vector<std::string>{"/old"});
}

TEST_F(http_server, when_the_request_target_is_over_the_limit_then_414_and_header_fields_over_theirs_431) {
    start_plain();
    auto request = [](const std::string& target, const std::string& fields = {}) {
        return "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + fields + "\r\n";
    };
    auto huge = exchange(request("/" + std::string(100 * 1024, 'a')));
    EXPECT_TRUE(huge.starts_with("HTTP/1.1 414")) << huge.substr(0, 100);
    auto over = exchange(request("/" + std::string(8 * 1024, 'a')));
    EXPECT_TRUE(over.starts_with("HTTP/1.1 414")) << over.substr(0, 100);
    auto fits = exchange(request("/" + std::string(8 * 1024 - 1, 'a')));
    EXPECT_TRUE(fits.starts_with("HTTP/1.1 200")) << fits.substr(0, 100);
    auto fields = exchange(request("/short", "X-Big: " + std::string(17 * 1024, 'b') + "\r\n"));
    EXPECT_TRUE(fields.starts_with("HTTP/1.1 431")) << fields.substr(0, 100);
    auto many = exchange(request("/short", "X-Big: " + std::string(40 * 1024, 'b') + "\r\n"));
    EXPECT_TRUE(many.starts_with("HTTP/1.1 431")) << many.substr(0, 100);
    EXPECT_EQ(handler_->targets().size(), 1u);
}

// ---- the guard ----

TEST_F(http_server, when_the_handler_throws_then_500_with_a_generic_body_and_one_error_line) {
    start_plain();
    auto answer = exchange("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 500")) << answer;
    EXPECT_FALSE(contains(answer, "a bug")) << answer;
    auto screened = exchange("POST /screen-throw HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    EXPECT_TRUE(screened.starts_with("HTTP/1.1 500")) << screened;
    EXPECT_EQ(server_->stats().handler_exceptions, 2u);
    std::size_t errors = 0;
    for (const auto& [level, line] : sink_->lines()) {
        errors += level == spdlog::level::err;
    }
    EXPECT_EQ(errors, 2u);
}

// ---- log lines ----

TEST_F(http_server, when_a_peer_sends_control_bytes_or_invalid_utf8_then_no_log_line_carries_them) {
    start_plain();
    (void)exchange("GET /throw/\xff\xfe/\xc3\x28 HTTP/1.1\r\nHost: x\r\n\r\n");
    (void)exchange("GET /\x80 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: x\r\n\r\n");
    bool forged_seen = false;
    for (const auto& [level, line] : sink_->lines()) {
        forged_seen = forged_seen || contains(line, "forged");
        for (unsigned char c : line) {
            EXPECT_TRUE(c >= 0x20 && c != 0x7f) << "a control byte in: " << line;
        }
        EXPECT_FALSE(contains(line, "\xff")) << line;
        EXPECT_FALSE(contains(line, "\x80")) << line;
        // The forged line in the exception's text stays inside the one line.
        if (contains(line, "forged")) {
            EXPECT_TRUE(contains(line, "a bug\\x0d\\x0a2026")) << line;
        }
    }
    EXPECT_TRUE(forged_seen) << "the handler did not throw";
}

// ---- key files ----

TEST_F(http_server, when_the_tls_private_key_is_readable_by_others_then_the_server_is_not_created) {
    auto ca = create_certificate_authority("server test CA", 1h);
    ASSERT_TRUE(ca) << ca.err().message;
    auto cert = issue_certificate(*ca, "localhost", {"localhost"}, {"127.0.0.1"}, certificate_usage::server, 1h);
    ASSERT_TRUE(cert) << cert.err().message;
    const auto key = dir_.path() / "server.key";
    ASSERT_TRUE(support::write_file(dir_.path() / "server.crt", cert->certificate_pem));
    using std::filesystem::perms;
    ASSERT_TRUE(support::write_file(key, cert->private_key_pem));
    std::filesystem::permissions(key, perms::owner_read | perms::owner_write | perms::group_read | perms::others_read);
    server_config config;
    config.tls = tls_config{dir_.path() / "server.crt", key, {}};
    auto s = create_server(config, handler_);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.err().code, support::errc::invalid_argument);
    EXPECT_TRUE(contains(s.err().message, key.string() + ": readable by others (mode 0644)")) << s.err().message;
    EXPECT_TRUE(contains(s.err().message, "chmod 600 " + key.string())) << s.err().message;

    std::filesystem::permissions(key, perms::owner_read | perms::owner_write);
    auto fixed = create_server(config, handler_);
    ASSERT_TRUE(fixed) << fixed.err().message;
    (*fixed)->stop();
    (*fixed)->wait();
}

// ---- connection floods ----

// How many bare connections the flood tests open: MCPROV_TEST_FLOOD_CONNECTIONS, 1000 by default.
std::size_t flood_size() {
    if (const char* n = std::getenv("MCPROV_TEST_FLOOD_CONNECTIONS")) {
        return static_cast<std::size_t>(std::strtoul(n, nullptr, 10));
    }
    return 1000;
}

// Raises the open-files limit, as far as the hard limit allows, for `n` connections of which both ends are in this
// process.
void allow_connections(std::size_t n) {
    rlimit files{};
    ::getrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur < 2 * n + 256 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = std::min<rlim_t>(files.rlim_max, 2 * n + 256);
        ::setrlimit(RLIMIT_NOFILE, &files);
    }
}

// Opens `n` TCP connections that never send a byte.
std::vector<std::unique_ptr<tcp::socket>> flood(asio::io_context& ioc, std::uint16_t port, std::size_t n) {
    allow_connections(n);
    std::vector<std::unique_ptr<tcp::socket>> sockets;
    for (std::size_t i = 0; i < n; ++i) {
        auto s = std::make_unique<tcp::socket>(ioc);
        s->connect({asio::ip::make_address("127.0.0.1"), port});
        sockets.push_back(std::move(s));
    }
    return sockets;
}

TEST_F(http_server, when_bare_connections_flood_a_tls_server_then_tls_clients_are_still_served) {
    server_config config;
    config.max_connections = 64; // far fewer than the flood: without a cap on handshakes it would take them all
    config.max_handshakes = 16;
    config.handshake_timeout = 600s; // only the cap frees the flood's slots in this test
    start_tls(config);
    auto established = tls_client();
    ASSERT_TRUE(established);
    auto before = established->fetch({bhttp::verb::get, tls_url("/before"), {}, ""});
    ASSERT_TRUE(before) << before.err().message;

    const auto n = flood_size();
    asio::io_context ioc;
    auto sockets = flood(ioc, server_->port(), n);

    // A new client completes its handshake while all the flood's sockets are open on the client side.
    auto fresh = tls_client();
    ASSERT_TRUE(fresh);
    auto res = fresh->fetch({bhttp::verb::get, tls_url("/during"), {}, ""});
    ASSERT_TRUE(res) << res.err().message;
    EXPECT_EQ(res->result(), bhttp::status::ok);
    // The established keep-alive connection kept its slot.
    auto again = established->fetch({bhttp::verb::get, tls_url("/again"), {}, ""});
    ASSERT_TRUE(again) << again.err().message;
    EXPECT_EQ(again->result(), bhttp::status::ok);

    auto stats = server_->stats();
    EXPECT_LE(stats.handshaking, 16u);
    EXPECT_LE(stats.connections, 64u);
    EXPECT_GE(stats.handshakes_dropped, n - 16);
    EXPECT_EQ(stats.refused, 0u);
    // The oldest flood connection was closed by the server: its memory is back.
    timeval tv{20, 0};
    ::setsockopt(sockets.front()->native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::array<char, 16> buf;
    boost::system::error_code ec;
    sockets.front()->read_some(asio::buffer(buf), ec);
    EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
}

// The resident set size of this process (/proc/self/statm).
std::size_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t size = 0;
    std::size_t resident = 0;
    statm >> size >> resident;
    EXPECT_TRUE(statm) << "cannot read /proc/self/statm";
    return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// The first flight of a TLS client, its ClientHello: sent on a connection that then goes no further, it makes the
// server set up a whole handshake (TLS state, buffers, its own flight) and wait for the client's next.
std::string client_hello() {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl.get(), in, out); // ssl owns both
    SSL_set_connect_state(ssl.get());
    EXPECT_EQ(SSL_do_handshake(ssl.get()), -1);
    EXPECT_EQ(SSL_get_error(ssl.get(), -1), SSL_ERROR_WANT_READ);
    char* data = nullptr;
    long n = BIO_get_mem_data(out, &data);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

// Without malloc_trim after the flood has gone, resident memory stays near its peak (about 280 MB above the baseline
// for 3000 handshakes); with it, some 20 MB above. The bound sits between, whatever else the machine runs.
TEST_F(http_server, when_a_flood_of_unfinished_tls_handshakes_has_gone_then_resident_memory_returns_near_its_baseline) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "the sanitizer's allocator keeps freed memory (quarantine) and ignores malloc_trim";
#endif
    const std::size_t n = 3 * flood_size(); // 3000 by default
    constexpr std::size_t bound = 64 * 1024 * 1024;
    allow_connections(n);
    server_config config;
    config.max_connections = 2 * n;
    config.max_handshakes = n; // every handshake of the flood is held at once
    config.handshake_timeout = 600s;
    start_tls(config);
    {
        // TLS set up once in the server, its threads' arenas made: what a server that has served a client holds.
        auto warm = tls_client();
        ASSERT_TRUE(warm);
        auto res = warm->fetch({bhttp::verb::get, tls_url("/warm"), {}, ""});
        ASSERT_TRUE(res) << res.err().message;
    }
    ASSERT_TRUE(server_->wait_for_connections(0, 60s));
    const auto hello = client_hello();
    ASSERT_FALSE(hello.empty());
    const auto baseline = resident_bytes();

    {
        asio::io_context ioc;
        std::vector<std::unique_ptr<tcp::socket>> sockets;
        sockets.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            auto s = std::make_unique<tcp::socket>(ioc);
            s->connect({asio::ip::make_address("127.0.0.1"), server_->port()});
            asio::write(*s, asio::buffer(hello));
            sockets.push_back(std::move(s));
        }
        // Each connection's handshake is under way in the server once its answer to the ClientHello arrives.
        for (auto& s : sockets) {
            timeval tv{20, 0};
            ::setsockopt(s->native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            std::array<char, 64> answer;
            boost::system::error_code ec;
            ASSERT_GT(s->read_some(asio::buffer(answer), ec), 0u) << ec.message();
        }
        const auto stats = server_->stats();
        EXPECT_EQ(stats.handshaking, n);
        EXPECT_EQ(stats.handshakes_dropped, 0u);
        const auto peak = resident_bytes();
        std::cout << "resident: " << baseline / 1024 << " KiB before, " << peak / 1024 << " KiB with " << n
                  << " unfinished handshakes\n";
    } // the flood's connections close

    ASSERT_TRUE(server_->wait_for_connections(0, 120s)) << server_->stats().connections << " still open";
    const auto after = resident_bytes();
    std::cout << "resident: " << after / 1024 << " KiB once they have gone\n";
    EXPECT_LT(after, baseline + bound) << "resident memory grew by " << (after - baseline) / 1024
                                       << " KiB over a flood of " << n << " unfinished handshakes that has gone";
}

TEST_F(http_server, when_a_connection_never_starts_tls_then_it_is_closed_at_the_handshake_timeout) {
    server_config config;
    config.handshake_timeout = 1s;
    config.idle_timeout = 600s; // not the idle timeout
    start_tls(config);
    raw_connection bare(server_->port());
    auto got = bare.read_to_end();
    EXPECT_TRUE(got.empty());
    EXPECT_TRUE(bare.closed());
    EXPECT_EQ(server_->stats().handshakes_timed_out, 1u);
    auto c = tls_client();
    ASSERT_TRUE(c);
    auto res = c->fetch({bhttp::verb::get, tls_url(), {}, ""});
    ASSERT_TRUE(res) << res.err().message;
    EXPECT_EQ(res->result(), bhttp::status::ok);
}

TEST_F(http_server, when_bare_connections_flood_a_plain_server_then_requests_are_still_served) {
    server_config config;
    config.max_connections = 64;
    config.max_handshakes = 8;
    config.handshake_timeout = 600s;
    start_plain(config);
    asio::io_context ioc;
    auto sockets = flood(ioc, server_->port(), std::min<std::size_t>(flood_size(), 200));
    auto answer = exchange("GET /during HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
    EXPECT_LE(server_->stats().handshaking, 8u);
}

} // namespace
} // namespace mcprov::http

namespace mcprov::http {
namespace {

// Holds requests for /wait until released, and says they may wait; answers everything else at once.
class gated_handler final : public handler {
public:
    response handle(request&& req, const peer_info&) override {
        if (req.target() == "/wait") {
            entered_.set_value();
            released_.wait();
        }
        response res{bhttp::status::ok, req.version()};
        res.body() = std::string(req.target());
        return res;
    }
    bool may_wait(const request& req) const override { return req.target() == "/wait"; }

    std::promise<void> entered_;
    std::shared_future<void> released_;
};

TEST(http_server_waiting, when_a_request_waits_on_a_peer_that_hangs_then_other_clients_are_served_meanwhile) {
    auto h = std::make_shared<gated_handler>();
    std::promise<void> release;
    h->released_ = release.get_future().share();
    auto entered = h->entered_.get_future();
    server_config config;
    config.threads = 1; // one connection thread: were the waiting request on it, nothing else would be served
    config.waiting_threads = 2;
    config.shutdown_grace = 0s;
    auto s = create_server(config, h);
    ASSERT_TRUE(s) << s.err().message;
    const auto base = "http://127.0.0.1:" + std::to_string((*s)->port());
    client_options options;
    options.timeout = 5s;
    auto waiting = std::async(std::launch::async, [&] {
        return fetch({bhttp::verb::get, base + "/wait", {}, ""}, options);
    });
    entered.wait();
    for (int i = 0; i < 3; ++i) {
        auto other = fetch({bhttp::verb::get, base + "/other", {}, ""}, options);
        ASSERT_TRUE(other) << other.err().message;
        EXPECT_EQ(other->body(), "/other");
    }
    release.set_value();
    auto answered = waiting.get();
    ASSERT_TRUE(answered) << answered.err().message;
    EXPECT_EQ(answered->body(), "/wait");
    (*s)->stop();
    (*s)->wait();
}

} // namespace
} // namespace mcprov::http
