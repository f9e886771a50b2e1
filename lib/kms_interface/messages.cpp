// KmsMessage (TS 33.180 D.3.1): the content of a KmsResponse that is not an error. KmsInit carries the KMS's own
// certificate, KmsKeyProv the user's key sets, KmsCertCache the certificates of the partner domains.
#include "annex_d.hpp"

namespace mcprov::kms_interface::detail {
namespace {

using message_body = decltype(kms_response::body);

// The depth of KmsInit, KmsKeyProv and KmsCertCache in a SignedKmsResponse: SignedKmsResponse/KmsResponse/KmsMessage.
constexpr std::size_t content_depth = 3;

std::string too_many(const std::string& path, std::size_t count, std::string_view what, std::size_t limit) {
    return path + ": " + std::to_string(count) + " " + std::string(what) + ", more than " + std::to_string(limit);
}

result<void> write_init(xml::writer& w, const kms_init& init, const std::string& path) {
    w.start("KmsInit").attribute("Version", message_version);
    MCPROV_TRY(write_certificate(w, init.certificate, path + "/KmsInit/KmsCertificate"));
    w.end();
    return {};
}

result<void> write_key_prov(xml::writer& w, const kms_key_prov& prov, const std::string& path) {
    w.start("KmsKeyProv").attribute("Version", message_version);
    for (std::size_t i = 0; i < prov.key_sets.size(); ++i) {
        MCPROV_TRY(write_key_set(w, prov.key_sets[i], nth_path(path + "/KmsKeyProv", "KmsKeySet", i + 1)));
    }
    if (prov.key_sets.empty()) {
        end_tag_on_own_line(w, content_depth);
    }
    w.end();
    return {};
}

result<void> write_cert_cache(xml::writer& w, const kms_cert_cache& cache, const std::string& path) {
    w.start("KmsCertCache").attribute("Version", message_version);
    if (cache.cache_num) {
        w.attribute("CacheNum", std::to_string(*cache.cache_num));
    }
    for (std::size_t i = 0; i < cache.certificates.size(); ++i) {
        MCPROV_TRY(
            write_certificate(w, cache.certificates[i], nth_path(path + "/KmsCertCache", "KmsCertificate", i + 1)));
    }
    if (cache.certificates.empty()) {
        end_tag_on_own_line(w, content_depth);
    }
    w.end();
    return {};
}

} // namespace

result<void> check_message(const message_body& body, const std::string& path) {
    if (const auto* prov = std::get_if<kms_key_prov>(&body); prov && prov->key_sets.size() > max_key_sets) {
        return make_error(errc::too_large,
                          too_many(path + "/KmsKeyProv", prov->key_sets.size(), "key sets", max_key_sets));
    }
    if (const auto* cache = std::get_if<kms_cert_cache>(&body);
        cache && cache->certificates.size() > max_certificates) {
        return make_error(errc::too_large, too_many(path + "/KmsCertCache", cache->certificates.size(), "certificates",
                                                    max_certificates));
    }
    return {};
}

result<void> write_message(xml::writer& w, const message_body& body, const std::string& path) {
    w.start("KmsMessage");
    if (const auto* init = std::get_if<kms_init>(&body)) {
        MCPROV_TRY(write_init(w, *init, path));
    } else if (const auto* prov = std::get_if<kms_key_prov>(&body)) {
        MCPROV_TRY(write_key_prov(w, *prov, path));
    } else {
        MCPROV_TRY(write_cert_cache(w, std::get<kms_cert_cache>(body), path));
    }
    w.end();
    return {};
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

namespace {

bool is_certificate(xml::element e) {
    return is_kms(e, "KmsCertificate") || is_kms(e, "SignedKmsCertificate");
}

result<kms_init> read_init(xml::element content, const std::string& path) {
    for (xml::element child : content.children()) {
        if (is_certificate(child)) {
            auto certificate = read_any_certificate(child, child_path(path, child.local_name()));
            if (!certificate) {
                return std::move(certificate).err();
            }
            return kms_init{std::move(*certificate)};
        }
    }
    return make_error(errc::invalid_argument, path + ": no KmsCertificate");
}

result<kms_key_prov> read_key_prov(xml::element content, const std::string& path) {
    const auto sets = content.children(kms_interface_namespace, "KmsKeySet").to_vector();
    if (sets.size() > max_key_sets) {
        return make_error(errc::too_large, too_many(path, sets.size(), "key sets", max_key_sets));
    }
    kms_key_prov prov;
    for (std::size_t i = 0; i < sets.size(); ++i) {
        auto set = read_key_set(sets[i], nth_path(path, "KmsKeySet", i + 1));
        if (!set) {
            return std::move(set).err();
        }
        prov.key_sets.push_back(std::move(*set));
    }
    return prov;
}

result<kms_cert_cache> read_cert_cache(xml::element content, const std::string& path) {
    kms_cert_cache cache;
    if (auto num = content.attribute("CacheNum")) {
        auto value = parse_integer(path + "/@CacheNum", *num);
        if (!value) {
            return std::move(value).err();
        }
        cache.cache_num = *value;
    }
    std::vector<xml::element> certificates;
    for (xml::element child : content.children()) {
        if (is_certificate(child)) {
            certificates.push_back(child);
        }
    }
    if (certificates.size() > max_certificates) {
        return make_error(errc::too_large, too_many(path, certificates.size(), "certificates", max_certificates));
    }
    for (std::size_t i = 0; i < certificates.size(); ++i) {
        auto certificate = read_any_certificate(certificates[i], nth_path(path, certificates[i].local_name(), i + 1));
        if (!certificate) {
            return std::move(certificate).err();
        }
        cache.certificates.push_back(std::move(*certificate));
    }
    return cache;
}

// The content read into `body`: assigned, not returned, as a variant in a result upsets GCC 12's flow analysis.
template <class Content> result<void> assign(message_body& body, result<Content> content) {
    if (!content) {
        return std::move(content).err();
    }
    body = std::move(*content);
    return {};
}

} // namespace

result<void> read_message(xml::element message, const std::string& path, message_body& body) {
    for (xml::element content : message.children()) {
        const std::string content_path = child_path(path, content.local_name());
        if (is_kms(content, "KmsInit")) {
            return assign(body, read_init(content, content_path));
        }
        if (is_kms(content, "KmsKeyProv")) {
            return assign(body, read_key_prov(content, content_path));
        }
        if (is_kms(content, "KmsCertCache")) {
            return assign(body, read_cert_cache(content, content_path));
        }
    }
    return make_error(errc::invalid_argument, path + ": no KmsInit, KmsKeyProv or KmsCertCache");
}

} // namespace mcprov::kms_interface::detail
