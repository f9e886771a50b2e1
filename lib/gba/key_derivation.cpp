#include "mcprov/gba/key_derivation.hpp"

#include <algorithm>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mcprov/support/encoding.hpp"

namespace mcprov::gba {
namespace {

using support::errc;
using support::make_error;
using support::result;

bool digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

std::string kdf(std::string_view key, std::uint8_t fc, std::initializer_list<std::string_view> parameters) {
    std::string s(1, static_cast<char>(fc));
    for (const auto p : parameters) {
        s += p;
        s.push_back(static_cast<char>((p.size() >> 8) & 0xff));
        s.push_back(static_cast<char>(p.size() & 0xff));
    }
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(s.data()),
         s.size(), out, &size);
    return std::string(reinterpret_cast<const char*>(out), size);
}

std::string ks_of(std::string_view ck, std::string_view ik) {
    return std::string(ck) + std::string(ik);
}

std::string ks_naf(std::string_view ks, std::string_view rand, std::string_view impi, std::string_view naf_id) {
    return kdf(ks, 0x01, {"gba-me", rand, impi, naf_id});
}

std::string naf_id(std::string_view naf_fqdn, std::string_view ua_protocol_id) {
    return std::string(naf_fqdn) + std::string(ua_protocol_id);
}

std::string btid(std::string_view rand, std::string_view bsf_server_name) {
    return support::base64_encode(rand) + "@" + std::string(bsf_server_name);
}

result<std::string> impi_of_imsi(std::string_view imsi, unsigned mnc_length) {
    if (!digits(imsi) || imsi.size() < 6 || imsi.size() > 15)
        return make_error(errc::invalid_argument, "an IMSI is 6 to 15 digits");
    if (mnc_length != 2 && mnc_length != 3)
        return make_error(errc::invalid_argument, "an MNC is 2 or 3 digits");
    const std::string mcc(imsi.substr(0, 3));
    std::string mnc(imsi.substr(3, mnc_length));
    if (mnc.size() == 2)
        mnc = "0" + mnc;
    return std::string(imsi) + "@ims.mnc" + mnc + ".mcc" + mcc + ".3gppnetwork.org";
}

result<std::string> imsi_of_impi(std::string_view impi) {
    const auto at = impi.find('@');
    const auto imsi = impi.substr(0, at);
    if (at == std::string_view::npos || !digits(imsi) || imsi.size() < 6 || imsi.size() > 15)
        return make_error(errc::invalid_argument, "the IMPI is not <IMSI>@ims.mnc<MNC>.mcc<MCC>.3gppnetwork.org");
    for (unsigned mnc_length : {2u, 3u}) {
        auto expected = impi_of_imsi(imsi, mnc_length);
        if (expected && *expected == impi)
            return std::string(imsi);
    }
    return make_error(errc::invalid_argument, "the IMPI's realm is not its IMSI's ims.mnc<MNC>.mcc<MCC>.3gppnetwork.org");
}

} // namespace mcprov::gba
