#include "mcprov/support/config_reader.hpp"

namespace mcprov::support {

void config_reader::only_keys(std::string_view table, const std::set<std::string_view>& allowed) {
    const toml::table* t = table.empty() ? &root_ : root_[table].as_table();
    if (!t) {
        return;
    }
    for (const auto& [key, node] : *t) {
        if (!allowed.contains(key.str())) {
            fail(node, (table.empty() ? prefix_ : std::string(table) + ".") + std::string(key.str()) + ": unknown key");
        }
    }
}

std::string config_reader::string(std::string_view table, std::string_view key, std::string fallback, bool required) {
    auto node = at(table, key);
    if (!node) {
        if (required) {
            missing(table, key);
        }
        return fallback;
    }
    if (auto v = node.value<std::string>()) {
        if (v->empty() && required) {
            fail(*node.node(), name(table, key) + " is required and cannot be empty");
        }
        return *v;
    }
    fail(*node.node(), name(table, key) + " must be a string");
    return fallback;
}

std::filesystem::path config_reader::path(std::string_view table, std::string_view key, bool required) {
    auto text = string(table, key, "", required);
    if (text.empty()) {
        return {};
    }
    std::filesystem::path p(text);
    return p.is_absolute() ? p : base_dir_ / p;
}

std::int64_t config_reader::integer(std::string_view table, std::string_view key, std::int64_t fallback,
                                    std::int64_t min, std::int64_t max) {
    auto node = at(table, key);
    if (!node) {
        return fallback;
    }
    auto v = node.value<std::int64_t>();
    if (!v || !node.is_integer() || *v < min || *v > max) {
        fail(*node.node(),
             name(table, key) + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
        return fallback;
    }
    return *v;
}

bool config_reader::boolean(std::string_view table, std::string_view key, bool fallback) {
    auto node = at(table, key);
    if (!node) {
        return fallback;
    }
    if (!node.is_boolean()) {
        fail(*node.node(), name(table, key) + " must be true or false");
        return fallback;
    }
    return *node.value<bool>();
}

std::vector<std::string> config_reader::strings(std::string_view table, std::string_view key) {
    std::vector<std::string> out;
    auto node = at(table, key);
    if (!node) {
        return out;
    }
    const auto* array = node.as_array();
    if (array) {
        for (const auto& element : *array) {
            if (auto v = element.value<std::string>()) {
                out.push_back(*v);
            } else {
                array = nullptr;
                break;
            }
        }
    }
    if (!array) {
        fail(*node.node(), name(table, key) + " must be a list of strings");
    }
    return out;
}

std::optional<std::pair<std::string, std::uint16_t>> config_reader::listen(std::string_view table,
                                                                          std::string_view key,
                                                                          const std::string& fallback) {
    auto text = string(table, key, fallback);
    std::pair<std::string, std::uint16_t> out;
    if (!split_listen(text, out.first, out.second)) {
        fail_at(table, key, name(table, key) + " must be address:port, e.g. 127.0.0.1:8443 or [::1]:8443");
        return std::nullopt;
    }
    return out;
}

std::optional<std::pair<std::string, std::uint16_t>> config_reader::metrics_listen(const std::string& fallback) {
    only_keys("metrics", {"listen"});
    if (!root_["metrics"]["listen"]) {
        return std::nullopt;
    }
    auto at = listen("metrics", "listen", fallback);
    if (at && !at->first.starts_with("127.") && at->first != "::1") {
        fail_at("metrics", "listen", "metrics.listen must be a loopback address: /metrics takes no credentials");
        return std::nullopt;
    }
    return at;
}

void config_reader::log_settings(std::string& level, log_format& format) {
    level = string("log", "level", "info");
    static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
    if (!levels.contains(level)) {
        fail_at("log", "level", "log.level must be one of trace, debug, info, warn, error, critical, off");
    }
    auto text = string("log", "format", "text");
    if (text != "text" && text != "json") {
        fail_at("log", "format", "log.format must be text or json");
    }
    format = text == "json" ? log_format::json : log_format::text;
}

void config_reader::adopt(error e) {
    if (!error_) {
        error_ = std::move(e);
    }
}

void config_reader::missing(std::string_view table, std::string_view key) {
    if (!error_) {
        error_ = make_error(errc::invalid_argument, source_ + ": " + name(table, key) + " is required");
    }
}

void config_reader::fail_at(std::string_view table, std::string_view key, const std::string& message) {
    auto node = at(table, key);
    if (node) {
        fail(*node.node(), message);
    } else if (!error_) {
        error_ = make_error(errc::invalid_argument, source_ + ": " + message);
    }
}

toml::node_view<const toml::node> config_reader::at(std::string_view table, std::string_view key) const {
    return table.empty() ? root_[key] : root_[table][key];
}

std::string config_reader::name(std::string_view table, std::string_view key) const {
    return table.empty() ? prefix_ + std::string(key) : std::string(table) + "." + std::string(key);
}

void config_reader::fail(const toml::node& node, const std::string& message) {
    if (!error_) {
        const auto& where = node.source().begin;
        error_ = make_error(errc::invalid_argument, source_ + ":" + std::to_string(where.line) + ":" +
                                                        std::to_string(where.column) + ": " + message);
    }
}

result<toml::table> parse_toml(std::string_view text, const std::string& source_name) {
    try {
        return toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        return make_error(errc::invalid_argument, source_name + ":" + std::to_string(e.source().begin.line) + ":" +
                                                      std::to_string(e.source().begin.column) + ": " +
                                                      std::string(e.description()));
    }
}

bool split_listen(const std::string& listen, std::string& address, std::uint16_t& port) {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon + 1 == listen.size()) {
        return false;
    }
    address = listen.substr(0, colon);
    if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
        address = address.substr(1, address.size() - 2);
    }
    unsigned long value = 0;
    for (char c : listen.substr(colon + 1)) {
        if (c < '0' || c > '9' || (value = value * 10 + static_cast<unsigned>(c - '0')) > 65535) {
            return false;
        }
    }
    port = static_cast<std::uint16_t>(value);
    return !address.empty();
}

} // namespace mcprov::support
