#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "mcprov/support/result.hpp"

namespace mcprov::support {

// Reads a whole file, refusing one larger than max_bytes.
result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes = 16 * 1024 * 1024);

// Writes a file atomically (temporary file, fsync, rename), with the given permission bits.
result<void> write_file(const std::filesystem::path& path, const std::string& content,
                        std::filesystem::perms perms = std::filesystem::perms::owner_read |
                                                       std::filesystem::perms::owner_write);

} // namespace mcprov::support
