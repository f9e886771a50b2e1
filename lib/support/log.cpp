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
