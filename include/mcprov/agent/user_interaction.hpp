#pragma once

#include <map>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "mcprov/support/result.hpp"

// The user interaction alerts of OMA DM 1.2 (OMA-TS-DM_Protocol-V1_2 clause 10: 1100 display, 1101 confirm or reject,
// 1102 text input, 1103 single choice, 1104 multiple choice), put to the device's user.
namespace mcprov::agent {

struct user_prompt {
    unsigned alert = 0;
    std::string text;
    // The server's options (MINDT, MAXDT, DR, MAXLEN, IT, ET), as sent; unknown ones are kept and ignored.
    std::map<std::string, std::string> options;
    std::vector<std::string> choices; // 1103 and 1104, numbered from 1
};

namespace ui_status {
inline constexpr unsigned ok = 200;        // shown; yes; the text entered; the choices made
inline constexpr unsigned rejected = 304;  // 1101: the user said no
inline constexpr unsigned cancelled = 214; // the user cancelled, or did not answer in time with no default
} // namespace ui_status

struct user_reply {
    unsigned status = ui_status::ok;
    std::vector<std::string> values; // 1102: the text; 1103, 1104: the numbers of the choices made ("1", "3")
};

class user_interaction {
public:
    virtual ~user_interaction() = default;
    virtual user_reply ask(const user_prompt& prompt) = 0;
};

// How a device that runs unattended answers: a confirmation by `confirm` ("yes", "no" or "cancel"), a text input with
// `text`, a choice with the server's default (DR) or else the first.
struct unattended_policy {
    std::string confirm = "no";
    std::string text;
};

// Errors: invalid_argument (confirm is not yes, no or cancel).
support::result<std::unique_ptr<user_interaction>> create_unattended_interaction(unattended_policy policy);

// Asks on a terminal: the prompt on `out`, the answer read from `in` (a line each); end of input is a cancel.
std::unique_ptr<user_interaction> create_terminal_interaction(std::istream& in, std::ostream& out);

// The options string of an alert's first item ("MINDT=10&MAXDT=30&DR=1"), percent-decoded.
std::map<std::string, std::string> parse_alert_options(std::string_view text);

} // namespace mcprov::agent
