#include "mcprov/store/store_config.hpp"

namespace mcprov::store {

std::string read_store_url(support::config_reader& r, const toml::table& root) {
    const bool has_url = static_cast<bool>(root["store"]["url"]);
    const bool has_path = static_cast<bool>(root["store"]["path"]);
    if (has_url && has_path) {
        r.fail_at("store", "path", "store.url and store.path name the same thing: give one of them");
        return {};
    }
    if (!has_url && !has_path) {
        r.missing("store", "url");
        return {};
    }
    if (!has_url) {
        auto path = r.path("store", "path");
        return path.empty() ? std::string() : "sqlite:" + path.string();
    }
    auto url = r.string("store", "url", "", true);
    constexpr std::string_view sqlite = "sqlite:";
    if (url.starts_with(sqlite) && !url.starts_with("sqlite://")) {
        std::filesystem::path file(url.substr(sqlite.size()));
        if (file.is_relative() && !file.empty()) {
            return "sqlite:" + (r.base_dir() / file).lexically_normal().string();
        }
    }
    return url;
}

} // namespace mcprov::store
