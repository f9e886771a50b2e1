#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mcprov/kmc/key_material.hpp"
#include "mcprov/kmc/kms_client.hpp"
#include "mcprov/mikey/keys.hpp"
#include "mcprov/mikey/user_identifier.hpp"
#include "mcprov/support/clock.hpp"

namespace mcprov::kmc::testing {

// 2026-11-29T12:00:00Z lies well inside a 30-day key period.
inline const std::chrono::system_clock::time_point t0 = *support::parse_utc("2026-11-29T12:00:00Z");

// A security domain's KMS without a server: its master secrets, its certificate, and key sets issued on demand.
struct fake_domain {
    mikey::master_secrets secrets;
    kms_interface::kms_certificate certificate;

    explicit fake_domain(const std::string& kms_uri) {
        secrets = mikey::generate_master_secrets().value();
        auto published = mikey::derive_public_keys(secrets).value();
        certificate.kms_uri = kms_uri;
        certificate.role = kms_interface::kms_role::root;
        certificate.user_key_period = 2'592'000;
        certificate.user_key_offset = 0;
        certificate.pub_enc_key = published.z_t;
        certificate.pub_auth_key = published.kpak;
    }

    mikey::key_period_parameters periods() const {
        return {static_cast<std::uint64_t>(certificate.user_key_period),
                static_cast<std::uint64_t>(certificate.user_key_offset)};
    }

    // The key set of `user` for the key period holding `at`.
    kms_interface::kms_key_set key_set(const std::string& user, std::chrono::system_clock::time_point at = t0) const {
        const auto period = mikey::key_period_number(at, periods()).value();
        kms_interface::kms_key_set k;
        k.kms_uri = certificate.kms_uri;
        k.user_uri = user;
        k.user_id = mikey::mikey_sakke_uid(user, certificate.kms_uri, periods().period_seconds,
                                           periods().offset_seconds, period);
        k.key_period_no = static_cast<std::int64_t>(period);
        auto keys = mikey::issue_user_keys(secrets, k.user_id).value();
        k.user_decrypt_key = keys.rsk;
        k.user_signing_key_ssk = keys.ssk;
        k.user_pub_token_pvt = keys.pvt;
        return k;
    }

    // The certificate as another domain's certcache lists it.
    kms_interface::kms_certificate as_external(bool revoked = false) const {
        auto c = certificate;
        c.role = kms_interface::kms_role::external;
        c.revoked = revoked;
        return c;
    }

    // What a member's client holds after a fetch: this domain's certificate, its key set, and `external`.
    key_material material_of(const std::string& user, std::vector<kms_interface::kms_certificate> external = {},
                             std::chrono::system_clock::time_point at = t0) const {
        return key_material{certificate, key_set(user, at), std::move(external)};
    }
};

// A kms_client that answers from a fake_domain, or with the error a test gives it, and records use reports.
class fake_kms_client final : public kms_client {
public:
    fake_kms_client(const fake_domain& domain, std::string user) : domain_(domain), user_(std::move(user)) {}

    std::vector<std::string> calls;
    std::map<std::string, support::error> errors;      // by step: init, keyprov, certcache, report
    std::optional<kms_interface::kms_key_set> key_set; // instead of a fresh one
    kms_interface::kms_cert_cache cache;
    struct report {
        std::string external_kms_uri;
        std::string peer_uri;
        std::chrono::system_clock::time_point used_at;
    };
    std::vector<report> reports;

    support::result<kms_interface::kms_certificate> init() override {
        calls.push_back("init");
        if (auto e = errors.find("init"); e != errors.end()) {
            return e->second;
        }
        return domain_.certificate;
    }
    support::result<kms_interface::kms_key_set> keyprov(std::optional<std::chrono::system_clock::time_point>) override {
        calls.push_back("keyprov");
        if (auto e = errors.find("keyprov"); e != errors.end()) {
            return e->second;
        }
        return key_set ? *key_set : domain_.key_set(user_);
    }
    support::result<kms_interface::kms_cert_cache> certcache(std::optional<std::int64_t>) override {
        calls.push_back("certcache");
        if (auto e = errors.find("certcache"); e != errors.end()) {
            return e->second;
        }
        return cache;
    }
    support::result<void> report_use(std::string_view external_kms_uri, std::string_view peer_uri,
                                     std::chrono::system_clock::time_point used_at) override {
        calls.push_back("report");
        if (auto e = errors.find("report"); e != errors.end()) {
            return e->second;
        }
        reports.push_back({std::string(external_kms_uri), std::string(peer_uri), used_at});
        return {};
    }

private:
    const fake_domain& domain_;
    std::string user_;
};

} // namespace mcprov::kmc::testing
