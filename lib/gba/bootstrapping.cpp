#include "mcprov/gba/bootstrapping.hpp"

#include <boost/json.hpp>

#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/xml/document.hpp"
#include "mcprov/xml/writer.hpp"

namespace mcprov::gba {
namespace {

namespace json = boost::json;
using support::errc;
using support::make_error;
using support::result;

constexpr std::size_t max_btid_bytes = 512;
constexpr std::size_t max_naf_id_bytes = 260; // an FQDN (255) and five octets

result<json::object> object_of(std::string_view text, std::string_view what) {
    if (text.size() > max_zn_bytes)
        return make_error(errc::invalid_argument, std::string(what) + " is over " + std::to_string(max_zn_bytes) +
                                                      " bytes");
    boost::system::error_code ec;
    json::parse_options options;
    options.max_depth = 4;
    auto v = json::parse(text, ec, {}, options);
    if (ec || !v.is_object())
        return make_error(errc::invalid_argument, std::string(what) + " is not a JSON object");
    return std::move(v.as_object());
}

std::optional<std::string> string_at(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_string())
        return std::nullopt;
    return std::string(v->as_string());
}

} // namespace

std::string format_bootstrapping_info(const bootstrapping_info& info) {
    xml::writer w;
    w.start_in(bootstrapping_info_namespace, "BootstrappingInfo")
        .leaf("btid", info.btid)
        .leaf("lifetime", support::format_utc(info.lifetime))
        .end();
    return w.finish().value();
}

result<bootstrapping_info> parse_bootstrapping_info(std::string_view text) {
    auto doc = xml::parse(text, {.max_bytes = 8 * 1024, .max_depth = 4});
    if (!doc)
        return std::move(doc).err();
    const auto root = doc->root();
    if (!root.is(bootstrapping_info_namespace, "BootstrappingInfo"))
        return make_error(errc::invalid_argument, "not a BootstrappingInfo document of uri:3gpp-gba");
    const auto btid = root.first_child(bootstrapping_info_namespace, "btid");
    const auto lifetime = root.first_child(bootstrapping_info_namespace, "lifetime");
    if (!btid || !lifetime)
        return make_error(errc::invalid_argument, "BootstrappingInfo needs btid and lifetime");
    const auto when = support::parse_utc(lifetime.trimmed_text());
    const auto id = btid.trimmed_text();
    if (!when)
        return make_error(errc::invalid_argument, "BootstrappingInfo: lifetime is not a UTC date and time");
    if (id.empty() || id.size() > max_btid_bytes || id.find('@') == std::string::npos)
        return make_error(errc::invalid_argument, "BootstrappingInfo: btid is not <base64 RAND>@<BSF name>");
    return bootstrapping_info{.btid = id, .lifetime = *when};
}

std::string format_zn_request(const zn_request& r) {
    return json::serialize(json::object{{"btid", r.btid}, {"naf_id", support::base64_encode(r.naf_id)}});
}

result<zn_request> parse_zn_request(std::string_view text) {
    auto o = object_of(text, "the Zn request");
    if (!o)
        return std::move(o).err();
    const auto btid = string_at(*o, "btid");
    const auto naf_id = string_at(*o, "naf_id");
    if (!btid || btid->empty() || btid->size() > max_btid_bytes)
        return make_error(errc::invalid_argument, "btid is required (at most " + std::to_string(max_btid_bytes) +
                                                      " bytes)");
    const auto raw = naf_id ? support::base64_decode(*naf_id) : std::nullopt;
    if (!raw || raw->size() < 6 || raw->size() > max_naf_id_bytes)
        return make_error(errc::invalid_argument, "naf_id is required: base64 of the NAF's FQDN and its five-octet "
                                                  "Ua security protocol identifier");
    return zn_request{.btid = *btid, .naf_id = *raw};
}

std::string format_zn_answer(const zn_answer& a) {
    return json::serialize(json::object{{"impi", a.impi},
                                        {"ks_naf", support::base64_encode(a.ks_naf)},
                                        {"bootstrap_time", support::format_utc(a.bootstrap_time)},
                                        {"key_lifetime", support::format_utc(a.key_lifetime)},
                                        {"authentication", a.authentication}});
}

result<zn_answer> parse_zn_answer(std::string_view text) {
    auto o = object_of(text, "the Zn answer");
    if (!o)
        return std::move(o).err();
    const auto impi = string_at(*o, "impi");
    const auto ks = string_at(*o, "ks_naf");
    const auto raw_ks = ks ? support::base64_decode(*ks) : std::nullopt;
    const auto bootstrap_time = support::parse_utc(string_at(*o, "bootstrap_time").value_or(""));
    const auto key_lifetime = support::parse_utc(string_at(*o, "key_lifetime").value_or(""));
    if (!impi || impi->empty() || !raw_ks || raw_ks->size() != 32 || !bootstrap_time || !key_lifetime)
        return make_error(errc::invalid_argument,
                          "the Zn answer needs impi, ks_naf (32 octets, base64), bootstrap_time and key_lifetime");
    return zn_answer{.impi = *impi,
                     .ks_naf = *raw_ks,
                     .bootstrap_time = *bootstrap_time,
                     .key_lifetime = *key_lifetime,
                     .authentication = string_at(*o, "authentication").value_or("")};
}

} // namespace mcprov::gba
