#pragma once

// Text out of sofia-sip's parsed headers, for the modules that speak SIP through its NTA layer (include sofia-sip's
// headers before this one).
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_alloc.h>
#include <sofia-sip/url.h>

#include <string>

namespace mcprov::sip {

// A header's value as it was sent (a Content-Type with its parameters: a multipart's boundary); empty for none.
inline std::string header_text(const sip_header_t* h) {
    if (!h)
        return {};
    su_home_t home[1] = {SU_HOME_INIT(home)};
    char* s = sip_header_as_string(home, h);
    std::string out = s ? s : "";
    su_home_deinit(home);
    return out;
}

// A URI as text; empty for none.
inline std::string url_text(const url_t* url) {
    if (!url)
        return {};
    su_home_t home[1] = {SU_HOME_INIT(home)};
    char* s = url_as_string(home, url);
    std::string out = s ? s : "";
    su_home_deinit(home);
    return out;
}

} // namespace mcprov::sip
