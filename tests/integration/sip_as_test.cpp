// Seed 002 in the signalling path: `mcprov sip-as` between real SIP endpoints (SIPp, the Debian sip-tester) over UDP.
// The caller's INVITE carries its MIKEY I_MESSAGE in the SDP of a multipart/mixed body, as an MCPTT private call does;
// the application server lets it through to the callee, answers 488 with a KMS Redirect Response, or narrows the KRR
// the callee's side answered.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "../unit/temp_dir.hpp"
#include "child_process.hpp"
#include "kamailio.hpp"
#include "sip_port.hpp"
#include "sipp_scenarios.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/kms_interface/kms_redirect_response.hpp"
#include "mcprov/mikey/i_message.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::testing {
namespace {

using namespace std::chrono_literals;

const std::string police = "kms.police.example.org";
const std::string fire = "kms.fire.example.org";
const std::string ambulance = "kms.ambulance.example.org";

// One request over TLS to 127.0.0.1:`port`, the server's certificate checked against `ca_file`: the first response's
// status line, or what went wrong.
std::string request_over_tls(std::uint16_t port, const std::string& ca_file, const std::string& request) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string out;
    SSL* ssl = nullptr;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        out = "no connection";
    } else {
        ssl = SSL_new(ctx);
        SSL_set_fd(ssl, fd);
        SSL_set1_host(ssl, "localhost");
        if (SSL_connect(ssl) != 1) {
            out = "no TLS handshake";
        } else {
            SSL_write(ssl, request.data(), static_cast<int>(request.size()));
            char buffer[4096];
            while (out.find("\r\n") == std::string::npos) {
                const int n = SSL_read(ssl, buffer, sizeof buffer);
                if (n <= 0)
                    break;
                out.append(buffer, static_cast<std::size_t>(n));
            }
            out = out.substr(0, out.find("\r\n"));
        }
    }
    if (ssl)
        SSL_free(ssl);
    ::close(fd);
    SSL_CTX_free(ctx);
    return out;
}

// One request over UDP to 127.0.0.1:`port` from a socket of its own (`{port}` in the request: that socket's port);
// the final response (provisional ones skipped), or what went wrong.
std::string request_over_udp(std::uint16_t port, std::string request) {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t n = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
    for (auto at = request.find("{port}"); at != std::string::npos; at = request.find("{port}"))
        request.replace(at, 6, std::to_string(ntohs(a.sin_port)));
    a.sin_port = htons(port);
    ::sendto(fd, request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    std::string out = "no final response";
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, 20'000) == 1) {
        char buffer[65536];
        const auto got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got <= 0)
            break;
        std::string response(buffer, static_cast<std::size_t>(got));
        if (!response.starts_with("SIP/2.0 1")) {
            out = std::move(response);
            break;
        }
    }
    ::close(fd);
    return out;
}

