#pragma once

// A security domain on an in-memory store that a test can break, a manual clock, and an access token verifier that
// knows a few fixed tokens: what the KMS's procedure and handler tests share.

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "mcprov/http/tls.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/kms/master_secret_vault.hpp"
#include "mcprov/kms/security_domain.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/xml/signature.hpp"

namespace mcprov::kms::testing {

inline const std::string police = "kms.police.example.org";
inline const std::string alice = "sip:alice@police.example.org";    // a member
inline const std::string mallory = "sip:mallory@rogue.example.org"; // not a member
inline const std::string user_scope = "3gpp:mc:key_management_service";

inline std::chrono::system_clock::time_point test_start() {
    return support::parse_utc("2026-11-29T12:00:00Z").value();
}

// The memory store, or, when told, one whose every call fails with an io error (naming a file no client may see) or
// throws.
class breakable_store final : public store::document_store {
public:
    enum class mode { works, fails, throws };

    explicit breakable_store(std::shared_ptr<support::clock> clock)
        : inner_(store::create_memory_document_store(std::move(clock))) {}

    void set(mode m) { mode_ = m; }

    support::result<store::stored_document> get(const store::document_key& key) const override {
        return check<store::stored_document>([&] { return inner_->get(key); });
    }
    support::result<store::put_outcome> put(const store::document_key& key, std::string_view content,
                                            const store::write_condition& condition) override {
        return check<store::put_outcome>([&] { return inner_->put(key, content, condition); });
    }
    support::result<void> remove(const store::document_key& key, const store::write_condition& condition) override {
        return check<void>([&] { return inner_->remove(key, condition); });
    }
    support::result<std::vector<std::string>> list(std::string_view auid, std::string_view xui) const override {
        return check<std::vector<std::string>>([&] { return inner_->list(auid, xui); });
    }
    support::result<std::vector<std::string>> list_users(std::string_view auid) const override {
        return check<std::vector<std::string>>([&] { return inner_->list_users(auid); });
    }
    support::result<void> write_all(const std::vector<store::document_write>& writes) override {
        return check<void>([&] { return inner_->write_all(writes); });
    }
    support::result<void> transact(const store::unit_of_work& work) override {
        return check<void>([&] { return inner_->transact(work); });
    }
    support::result<std::vector<store::named_document>> list_documents(std::string_view auid,
                                                                       std::string_view xui) const override {
        return check<std::vector<store::named_document>>([&] { return inner_->list_documents(auid, xui); });
    }
    support::result<std::vector<store::user_document>> list_all(std::string_view auid) const override {
        return check<std::vector<store::user_document>>([&] { return inner_->list_all(auid); });
    }
    support::result<bool> try_acquire_lease(std::string_view name, std::string_view holder,
                                            std::chrono::milliseconds ttl) override {
        return check<bool>([&] { return inner_->try_acquire_lease(name, holder, ttl); });
    }
    support::result<bool> release_lease(std::string_view name, std::string_view holder) override {
        return check<bool>([&] { return inner_->release_lease(name, holder); });
    }
    std::int64_t schema_version() const override { return inner_->schema_version(); }

    static constexpr const char* failure_text = "disk I/O error in /var/lib/mcprov/police-kms.db";

private:
    template <class T, class F> support::result<T> check(F call) const {
        if (mode_ == mode::throws) {
            throw std::runtime_error("the store threw");
        }
        if (mode_ == mode::fails) {
            return support::make_error(support::errc::io, failure_text);
        }
        return call();
    }

    std::unique_ptr<store::document_store> inner_;
    std::atomic<mode> mode_{mode::works};
};

// Tokens: "alice" (a member, user scope), "alice-openid" (alice without the user scope), "mallory" (user scope, not
// a member), "admin" (admin scope), "lookup" (lookup scope); any other token is refused as expired.
class fixed_tokens final : public identity::access_token_verifier {
public:
    support::result<identity::access_token> verify(std::string_view compact) const override {
        identity::access_token t;
        if (compact == "alice") {
            t.mc_id = alice;
            t.scopes = {user_scope};
        } else if (compact == "alice-openid") {
            t.mc_id = alice;
            t.scopes = {"openid"};
        } else if (compact == "mallory") {
            t.mc_id = mallory;
            t.scopes = {user_scope};
        } else if (compact == "admin") {
            t.mc_id = "sip:admin@police.example.org";
            t.scopes = {"mcprov:kms:admin"};
        } else if (compact == "lookup") {
            t.mc_id = "sip:lookup@example.org";
            t.scopes = {"mcprov:kms:lookup"};
        } else {
            return support::make_error(support::errc::unauthenticated, "the access token has expired");
        }
        return t;
    }
};

// The certificate and key that sign the KMS's responses, and the CA that issued them; made once.
struct signing_material {
    std::string ca_pem;
    xml::signing_key key;
};

inline const signing_material& signing() {
    static const signing_material m = [] {
        auto ca = http::create_certificate_authority("kms test CA", std::chrono::hours(24)).value();
        auto leaf = http::issue_certificate(ca, "kms.police.example.org", {"kms.police.example.org"}, {},
                                            http::certificate_usage::server, std::chrono::hours(24))
                        .value();
        return signing_material{ca.certificate_pem, {leaf.private_key_pem, leaf.certificate_pem}};
    }();
    return m;
}

inline std::shared_ptr<security_domain> open_domain(const std::string& kms_uri,
                                                    std::shared_ptr<store::document_store> documents,
                                                    std::shared_ptr<support::clock> clock) {
    domain_config config;
    config.kms_uri = kms_uri;
    config.issuer = kms_uri;
    config.user_key_period = std::chrono::seconds(3600);
    auto vault = master_secret_vault::from_key(std::string(master_secret_vault::key_size, 'k')).value();
    auto domain = security_domain::open(config, std::make_shared<security_domain_store>(std::move(documents)),
                                        std::move(vault), std::move(clock));
    EXPECT_TRUE(domain) << domain.err().message;
    return domain ? std::move(domain).value() : nullptr;
}

// The police domain with alice as its member.
class kms_domain_fixture : public ::testing::Test {
protected:
    void SetUp() override {
        clock_ = std::make_shared<support::manual_clock>(test_start());
        documents_ = std::make_shared<breakable_store>(clock_);
        domain_ = open_domain(police, documents_, clock_);
        ASSERT_TRUE(domain_);
        ASSERT_TRUE(domain_->store().add_member(alice));
    }

    // Another domain's certificate, as its administrator exports it.
    std::string external_certificate(const std::string& kms_uri) {
        auto other = open_domain(kms_uri, store::create_memory_document_store(clock_), clock_);
        return kms_interface::encode_kms_certificate(other->certificate()).value();
    }

    std::shared_ptr<support::manual_clock> clock_;
    std::shared_ptr<breakable_store> documents_;
    std::shared_ptr<security_domain> domain_;
};

} // namespace mcprov::kms::testing
