#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "../temp_dir.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using namespace std::chrono_literals;
using support::errc;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A plain HTTP/1.1 server on a loopback port, one thread per connection, that does what its script says with each
// request (numbered from 0 on each connection; connections numbered from 0 in accept order).
class scripted_server {
public:
    enum class action {
        answer,           // 200 "ok", keep-alive
        close,            // read the request, then close without answering
        never_answer,     // read the request, then hold the connection open and say nothing
        answer_and_close, // 200 "ok" with keep-alive, then close the connection (see wait_closed())
    };
    using script = std::function<action(int connection, int request)>;

    explicit scripted_server(script s, bool read_requests = true)
        : script_(std::move(s)), read_requests_(read_requests),
          acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
        port_ = acceptor_.local_endpoint().port();
        acceptor_thread_ = std::thread([this] { accept_loop(); });
    }
    ~scripted_server() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        stopped_.notify_all();
        {
            // Wakes the accept() up.
            asio::io_context ioc;
            tcp::socket poke(ioc);
            boost::system::error_code ignored;
            poke.connect({asio::ip::make_address("127.0.0.1"), port_}, ignored);
        }
        acceptor_thread_.join();
        {
            std::lock_guard lock(mutex_);
            for (int fd : open_) {
                ::shutdown(fd, SHUT_RDWR);
            }
        }
        for (auto& t : connection_threads_) {
            t.join();
        }
    }

    std::string url(const std::string& path = "/") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    int accepted() const { return accepted_; }
    // Blocks until a connection has been closed after an answer_and_close.
    void wait_closed() { closed_.get_future().wait(); }

private:
    void accept_loop() {
        for (int n = 0;; ++n) {
            tcp::socket socket(ioc_);
            boost::system::error_code ec;
            acceptor_.accept(socket, ec);
            if (stopping_ || ec) {
                return;
            }
            ++accepted_;
            {
                std::lock_guard lock(mutex_);
                open_.insert(socket.native_handle());
            }
            connection_threads_.emplace_back([this, n, s = std::move(socket)]() mutable { serve(n, std::move(s)); });
        }
    }

    void serve(int connection, tcp::socket socket) {
        beast::flat_buffer buffer;
        for (int request = 0;; ++request) {
            auto what = script_(connection, request);
            {
                std::lock_guard lock(mutex_);
                last_action_[connection] = what;
            }
            if (read_requests_ || what != action::never_answer) {
                bhttp::request<bhttp::string_body> req;
                boost::system::error_code ec;
                bhttp::read(socket, buffer, req, ec);
                if (ec) {
                    break;
                }
            }
            if (what == action::close) {
                break;
            }
            if (what == action::never_answer) {
                std::unique_lock lock(mutex_);
                stopped_.wait(lock, [this] { return stopping_.load(); });
                break;
            }
            bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
            res.body() = "ok " + std::to_string(connection) + "/" + std::to_string(request);
            res.prepare_payload();
            boost::system::error_code ec;
            bhttp::write(socket, res, ec);
            if (ec || what == action::answer_and_close) {
                break;
            }
        }
        {
            std::lock_guard lock(mutex_);
            open_.erase(socket.native_handle());
            boost::system::error_code ignored;
            socket.shutdown(tcp::socket::shutdown_both, ignored);
            socket.close(ignored);
        }
        if (closing_after_answer(connection)) {
            closed_.set_value();
        }
    }

    bool closing_after_answer(int connection) {
        // Asks the script again for the request just answered: only one connection may close this way.
        std::lock_guard lock(mutex_);
        if (closed_set_ || last_action_[connection] != action::answer_and_close) {
            return false;
        }
        closed_set_ = true;
        return true;
    }

    script script_;
    bool read_requests_;
    asio::io_context ioc_;
    tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> accepted_{0};
    std::thread acceptor_thread_;
    std::vector<std::thread> connection_threads_; // only touched by the acceptor thread until it is joined
    std::mutex mutex_;
    std::set<int> open_;
    std::condition_variable stopped_;
    std::map<int, action> last_action_;
    bool closed_set_ = false;
    std::promise<void> closed_;
};

