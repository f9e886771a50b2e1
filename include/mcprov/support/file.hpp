#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "mcprov/support/result.hpp"

namespace mcprov::support {

// Reads a whole file, refusing one larger than max_bytes.
result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes = 16 * 1024 * 1024);

// Reads a file that holds a secret (a private key, a master key), refusing one larger than max_bytes, one that is
// not a regular file, and one whose permissions let anyone but its owner read, write or run it: the error names the
// file, says who may read it with its mode (e.g. "readable by others (mode 0644)") and how to fix it
// ("chmod 600 FILE"). The mode is checked on the descriptor the content is read from, so a file swapped in between
// cannot slip through.
result<std::string> read_secret_file(const std::filesystem::path& path, std::size_t max_bytes = 64 * 1024);

// Writes a file atomically (temporary file, fsync, rename), with the given permission bits.
result<void> write_file(const std::filesystem::path& path, const std::string& content,
                        std::filesystem::perms perms = std::filesystem::perms::owner_read |
                                                       std::filesystem::perms::owner_write);

} // namespace mcprov::support
