#include "mcprov/migration/agreement.hpp"

#include <algorithm>
#include <cctype>

#include "mcprov/migration/migration_template.hpp"

namespace mcprov::migration {

using support::errc;
using support::make_error;
using support::result;

namespace {

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), text.begin(), [](char p, char t) {
               return std::tolower(static_cast<unsigned char>(t)) == p;
           });
}

bool is_host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

} // namespace

std::string_view host_of(std::string_view id) {
    if (id.size() >= 2 && id.front() == '<' && id.back() == '>') {
        id = id.substr(1, id.size() - 2);
    }
    if (starts_with_nocase(id, "sip:")) {
        id.remove_prefix(4);
    } else if (starts_with_nocase(id, "sips:")) {
        id.remove_prefix(5);
    } else {
        return {};
    }
    // The user part ends at the first '@' (RFC 3261: an '@' in it is escaped). A ';' or '?' before that would
    // start parameters or headers where the user should be: what the host then is depends on who reads it.
    auto at = id.find('@');
    if (at == std::string_view::npos || at == 0 || id.substr(0, at).find_first_of(";?") != std::string_view::npos) {
        return {};
    }
    auto rest = id.substr(at + 1);
    std::string_view host;
    if (!rest.empty() && rest.front() == '[') { // an IPv6 reference
        auto close = rest.find(']');
        if (close == std::string_view::npos || close < 3 ||
            rest.substr(1, close - 1).find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
            return {};
        }
        host = rest.substr(0, close + 1);
    } else {
        auto end = std::find_if_not(rest.begin(), rest.end(), is_host_char);
        host = rest.substr(0, static_cast<std::size_t>(end - rest.begin()));
    }
    if (host.empty()) {
        return {};
    }
    // After the host only a port, parameters or headers may follow (and nothing but digits in the port).
    auto after = rest.substr(host.size());
    if (!after.empty() && after.front() == ':') {
        auto digits = after.substr(1).find_first_not_of("0123456789");
        auto port = after.substr(1, digits);
        if (port.empty() || port.size() > 5) {
            return {};
        }
        after = digits == std::string_view::npos ? std::string_view() : after.substr(1 + digits);
    }
    if (!after.empty() && after.front() != ';' && after.front() != '?') {
        return {};
    }
    return host;
}

bool is_user_of(const partner_agreement& agreement, std::string_view mc_service_id) {
    auto host = host_of(mc_service_id);
    if (host.empty()) {
        return false;
    }
    // Host names are case-insensitive (RFC 4343), and so is the comparison.
    const auto lower = lowercase(host);
    return std::any_of(agreement.user_domains.begin(), agreement.user_domains.end(),
                       [&](const std::string& pattern) { return pattern_matches(lowercase(pattern), lower); });
}

result<agreement_set> agreement_set::create(std::vector<partner_agreement> agreements) {
    for (std::size_t i = 0; i < agreements.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (agreements[i].system == agreements[j].system) {
                return make_error(errc::invalid_argument, "two agreements with " + agreements[i].system);
            }
            if (agreements[i].idms_issuer == agreements[j].idms_issuer) {
                return make_error(errc::invalid_argument,
                                  "the agreements with " + agreements[j].system + " and " + agreements[i].system +
                                      " trust the same identity management server " + agreements[i].idms_issuer);
            }
        }
    }
    agreement_set set;
    set.agreements_ = std::move(agreements);
    return set;
}

const partner_agreement* agreement_set::find_system(std::string_view system) const {
    auto it = std::find_if(agreements_.begin(), agreements_.end(), [&](const auto& a) { return a.system == system; });
    return it == agreements_.end() ? nullptr : &*it;
}

const partner_agreement* agreement_set::find_idms(std::string_view issuer) const {
    auto it =
        std::find_if(agreements_.begin(), agreements_.end(), [&](const auto& a) { return a.idms_issuer == issuer; });
    return it == agreements_.end() ? nullptr : &*it;
}

} // namespace mcprov::migration
