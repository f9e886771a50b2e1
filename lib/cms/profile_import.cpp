#include "mcprov/cms/profile_import.hpp"

#include <algorithm>

#include "mcprov/support/file.hpp"

namespace mcprov::cms {

support::result<import_report> import_profiles(mc_service_user_database& database, const std::filesystem::path& dir,
                                               const import_progress& progress) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        return support::make_error(support::errc::io, dir.string() + ": not a directory");
    }
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (it->is_regular_file(ec)) {
            files.push_back(it->path());
        }
    }
    if (ec) {
        return support::make_error(support::errc::io, dir.string() + ": " + ec.message());
    }
    std::sort(files.begin(), files.end());

    import_report report;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const auto& file = files[i];
        auto relative = file.lexically_relative(dir);
        std::vector<std::string> parts(relative.begin(), relative.end());
        auto reject = [&](std::string reason) { report.rejected.push_back({file, std::move(reason)}); };
        if (parts.size() != 4 || parts[1] != "users") {
            reject("not at <auid>/users/<MC service ID>/<document>");
        } else if (auto bytes = support::read_file(file, 1024 * 1024); !bytes) {
            reject(bytes.err().message);
        } else if (auto written = database.write({parts[0], parts[2], parts[3]}, *bytes, {}); !written) {
            reject(std::string(support::to_string(written.err().code)) + ": " + written.err().message);
        } else {
            ++(written->created ? report.created : report.replaced);
        }
        if (progress) {
            progress(i + 1, files.size());
        }
    }
    return report;
}

} // namespace mcprov::cms
