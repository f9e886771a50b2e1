#include "mcprov/kms/security_domain.hpp"

#include <openssl/crypto.h>

#include "mcprov/support/log.hpp"

namespace mcprov::kms {

using namespace kms_interface; // the Annex D documents this function serves

using support::errc;
using support::make_error;
using support::result;

result<std::shared_ptr<security_domain>> security_domain::open(domain_config config,
                                                               std::shared_ptr<security_domain_store> store,
                                                               master_secret_vault vault,
                                                               std::shared_ptr<support::clock> clock) {
    static const auto log = support::logger("kms");
    std::shared_ptr<security_domain> domain(new security_domain(std::move(config), std::move(store), std::move(clock)));
    const auto& uri = domain->config_.kms_uri;
    auto stored = domain->store_->sealed_master_secrets();
    if (!stored) {
        return std::move(stored).err();
    }
    if (!*stored) {
        auto fresh = mikey::generate_master_secrets();
        if (!fresh) {
            return std::move(fresh).err();
        }
        auto sealed = vault.seal(*fresh, uri);
        if (!sealed) {
            return std::move(sealed).err();
        }
        // Another process may have created them meanwhile: either way, what is stored now is the domain's.
        if (auto put = domain->store_->store_sealed_master_secrets(*sealed); !put && put.err().code != errc::conflict) {
            return std::move(put).err();
        } else if (put) {
            log->info("{}: created the domain's master secrets", uri);
        }
        OPENSSL_cleanse(fresh->ksak.data(), fresh->ksak.size());
        OPENSSL_cleanse(fresh->z.data(), fresh->z.size());
        stored = domain->store_->sealed_master_secrets();
        if (!stored) {
            return std::move(stored).err();
        }
    }
    auto opened = vault.open((*stored)->sealed, uri);
    if (!opened) {
        return std::move(opened).err();
    }
    domain->secrets_ = std::move(opened).value();
    auto keys = mikey::derive_public_keys(domain->secrets_);
    if (!keys) {
        return std::move(keys).err();
    }
    domain->public_keys_ = std::move(keys).value();

    auto& c = domain->certificate_;
    const auto& d = domain->config_;
    c.id = d.kms_uri;
    c.role = kms_role::root;
    c.cert_uri = d.kms_uri;
    c.kms_uri = d.kms_uri;
    c.issuer = d.issuer;
    c.valid_from = std::chrono::floor<std::chrono::seconds>((*stored)->created_at);
    c.valid_to = *c.valid_from + d.certificate_validity;
    c.user_key_period = d.user_key_period.count();
    c.user_key_offset = d.user_key_offset.count();
    c.pub_enc_key = domain->public_keys_.z_t;
    c.pub_auth_key = domain->public_keys_.kpak;
    return domain;
}

security_domain::~security_domain() {
    OPENSSL_cleanse(secrets_.ksak.data(), secrets_.ksak.size());
    OPENSSL_cleanse(secrets_.z.data(), secrets_.z.size());
}

mikey::key_period_parameters security_domain::periods() const {
    return {static_cast<std::uint64_t>(config_.user_key_period.count()),
            static_cast<std::uint64_t>(config_.user_key_offset.count())};
}

result<std::uint64_t> security_domain::current_key_period() const {
    return mikey::key_period_number(clock_->now(), periods());
}

result<kms_key_set> security_domain::issue_key_set(std::string_view user_uri, std::uint64_t number) const {
    auto member = store_->is_member(user_uri);
    if (!member) {
        return std::move(member).err();
    }
    if (!*member) {
        return make_error(errc::forbidden, std::string(user_uri) + " is not a member of " + config_.kms_uri);
    }
    auto current = current_key_period();
    if (!current) {
        return std::move(current).err();
    }
    if (number < *current) {
        return make_error(errc::invalid_argument, "key period " + std::to_string(number) +
                                                      " has expired (the "
                                                      "current one is " +
                                                      std::to_string(*current) + ")");
    }
    if (number > *current + config_.future_key_periods) {
        return make_error(errc::invalid_argument, "key period " + std::to_string(number) +
                                                      " is too far ahead (the "
                                                      "current one is " +
                                                      std::to_string(*current) + ", " +
                                                      std::to_string(config_.future_key_periods) + " more are served)");
    }
    auto p = periods();
    auto uid = mikey::mikey_sakke_uid(user_uri, config_.kms_uri, p.period_seconds, p.offset_seconds, number);
    auto keys = mikey::issue_user_keys(secrets_, uid);
    if (!keys) {
        return std::move(keys).err();
    }
    kms_key_set set;
    set.kms_uri = config_.kms_uri;
    set.cert_uri = config_.kms_uri;
    set.issuer = config_.issuer;
    set.user_uri = std::string(user_uri);
    set.user_id = uid;
    auto start = mikey::key_period_start(number, p);
    auto end = mikey::key_period_end(number, p);
    if (start && end) {
        set.valid_from = *start;
        set.valid_to = *end;
    }
    set.key_period_no = static_cast<std::int64_t>(number);
    set.user_decrypt_key = std::move(keys->rsk);
    set.user_signing_key_ssk = std::move(keys->ssk);
    set.user_pub_token_pvt = std::move(keys->pvt);
    return set;
}

} // namespace mcprov::kms
