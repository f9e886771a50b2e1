#include "mcprov/identity/access_token.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <mutex>
#include <new>
#include <optional>
#include <shared_mutex>
#include <unordered_map>
#include <utility>

#include <boost/json.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "jws.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::identity {

bool access_token::has_scope(std::string_view scope) const {
    return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

namespace {

using support::errc;
using support::make_error;
using sys_clock = std::chrono::system_clock;

constexpr std::size_t max_payload_depth = 16;
constexpr const char* issued_header = R"({"alg":"ES256","typ":"JWT"})";

support::error unauthenticated(std::string message) {
    return make_error(errc::unauthenticated, std::move(message));
}

double to_seconds(sys_clock::time_point t) {
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// The last second of the year 9999 (9999-12-31T23:59:59Z): NumericDates past it are refused as absurd.
constexpr std::int64_t last_numeric_date = 253'402'300'799;

// A NumericDate to a time point. Callers bound it first (to about now plus the token lifetime limit); the clamp only
// keeps the conversion defined: a nanosecond system_clock ends in 2262.
sys_clock::time_point to_time_point(std::int64_t seconds) {
    constexpr std::int64_t limit = 9'000'000'000; // about the year 2255
    return sys_clock::time_point(std::chrono::seconds(std::clamp<std::int64_t>(seconds, 0, limit)));
}

// An optional string claim: nullopt when absent, unauthenticated when present but not a string.
support::result<std::optional<std::string>> string_claim(const boost::json::object& claims, std::string_view name) {
    const auto* value = claims.if_contains(name);
    if (value == nullptr) {
        return std::optional<std::string>();
    }
    const auto* text = value->if_string();
    if (text == nullptr) {
        return unauthenticated("claim " + std::string(name) + " is not a string");
    }
    return std::optional<std::string>(std::string(text->data(), text->size()));
}

// An optional NumericDate claim (exp, nbf, iat): nullopt when absent; unauthenticated, saying why, unless it is a JSON
// integer of whole seconds from 1970 to the end of the year 9999. RFC 7519 would allow fractions; no identity
// management server needs them, and a floating-point value such as 1e30 is how a forged or broken token shows.
support::result<std::optional<std::int64_t>> date_claim(const boost::json::object& claims, std::string_view name) {
    const auto* value = claims.if_contains(name);
    if (value == nullptr) {
        return std::optional<std::int64_t>();
    }
    const auto claim = "claim " + std::string(name);
    auto in_range = [&](auto seconds) -> support::result<void> {
        if (seconds < 0) {
            return unauthenticated(claim + " is negative (before 1970)");
        }
        if (seconds > last_numeric_date) {
            return unauthenticated(claim + " is after the year 9999");
        }
        return {};
    };
    if (const auto* i = value->if_int64()) {
        if (auto ok = in_range(*i); !ok) {
            return std::move(ok).err();
        }
        return std::optional<std::int64_t>(*i);
    }
    if (value->is_uint64()) { // only integers above the int64 range are held as uint64
        return unauthenticated(claim + " is after the year 9999");
    }
    if (const auto* d = value->if_double()) {
        if (!std::isfinite(*d)) {
            return unauthenticated(claim + " is not a finite number");
        }
        if (auto ok = in_range(*d); !ok) {
            return std::move(ok).err();
        }
        if (*d != std::floor(*d)) {
            return unauthenticated(claim + " is not a whole number of seconds");
        }
        return unauthenticated(claim + " is a floating-point number, not an integer");
    }
    return unauthenticated(claim + " is not a number");
}

struct verified_token {
    access_token token;
    double deadline; // exp + leeway, seconds since the epoch: refused from then on
};

class access_token_verifier_impl final : public access_token_verifier {
public:
    access_token_verifier_impl(verifier_config config, evp_pkey_ptr key, std::shared_ptr<support::clock> clock)
        : config_(std::move(config)), key_(std::move(key)), clock_(std::move(clock)),
          leeway_(static_cast<double>(config_.leeway.count())),
          max_lifetime_(static_cast<double>(config_.max_lifetime.count())) {}

    support::result<access_token> verify(std::string_view compact) const override {
        if (compact.size() > config_.max_token_bytes) {
            return make_error(errc::too_large,
                              "token is larger than " + std::to_string(config_.max_token_bytes) + " bytes");
        }
        try {
            const double now = to_seconds(clock_->now());
            const bool caching = config_.cache_entries > 0;
            std::string cache_key;
            if (caching) {
                cache_key = support::sha256(compact);
                bool expired = false;
                {
                    std::shared_lock lock(mutex_);
                    if (auto it = cache_.find(cache_key); it != cache_.end()) {
                        if (now < it->second.deadline) {
                            return it->second.token;
                        }
                        expired = true;
                    }
                }
                if (expired) {
                    std::unique_lock lock(mutex_);
                    cache_.erase(cache_key);
                    return unauthenticated("token has expired");
                }
            }
            auto verified = verify_uncached(compact, now);
            if (!verified) {
                return std::move(verified).err();
            }
            if (caching) {
                remember(std::move(cache_key), *verified, now);
            }
            return std::move(verified->token);
        } catch (const std::bad_alloc&) {
            return make_error(errc::internal, "out of memory verifying token");
        } catch (const std::exception& e) {
            return make_error(errc::internal, std::string("token verification failed: ") + e.what());
        }
    }

private:
    support::result<verified_token> verify_uncached(std::string_view compact, double now) const {
        auto jws = verify_es256_compact(compact, key_.get());
        if (!jws) {
            return std::move(jws).err();
        }
        boost::json::parse_options options;
        options.max_depth = max_payload_depth;
        boost::system::error_code ec;
        boost::json::value payload = boost::json::parse(jws->second, ec, {}, options);
        if (ec) {
            return unauthenticated("token payload is not valid JSON");
        }
        const auto* claims = payload.if_object();
        if (claims == nullptr) {
            return unauthenticated("token payload is not a JSON object");
        }
        verified_token out{};
        access_token& token = out.token;

        // iss
        auto iss = string_claim(*claims, "iss");
        if (!iss) {
            return std::move(iss).err();
        }
        if (!*iss) {
            return unauthenticated("claim iss is missing");
        }
        if (**iss != config_.issuer) {
            return unauthenticated("token issuer is not the configured issuer");
        }
        token.issuer = std::move(**iss);

        // aud: a string or an array of strings
        const auto* aud = claims->if_contains("aud");
        if (aud == nullptr) {
            return unauthenticated("claim aud is missing");
        }
        if (const auto* one = aud->if_string()) {
            token.audience.emplace_back(one->data(), one->size());
        } else if (const auto* many = aud->if_array()) {
            for (const auto& item : *many) {
                const auto* text = item.if_string();
                if (text == nullptr) {
                    return unauthenticated("claim aud is not a string or an array of strings");
                }
                token.audience.emplace_back(text->data(), text->size());
            }
        } else {
            return unauthenticated("claim aud is not a string or an array of strings");
        }
        if (std::find(token.audience.begin(), token.audience.end(), config_.audience) == token.audience.end()) {
            return unauthenticated("token audience does not include this server");
        }

        // exp, nbf, iat: whole seconds from 1970 to 9999; the token valid now, and for no longer than max_lifetime
        auto exp = date_claim(*claims, "exp");
        if (!exp) {
            return std::move(exp).err();
        }
        if (!*exp) {
            return unauthenticated("claim exp is missing");
        }
        const auto expires = static_cast<double>(**exp);
        out.deadline = expires + leeway_;
        if (!(now < out.deadline)) {
            return unauthenticated("token has expired");
        }
        if (expires - now > max_lifetime_ + leeway_) {
            return unauthenticated("token expires more than " + std::to_string(config_.max_lifetime.count()) +
                                   " s from now, the limit on a token's lifetime");
        }
        token.expires_at = to_time_point(**exp);
        auto nbf = date_claim(*claims, "nbf");
        if (!nbf) {
            return std::move(nbf).err();
        }
        if (*nbf && now < static_cast<double>(**nbf) - leeway_) {
            return unauthenticated("token is not yet valid (nbf)");
        }
        auto iat = date_claim(*claims, "iat");
        if (!iat) {
            return std::move(iat).err();
        }
        if (*iat) {
            if (static_cast<double>(**iat) > now + leeway_) {
                return unauthenticated("token is issued in the future (iat)");
            }
            if (**exp < **iat) {
                return unauthenticated("token expires before it was issued (exp before iat)");
            }
            if (**exp - **iat > config_.max_lifetime.count()) {
                return unauthenticated("token lifetime (exp - iat) of " + std::to_string(**exp - **iat) +
                                       " s exceeds the limit of " + std::to_string(config_.max_lifetime.count()) +
                                       " s");
            }
            token.issued_at = to_time_point(**iat);
        }

        // MC ID and MC service IDs
        struct string_field {
            const char* name;
            std::string* target;
        };
        std::string mc_id;
        for (auto [name, target] :
             {string_field{"mc_id", &mc_id}, string_field{"mcptt_id", &token.mcptt_id},
              string_field{"mcdata_id", &token.mcdata_id}, string_field{"mcvideo_id", &token.mcvideo_id},
              string_field{"sub", &token.subject}, string_field{"client_id", &token.client_id}}) {
            auto value = string_claim(*claims, name);
            if (!value) {
                return std::move(value).err();
            }
            if (*value) {
                *target = std::move(**value);
            }
        }
        if (!mc_id.empty()) {
            token.mc_id = std::move(mc_id);
        } else if (!token.mcptt_id.empty()) {
            token.mc_id = token.mcptt_id; // Release 13: only mcptt_id
        } else {
            return unauthenticated("token carries no MC ID (mc_id or mcptt_id)");
        }

        // scope: space-separated
        auto scope = string_claim(*claims, "scope");
        if (!scope) {
            return std::move(scope).err();
        }
        if (*scope) {
            std::string_view rest = **scope;
            while (!rest.empty()) {
                auto space = rest.find(' ');
                auto item = rest.substr(0, space);
                if (!item.empty()) {
                    token.scopes.emplace_back(item);
                }
                rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
            }
        }
        return out;
    }

    void remember(std::string cache_key, const verified_token& verified, double now) const {
        std::unique_lock lock(mutex_);
        if (cache_.size() >= config_.cache_entries) {
            std::erase_if(cache_, [now](const auto& entry) { return !(now < entry.second.deadline); });
            // Still mostly full of live tokens: start over rather than sweep again on every insert.
            if (cache_.size() >= config_.cache_entries - config_.cache_entries / 4) {
                cache_.clear();
            }
        }
        cache_.insert_or_assign(std::move(cache_key), verified);
    }

    verifier_config config_;
    evp_pkey_ptr key_;
    std::shared_ptr<support::clock> clock_;
    double leeway_;
    double max_lifetime_;
    mutable std::shared_mutex mutex_;
    mutable std::unordered_map<std::string, verified_token> cache_;
};

class token_issuer_impl final : public token_issuer {
public:
    token_issuer_impl(evp_pkey_ptr key, std::shared_ptr<support::clock> clock)
        : key_(std::move(key)), clock_(std::move(clock)) {}

    support::result<std::string> issue(const token_request& request) const override {
        if (request.issuer.empty()) {
            return make_error(errc::invalid_argument, "token request has no issuer");
        }
        if (request.audience.empty() ||
            std::any_of(request.audience.begin(), request.audience.end(), [](const auto& a) { return a.empty(); })) {
            return make_error(errc::invalid_argument, "token request needs a non-empty audience");
        }
        if (request.mc_id.empty() && request.mcptt_id.empty()) {
            return make_error(errc::invalid_argument, "token request has no MC ID");
        }
        if (request.lifetime.count() <= 0) {
            return make_error(errc::invalid_argument, "token lifetime must be positive");
        }
        for (const auto& scope : request.scopes) {
            if (scope.empty() || scope.find(' ') != std::string::npos) {
                return make_error(errc::invalid_argument, "a scope is empty or contains a space");
            }
        }
        try {
            const auto iat = std::chrono::floor<std::chrono::seconds>(clock_->now()).time_since_epoch().count();
            boost::json::object claims;
            claims["iss"] = request.issuer;
            if (!request.subject.empty()) {
                claims["sub"] = request.subject;
            }
            if (request.audience.size() == 1) {
                claims["aud"] = request.audience.front();
            } else {
                boost::json::array aud;
                for (const auto& a : request.audience) {
                    aud.emplace_back(a);
                }
                claims["aud"] = std::move(aud);
            }
            if (!request.client_id.empty()) {
                claims["client_id"] = request.client_id;
            }
            claims["iat"] = static_cast<std::int64_t>(iat);
            claims["exp"] = static_cast<std::int64_t>(iat + request.lifetime.count());
            if (!request.scopes.empty()) {
                std::string scope;
                for (const auto& s : request.scopes) {
                    if (!scope.empty()) {
                        scope += ' ';
                    }
                    scope += s;
                }
                claims["scope"] = scope;
            }
            if (!request.mc_id.empty()) {
                claims["mc_id"] = request.mc_id;
            }
            if (!request.mcptt_id.empty()) {
                claims["mcptt_id"] = request.mcptt_id;
            }
            if (!request.mcdata_id.empty()) {
                claims["mcdata_id"] = request.mcdata_id;
            }
            if (!request.mcvideo_id.empty()) {
                claims["mcvideo_id"] = request.mcvideo_id;
            }
            return sign_es256_compact(issued_header, boost::json::serialize(claims), key_.get());
        } catch (const std::exception& e) {
            return make_error(errc::internal, std::string("token issuing failed: ") + e.what());
        }
    }

private:
    evp_pkey_ptr key_;
    std::shared_ptr<support::clock> clock_;
};

struct bio_deleter {
    void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;

std::string memory_bio_text(BIO* bio) {
    char* data = nullptr;
    long length = BIO_get_mem_data(bio, &data);
    if (length <= 0 || data == nullptr) {
        return {};
    }
    return std::string(data, static_cast<std::size_t>(length));
}

} // namespace

std::string unverified_issuer(std::string_view compact, std::size_t max_token_bytes) {
    if (compact.size() > max_token_bytes) {
        return {};
    }
    auto first = compact.find('.');
    auto second = first == std::string_view::npos ? first : compact.find('.', first + 1);
    if (second == std::string_view::npos) {
        return {};
    }
    auto payload = support::base64url_decode(compact.substr(first + 1, second - first - 1));
    if (!payload) {
        return {};
    }
    boost::system::error_code ec;
    boost::json::parse_options options;
    options.max_depth = 8;
    auto claims = boost::json::parse(*payload, ec, {}, options);
    if (ec || !claims.is_object()) {
        return {};
    }
    const auto* iss = claims.as_object().if_contains("iss");
    return iss && iss->is_string() ? std::string(iss->as_string()) : std::string();
}

support::result<std::unique_ptr<access_token_verifier>>
create_access_token_verifier(verifier_config config, std::shared_ptr<support::clock> clock) {
    if (!clock) {
        return make_error(errc::invalid_argument, "access token verifier needs a clock");
    }
    if (config.issuer.empty()) {
        return make_error(errc::invalid_argument, "access token verifier needs an issuer");
    }
    if (config.audience.empty()) {
        return make_error(errc::invalid_argument, "access token verifier needs an audience");
    }
    if (config.leeway.count() < 0) {
        return make_error(errc::invalid_argument, "access token leeway must not be negative");
    }
    if (config.max_lifetime.count() <= 0) {
        return make_error(errc::invalid_argument, "access token lifetime limit must be positive");
    }
    if (config.max_token_bytes == 0) {
        return make_error(errc::invalid_argument, "access token size limit must be positive");
    }
    try {
        auto key = load_p256_public_key_pem(config.public_key_pem);
        if (!key) {
            return std::move(key).err();
        }
        return std::unique_ptr<access_token_verifier>(
            std::make_unique<access_token_verifier_impl>(std::move(config), std::move(*key), std::move(clock)));
    } catch (const std::exception& e) {
        return make_error(errc::internal, std::string("cannot create access token verifier: ") + e.what());
    }
}

support::result<std::unique_ptr<token_issuer>> create_token_issuer(std::string private_key_pem,
                                                                   std::shared_ptr<support::clock> clock) {
    if (!clock) {
        return make_error(errc::invalid_argument, "token issuer needs a clock");
    }
    auto key = load_p256_private_key_pem(private_key_pem);
    if (!key) {
        return std::move(key).err();
    }
    try {
        return std::unique_ptr<token_issuer>(std::make_unique<token_issuer_impl>(std::move(*key), std::move(clock)));
    } catch (const std::exception& e) {
        return make_error(errc::internal, std::string("cannot create token issuer: ") + e.what());
    }
}

support::result<std::string> generate_p256_private_key_pem() {
    evp_pkey_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!key) {
        ERR_clear_error();
        return make_error(errc::internal, "P-256 key generation failed");
    }
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        ERR_clear_error();
        return make_error(errc::internal, "cannot write the P-256 private key as PEM");
    }
    std::string pem = memory_bio_text(bio.get());
    if (pem.empty()) {
        return make_error(errc::internal, "cannot write the P-256 private key as PEM");
    }
    return pem;
}

support::result<std::string> public_key_pem_from_private(std::string_view private_key_pem) {
    auto key = load_p256_private_key_pem(private_key_pem);
    if (!key) {
        return std::move(key).err();
    }
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key->get()) != 1) {
        ERR_clear_error();
        return make_error(errc::internal, "cannot write the P-256 public key as PEM");
    }
    std::string pem = memory_bio_text(bio.get());
    if (pem.empty()) {
        return make_error(errc::internal, "cannot write the P-256 public key as PEM");
    }
    return pem;
}

} // namespace mcprov::identity
