#pragma once

#include <string>
#include <string_view>

#include <libxml/xmlerror.h>

namespace mcprov::xml::detail {

// "line N: message" from a libxml2 error, the message trimmed of surrounding white space. Without a line
// number the prefix is left out.
inline std::string describe(const xmlError* error, std::string_view fallback = "unknown error") {
    std::string_view text = fallback;
    if (error != nullptr && error->message != nullptr) {
        text = error->message;
    }
    constexpr std::string_view space = " \t\r\n";
    const auto first = text.find_first_not_of(space);
    text = first == std::string_view::npos ? std::string_view{} : text.substr(first);
    const auto last = text.find_last_not_of(space);
    text = last == std::string_view::npos ? std::string_view{} : text.substr(0, last + 1);
    std::string out;
    if (error != nullptr && error->line > 0) {
        out = "line " + std::to_string(error->line) + ": ";
    }
    out.append(text);
    return out;
}

// Collects the first error (or, failing that, the first warning) reported through a structured error handler.
struct error_collector {
    std::string first_error;
    std::string first_warning;

    static void handler(void* self, xmlErrorPtr error) {
        if (self == nullptr || error == nullptr) {
            return;
        }
        auto* collector = static_cast<error_collector*>(self);
        try { // called from C: nothing may propagate
            if (error->level >= XML_ERR_ERROR) {
                if (collector->first_error.empty()) {
                    collector->first_error = describe(error);
                }
            } else if (error->level == XML_ERR_WARNING && collector->first_warning.empty()) {
                collector->first_warning = describe(error);
            }
        } catch (...) {
        }
    }

    std::string best(std::string_view fallback) const {
        if (!first_error.empty()) {
            return first_error;
        }
        if (!first_warning.empty()) {
            return first_warning;
        }
        return std::string(fallback);
    }
};

} // namespace mcprov::xml::detail
