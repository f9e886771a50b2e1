#include "mcprov/lookup/central_lookup.hpp"

#include <map>
#include <mutex>
#include <optional>

#include "mcprov/http/client.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/log.hpp"

#include "bearer_token.hpp"

namespace mcprov::lookup {
namespace {

using support::errc;
using support::make_error;
using support::result;
using steady = std::chrono::steady_clock;

constexpr std::size_t max_answer_bytes = 256 * 1024;
constexpr auto retry_after = std::chrono::seconds(5);

class central_lookup final : public user_domains {
public:
    central_lookup(central_lookup_options options, std::unique_ptr<http::client> client)
        : options_(std::move(options)), client_(std::move(client)), log_(support::logger("lookup")) {}

    result<std::vector<supported_domain>> domains_of(std::string_view user) const override {
        const auto now = steady::now();
        std::unique_lock lock(mutex_);
        auto cached = cache_.find(user);
        if (cached != cache_.end() && now - cached->second.at < options_.cache_for) {
            return cached->second.domains;
        }
        // After a failure the service is not asked again for a while: each ask holds the caller (the SIP thread) for
        // up to the timeout, and a service that is down would otherwise cost that on every request.
        std::optional<support::error> failed;
        if (now < quiet_until_) {
            failed = last_failure_;
        } else {
            lock.unlock();
            auto asked = ask(user);
            lock.lock();
            if (asked) {
                if (cache_.size() >= options_.max_cached_users) {
                    cache_.clear();
                }
                cache_.insert_or_assign(std::string(user), entry{*asked, now});
                return asked;
            }
            failed = asked.err();
            last_failure_ = asked.err();
            quiet_until_ = steady::now() + retry_after;
            log_->warn("the central lookup {} cannot answer: {}; asked again in {} s at the earliest", options_.url,
                       support::printable(asked.err().message),
                       std::chrono::duration_cast<std::chrono::seconds>(retry_after).count());
        }
        cached = cache_.find(user);
        if (cached != cache_.end() && now - cached->second.at < options_.keep_stale) {
            return cached->second.domains;
        }
        return make_error(errc::unavailable, "the central lookup " + options_.url + " cannot answer: " +
                                                 failed->message);
    }

private:
    struct entry {
        std::vector<supported_domain> domains;
        steady::time_point at;
    };

    result<std::vector<supported_domain>> ask(std::string_view user) const {
        auto token = read_bearer_token(options_.token_file);
        if (!token) {
            return make_error(errc::unavailable, "its token file: " + token.err().message);
        }
        http::client_request req{boost::beast::http::verb::get,
                                 options_.url + "/lookup/v1/users/" + support::percent_encode(user),
                                 {{"Authorization", "Bearer " + *token}, {"Accept", "application/json"}},
                                 ""};
        auto res = client_->fetch(req, max_answer_bytes);
        if (!res) {
            return std::move(res).err();
        }
        if (res->result_int() != 200) {
            return make_error(errc::unavailable, "status " + std::to_string(res->result_int()));
        }
        return read_user_domains(res->body());
    }

    central_lookup_options options_;
    std::unique_ptr<http::client> client_;
    std::shared_ptr<spdlog::logger> log_;
    mutable std::mutex mutex_;
    mutable std::map<std::string, entry, std::less<>> cache_;
    mutable steady::time_point quiet_until_{};
    mutable support::error last_failure_{errc::unavailable, "not asked yet"};
};

} // namespace

result<std::shared_ptr<user_domains>> create_central_lookup(const central_lookup_options& options) {
    if (!options.url.starts_with("https://") || options.url.back() == '/') {
        return make_error(errc::invalid_argument, "the central lookup's URL must be https without a '/' at the end");
    }
    http::client_options o;
    o.ca_file = options.ca;
    o.timeout = options.timeout;
    o.max_response_bytes = max_answer_bytes;
    auto client = http::create_client(o);
    if (!client) {
        return std::move(client).err();
    }
    return std::shared_ptr<user_domains>(std::make_shared<central_lookup>(options, std::move(client).value()));
}

} // namespace mcprov::lookup