// Records which connections (client address and port) requests arrived on; can be told to hold requests.
class counting_handler final : public handler {
public:
    response handle(request&& req, const peer_info& peer) override {
        {
            std::unique_lock lock(mutex_);
            peers_.insert(peer.address);
            subjects_.insert(peer.certificate_subject);
            released_.wait(lock, [this] { return !holding_; });
        }
        response res{boost::beast::http::status::ok, req.version()};
        res.body() = std::string(req.target().size() > 6 ? 2000 : 2, 'x');
        return res;
    }
    std::size_t connections() {
        std::lock_guard lock(mutex_);
        return peers_.size();
    }
    std::set<std::string> subjects() {
        std::lock_guard lock(mutex_);
        return subjects_;
    }
    void hold() {
        std::lock_guard lock(mutex_);
        holding_ = true;
    }
    void release() {
        {
            std::lock_guard lock(mutex_);
            holding_ = false;
        }
        released_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable released_;
    bool holding_ = false;
    std::set<std::string> peers_;
    std::set<std::string> subjects_;
};

class http_client : public ::testing::Test {
protected:
    void SetUp() override {
        auto ca = create_certificate_authority("client test CA", 1h);
        ASSERT_TRUE(ca) << ca.err().message;
        auto server_cert =
            issue_certificate(*ca, "localhost", {"localhost"}, {"127.0.0.1"}, certificate_usage::server_and_client, 1h);
        ASSERT_TRUE(server_cert) << server_cert.err().message;
        auto client_cert =
            issue_certificate(*ca, "partner.example.org", {"partner.example.org"}, {}, certificate_usage::client, 1h);
        ASSERT_TRUE(client_cert) << client_cert.err().message;
        auto other_ca = create_certificate_authority("other CA", 1h);
        ASSERT_TRUE(other_ca) << other_ca.err().message;
        write("ca.pem", ca->certificate_pem);
        write("other-ca.pem", other_ca->certificate_pem);
        write("server.crt", server_cert->certificate_pem);
        write("server.key", server_cert->private_key_pem);
        write("client.crt", client_cert->certificate_pem);
        write("client.key", client_cert->private_key_pem);
    }
    void TearDown() override {
        handler_->release();
        if (server_) {
            server_->stop();
            server_->wait();
        }
    }

    void write(const std::string& name, const std::string& content) {
        ASSERT_TRUE(support::write_file(dir.path() / name, content));
    }

    // A real mcprov HTTPS server asking for client certificates of the test CA.
    void start_tls_server(std::chrono::seconds idle_timeout = 60s) {
        server_config config;
        config.threads = 2;
        config.idle_timeout = idle_timeout;
        config.shutdown_grace = 0s;
        config.tls = tls_config{dir.path() / "server.crt", dir.path() / "server.key", {dir.path() / "ca.pem"}};
        auto s = create_server(config, handler_);
        ASSERT_TRUE(s) << s.err().message;
        server_ = std::move(s).value();
    }
    std::string tls_url(const std::string& path = "/") const {
        return "https://127.0.0.1:" + std::to_string(server_->port()) + path;
    }
    client_options tls_options(std::chrono::seconds timeout = 10s) const {
        client_options options;
        options.ca_file = dir.path() / "ca.pem";
        options.certificate_chain = dir.path() / "client.crt";
        options.private_key = dir.path() / "client.key";
        options.timeout = timeout;
        return options;
    }
    static client_request get(const std::string& url) { return {bhttp::verb::get, url, {}, ""}; }

