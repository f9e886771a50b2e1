#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "mcprov/cms/mc_service_user_database.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::cms {

struct rejected_file {
    std::filesystem::path path;
    std::string reason;
};

struct import_report {
    std::size_t created = 0;
    std::size_t replaced = 0;
    std::vector<rejected_file> rejected;
};

// Called after each file: (files done, files in all).
using import_progress = std::function<void(std::size_t, std::size_t)>;

// Imports every document under `dir`, laid out like the XCAP tree: <auid>/users/<MC service ID>/<document>.
// Each document is checked and written on its own (one transaction each): a bad file is reported and skipped,
// never half-written, and does not stop the others. Errors: io when `dir` cannot be read.
support::result<import_report> import_profiles(mc_service_user_database& database, const std::filesystem::path& dir,
                                               const import_progress& progress = {});

} // namespace mcprov::cms
