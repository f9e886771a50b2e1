#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

namespace mcprov::support {

enum class log_format { text, json };

// Sets the level ("trace".."off") and format of every module logger; call once at start-up.
void configure_logging(const std::string& level, log_format format);

// The named logger of one module ("cms", "store", ...), created on first use, writing to stderr.
std::shared_ptr<spdlog::logger> logger(const std::string& module);

// Text that came from a peer (a method, a request target, a header value, a certificate subject), made safe for one
// log line: control characters (CR and LF included), DEL, the C1 controls (U+0080..U+009F), bytes that are not part
// of valid UTF-8, and the backslash itself are written as \xNN; valid UTF-8 text is kept as it is. The result never
// contains a byte below 0x20, so a peer cannot start a forged log line.
std::string printable(std::string_view text);
// The same, for at most `max_bytes` bytes of `text`; longer text is cut there (never inside a UTF-8 character) and
// "...(N bytes)" names its whole length.
std::string printable(std::string_view text, std::size_t max_bytes);

} // namespace mcprov::support
