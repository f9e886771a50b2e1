#include "mcprov/migration/template_catalogue.hpp"

#include <algorithm>
#include <cctype>

#include "mcprov/support/file.hpp"

namespace mcprov::migration {

using support::errc;
using support::make_error;
using support::result;

result<organisation_rule> organisation_rule::parse(std::string_view pattern) {
    auto count = [&](std::string_view what) {
        std::size_t n = 0;
        for (auto at = pattern.find(what); at != std::string_view::npos; at = pattern.find(what, at + 1)) {
            ++n;
        }
        return n;
    };
    if (count("{org}") != 1 || count("{user}") > 1) {
        return make_error(errc::invalid_argument, "organisation rule '" + std::string(pattern) +
                                                      "' must contain {org} once and {user} at most once");
    }
    if (pattern.find("}{") != std::string_view::npos) {
        return make_error(errc::invalid_argument,
                          "organisation rule '" + std::string(pattern) + "': placeholders must be separated by text");
    }
    if (count("{") != count("{org}") + count("{user}")) {
        return make_error(errc::invalid_argument,
                          "organisation rule '" + std::string(pattern) + "': only {user} and {org} are known");
    }
    organisation_rule rule;
    rule.pattern_ = std::string(pattern);
    return rule;
}

std::optional<std::string> organisation_rule::organisation_of(std::string_view id) const {
    std::string_view pattern = pattern_;
    std::optional<std::string> org;
    while (!pattern.empty()) {
        if (pattern.front() != '{') {
            auto literal = pattern.substr(0, pattern.find('{'));
            if (!id.starts_with(literal)) {
                return std::nullopt;
            }
            id.remove_prefix(literal.size());
            pattern.remove_prefix(literal.size());
            continue;
        }
        auto close = pattern.find('}');
        auto name = pattern.substr(1, close - 1);
        pattern.remove_prefix(close + 1);
        // The placeholder runs up to the first occurrence of the text after it (to the end, when it is last).
        auto next = pattern.substr(0, pattern.find('{'));
        auto end = next.empty() ? id.size() : id.find(next);
        if (end == std::string_view::npos || end == 0) {
            return std::nullopt;
        }
        if (name == "org") {
            org = std::string(id.substr(0, end));
            auto name_character = [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
            };
            if (!std::all_of(org->begin(), org->end(), name_character)) {
                return std::nullopt;
            }
        }
        id.remove_prefix(end);
    }
    return id.empty() ? org : std::nullopt;
}

result<template_catalogue> template_catalogue::create(std::vector<migration_template> templates) {
    for (std::size_t i = 0; i < templates.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (templates[i].primary_system == templates[j].primary_system &&
                templates[i].organisation == templates[j].organisation) {
                return make_error(errc::invalid_argument,
                                  "templates " + templates[j].name + " and " + templates[i].name +
                                      " both apply to visitors from " + templates[i].primary_system +
                                      (templates[i].organisation ? " of " + *templates[i].organisation : ""));
            }
        }
    }
    template_catalogue catalogue;
    catalogue.templates_ = std::move(templates);
    return catalogue;
}

const migration_template* template_catalogue::select(std::string_view primary_system,
                                                     const std::optional<std::string>& organisation) const {
    const migration_template* system_wide = nullptr;
    for (const auto& t : templates_) {
        if (t.primary_system != primary_system) {
            continue;
        }
        if (organisation && t.organisation == organisation) {
            return &t;
        }
        if (!t.organisation) {
            system_wide = &t;
        }
    }
    return system_wide;
}

result<template_catalogue> load_template_directory(const std::filesystem::path& folder) {
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() == ".xml" && it->is_regular_file(ec)) {
            files.push_back(it->path());
        }
    }
    if (ec) {
        return make_error(errc::io, "template folder " + folder.string() + ": " + ec.message());
    }
    std::sort(files.begin(), files.end());
    std::vector<migration_template> templates;
    for (const auto& file : files) {
        auto text = support::read_file(file, 256 * 1024);
        if (!text) {
            return make_error(errc::invalid_argument, file.string() + ": " + text.err().message);
        }
        auto parsed = parse_migration_template(*text);
        if (!parsed) {
            return make_error(errc::invalid_argument, file.string() + ": " + parsed.err().message);
        }
        templates.push_back(std::move(parsed).value());
    }
    auto catalogue = template_catalogue::create(std::move(templates));
    if (!catalogue) {
        return make_error(errc::invalid_argument, folder.string() + ": " + catalogue.err().message);
    }
    return catalogue;
}

} // namespace mcprov::migration
