#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"

// The OMA DM 1.2 notification message, package 0 (OMA-TS-DM_Notification-V1_2 clause 6.2): how a DM server asks a
// device to start a session. Big-endian: a 16-byte digest, then the trigger: version (10 bits), ui-mode (2),
// initiator (1), future use (27, zero), session id (16), length of the server identifier (8), the server identifier
// and vendor-specific bytes.
namespace mcprov::syncml {

inline constexpr std::string_view notification_media_type = "application/vnd.syncml.notification";
// The version field of a DM 1.2 notification (the field holds version x 10; DM 1.2 sends "1.1").
inline constexpr unsigned notification_version = 11;
// A notification is a WAP push or an SMS in a network: never more than this.
inline constexpr std::size_t max_notification_bytes = 1024;

enum class ui_mode : std::uint8_t { not_specified = 0, background = 1, informative = 2, user_interaction = 3 };
enum class initiator : std::uint8_t { client = 0, server = 1 };

struct notification {
    ui_mode ui = ui_mode::not_specified;
    initiator initiated_by = initiator::server;
    std::uint16_t session_id = 0;
    std::string server_id; // the DMAcc ServerID of the server that asks
    std::string vendor_specific;
};

// The session id as the session's SyncHdr SessionID carries it: upper-case hex without leading zeros.
std::string session_id_text(std::uint16_t session_id);

// The digest: H(B64(H(server_id ":" password)) ":" nonce ":" B64(H(trigger))), the raw 16 bytes (H is MD5). The
// password and nonce are those the server authenticates itself with to the device (its DMAcc SRVCRED entry).
std::string notification_digest(std::string_view server_id, std::string_view password, std::string_view nonce,
                                 std::string_view trigger);

// The message, digest first. Errors: invalid_argument (a server id that is empty, over 255 bytes or has a control
// character; a message over max_notification_bytes).
support::result<std::string> encode_notification(const notification& n, std::string_view password,
                                                 std::string_view nonce);

struct received_notification {
    notification content;
    std::string digest;  // 16 bytes
    std::string trigger; // the bytes the digest covers
};

// Errors: invalid_argument, naming what is wrong (shorter than its header or its server identifier, over
// max_notification_bytes, a version other than notification_version, future-use bits set, an unusable server id).
support::result<received_notification> decode_notification(std::string_view bytes);

// Whether the digest was made with this password and nonce.
bool digest_matches(const received_notification& n, std::string_view password, std::string_view nonce);

} // namespace mcprov::syncml
