#include "mcprov/gba/digest.hpp"

#include <algorithm>
#include <map>

#include <openssl/evp.h>

#include "mcprov/aka/authentication.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::gba {
namespace {

using support::errc;
using support::make_error;
using support::result;

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

bool control(char c) {
    return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f;
}

bool token_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// The parameters after "Digest", by lower-case name.
result<std::map<std::string, std::string>> digest_parameters(std::string_view value, std::string_view what) {
    if (value.size() > max_digest_header_bytes)
        return make_error(errc::invalid_argument, std::string(what) + " is over " +
                                                      std::to_string(max_digest_header_bytes) + " bytes");
    value = trimmed(value);
    const auto space = value.find_first_of(" \t");
    if (lower(value.substr(0, space)) != "digest")
        return make_error(errc::invalid_argument, std::string(what) + " is not of the Digest scheme");
    value = space == std::string_view::npos ? std::string_view() : value.substr(space);
    std::map<std::string, std::string> out;
    for (;;) {
        value = trimmed(value);
        if (value.empty())
            break;
        std::size_t n = 0;
        while (n < value.size() && token_char(value[n]))
            ++n;
        if (n == 0)
            return make_error(errc::invalid_argument, std::string(what) + ": a parameter name is expected");
        const auto name = lower(value.substr(0, n));
        value = trimmed(value.substr(n));
        if (value.empty() || value.front() != '=')
            return make_error(errc::invalid_argument, std::string(what) + ": " + name + " has no '='");
        value = trimmed(value.substr(1));
        std::string parameter;
        if (!value.empty() && value.front() == '"') {
            std::size_t at = 1;
            bool closed = false;
            while (at < value.size()) {
                const char c = value[at++];
                if (c == '"') {
                    closed = true;
                    break;
                }
                const char taken = c == '\\' && at < value.size() ? value[at++] : c;
                if (control(taken))
                    return make_error(errc::invalid_argument, std::string(what) + ": a control character in " + name);
                parameter.push_back(taken);
            }
            if (!closed)
                return make_error(errc::invalid_argument, std::string(what) + ": " + name + " is not terminated");
            value = value.substr(at);
        } else {
            std::size_t m = 0;
            while (m < value.size() && token_char(value[m]))
                ++m;
            if (m == 0)
                return make_error(errc::invalid_argument, std::string(what) + ": " + name + " has no value");
            parameter = value.substr(0, m);
            value = value.substr(m);
        }
        value = trimmed(value);
        if (!value.empty()) {
            if (value.front() != ',')
                return make_error(errc::invalid_argument, std::string(what) + ": parameters are separated by ','");
            value.remove_prefix(1);
        }
        if (!out.emplace(name, std::move(parameter)).second)
            return make_error(errc::invalid_argument, std::string(what) + ": " + name + " is given twice");
    }
    return out;
}

std::string take(std::map<std::string, std::string>& p, const std::string& name) {
    auto found = p.find(name);
    return found == p.end() ? std::string() : std::move(found->second);
}

std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\')
            out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

std::string md5_hex(std::string_view bytes) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(bytes.data(), bytes.size(), out, &size, EVP_md5(), nullptr);
    return support::hex_encode(std::string_view(reinterpret_cast<const char*>(out), size));
}

std::string request_digest(const digest_credentials& c, std::string_view password, std::string_view method,
                           std::string_view body) {
    // AKAv1-MD5 is MD5 with RES as the password (RFC 3310 section 3.4); "-sess" variants are not used on Ub.
    const std::string ha1 = md5_hex(c.username + ":" + c.realm + ":" + std::string(password));
    std::string a2 = std::string(method) + ":" + c.uri;
    if (c.qop == "auth-int")
        a2 += ":" + md5_hex(body);
    const std::string ha2 = md5_hex(a2);
    if (c.qop.empty())
        return md5_hex(ha1 + ":" + c.nonce + ":" + ha2);
    return md5_hex(ha1 + ":" + c.nonce + ":" + c.nc + ":" + c.cnonce + ":" + c.qop + ":" + ha2);
}

} // namespace

result<digest_challenge> parse_digest_challenge(std::string_view value) {
    auto p = digest_parameters(value, "WWW-Authenticate");
    if (!p)
        return std::move(p).err();
    digest_challenge c{.realm = take(*p, "realm"),
                       .nonce = take(*p, "nonce"),
                       .algorithm = take(*p, "algorithm"),
                       .qop = take(*p, "qop"),
                       .opaque = take(*p, "opaque"),
                       .stale = lower(take(*p, "stale")) == "true"};
    if (c.realm.empty() || c.nonce.empty())
        return make_error(errc::invalid_argument, "WWW-Authenticate: realm and nonce are required");
    return c;
}

