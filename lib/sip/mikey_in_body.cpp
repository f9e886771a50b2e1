#include "mcprov/sip/mikey_in_body.hpp"

#include <algorithm>
#include <memory>
#include <optional>

#include "mcprov/mikey/i_message.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::sip {
namespace {

using support::errc;
using support::make_error;
using support::result;

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// "type/subtype" of a Content-Type value, in lower case, without parameters or white space.
std::string media_type_of(std::string_view content_type) {
    auto type = content_type.substr(0, content_type.find(';'));
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t'))
        type.remove_prefix(1);
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
        type.remove_suffix(1);
    return lower(type);
}

struct finder {
    std::vector<found_i_message> found;
    std::size_t key_mgmt_lines = 0;

    // RFC 4567 section 3.1: a=key-mgmt:<prtcl-id> <keymgmt-data>
    result<void> key_mgmt(std::string_view value, const std::string& where) {
        if (++key_mgmt_lines > max_key_mgmt_lines) {
            return make_error(errc::too_large, "more than " + std::to_string(max_key_mgmt_lines) + " key-mgmt lines");
        }
        const auto space = value.find(' ');
        if (space == std::string_view::npos || lower(value.substr(0, space)) != "mikey") {
            return make_error(errc::invalid_argument, where + ": a key-mgmt line that is not \"mikey <base64>\"");
        }
        auto data = value.substr(space + 1);
        while (!data.empty() && (data.front() == ' ' || data.front() == '\t'))
            data.remove_prefix(1);
        while (!data.empty() && (data.back() == ' ' || data.back() == '\t'))
            data.remove_suffix(1);
        if (data.size() > (mikey::max_i_message_size + 2) / 3 * 4) {
            return make_error(errc::too_large, where + ": a MIKEY message over " +
                                                   std::to_string(mikey::max_i_message_size) + " bytes");
        }
        auto octets = support::base64_decode(data);
        if (!octets || octets->empty()) {
            return make_error(errc::invalid_argument, where + ": the key-mgmt line's MIKEY data is not base64");
        }
        found.push_back({std::move(*octets), where});
        return {};
    }

    // The SDP's lines (RFC 4566 5: <type>=<value>, the first v=0), read for their key-mgmt attributes at session and
    // media level. Only the line structure is checked: the AS forwards the SDP as it came. Written here rather than
    // taken from sofia-sip, whose SDP parser can be made to allocate without bound by a short hostile SDP.
    result<void> sdp(std::string_view body, const std::string& where) {
        std::string place = where;
        int media = 0;
        std::size_t line_start = 0;
        bool first = true;
        while (line_start < body.size()) {
            const auto line_end = body.find('\n', line_start);
            std::string_view line =
                body.substr(line_start, line_end == std::string_view::npos ? line_end : line_end - line_start);
            line_start = line_end == std::string_view::npos ? body.size() : line_end + 1;
            if (line.ends_with('\r'))
                line.remove_suffix(1);
            if (line.empty())
                continue;
            if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z' ||
                std::any_of(line.begin(), line.end(), [](unsigned char c) { return c < 0x20 && c != '\t'; })) {
                return make_error(errc::invalid_argument, where + ": the SDP has a line that is not <type>=<value>");
            }
            if (first && line != "v=0") {
                return make_error(errc::invalid_argument, where + ": the SDP does not start with v=0");
            }
            first = false;
            if (line[0] == 'm') {
                place = where + " media " + std::to_string(++media);
            } else if (line[0] == 'a' && lower(line.substr(2, 9)) == "key-mgmt:") {
                if (auto done = key_mgmt(line.substr(11), place); !done) {
                    return done;
                }
            }
        }
        if (first) {
            return make_error(errc::invalid_argument, where + ": the SDP is empty");
        }
        return {};
    }

    result<void> part(std::string_view type, std::string_view body, const std::string& where) {
        if (type == sdp_media_type) {
            return sdp(body, where == "body" ? "sdp" : where + " sdp");
        }
        if (type == mikey_media_type) {
            if (body.size() > mikey::max_i_message_size) {
                return make_error(errc::too_large, where + ": a MIKEY message over " +
                                                       std::to_string(mikey::max_i_message_size) + " bytes");
            }
            found.push_back({std::string(body), where == "body" ? "mikey" : where});
        }
        return {};
    }
};

// The boundary parameter of a multipart Content-Type (RFC 2046 5.1.1: 1 to 70 characters, quoted or a token).
std::optional<std::string> boundary_of(std::string_view content_type) {
    const std::string lowered = lower(content_type);
    std::size_t at = 0;
    while ((at = lowered.find("boundary", at)) != std::string::npos) {
        std::size_t i = at + 8;
        const bool starts_param = at > 0 && (lowered[at - 1] == ';' || lowered[at - 1] == ' ' || lowered[at - 1] == '\t');
        while (i < lowered.size() && (lowered[i] == ' ' || lowered[i] == '\t'))
            ++i;
        if (!starts_param || i >= lowered.size() || lowered[i] != '=') {
            at = i;
            continue;
        }
        ++i;
        while (i < lowered.size() && (lowered[i] == ' ' || lowered[i] == '\t'))
            ++i;
        std::string value;
        if (i < content_type.size() && content_type[i] == '"') {
            const auto close = content_type.find('"', i + 1);
            if (close == std::string_view::npos)
                return std::nullopt;
            value = std::string(content_type.substr(i + 1, close - i - 1));
        } else {
            const auto stop = content_type.find_first_of("; \t", i);
            value = std::string(content_type.substr(i, stop == std::string_view::npos ? stop : stop - i));
        }
        if (value.empty() || value.size() > 70 ||
            std::any_of(value.begin(), value.end(), [](unsigned char c) { return c < 0x20 || c > 0x7e; }))
            return std::nullopt;
        return value;
    }
    return std::nullopt;
}

