#include "mcprov/gba/dm_proof.hpp"

#include <map>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mcprov/support/encoding.hpp"

namespace mcprov::gba {
namespace {

using support::errc;
using support::make_error;
using support::result;

// "a=b&c=d" with each name once; values are base64 or words, so no escaping is needed.
result<std::map<std::string, std::string>> fields_of(std::string_view text, std::string_view what) {
    if (text.size() > 2048)
        return make_error(errc::invalid_argument, std::string(what) + " is over 2048 bytes");
    std::map<std::string, std::string> out;
    while (!text.empty()) {
        const auto amp = text.find('&');
        const auto pair = text.substr(0, amp);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos || eq == 0)
            return make_error(errc::invalid_argument, std::string(what) + ": a field without a name or '='");
        if (!out.emplace(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1))).second)
            return make_error(errc::invalid_argument, std::string(what) + ": a field is given twice");
        text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    }
    return out;
}

std::optional<authentication_level> level_from(std::string_view s) {
    if (s == "subscriber")
        return authentication_level::subscriber;
    if (s == "user")
        return authentication_level::user;
    return std::nullopt;
}

std::optional<user_answer> answer_from(std::string_view s) {
    if (s == "none")
        return user_answer::none;
    if (s == "yes")
        return user_answer::yes;
    if (s == "no")
        return user_answer::no;
    return std::nullopt;
}

} // namespace

std::string_view to_string(authentication_level level) {
    return level == authentication_level::user ? "user" : "subscriber";
}

std::string_view to_string(user_answer answer) {
    switch (answer) {
    case user_answer::yes:
        return "yes";
    case user_answer::no:
        return "no";
    case user_answer::none:
        break;
    }
    return "none";
}

std::string format_dm_authentication_request(const dm_authentication_request& r) {
    return "level=" + std::string(to_string(r.level)) + "&nonce=" + support::base64_encode(r.nonce);
}

result<dm_authentication_request> parse_dm_authentication_request(std::string_view text) {
    auto f = fields_of(text, "the authentication request");
    if (!f)
        return std::move(f).err();
    const auto level = level_from((*f)["level"]);
    const auto nonce = support::base64_decode((*f)["nonce"]);
    if (!level || !nonce || nonce->size() < 16 || nonce->size() > 64)
        return make_error(errc::invalid_argument,
                          "the authentication request is level=<subscriber|user>&nonce=<base64, 16 to 64 octets>");
    return dm_authentication_request{.level = *level, .nonce = *nonce};
}

std::string format_dm_proof(const dm_proof& p) {
    return "btid=" + p.btid + "&level=" + std::string(to_string(p.level)) +
           "&nonce=" + support::base64_encode(p.nonce) +
           "&confirmation=" + support::base64_encode(p.confirmation_sha256) +
           "&answer=" + std::string(to_string(p.answer)) + "&mac=" + support::base64_encode(p.mac);
}

result<dm_proof> parse_dm_proof(std::string_view text) {
    auto f = fields_of(text, "the proof");
    if (!f)
        return std::move(f).err();
    const auto level = level_from((*f)["level"]);
    const auto answer = answer_from((*f)["answer"]);
    const auto nonce = support::base64_decode((*f)["nonce"]);
    const auto confirmation = support::base64_decode((*f)["confirmation"]);
    const auto mac = support::base64_decode((*f)["mac"]);
    const auto& btid = (*f)["btid"];
    if (!level || !answer || !nonce || !confirmation || !mac || mac->size() != 32 || btid.empty() ||
        btid.size() > 512 || btid.find('@') == std::string::npos ||
        (!confirmation->empty() && confirmation->size() != 32))
        return make_error(errc::invalid_argument, "the proof is btid=...&level=...&nonce=...&confirmation=..."
                                                  "&answer=yes|no|none&mac=<base64 of 32 octets>");
    return dm_proof{.btid = btid,
                    .level = *level,
                    .nonce = *nonce,
                    .confirmation_sha256 = *confirmation,
                    .answer = *answer,
                    .mac = *mac};
}

std::string dm_proof_mac(std::string_view ks_naf, std::string_view device_id, std::string_view server_id,
                         const dm_proof& p) {
    const std::string text = "mcprov-dm-proof-1\n" + std::string(device_id) + "\n" + std::string(server_id) + "\n" +
                             p.btid + "\n" + std::string(to_string(p.level)) + "\n" +
                             support::base64_encode(p.nonce) + "\n" + support::base64_encode(p.confirmation_sha256) +
                             "\n" + std::string(to_string(p.answer));
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), ks_naf.data(), static_cast<int>(ks_naf.size()),
         reinterpret_cast<const unsigned char*>(text.data()), text.size(), out, &size);
    return std::string(reinterpret_cast<const char*>(out), size);
}

} // namespace mcprov::gba
