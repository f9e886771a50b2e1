#include "mcprov/bsf/bootstrapping_info_request.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "mcprov/bsf/bootstrapping_procedure.hpp"
#include "mcprov/gba/key_derivation.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/json.hpp"
#include "mcprov/support/log.hpp"

namespace mcprov::bsf {
namespace {

namespace json = boost::json;
using support::errc;
using support::make_error;
using support::result;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

} // namespace

bootstrapping_info_request::bootstrapping_info_request(std::vector<std::string> nafs,
                                                       std::shared_ptr<const store::document_store> documents,
                                                       std::shared_ptr<support::clock> clock)
    : nafs_(std::move(nafs)), documents_(std::move(documents)), clock_(std::move(clock)) {
    for (auto& naf : nafs_)
        naf = lower(naf);
}

result<gba::zn_answer> bootstrapping_info_request::run(const gba::zn_request& request,
                                                       std::string_view naf_certificate_pem) const {
    if (request.naf_id.size() <= 5)
        return make_error(errc::invalid_argument, "a NAF_Id is the NAF's FQDN and five octets");
    const std::string fqdn = lower(request.naf_id.substr(0, request.naf_id.size() - 5));
    if (std::find(nafs_.begin(), nafs_.end(), fqdn) == nafs_.end())
        return make_error(errc::forbidden, "\"" + fqdn + "\" is not a NAF of this BSF (zn.nafs)");
    if (auto named = http::certificate_names(naf_certificate_pem, fqdn); !named)
        return make_error(errc::forbidden, "the client certificate is not that of \"" + fqdn + "\"");
    const auto at = request.btid.rfind('@');
    const auto rand = at == std::string::npos ? std::nullopt : support::base64_decode(request.btid.substr(0, at));
    if (!rand || rand->size() != 16)
        return make_error(errc::not_found, "unknown B-TID");
    auto stored = documents_->get(session_key(*rand));
    if (!stored) {
        if (stored.err().code == errc::not_found)
            return make_error(errc::not_found, "unknown B-TID: the device must bootstrap again");
        return std::move(stored).err();
    }
    boost::system::error_code ec;
    const auto v = json::parse(stored->content, ec);
    if (ec || !v.is_object())
        return make_error(errc::internal, "a stored bootstrapping session does not read");
    const auto& session = v.as_object();
    const auto created = support::parse_utc(support::json_text(session, "created"));
    const auto expires = support::parse_utc(support::json_text(session, "expires"));
    const auto ks = support::hex_decode(support::json_text(session, "ks"));
    const auto impi = support::json_text(session, "impi");
    if (support::json_text(session, "btid") != request.btid)
        return make_error(errc::not_found, "unknown B-TID");
    if (!created || !expires || !ks)
        return make_error(errc::internal, "a stored bootstrapping session does not read");
    if (clock_->now() >= *expires)
        return make_error(errc::not_found, "the key of this B-TID expired at " + support::format_utc(*expires) +
                                               ": the device must bootstrap again");
    support::logger("bsf")->info("{}: Ks_NAF of B-TID {} for NAF {}", impi, request.btid, fqdn);
    return gba::zn_answer{.impi = impi,
                          .ks_naf = gba::ks_naf(*ks, *rand, impi, request.naf_id),
                          .bootstrap_time = *created,
                          .key_lifetime = *expires,
                          .authentication = "3GPP AKA (GBA_ME, USIM)"};
}

} // namespace mcprov::bsf
