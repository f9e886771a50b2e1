#include "mcprov/http/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <openssl/ssl.h>

namespace mcprov::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using support::errc;
using support::make_error;
using support::result;

struct target {
    bool tls = false;
    std::string host;
    std::string port;
    std::string path;
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

template <class Stream>
result<response> exchange(Stream& stream, beast::tcp_stream& lowest, const client_request& req, const target& t,
                          const client_options& options) {
    bhttp::request<bhttp::string_body> message{req.method, t.path, 11};
    message.set(bhttp::field::host, t.host + ":" + t.port);
    message.set(bhttp::field::user_agent, "mcprov");
    for (const auto& [name, value] : req.headers) {
        message.set(name, value);
    }
    message.body() = req.body;
    message.prepare_payload();
    boost::system::error_code ec;
    lowest.expires_after(options.timeout);
    bhttp::write(stream, message, ec);
    // A server may answer and close before reading the whole request (413, say): its answer still counts.
    auto send_error = ec;
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    parser.skip(req.method == bhttp::verb::head);
    bhttp::read(stream, buffer, parser, ec);
    if (ec == bhttp::error::body_limit) {
        return make_error(errc::too_large, "response from " + req.url + " exceeds " +
                                               std::to_string(options.max_response_bytes) + " bytes");
    }
    if (ec) {
        auto cause = send_error ? "sending to " + req.url + ": " + send_error.message()
                                : "reading from " + req.url + ": " + ec.message();
        return make_error(errc::unavailable, cause);
    }
    return parser.release();
}

} // namespace

result<response> fetch(const client_request& req, const client_options& options) {
    auto t = parse_target(req.url);
    if (!t) {
        return std::move(t).err();
    }
    asio::io_context ioc;
    boost::system::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(t->host, t->port, ec);
    if (ec) {
        return make_error(errc::unavailable, "resolving " + t->host + ": " + ec.message());
    }
    beast::tcp_stream tcp_stream(ioc);
    tcp_stream.expires_after(options.timeout);
    tcp_stream.connect(endpoints, ec);
    if (ec) {
        return make_error(errc::unavailable, "connecting to " + t->host + ":" + t->port + ": " + ec.message());
    }
    if (!t->tls) {
        return exchange(tcp_stream, tcp_stream, req, *t, options);
    }

    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    if (options.ca_file) {
        ctx.load_verify_file(options.ca_file->string(), ec);
    } else {
        ctx.set_default_verify_paths(ec);
    }
    if (ec) {
        return make_error(errc::invalid_argument, "loading trusted CAs: " + ec.message());
    }
    if (options.certificate_chain && options.private_key) {
        ctx.use_certificate_chain_file(options.certificate_chain->string(), ec);
        if (!ec) {
            ctx.use_private_key_file(options.private_key->string(), asio::ssl::context::pem, ec);
        }
        if (ec) {
            return make_error(errc::invalid_argument, "loading client certificate: " + ec.message());
        }
    }
    beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), ctx);
    // Verify the server's name (DNS name or IP address in subjectAltName).
    X509_VERIFY_PARAM* param = SSL_get0_param(stream.native_handle());
    boost::system::error_code addr_ec;
    asio::ip::make_address(t->host, addr_ec);
    if (addr_ec) {
        SSL_set_tlsext_host_name(stream.native_handle(), t->host.c_str());
        X509_VERIFY_PARAM_set1_host(param, t->host.c_str(), 0);
    } else {
        X509_VERIFY_PARAM_set1_ip_asc(param, t->host.c_str());
    }
    stream.handshake(asio::ssl::stream_base::client, ec);
    if (ec) {
        return make_error(errc::unavailable, "TLS handshake with " + t->host + ":" + t->port + ": " + ec.message());
    }
    auto out = exchange(stream, beast::get_lowest_layer(stream), req, *t, options);
    stream.shutdown(ec); // the peer may close first; nothing useful to report
    return out;
}

} // namespace mcprov::http