result<digest_credentials> parse_digest_credentials(std::string_view value) {
    auto p = digest_parameters(value, "Authorization");
    if (!p)
        return std::move(p).err();
    const bool has_auts = p->contains("auts");
    const bool has_response = p->contains("response");
    digest_credentials c{.username = take(*p, "username"),
                         .realm = take(*p, "realm"),
                         .nonce = take(*p, "nonce"),
                         .uri = take(*p, "uri"),
                         .response = take(*p, "response"),
                         .algorithm = take(*p, "algorithm"),
                         .cnonce = take(*p, "cnonce"),
                         .nc = take(*p, "nc"),
                         .qop = take(*p, "qop"),
                         .opaque = take(*p, "opaque"),
                         .auts = std::nullopt};
    if (has_auts)
        c.auts = take(*p, "auts");
    if (c.username.empty() || !p->contains("realm") || !p->contains("nonce") || c.uri.empty() || !has_response)
        return make_error(errc::invalid_argument, "Authorization: username, realm, nonce, uri and response are required");
    const auto hex = [](std::string_view s) {
        return std::all_of(s.begin(), s.end(), [](unsigned char ch) { return std::isxdigit(ch); });
    };
    if (!c.response.empty() && (c.response.size() != 32 || !hex(c.response)))
        return make_error(errc::invalid_argument, "Authorization: response must be 32 hex digits");
    if (!c.qop.empty() && (c.nc.size() != 8 || !hex(c.nc) || c.cnonce.empty()))
        return make_error(errc::invalid_argument, "Authorization: with qop, nc (8 hex digits) and cnonce are required");
    if (c.qop.empty() && (!c.nc.empty() || !c.cnonce.empty()))
        return make_error(errc::invalid_argument, "Authorization: nc and cnonce go with qop (RFC 2617 section 3.2.2)");
    return c;
}

std::string format_digest_challenge(const digest_challenge& c) {
    std::string out = "Digest realm=" + quoted(c.realm) + ", nonce=" + quoted(c.nonce);
    if (!c.algorithm.empty())
        out += ", algorithm=" + c.algorithm;
    if (!c.qop.empty())
        out += ", qop=" + quoted(c.qop);
    if (!c.opaque.empty())
        out += ", opaque=" + quoted(c.opaque);
    if (c.stale)
        out += ", stale=TRUE";
    return out;
}

std::string format_digest_credentials(const digest_credentials& c) {
    std::string out = "Digest username=" + quoted(c.username) + ", realm=" + quoted(c.realm) +
                      ", nonce=" + quoted(c.nonce) + ", uri=" + quoted(c.uri) + ", response=" + quoted(c.response);
    if (!c.algorithm.empty())
        out += ", algorithm=" + c.algorithm;
    if (!c.qop.empty())
        out += ", qop=" + c.qop + ", nc=" + c.nc + ", cnonce=" + quoted(c.cnonce);
    if (!c.opaque.empty())
        out += ", opaque=" + quoted(c.opaque);
    if (c.auts)
        out += ", auts=" + quoted(*c.auts);
    return out;
}

std::string digest_response(const digest_credentials& c, std::string_view password, std::string_view method,
                            std::string_view body) {
    return request_digest(c, password, method, body);
}

std::string digest_rspauth(const digest_credentials& c, std::string_view password, std::string_view response_body) {
    return request_digest(c, password, "", response_body);
}

std::string format_authentication_info(const digest_credentials& c, std::string_view rspauth) {
    std::string out = "rspauth=" + quoted(rspauth);
    if (!c.qop.empty())
        out = "qop=" + c.qop + ", " + out + ", cnonce=" + quoted(c.cnonce) + ", nc=" + c.nc;
    return out;
}

result<std::string> parse_rspauth(std::string_view authentication_info) {
    // Authentication-Info has no scheme of its own: parse it as if it were one.
    auto p = digest_parameters("Digest " + std::string(authentication_info), "Authentication-Info");
    if (!p)
        return std::move(p).err();
    auto rspauth = take(*p, "rspauth");
    if (rspauth.empty())
        return make_error(errc::invalid_argument, "Authentication-Info: no rspauth");
    return rspauth;
}

std::string aka_nonce(std::string_view rand, std::string_view autn, std::string_view server_data) {
    return support::base64_encode(std::string(rand) + std::string(autn) + std::string(server_data));
}

result<aka_nonce_parts> split_aka_nonce(std::string_view nonce) {
    auto raw = support::base64_decode(nonce);
    if (!raw)
        return make_error(errc::invalid_argument, "the nonce is not base64");
    if (raw->size() < aka::rand_size + aka::autn_size)
        return make_error(errc::invalid_argument, "the nonce is shorter than RAND and AUTN");
    return aka_nonce_parts{.rand = raw->substr(0, aka::rand_size),
                           .autn = raw->substr(aka::rand_size, aka::autn_size),
                           .server_data = raw->substr(aka::rand_size + aka::autn_size)};
}

} // namespace mcprov::gba