// A request's text with `body` of `type`, from alice to `to`, sent from 127.0.0.1:{port}.
std::string request_text(const std::string& method, const std::string& to, const std::string& type,
                         const std::string& body) {
    return method + " " + to + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-" + method + "-{port}\r\n"
           "From: <sip:alice@example.org>;tag=a1\r\nTo: <" + to + ">\r\nCall-ID: " + method + "-{port}@127.0.0.1\r\n"
           "CSeq: 1 " + method + "\r\nMax-Forwards: 70\r\nContact: <sip:alice@127.0.0.1:{port}>\r\n"
           "Content-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The body of a response's text.
std::string body_of(const std::string& response) {
    const auto at = response.find("\r\n\r\n");
    return at == std::string::npos ? std::string() : response.substr(at + 4);
}

// An I_MESSAGE from alice to `responder`, signed under `kmsi`, encapsulated under `kmsr` (the AS reads the KMS URIs
// and the parties; the keys are not its business). i_message() gives it in base64, for a key-mgmt line.
std::string i_message_octets(const std::string& responder, const std::string& kmsi, const std::string& kmsr) {
    mikey::i_message m;
    m.t = {.type = mikey::timestamp_type::ntp_utc, .value = 0xE8F0A0B000000000ULL};
    m.rand = std::string(16, '\x5a');
    m.identities = {{.role = mikey::id_role::initiator, .type = mikey::id_type::uri, .data = "sip:alice@example.org"},
                    {.role = mikey::id_role::responder, .type = mikey::id_type::uri, .data = responder},
                    {.role = mikey::id_role::initiator_kms, .type = mikey::id_type::uri, .data = kmsi},
                    {.role = mikey::id_role::responder_kms, .type = mikey::id_type::uri, .data = kmsr}};
    m.sakke.data = "\x04" + std::string(272, '\x11');
    m.sign.signature = std::string(129, '\x22');
    return mikey::encode_i_message(m).value();
}
std::string i_message(const std::string& responder, const std::string& kmsi, const std::string& kmsr) {
    return support::base64_encode(i_message_octets(responder, kmsi, kmsr));
}

// An INVITE's SDP with the I_MESSAGE in its key-mgmt line.
std::string sdp_with(const std::string& mikey_base64) {
    return "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           "m=audio 4000 RTP/SAVP 0\r\na=key-mgmt:mikey " + mikey_base64 + "\r\n";
}

class sip_as_deployment : public ::testing::Test {
protected:
    void SetUp() override {
        as_port_ = free_sip_port();
        callee_port_ = free_sip_port();
        caller_port_ = free_sip_port();
    }
    void TearDown() override {
        for (auto& p : processes_) {
            p->signal(SIGTERM);
            p->wait();
        }
    }

    void write(const std::string& name, const std::string& text) {
        ASSERT_TRUE(support::write_file(dir_.path() / name, text));
    }
    std::string path(const std::string& name) const { return (dir_.path() / name).string(); }

    // The AS in front of the callee: police and fire permit each other, ambulance permits none; bob is in police and
    // ambulance, carol in fire.
    static std::string all_domains() {
        return "[[domain]]\nkms_uri = \"" + police + "\"\nmembers = [\"sip:alice@example.org\", "
               "\"sip:bob@example.org\"]\npermitted_external = [\"" + fire + "\"]\n"
               "[[domain]]\nkms_uri = \"" + fire + "\"\nmembers = [\"sip:carol@example.org\"]\n"
               "permitted_external = [\"" + police + "\"]\n"
               "[[domain]]\nkms_uri = \"" + ambulance + "\"\nmembers = [\"sip:bob@example.org\"]\n";
    }
    void start_as(const std::string& allowed = "[]", const std::string& extra = {}) {
        as_ = start_server("sip-as", as_port_, callee_port_, "sip:as.example.org", allowed, all_domains() + extra);
    }
    child_process* start_server(const std::string& name, std::uint16_t port, std::uint16_t next_hop,
                                const std::string& uri, const std::string& allowed, const std::string& rest) {
        // [tls] (in `rest`) must follow [server]: TOML tables are written after the plain ones here.
        write(name + ".toml", "[server]\nlisten = \"127.0.0.1:" + std::to_string(port) + "\"\n"
                              "[as]\nuri = \"" + uri + "\"\nnext_hop = \"sip:127.0.0.1:" + std::to_string(next_hop) +
                              "\"\n[policy]\nallowed_kms = " + allowed + "\n" + rest);
        auto p = std::make_unique<child_process>(
            MCPROV_BINARY, std::vector<std::string>{"sip-as", "--config", path(name + ".toml")}, dir_.path() / name);
        EXPECT_FALSE(p->wait_for_output("listening on").empty()) << p->err();
        processes_.push_back(std::move(p));
        return processes_.back().get();
    }

    child_process* start_callee(const std::string& scenario) {
        write("callee.xml", scenario);
        processes_.push_back(std::make_unique<child_process>(
            "/usr/bin/sipp", std::vector<std::string>{"-sf", path("callee.xml"), "-m", "1", "-i", "127.0.0.1", "-p",
                                                      std::to_string(callee_port_), "-t", "u1", "-nostdin",
                                                      "-timeout", "20s", "-timeout_error"},
            dir_.path() / "callee"));
        EXPECT_TRUE(udp_port_taken_within(callee_port_, std::chrono::seconds(10))) << processes_.back()->err();
        return processes_.back().get();
    }

    // The caller's call through the AS; SIPp's exit status (0: every step as the scenario expects).
    int call(const std::string& scenario) { return call(scenario, as_port_); }
    int call(const std::string& scenario, std::uint16_t port) {
        write("caller.xml", scenario);
        child_process p("/usr/bin/sipp",
                        {"-sf", path("caller.xml"), "-m", "1", "-i", "127.0.0.1", "-p", std::to_string(caller_port_),
                         "-t", "u1", "-nostdin", "-timeout", "20s", "-timeout_error", "-trace_err", "-error_file",
                         path("caller-errors.log"), "127.0.0.1:" + std::to_string(port)},
                        dir_.path() / "caller");
        const int status = p.wait(30s).value_or(-1);
        if (status != 0) {
            auto errors = support::read_file(dir_.path() / "caller-errors.log");
            ADD_FAILURE() << "the caller: " << (errors ? *errors : std::string()) << "\n"
                          << p.out() << "\nthe AS: " << as_->err();
        }
        return status;
    }

    temp_dir dir_;
    std::uint16_t as_port_ = 0;
    std::uint16_t callee_port_ = 0;
    std::uint16_t caller_port_ = 0;
    child_process* as_ = nullptr;
    std::vector<std::unique_ptr<child_process>> processes_;
};

TEST_F(sip_as_deployment, when_the_domains_are_the_callees_then_the_call_goes_through) {
    start_as();
    auto* bob = start_callee(callee(200));
    EXPECT_EQ(call(caller("sip:bob@example.org", i_message("sip:bob@example.org", police, police), 200)), 0);
    EXPECT_EQ(bob->wait(20s), 0) << bob->out();
}

TEST_F(sip_as_deployment, when_the_responders_kms_is_not_the_callees_then_the_as_answers_488_with_a_krr) {
    start_as();
    EXPECT_EQ(call(caller("sip:carol@example.org", i_message("sip:carol@example.org", police, police), 488,
                          "application/vnd.3gpp.kmsredirectresponse\\+xml.*<RejectedKmsUri Role=.responder.>" + police +
                              ".*<KmsUri>" + fire + "</KmsUri>")),
              0);
}

TEST_F(sip_as_deployment, when_the_callees_side_redirects_to_a_domain_this_as_refuses_then_it_narrows_the_krr) {
    start_as("[\"" + police + "\", \"" + fire + "\"]");
    const kms_interface::kms_redirect_response theirs{.time = std::chrono::system_clock::now(),
                                                      .redirector = "sip:bob@example.org",
                                                      .initiator = "sip:alice@example.org",
                                                      .responder = "sip:bob@example.org",
                                                      .role = kms_interface::krr_role::responder,
                                                      .rejected_kms = police,
                                                      .acceptable = {fire, ambulance},
                                                      .reason = "bob refuses police here",
                                                      .embedded = std::nullopt};
    auto* bob = start_callee(callee(488, kms_interface::encode_kms_redirect_response(theirs).value()));
    EXPECT_EQ(call(caller("sip:bob@example.org", i_message("sip:bob@example.org", police, police), 488,
                          "<RedirectorUri>sip:as.example.org</RedirectorUri>.*<KmsUri>" + fire +
                              "</KmsUri>[[:space:]]*</AcceptableKmsUris>.*<EmbeddedKrr>")),
              0);
    EXPECT_EQ(bob->wait(20s), 0) << bob->out();
}

TEST_F(sip_as_deployment, when_calls_are_forwarded_redirected_and_refused_then_the_metrics_count_each) {
    start_as("[]", "[metrics]\nlisten = \"127.0.0.1:0\"\n");
    const auto port = as_->wait_for_output(R"(metrics on http://127\.0\.0\.1:(\d+)/metrics)");
    ASSERT_FALSE(port.empty()) << as_->err();
    auto* bob = start_callee(callee(200));
    EXPECT_EQ(call(caller("sip:bob@example.org", i_message("sip:bob@example.org", police, police), 200)), 0);
    EXPECT_EQ(bob->wait(20s), 0) << bob->out();
    EXPECT_EQ(call(caller("sip:carol@example.org", i_message("sip:carol@example.org", police, police), 488)), 0);
    EXPECT_EQ(call(caller("sip:bob@example.org", "!!!", 400)), 0);
    auto metrics = http::fetch({boost::beast::http::verb::get, "http://127.0.0.1:" + port + "/metrics", {}, ""});
    ASSERT_TRUE(metrics) << metrics.err().message;
    const auto& text = metrics->body();
    // One INVITE forwarded (the ACK of its 2xx is relayed without a transaction, uncounted), one redirected, one
    // refused.
    EXPECT_NE(text.find("mcprov_sip_as_requests_total{outcome=\"forwarded\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("mcprov_sip_as_requests_total{outcome=\"redirected\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("mcprov_sip_as_requests_total{outcome=\"refused\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("mcprov_sip_as_krr_narrowed_total 0\n"), std::string::npos) << text;
}

TEST_F(sip_as_deployment, when_the_key_mgmt_line_is_not_base64_then_the_as_answers_400_and_says_why) {
    start_as();
    EXPECT_EQ(call(caller("sip:bob@example.org", "!!!not-base64!!!", 400, "Warning: 399 as.example.org .*not base64")),
              0);
}

TEST_F(sip_as_deployment, when_kamailio_surrounds_the_as_then_redirects_and_narrowed_krrs_reach_the_caller_through_it) {
    start_as("[\"" + police + "\", \"" + fire + "\"]");
    const auto kamailio_port = free_sip_port();
    kamailio proxy(dir_.path(), kamailio_port, "sip:127.0.0.1:" + std::to_string(as_port_));
    ASSERT_TRUE(proxy.ready()) << proxy.log();
    // The AS's own redirect, through Kamailio.
    EXPECT_EQ(call(caller("sip:carol@example.org", i_message("sip:carol@example.org", police, police), 488,
                          "<RedirectorUri>sip:as.example.org</RedirectorUri>.*<KmsUri>" + fire + "</KmsUri>"),
                   kamailio_port),
              0)
        << proxy.log();
    // The callee's side redirects; the AS narrows; Kamailio relays it to the caller.
    const kms_interface::kms_redirect_response theirs{.time = std::chrono::system_clock::now(),
                                                      .redirector = "sip:bob@example.org",
                                                      .initiator = "sip:alice@example.org",
                                                      .responder = "sip:bob@example.org",
                                                      .role = kms_interface::krr_role::responder,
                                                      .rejected_kms = police,
                                                      .acceptable = {fire, ambulance},
                                                      .reason = {},
                                                      .embedded = std::nullopt};
    auto* bob = start_callee(callee(488, kms_interface::encode_kms_redirect_response(theirs).value()));
    EXPECT_EQ(call(caller("sip:bob@example.org", i_message("sip:bob@example.org", police, police), 488,
                          "<EmbeddedKrr>"),
                   kamailio_port),
              0)
        << proxy.log();
    EXPECT_EQ(bob->wait(20s), 0) << bob->out();
}

TEST_F(sip_as_deployment, when_a_caller_comes_over_tls_then_the_as_answers_it_there) {
    auto ca = http::create_certificate_authority("SIP CA", 24h).value();
    auto cert = http::issue_certificate(ca, "localhost", {"localhost"}, {"127.0.0.1"}, http::certificate_usage::server,
                                        24h)
                    .value();
    write("ca.pem", ca.certificate_pem);
    write("as.crt", cert.certificate_pem);
    write("as.key", cert.private_key_pem);
    const auto tls_port = free_sip_port();
    start_as("[]", "[tls]\nlisten = \"127.0.0.1:" + std::to_string(tls_port) +
                       "\"\ncertificate = \"as.crt\"\nprivate_key = \"as.key\"\n");
    const std::string body = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=key-mgmt:mikey !!!\r\n";
    const std::string invite = "INVITE sip:bob@example.org SIP/2.0\r\n"
                               "Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-tls-1\r\n"
                               "From: <sip:alice@example.org>;tag=1\r\nTo: <sip:bob@example.org>\r\n"
                               "Call-ID: tls-1@127.0.0.1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
                               "Contact: <sips:alice@127.0.0.1:5999>\r\nContent-Type: application/sdp\r\n"
                               "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    EXPECT_EQ(request_over_tls(tls_port, path("ca.pem"), invite), "SIP/2.0 400 Bad Request") << as_->err();
}

TEST_F(sip_as_deployment, when_the_terminating_as_redirects_then_the_originating_as_narrows_its_krr_by_embedding_it) {
    // The terminating system's AS knows bob; the originating one knows only carol (so it lets the call through) and
    // allows police and fire on its path.
    const auto terminating_port = free_sip_port();
    start_server("terminating", terminating_port, callee_port_, "sip:as.terminating.example.org", "[]", all_domains());
    as_ = start_server("originating", as_port_, terminating_port, "sip:as.originating.example.org",
                       "[\"" + police + "\", \"" + fire + "\"]",
                       "[[domain]]\nkms_uri = \"" + fire + "\"\nmembers = [\"sip:carol@example.org\"]\n");
    EXPECT_EQ(call(caller("sip:bob@example.org", i_message("sip:bob@example.org", police, fire), 488,
                          "<RedirectorUri>sip:as.originating.example.org</RedirectorUri>.*<AcceptableKmsUris>"
                          "[[:space:]]*<KmsUri>" + police + "</KmsUri>[[:space:]]*</AcceptableKmsUris>.*"
                          "<RedirectorUri>sip:as.terminating.example.org</RedirectorUri>.*<KmsUri>" + ambulance)),
              0);
}

TEST_F(sip_as_deployment, when_a_message_carries_an_application_mikey_body_then_the_as_judges_it_as_an_invites) {
    start_as();
    // The I_MESSAGE of a MESSAGE (application/mikey, binary): under carol's wrong KMS, a KRR; under bob's, through.
    auto refused = request_over_udp(as_port_, request_text("MESSAGE", "sip:carol@example.org", "application/mikey",
                                                           i_message_octets("sip:carol@example.org", police, police)));
    ASSERT_TRUE(refused.starts_with("SIP/2.0 488 ")) << refused << as_->err();
    auto krr = kms_interface::decode_kms_redirect_response(body_of(refused));
    ASSERT_TRUE(krr) << krr.err().message << "\n" << refused;
    EXPECT_EQ(krr->krr.rejected_kms, police);
    EXPECT_EQ(krr->krr.acceptable, (std::vector<std::string>{fire}));

    auto* bob = start_callee(message_callee());
    auto through = request_over_udp(as_port_, request_text("MESSAGE", "sip:bob@example.org", "application/mikey",
                                                           i_message_octets("sip:bob@example.org", police, police)));
    EXPECT_TRUE(through.starts_with("SIP/2.0 200 ")) << through << as_->err();
    EXPECT_EQ(bob->wait(20s), 0) << bob->out();

    // A MESSAGE whose MIKEY is cut short is refused for what it is.
    auto cut = i_message_octets("sip:bob@example.org", police, police);
    cut.resize(cut.size() / 2);
    auto truncated = request_over_udp(as_port_, request_text("MESSAGE", "sip:bob@example.org", "application/mikey", cut));
    EXPECT_TRUE(truncated.starts_with("SIP/2.0 400 ")) << truncated;
    EXPECT_NE(truncated.find("Warning: 399 as.example.org \"the I_MESSAGE does not decode"), std::string::npos)
        << truncated;
}

TEST_F(sip_as_deployment, when_both_servers_sign_their_krrs_then_the_caller_verifies_the_chain_and_a_forged_one_is_refused) {
    auto ca = http::create_certificate_authority("MC system CA", 24h).value();
    auto other_ca = http::create_certificate_authority("another CA", 24h).value();
    auto issue = [&](const http::certificate_and_key& by, const std::string& name) {
        return http::issue_certificate(by, name, {}, {}, http::certificate_usage::client, 24h).value();
    };
    const auto terminating_cert = issue(ca, "as.terminating.example.org");
    const auto originating_cert = issue(ca, "as.originating.example.org");
    const auto forger = issue(other_ca, "as.forger.example.org");
    write("ca.pem", ca.certificate_pem);
    write("terminating.crt", terminating_cert.certificate_pem);
    write("terminating.key", terminating_cert.private_key_pem);
    write("originating.crt", originating_cert.certificate_pem);
    write("originating.key", originating_cert.private_key_pem);
    const std::string signing = "[krr]\ncertificate = \"%.crt\"\nprivate_key = \"%.key\"\ntrusted_ca = \"ca.pem\"\n";
    auto krr_section = [&](const std::string& name) {
        auto s = signing;
        for (auto at = s.find('%'); at != std::string::npos; at = s.find('%'))
            s.replace(at, 1, name);
        return s;
    };
    const auto terminating_port = free_sip_port();
    start_server("terminating", terminating_port, callee_port_, "sip:as.terminating.example.org", "[]",
                 all_domains() + krr_section("terminating"));
    as_ = start_server("originating", as_port_, terminating_port, "sip:as.originating.example.org",
                       "[\"" + police + "\", \"" + fire + "\"]",
                       "[[domain]]\nkms_uri = \"" + fire + "\"\nmembers = [\"sip:carol@example.org\"]\n" +
                           krr_section("originating"));

    // Steps 3, 5 and 6 signed: the terminating AS's KRR, narrowed and signed again by the originating one; the
    // caller verifies both signatures against the system's CA.
    auto answer = request_over_udp(as_port_, request_text("INVITE", "sip:bob@example.org", "application/sdp",
                                                          sdp_with(i_message("sip:bob@example.org", police, fire))));
    ASSERT_TRUE(answer.starts_with("SIP/2.0 488 ")) << answer << as_->err();
    auto signers = kms_interface::verify_kms_redirect_response(body_of(answer), ca.certificate_pem);
    ASSERT_TRUE(signers) << signers.err().message << "\n" << body_of(answer);
    ASSERT_EQ(signers->subjects.size(), 2u);
    EXPECT_NE(signers->subjects[0].find("as.originating.example.org"), std::string::npos) << signers->subjects[0];
    EXPECT_NE(signers->subjects[1].find("as.terminating.example.org"), std::string::npos) << signers->subjects[1];
    EXPECT_FALSE(kms_interface::verify_kms_redirect_response(body_of(answer), other_ca.certificate_pem));

    // A KRR from downstream signed under another CA is not passed on: 502, and why.
    const kms_interface::kms_redirect_response forged{.time = std::chrono::system_clock::now(),
                                                      .redirector = "sip:bob@example.org",
                                                      .initiator = "sip:alice@example.org",
                                                      .responder = "sip:bob@example.org",
                                                      .role = kms_interface::krr_role::responder,
                                                      .rejected_kms = police,
                                                      .acceptable = {ambulance},
                                                      .reason = {},
                                                      .embedded = std::nullopt};
    auto* callee_side = start_callee(callee(
        488, kms_interface::sign_kms_redirect_response(
                 forged, xml::signer::read({forger.private_key_pem, forger.certificate_pem}).value())
                 .value()));
    // The terminating AS lets alice's call to sip:zoe through (it does not know her); the callee's side forges.
    EXPECT_EQ(call(caller("sip:zoe@example.org", i_message("sip:zoe@example.org", police, police), 502,
                          "Warning: 399 as.terminating.example.org .*KMS Redirect Response from downstream")),
              0);
    EXPECT_EQ(callee_side->wait(20s), 0) << callee_side->out();
}

} // namespace
} // namespace mcprov::testing
