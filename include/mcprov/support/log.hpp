#pragma once

#include <memory>
#include <string>

#include <spdlog/logger.h>

namespace mcprov::support {

enum class log_format { text, json };

// Sets the level ("trace".."off") and format of every module logger; call once at start-up.
void configure_logging(const std::string& level, log_format format);

// The named logger of one module ("cms", "store", ...), created on first use, writing to stderr.
std::shared_ptr<spdlog::logger> logger(const std::string& module);

} // namespace mcprov::support
