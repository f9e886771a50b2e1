#include "mcprov/syncml/notification.hpp"

#include <algorithm>
#include <cstdio>

#include "digest.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/syncml/credentials.hpp"

namespace mcprov::syncml {
namespace {

using support::errc;
using support::make_error;
using support::result;
using detail::b64_md5;
using detail::md5;

constexpr std::size_t digest_bytes = 16;
constexpr std::size_t fixed_trigger_bytes = 8; // version to length-identifier

bool is_usable_server_id(std::string_view id) {
    return !id.empty() && id.size() <= 255 &&
           std::none_of(id.begin(), id.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

} // namespace

std::string session_id_text(std::uint16_t session_id) {
    char text[8];
    std::snprintf(text, sizeof text, "%X", static_cast<unsigned>(session_id));
    return text;
}

std::string notification_digest(std::string_view server_id, std::string_view password, std::string_view nonce,
                                std::string_view trigger) {
    const auto secret = b64_md5(std::string(server_id) + ":" + std::string(password));
    return md5(secret + ":" + std::string(nonce) + ":" + b64_md5(trigger));
}

result<std::string> encode_notification(const notification& n, std::string_view password, std::string_view nonce) {
    if (!is_usable_server_id(n.server_id)) {
        return make_error(errc::invalid_argument,
                          "a notification's server id is 1 to 255 bytes without control characters");
    }
    const std::uint64_t header = (std::uint64_t{notification_version} << 54) |
                                 (std::uint64_t{static_cast<std::uint8_t>(n.ui) & 3u} << 52) |
                                 (std::uint64_t{static_cast<std::uint8_t>(n.initiated_by) & 1u} << 51) |
                                 (std::uint64_t{n.session_id} << 8) | n.server_id.size();
    std::string trigger;
    for (int shift = 56; shift >= 0; shift -= 8) {
        trigger += static_cast<char>((header >> shift) & 0xff);
    }
    trigger += n.server_id;
    trigger += n.vendor_specific;
    if (digest_bytes + trigger.size() > max_notification_bytes) {
        return make_error(errc::invalid_argument, "a notification is at most " +
                                                      std::to_string(max_notification_bytes) + " bytes");
    }
    return notification_digest(n.server_id, password, nonce, trigger) + trigger;
}

result<received_notification> decode_notification(std::string_view bytes) {
    if (bytes.size() > max_notification_bytes) {
        return make_error(errc::invalid_argument,
                          "a notification is at most " + std::to_string(max_notification_bytes) + " bytes");
    }
    if (bytes.size() < digest_bytes + fixed_trigger_bytes) {
        return make_error(errc::invalid_argument, "a notification is at least 24 bytes: digest and header");
    }
    const auto trigger = bytes.substr(digest_bytes);
    std::uint64_t header = 0;
    for (std::size_t i = 0; i < fixed_trigger_bytes; ++i) {
        header = (header << 8) | static_cast<unsigned char>(trigger[i]);
    }
    const auto version = static_cast<unsigned>(header >> 54);
    if (version != notification_version) {
        return make_error(errc::invalid_argument, "notification version " + std::to_string(version / 10) + "." +
                                                      std::to_string(version % 10) + " is not the DM 1.2 one (1.1)");
    }
    if (((header >> 24) & 0x7ffffff) != 0) {
        return make_error(errc::invalid_argument, "a notification's future-use bits must be zero");
    }
    const auto id_length = static_cast<std::size_t>(header & 0xff);
    if (trigger.size() < fixed_trigger_bytes + id_length) {
        return make_error(errc::invalid_argument, "the notification ends inside its server identifier");
    }
    received_notification out;
    out.content.ui = static_cast<ui_mode>((header >> 52) & 3);
    out.content.initiated_by = static_cast<initiator>((header >> 51) & 1);
    out.content.session_id = static_cast<std::uint16_t>((header >> 8) & 0xffff);
    out.content.server_id = std::string(trigger.substr(fixed_trigger_bytes, id_length));
    out.content.vendor_specific = std::string(trigger.substr(fixed_trigger_bytes + id_length));
    if (!is_usable_server_id(out.content.server_id)) {
        return make_error(errc::invalid_argument,
                          "a notification's server id is 1 to 255 bytes without control characters");
    }
    out.digest = std::string(bytes.substr(0, digest_bytes));
    out.trigger = std::string(trigger);
    return out;
}

bool digest_matches(const received_notification& n, std::string_view password, std::string_view nonce) {
    return credentials_equal(n.digest, notification_digest(n.content.server_id, password, nonce, n.trigger));
}

} // namespace mcprov::syncml
