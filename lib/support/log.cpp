#include "mcprov/support/log.hpp"

#include <mutex>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace mcprov::support {
namespace {

// %j: the message as the body of a JSON string, so that a log line stays one valid JSON object.
class json_escaped_message final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
        static constexpr char hex[] = "0123456789abcdef";
        for (char c : msg.payload) {
            auto u = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                dest.push_back('\\');
                dest.push_back(c);
            } else if (u < 0x20) {
                const char esc[] = {'\\', 'u', '0', '0', hex[u >> 4], hex[u & 15]};
                dest.append(esc, esc + sizeof esc);
            } else {
                dest.push_back(c);
            }
        }
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<json_escaped_message>(); }
};

std::mutex mutex;
spdlog::level::level_enum current_level = spdlog::level::info;
std::string current_pattern = "%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ [%n] %v";

void apply(spdlog::logger& l) {
    l.set_level(current_level);
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<json_escaped_message>('j').set_pattern(current_pattern);
    l.set_formatter(std::move(formatter));
}

} // namespace

void configure_logging(const std::string& level, log_format format) {
    std::lock_guard lock(mutex);
    current_level = spdlog::level::from_str(level);
    current_pattern = format == log_format::json
                          ? R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","module":"%n","msg":"%j"})"
                          : "%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ [%n] %v";
    spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { apply(*l); });
}

std::shared_ptr<spdlog::logger> logger(const std::string& module) {
    std::lock_guard lock(mutex);
    if (auto existing = spdlog::get(module)) {
        return existing;
    }
    auto created = std::make_shared<spdlog::logger>(module, std::make_shared<spdlog::sinks::stderr_sink_mt>());
    apply(*created);
    spdlog::register_logger(created);
    return created;
}

} // namespace mcprov::support

namespace mcprov::support {
namespace {

// The length of the valid UTF-8 sequence at the start of `s` (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF), or 0 when it does not start with one.
std::size_t utf8_sequence(std::string_view s) {
    auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
    unsigned char c = b(0);
    if (c >= 0xC2 && c <= 0xDF) {
        return cont(1) ? 2 : 0;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (!cont(1) || !cont(2)) {
            return 0;
        }
        if ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) >= 0xA0)) {
            return 0; // overlong, or a UTF-16 surrogate
        }
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3)) {
            return 0;
        }
        if ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) >= 0x90)) {
            return 0; // overlong, or above U+10FFFF
        }
        return 4;
    }
    return 0;
}

void escape_byte(std::string& out, unsigned char c) {
    static constexpr char hex[] = "0123456789abcdef";
    const char esc[] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
    out.append(esc, sizeof esc);
}

} // namespace

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            out.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        if (c >= 0x80) {
            auto n = utf8_sequence(text.substr(i));
            // U+0080..U+009F (C2 80..C2 9F) are controls too: some terminals act on them.
            bool c1_control = n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0;
            if (n > 0 && !c1_control) {
                out.append(text.substr(i, n));
                i += n;
                continue;
            }
        }
        escape_byte(out, c);
        ++i;
    }
    return out;
}

std::string printable(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) {
        return printable(text);
    }
    auto cut = max_bytes;
    // Back off to the start of a character, so that the cut does not turn valid UTF-8 into escapes.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80 && max_bytes - cut < 3) {
        --cut;
    }
    return printable(text.substr(0, cut)) + "...(" + std::to_string(text.size()) + " bytes)";
}

} // namespace mcprov::support