    testing::temp_dir dir;
    std::shared_ptr<counting_handler> handler_ = std::make_shared<counting_handler>();
    std::unique_ptr<server> server_;
};

// Runs `f`, returning how long it took.
template <class F> std::chrono::steady_clock::duration timed(F f) {
    auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::steady_clock::now() - start;
}

TEST_F(http_client, when_the_server_accepts_and_never_answers_then_unavailable_after_the_timeout) {
    scripted_server silent([](int, int) { return scripted_server::action::never_answer; }, false);
    client_options options;
    options.timeout = 1s;
    auto c = create_client(options);
    ASSERT_TRUE(c) << c.err().message;
    std::optional<support::result<response>> res;
    auto took = timed([&] { res.emplace((*c)->fetch(get(silent.url()))); });
    ASSERT_FALSE(*res);
    EXPECT_EQ(res->err().code, errc::unavailable);
    EXPECT_TRUE(contains(res->err().message, "timed out after 1 s")) << res->err().message;
    EXPECT_GE(took, 1s);
    EXPECT_LT(took, 5s);
}

TEST_F(http_client, when_the_server_never_completes_the_tls_handshake_then_unavailable_after_the_timeout) {
    scripted_server silent([](int, int) { return scripted_server::action::never_answer; }, false);
    auto c = create_client(tls_options(1s));
    ASSERT_TRUE(c) << c.err().message;
    auto url = silent.url();
    url.replace(0, 4, "https");
    std::optional<support::result<response>> res;
    auto took = timed([&] { res.emplace((*c)->fetch(get(url))); });
    ASSERT_FALSE(*res);
    EXPECT_EQ(res->err().code, errc::unavailable);
    EXPECT_TRUE(contains(res->err().message, "TLS handshake")) << res->err().message;
    EXPECT_TRUE(contains(res->err().message, "timed out after 1 s")) << res->err().message;
    EXPECT_GE(took, 1s);
    EXPECT_LT(took, 5s);
}

TEST_F(http_client, when_a_tls_server_takes_the_request_and_never_answers_then_unavailable_after_the_timeout) {
    start_tls_server();
    handler_->hold();
    auto c = create_client(tls_options(1s));
    ASSERT_TRUE(c) << c.err().message;
    std::optional<support::result<response>> res;
    auto took = timed([&] { res.emplace((*c)->fetch(get(tls_url("/slow")))); });
    ASSERT_FALSE(*res);
    EXPECT_EQ(res->err().code, errc::unavailable);
    EXPECT_TRUE(contains(res->err().message, "reading from " + tls_url("/slow") + ": timed out after 1 s"))
        << res->err().message;
    EXPECT_GE(took, 1s);
    EXPECT_LT(took, 5s);
    handler_->release();
    // The connection that timed out is not reused: the next request is answered on a fresh one.
    auto next = (*c)->fetch(get(tls_url()));
    ASSERT_TRUE(next) << next.err().message;
    EXPECT_EQ(next->result(), bhttp::status::ok);
}

TEST_F(http_client, when_the_one_shot_fetch_meets_a_silent_server_then_it_also_gives_up_at_the_timeout) {
    scripted_server silent([](int, int) { return scripted_server::action::never_answer; });
    client_options options;
    options.timeout = 1s;
    std::optional<support::result<response>> res;
    auto took = timed([&] { res.emplace(fetch(get(silent.url()), options)); });
    ASSERT_FALSE(*res);
    EXPECT_TRUE(contains(res->err().message, "reading from " + silent.url() + ": timed out after 1 s"))
        << res->err().message;
    EXPECT_GE(took, 1s);
    EXPECT_LT(took, 5s);
}

TEST_F(http_client, when_three_requests_follow_each_other_then_one_tls_connection_carries_them) {
    start_tls_server();
    auto c = create_client(tls_options());
    ASSERT_TRUE(c) << c.err().message;
    for (int i = 0; i < 3; ++i) {
        auto res = (*c)->fetch(get(tls_url()));
        ASSERT_TRUE(res) << res.err().message;
        EXPECT_EQ(res->result(), bhttp::status::ok);
        EXPECT_EQ((*c)->idle_connections(), 1u);
    }
    EXPECT_EQ(handler_->connections(), 1u);
    // Mutual TLS: the server saw the client certificate.
    EXPECT_TRUE(contains(*handler_->subjects().begin(), "CN=partner.example.org")) << *handler_->subjects().begin();
}

TEST_F(http_client, when_requests_run_at_the_same_time_then_they_all_succeed_and_at_most_eight_stay_idle) {
    start_tls_server();
    auto c = create_client(tls_options());
    ASSERT_TRUE(c) << c.err().message;
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 12; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 5; ++i) {
                auto res = (*c)->fetch(get(tls_url()));
                if (res && res->result() == bhttp::status::ok) {
                    ++ok;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(ok, 60);
    EXPECT_LE((*c)->idle_connections(), 8u);
    EXPECT_GE((*c)->idle_connections(), 1u);
    EXPECT_LT(handler_->connections(), 60u) << "connections are reused";
}

TEST_F(http_client, when_the_server_closed_an_idle_connection_then_the_next_request_uses_a_fresh_one) {
    // The first connection answers with keep-alive and then closes, as a server's idle timeout would.
    scripted_server closing([](int connection, int) {
        return connection == 0 ? scripted_server::action::answer_and_close : scripted_server::action::answer;
    });
    auto c = create_client({});
    ASSERT_TRUE(c) << c.err().message;
    auto first = (*c)->fetch(get(closing.url()));
    ASSERT_TRUE(first) << first.err().message;
    EXPECT_EQ((*c)->idle_connections(), 1u);
    closing.wait_closed();
    auto second = (*c)->fetch(get(closing.url()));
    ASSERT_TRUE(second) << second.err().message;
    EXPECT_EQ(second->body(), "ok 1/0");
    EXPECT_EQ(closing.accepted(), 2);
}

TEST_F(http_client, when_a_reused_connection_is_closed_under_a_get_then_it_is_sent_again_on_a_fresh_one) {
    // The first connection answers one request and closes at the second without answering; later ones answer.
    scripted_server flaky([](int connection, int request) {
        return connection == 0 && request == 1 ? scripted_server::action::close : scripted_server::action::answer;
    });
    auto c = create_client({});
    ASSERT_TRUE(c) << c.err().message;
    auto first = (*c)->fetch(get(flaky.url()));
    ASSERT_TRUE(first) << first.err().message;
    EXPECT_EQ(first->body(), "ok 0/0");
    auto second = (*c)->fetch(get(flaky.url()));
    ASSERT_TRUE(second) << second.err().message;
    EXPECT_EQ(second->body(), "ok 1/0");
    EXPECT_EQ(flaky.accepted(), 2);
}

TEST_F(http_client, when_a_reused_connection_is_closed_under_a_post_then_it_is_not_sent_again) {
    scripted_server flaky([](int connection, int request) {
        return connection == 0 && request == 1 ? scripted_server::action::close : scripted_server::action::answer;
    });
    auto c = create_client({});
    ASSERT_TRUE(c) << c.err().message;
    ASSERT_TRUE((*c)->fetch(get(flaky.url())));
    auto post = (*c)->fetch({bhttp::verb::post, flaky.url(), {{"Content-Type", "application/json"}}, "{}"});
    ASSERT_FALSE(post);
    EXPECT_EQ(post.err().code, errc::unavailable);
    EXPECT_EQ(flaky.accepted(), 1);
    // The next request opens a fresh connection.
    auto after = (*c)->fetch(get(flaky.url()));
    ASSERT_TRUE(after) << after.err().message;
    EXPECT_EQ(after->body(), "ok 1/0");
}

TEST_F(http_client, when_connections_are_idle_longer_than_the_idle_timeout_then_they_are_not_reused) {
    scripted_server server([](int, int) { return scripted_server::action::answer; });
    client_options options;
    options.idle_timeout = 1s;
    std::chrono::steady_clock::time_point now{};
    options.idle_clock = [&now] { return now; };
    auto c = create_client(options);
    ASSERT_TRUE(c) << c.err().message;
    ASSERT_TRUE((*c)->fetch(get(server.url())));
    now += 999ms;
    ASSERT_TRUE((*c)->fetch(get(server.url())));
    EXPECT_EQ(server.accepted(), 1);
    now += 1s;
    auto later = (*c)->fetch(get(server.url()));
    ASSERT_TRUE(later) << later.err().message;
    EXPECT_EQ(later->body(), "ok 1/0");
    EXPECT_EQ(server.accepted(), 2);
}

TEST_F(http_client, when_idle_connections_outlive_the_idle_timeout_then_pruning_closes_them) {
    start_tls_server();
    auto options = tls_options();
    options.idle_timeout = 1s;
    std::chrono::steady_clock::time_point now{};
    options.idle_clock = [&now] { return now; };
    auto c = create_client(options);
    ASSERT_TRUE(c) << c.err().message;
    ASSERT_TRUE((*c)->fetch(get(tls_url())));
    EXPECT_EQ((*c)->prune_idle(), 0u);
    EXPECT_EQ((*c)->idle_connections(), 1u);
    now += 1s;
    EXPECT_EQ((*c)->prune_idle(), 1u);
    EXPECT_EQ((*c)->idle_connections(), 0u);
}

TEST_F(http_client, when_a_connection_stays_idle_then_the_clients_timer_closes_it_without_a_request) {
    start_tls_server();
    auto options = tls_options();
    options.idle_timeout = 1s;
    auto c = create_client(options);
    ASSERT_TRUE(c) << c.err().message;
    ASSERT_TRUE((*c)->fetch(get(tls_url())));
    ASSERT_EQ((*c)->idle_connections(), 1u);
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while ((*c)->idle_connections() != 0 && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(10ms); // polling: the timer has no event to wait on
    }
    EXPECT_EQ((*c)->idle_connections(), 0u);
}

TEST_F(http_client, when_new_tls_connections_go_to_a_server_seen_before_then_they_resume_its_session) {
    start_tls_server();
    auto options = tls_options();
    options.max_idle_connections = 0; // a new connection, and handshake, for every request
    auto c = create_client(options);
    ASSERT_TRUE(c) << c.err().message;
    for (int i = 0; i < 3; ++i) {
        auto res = (*c)->fetch(get(tls_url()));
        ASSERT_TRUE(res) << res.err().message;
    }
    EXPECT_EQ(handler_->connections(), 3u);
    EXPECT_EQ((*c)->handshakes().full, 1u);
    EXPECT_EQ((*c)->handshakes().resumed, 2u);
    // A resumed session still tells the server who the client is.
    ASSERT_EQ(handler_->subjects().size(), 1u);
    EXPECT_TRUE(contains(*handler_->subjects().begin(), "CN=partner.example.org")) << *handler_->subjects().begin();
}

TEST_F(http_client, when_the_ca_file_changes_after_creation_then_the_client_keeps_the_ca_it_loaded) {
    start_tls_server();
    auto options = tls_options();
    options.max_idle_connections = 0; // a new connection, and TLS handshake, for every request
    auto c = create_client(options);
    ASSERT_TRUE(c) << c.err().message;
    ASSERT_TRUE((*c)->fetch(get(tls_url())));
    write("ca.pem", support::read_file(dir.path() / "other-ca.pem").value());
    auto res = (*c)->fetch(get(tls_url()));
    ASSERT_TRUE(res) << res.err().message;
    EXPECT_EQ(res->result(), bhttp::status::ok);
    EXPECT_EQ(handler_->connections(), 2u);
    EXPECT_EQ((*c)->idle_connections(), 0u);
    // A client created now reads the new file, and no longer trusts the server.
    auto fresh = fetch(get(tls_url()), options);
    ASSERT_FALSE(fresh);
    EXPECT_EQ(fresh.err().code, errc::unavailable);
    EXPECT_TRUE(contains(fresh.err().message, "TLS handshake")) << fresh.err().message;
}

TEST_F(http_client, when_files_of_the_options_cannot_be_used_then_creation_fails) {
    auto missing_ca = tls_options();
    missing_ca.ca_file = dir.path() / "nope.pem";
    auto a = create_client(missing_ca);
    ASSERT_FALSE(a);
    EXPECT_EQ(a.err().code, errc::invalid_argument);
    auto key_without_chain = tls_options();
    key_without_chain.certificate_chain.reset();
    auto b = create_client(key_without_chain);
    ASSERT_FALSE(b);
    EXPECT_EQ(b.err().code, errc::invalid_argument);
}

TEST_F(http_client, when_the_client_private_key_is_readable_by_others_then_creation_fails_naming_the_file) {
    const auto key = dir.path() / "client.key";
    std::filesystem::permissions(key, std::filesystem::perms::group_read | std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::add);
    auto c = create_client(tls_options());
    ASSERT_FALSE(c);
    EXPECT_EQ(c.err().code, errc::invalid_argument);
    EXPECT_TRUE(contains(c.err().message, key.string() + ": readable by others (mode 0644)")) << c.err().message;
    EXPECT_TRUE(contains(c.err().message, "chmod 600 " + key.string())) << c.err().message;
}

TEST_F(http_client, when_the_answer_is_over_the_limit_of_the_call_then_too_large) {
    start_tls_server();
    auto c = create_client(tls_options());
    ASSERT_TRUE(c) << c.err().message;
    auto big = (*c)->fetch(get(tls_url("/big-answer")), 1000);
    ASSERT_FALSE(big);
    EXPECT_EQ(big.err().code, errc::too_large);
    auto fits = (*c)->fetch(get(tls_url("/big-answer")), 4000);
    ASSERT_TRUE(fits) << fits.err().message;
    EXPECT_EQ(fits->body().size(), 2000u);
}

TEST_F(http_client, when_the_url_names_a_host_then_it_is_resolved_and_the_connection_reused) {
    scripted_server server([](int, int) { return scripted_server::action::answer; });
    auto c = create_client({});
    ASSERT_TRUE(c) << c.err().message;
    auto url = server.url();
    url.replace(url.find("127.0.0.1"), 9, "localhost");
    for (int i = 0; i < 2; ++i) {
        auto res = (*c)->fetch(get(url));
        ASSERT_TRUE(res) << res.err().message;
        EXPECT_EQ(res->body(), "ok 0/" + std::to_string(i));
    }
    EXPECT_EQ(server.accepted(), 1);
}

TEST_F(http_client, when_nobody_listens_then_unavailable_at_once) {
    std::uint16_t port = 0;
    {
        asio::io_context ioc;
        tcp::acceptor probe(ioc, {asio::ip::make_address("127.0.0.1"), 0});
        port = probe.local_endpoint().port();
    }
    auto c = create_client({});
    ASSERT_TRUE(c) << c.err().message;
    std::optional<support::result<response>> res;
    auto took = timed([&] { res.emplace((*c)->fetch(get("http://127.0.0.1:" + std::to_string(port) + "/"))); });
    ASSERT_FALSE(*res);
    EXPECT_EQ(res->err().code, errc::unavailable);
    EXPECT_TRUE(contains(res->err().message, "connecting to 127.0.0.1:" + std::to_string(port))) << res->err().message;
    EXPECT_LT(took, 2s);
}

} // namespace
} // namespace mcprov::http
