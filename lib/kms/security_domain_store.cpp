#include "mcprov/kms/security_domain_store.hpp"

#include <algorithm>
#include <atomic>

#include <boost/json.hpp>

#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::kms {
namespace {

namespace json = boost::json;
using support::errc;
using support::make_error;
using support::result;

constexpr std::string_view domain_auid = "org.mcprov.kms.domain";
constexpr std::string_view domain_xui = "domain";
constexpr std::string_view secrets_name = "master-secrets.json";
constexpr std::string_view external_name = "external-domains.json";
constexpr std::string_view member_auid = "org.mcprov.kms.member";
constexpr std::string_view member_name = "member";
constexpr std::string_view use_auid = "org.mcprov.kms.use-report";
constexpr std::size_t max_field = 1024;
constexpr int max_attempts = 8;

store::document_key domain_key(std::string_view name) {
    return {std::string(domain_auid), std::string(domain_xui), std::string(name)};
}

bool printable(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

result<void> check_field(std::string_view what, std::string_view value) {
    if (value.empty() || value.size() > max_field || !printable(value)) {
        return make_error(errc::invalid_argument,
                          std::string(what) + " must be 1 to 1024 printable ASCII characters without spaces");
    }
    return {};
}

std::string text_of(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<std::chrono::system_clock::time_point> time_of(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? support::parse_utc(std::string_view(v->get_string())) : std::nullopt;
}

// The external-domains document: {"cache_number": n, "domains": [{kms_uri, certificate, revoked, ...}]}.
struct external_document {
    external_domain_list cache;
    std::optional<std::string> etag;
};

result<external_document> read_external(const store::document_store& documents) {
    auto doc = documents.get(domain_key(external_name));
    external_document out;
    if (!doc) {
        if (doc.err().code == errc::not_found) {
            return out;
        }
        return std::move(doc).err();
    }
    out.etag = doc->etag;
    boost::system::error_code ec;
    auto value = json::parse(doc->content, ec);
    if (ec || !value.is_object()) {
        return make_error(errc::io, "the stored external domains are not a JSON object");
    }
    const auto& o = value.get_object();
    if (const auto* n = o.if_contains("cache_number"); n && n->is_int64()) {
        out.cache.cache_number = n->get_int64();
    }
    if (const auto* list = o.if_contains("domains"); list && list->is_array()) {
        for (const auto& item : list->get_array()) {
            if (!item.is_object()) {
                continue;
            }
            const auto& d = item.get_object();
            external_domain e;
            e.kms_uri = text_of(d, "kms_uri");
            e.certificate_xml = text_of(d, "certificate");
            const auto* revoked = d.if_contains("revoked");
            e.revoked = revoked && revoked->is_bool() && revoked->get_bool();
            e.revoked_at = time_of(d, "revoked_at");
            e.revocation_reason = text_of(d, "revocation_reason");
            out.cache.domains.push_back(std::move(e));
        }
    }
    return out;
}

std::string encode_external(const external_domain_list& cache) {
    json::array list;
    for (const auto& e : cache.domains) {
        json::object d;
        d["kms_uri"] = e.kms_uri;
        d["certificate"] = e.certificate_xml;
        d["revoked"] = e.revoked;
        if (e.revoked_at) {
            d["revoked_at"] = support::format_utc(*e.revoked_at);
        }
        if (!e.revocation_reason.empty()) {
            d["revocation_reason"] = e.revocation_reason;
        }
        list.push_back(std::move(d));
    }
    json::object o;
    o["cache_number"] = cache.cache_number;
    o["domains"] = std::move(list);
    return json::serialize(o);
}

// Applies `change` to the external domains and stores the result with the next cache number, retrying when another
// writer got there first.
template <class Change> result<void> update_external(store::document_store& documents, Change change) {
    for (int attempt = 0; attempt < max_attempts; ++attempt) {
        auto current = read_external(documents);
        if (!current) {
            return std::move(current).err();
        }
        if (auto changed = change(current->cache.domains); !changed) {
            return changed;
        }
        ++current->cache.cache_number;
        store::write_condition condition;
        if (current->etag) {
            condition.if_match = current->etag;
        } else {
            condition.if_none_match = "*";
        }
        auto put = documents.put(domain_key(external_name), encode_external(current->cache), condition);
        if (put) {
            return {};
        }
        if (put.err().code != errc::precondition_failed) {
            return std::move(put).err();
        }
    }
    return make_error(errc::conflict, "the external domains kept changing under this update; try again");
}

std::string next_report_name(std::chrono::system_clock::time_point at) {
    static std::atomic<std::uint64_t> sequence{0};
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
    char name[64];
    std::snprintf(name, sizeof name, "%020lld-%08llx.json", static_cast<long long>(micros),
                  static_cast<unsigned long long>(sequence++ & 0xffffffff));
    return name;
}

} // namespace

result<std::optional<security_domain_store::sealed_secrets>> security_domain_store::sealed_master_secrets() const {
    auto doc = documents_->get(domain_key(secrets_name));
    if (!doc) {
        if (doc.err().code == errc::not_found) {
            return std::optional<sealed_secrets>();
        }
        return std::move(doc).err();
    }
    return std::optional<sealed_secrets>(sealed_secrets{std::move(doc->content), doc->updated_at});
}

result<void> security_domain_store::store_sealed_master_secrets(const std::string& sealed) {
    store::write_condition only_if_absent;
    only_if_absent.if_none_match = "*";
    auto put = documents_->put(domain_key(secrets_name), sealed, only_if_absent);
    if (!put) {
        if (put.err().code == errc::precondition_failed) {
            return make_error(errc::conflict, "the domain already has master secrets");
        }
        return std::move(put).err();
    }
    return {};
}

result<void> security_domain_store::add_member(std::string_view user_uri) {
    if (auto checked = check_field("a member's URI", user_uri); !checked) {
        return checked;
    }
    auto put = documents_->put({std::string(member_auid), std::string(user_uri), std::string(member_name)}, "{}", {});
    if (!put) {
        return std::move(put).err();
    }
    return {};
}

result<void> security_domain_store::remove_member(std::string_view user_uri) {
    store::write_condition must_exist;
    must_exist.if_match = "*";
    auto removed =
        documents_->remove({std::string(member_auid), std::string(user_uri), std::string(member_name)}, must_exist);
    if (!removed && (removed.err().code == errc::precondition_failed || removed.err().code == errc::not_found)) {
        return make_error(errc::not_found, std::string(user_uri) + " is not a member of this domain");
    }
    return removed;
}

result<bool> security_domain_store::is_member(std::string_view user_uri) const {
    auto doc = documents_->get({std::string(member_auid), std::string(user_uri), std::string(member_name)});
    if (doc) {
        return true;
    }
    if (doc.err().code == errc::not_found) {
        return false;
    }
    return std::move(doc).err();
}

result<std::vector<std::string>> security_domain_store::members() const {
    return documents_->list_users(member_auid);
}

result<void> security_domain_store::permit(std::string_view kms_uri, const std::string& certificate_xml) {
    if (auto checked = check_field("an external KMS URI", kms_uri); !checked) {
        return checked;
    }
    return update_external(*documents_, [&](std::vector<external_domain>& domains) -> result<void> {
        std::erase_if(domains, [&](const external_domain& e) { return e.kms_uri == kms_uri; });
        domains.push_back({std::string(kms_uri), certificate_xml, false, std::nullopt, {}});
        std::sort(domains.begin(), domains.end(),
                  [](const external_domain& a, const external_domain& b) { return a.kms_uri < b.kms_uri; });
        return {};
    });
}

result<void> security_domain_store::withdraw(std::string_view kms_uri) {
    return update_external(*documents_, [&](std::vector<external_domain>& domains) -> result<void> {
        if (std::erase_if(domains, [&](const external_domain& e) { return e.kms_uri == kms_uri; }) == 0) {
            return make_error(errc::not_found, std::string(kms_uri) + " is not a permitted external domain");
        }
        return {};
    });
}

result<void> security_domain_store::revoke(std::string_view kms_uri, std::string_view reason,
                                           std::chrono::system_clock::time_point at) {
    if (reason.size() > max_field) {
        return make_error(errc::invalid_argument, "a revocation reason is at most 1024 characters");
    }
    return update_external(*documents_, [&](std::vector<external_domain>& domains) -> result<void> {
        auto it = std::find_if(domains.begin(), domains.end(),
                               [&](const external_domain& e) { return e.kms_uri == kms_uri; });
        if (it == domains.end()) {
            return make_error(errc::not_found, std::string(kms_uri) + " is not a permitted external domain");
        }
        if (it->revoked) {
            return make_error(errc::conflict, std::string(kms_uri) + " is already revoked");
        }
        it->revoked = true;
        it->revoked_at = at;
        it->revocation_reason = std::string(reason);
        return {};
    });
}

result<external_domain_list> security_domain_store::external_domains() const {
    auto doc = read_external(*documents_);
    if (!doc) {
        return std::move(doc).err();
    }
    return std::move(doc->cache);
}

result<void> security_domain_store::record_use(const external_domain_use& use) {
    for (auto [what, value] : {std::pair<std::string_view, std::string_view>{"the reporter", use.reporter},
                               {"the external KMS URI", use.external_kms_uri},
                               {"the peer's URI", use.peer_uri}}) {
        if (auto checked = check_field(what, value); !checked) {
            return checked;
        }
    }
    json::object o;
    o["reporter"] = use.reporter;
    o["external_kms_uri"] = use.external_kms_uri;
    o["peer_uri"] = use.peer_uri;
    o["used_at"] = support::format_utc(use.used_at);
    o["received_at"] = support::format_utc(use.received_at);
    o["permitted"] = use.permitted;
    o["revoked"] = use.revoked;
    auto put = documents_->put({std::string(use_auid), use.reporter, next_report_name(use.received_at)},
                               json::serialize(o), {});
    if (!put) {
        return std::move(put).err();
    }
    return {};
}

result<std::vector<external_domain_use>>
security_domain_store::uses(std::optional<std::string_view> reporter) const {
    // One query, content included, whether for one reporter or all.
    std::vector<store::user_document> reports;
    if (reporter) {
        auto listed = documents_->list_documents(use_auid, *reporter);
        if (!listed) {
            return std::move(listed).err();
        }
        for (auto& d : *listed) {
            reports.push_back({std::string(*reporter), std::move(d.name), std::move(d.document)});
        }
    } else {
        auto listed = documents_->list_all(use_auid);
        if (!listed) {
            return std::move(listed).err();
        }
        reports = std::move(listed).value();
    }
    std::vector<external_domain_use> out;
    for (const auto& report : reports) {
        boost::system::error_code ec;
        auto value = json::parse(report.document.content, ec);
        if (ec || !value.is_object()) {
            return make_error(errc::io, "a stored use report of " + report.xui + " is not a JSON object");
        }
        const auto& o = value.get_object();
        external_domain_use use;
        use.reporter = report.xui;
        use.external_kms_uri = text_of(o, "external_kms_uri");
        use.peer_uri = text_of(o, "peer_uri");
        use.used_at = time_of(o, "used_at").value_or(std::chrono::system_clock::time_point{});
        use.received_at = time_of(o, "received_at").value_or(std::chrono::system_clock::time_point{});
        const auto* permitted = o.if_contains("permitted");
        use.permitted = permitted && permitted->is_bool() && permitted->get_bool();
        const auto* revoked = o.if_contains("revoked");
        use.revoked = revoked && revoked->is_bool() && revoked->get_bool();
        out.push_back(std::move(use));
    }
    std::stable_sort(out.begin(), out.end(), [](const external_domain_use& a, const external_domain_use& b) {
        return a.received_at < b.received_at;
    });
    return out;
}

} // namespace mcprov::kms
