// The request URLs of TS 33.180 D.2.1, and the schema the documents are validated against.
#include "annex_d.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::kms_interface {

support::result<std::shared_ptr<const xml::schema>> kms_interface_schema() {
    return xml::load_embedded_schema(kms_interface_schema_path);
}

std::string keyprov_path(std::string_view uri) {
    std::string out(kms_path_keyprov);
    out += '/';
    out += support::percent_encode(uri);
    return out;
}

std::string keyprov_path(std::string_view uri, std::uint64_t ntp_time) {
    std::string out = keyprov_path(uri);
    std::string octets(8, '\0');
    for (int i = 7; i >= 0; --i) {
        octets[static_cast<std::size_t>(i)] = static_cast<char>(ntp_time & 0xFF);
        ntp_time >>= 8;
    }
    out += '/';
    out += detail::upper_hex(octets);
    return out;
}

std::string certcache_path(std::int64_t cache_num) {
    std::string out(kms_path_certcache);
    out += '/';
    out += std::to_string(cache_num);
    return out;
}

} // namespace mcprov::kms_interface
