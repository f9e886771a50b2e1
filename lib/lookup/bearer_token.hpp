#pragma once

#include <filesystem>
#include <string>

#include "mcprov/support/file.hpp"

namespace mcprov::lookup {

// The bearer token in `file` (read on every use, so that it can be renewed without a restart), without the line end
// an editor leaves.
inline support::result<std::string> read_bearer_token(const std::filesystem::path& file) {
    auto token = support::read_file(file, 64 * 1024);
    if (token) {
        while (!token->empty() && (token->back() == '\n' || token->back() == '\r' || token->back() == ' ')) {
            token->pop_back();
        }
    }
    return token;
}

} // namespace mcprov::lookup