// The parts of a multipart body (RFC 2046 5.1.1), each with its Content-Type's media type (text/plain when it has
// none) and its body. Written here rather than taken from sofia-sip, whose MIME parser asserts on a malformed part.
result<std::vector<std::pair<std::string, std::string_view>>> split_multipart(std::string_view content_type,
                                                                             std::string_view body) {
    const auto boundary = boundary_of(content_type);
    if (!boundary) {
        return make_error(errc::invalid_argument, "the multipart Content-Type has no usable boundary");
    }
    const std::string delimiter = "--" + *boundary;
    // A delimiter line: at the start of the body or of a line.
    auto find_delimiter = [&](std::size_t from) {
        for (auto at = body.find(delimiter, from); at != std::string_view::npos; at = body.find(delimiter, at + 1)) {
            if (at == 0 || body[at - 1] == '\n')
                return at;
        }
        return std::string_view::npos;
    };
    auto at = find_delimiter(0);
    if (at == std::string_view::npos) {
        return make_error(errc::invalid_argument, "the multipart body has no delimiter");
    }
    std::vector<std::pair<std::string, std::string_view>> parts;
    while (true) {
        std::size_t p = at + delimiter.size();
        if (body.substr(p, 2) == "--") {
            return parts; // the close delimiter; the epilogue is ignored
        }
        while (p < body.size() && (body[p] == ' ' || body[p] == '\t'))
            ++p; // transport padding
        if (body.substr(p, 2) == "\r\n")
            p += 2;
        else if (body.substr(p, 1) == "\n")
            p += 1;
        else
            return make_error(errc::invalid_argument, "a multipart delimiter is not followed by a line end");
        const auto next = find_delimiter(p);
        if (next == std::string_view::npos) {
            return make_error(errc::invalid_argument, "the multipart body has no close delimiter");
        }
        if (parts.size() == max_body_parts) {
            return make_error(errc::too_large, "more than " + std::to_string(max_body_parts) + " body parts");
        }
        // The part: its headers, an empty line, its body; the line end before the delimiter is the delimiter's.
        std::string_view part = body.substr(p, next - p);
        if (part.ends_with("\r\n"))
            part.remove_suffix(2);
        else if (part.ends_with("\n"))
            part.remove_suffix(1);
        std::string type = "text/plain";
        std::size_t line_start = 0;
        std::size_t headers = 0;
        while (true) {
            auto line_end = part.find('\n', line_start);
            std::string_view line = part.substr(line_start, line_end == std::string_view::npos ? line_end : line_end - line_start);
            if (line.ends_with('\r'))
                line.remove_suffix(1);
            if (line.empty()) {
                part = line_end == std::string_view::npos ? std::string_view() : part.substr(line_end + 1);
                break;
            }
            if (line_end == std::string_view::npos || ++headers > 16 || line.size() > 1024 ||
                std::any_of(line.begin(), line.end(), [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; })) {
                return make_error(errc::invalid_argument, "part " + std::to_string(parts.size() + 1) +
                                                              ": its headers do not parse");
            }
            const auto colon = line.find(':');
            if (colon == std::string_view::npos && line.front() != ' ' && line.front() != '\t') {
                return make_error(errc::invalid_argument, "part " + std::to_string(parts.size() + 1) +
                                                              ": a header line without a colon");
            }
            if (colon != std::string_view::npos && lower(line.substr(0, colon)) == "content-type") {
                type = media_type_of(line.substr(colon + 1));
            }
            line_start = line_end + 1;
        }
        parts.emplace_back(std::move(type), part);
        at = next;
    }
}

} // namespace

result<std::vector<found_i_message>> find_i_messages(std::string_view content_type, std::string_view body) {
    if (body.size() > max_body_bytes) {
        return make_error(errc::too_large, "a body of " + std::to_string(body.size()) + " bytes, more than " +
                                               std::to_string(max_body_bytes));
    }
    finder f;
    const auto type = media_type_of(content_type);
    if (body.empty()) {
        return f.found;
    }
    if (type != "multipart/mixed") {
        if (auto done = f.part(type, body, "body"); !done) {
            return std::move(done).err();
        }
        return f.found;
    }
    auto parts = split_multipart(content_type, body);
    if (!parts) {
        return std::move(parts).err();
    }
    std::size_t n = 0;
    for (const auto& [part_type, part_body] : *parts) {
        ++n;
        if (part_type.starts_with("multipart/")) {
            return make_error(errc::invalid_argument, "part " + std::to_string(n) + ": a multipart in a multipart");
        }
        if (auto done = f.part(part_type, part_body, "part " + std::to_string(n)); !done) {
            return std::move(done).err();
        }
    }
    return f.found;
}

} // namespace mcprov::sip
