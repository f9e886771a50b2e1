#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/store/document_store.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::kms {

// An external security domain this domain permits: its KMS certificate as the domain administrator imported it.
struct external_domain {
    std::string kms_uri;
    std::string certificate_xml; // a KmsCertificate document (TS 33.180 D.3.2), Role External once served
    bool revoked = false;
    std::optional<std::chrono::system_clock::time_point> revoked_at;
    std::string revocation_reason;
};

// The permitted external domains, and a number that changes whenever that set or a revocation changes: what
// certcache serves.
struct external_domain_list {
    std::int64_t cache_number = 0;
    std::vector<external_domain> domains;
};

// A client's report that it used an external security domain (seed 002, 7.2.X.3.4).
struct external_domain_use {
    std::string reporter;         // the reporting user's URI (from its access token, never from the report body)
    std::string external_kms_uri; // the domain it used
    std::string peer_uri;         // with whom
    std::chrono::system_clock::time_point used_at;
    std::chrono::system_clock::time_point received_at;
    bool permitted = false; // whether this domain's policy permitted that domain when the report arrived
    bool revoked = false;   // whether its certificate was revoked then
};

// A security domain's state in the store: the sealed master secrets, the members, the permitted external domains and
// the use reports. Every change is one transaction. Thread-safe.
class security_domain_store {
public:
    explicit security_domain_store(std::shared_ptr<store::document_store> documents)
        : documents_(std::move(documents)) {}

    struct sealed_secrets {
        std::string sealed; // what master_secret_vault::seal wrote
        std::chrono::system_clock::time_point created_at;
    };
    // The sealed master secrets, if the domain has any yet.
    support::result<std::optional<sealed_secrets>> sealed_master_secrets() const;
    // Stores them only when there are none: conflict otherwise, so that two processes starting at once cannot
    // give a domain two sets of keys.
    support::result<void> store_sealed_master_secrets(const std::string& sealed);

    support::result<void> add_member(std::string_view user_uri);
    // not_found when the user is not a member.
    support::result<void> remove_member(std::string_view user_uri);
    support::result<bool> is_member(std::string_view user_uri) const;
    support::result<std::vector<std::string>> members() const;

    // Adds or replaces a permitted external domain (not revoked). invalid_argument when it is this domain itself is
    // the caller's check.
    support::result<void> permit(std::string_view kms_uri, const std::string& certificate_xml);
    // not_found when the domain is not permitted.
    support::result<void> withdraw(std::string_view kms_uri);
    // Marks a permitted domain's certificate revoked; not_found when it is not permitted, conflict when it already
    // is revoked.
    support::result<void> revoke(std::string_view kms_uri, std::string_view reason,
                                 std::chrono::system_clock::time_point at);
    support::result<external_domain_list> external_domains() const;

    // Limits: the reporter and URIs are at most 1024 octets of printable ASCII (invalid_argument otherwise).
    support::result<void> record_use(const external_domain_use& use);
    // Every report, oldest first; only those of one reporter when `reporter` is set.
    support::result<std::vector<external_domain_use>> uses(std::optional<std::string_view> reporter = {}) const;

private:
    std::shared_ptr<store::document_store> documents_;
};

} // namespace mcprov::kms
