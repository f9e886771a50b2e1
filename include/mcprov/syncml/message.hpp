#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/result.hpp"

// A SyncML DM 1.2 message (OMA-TS-DM_RepPro-V1_2 on OMA-TS-SyncML_RepPro-V1_2), the form the DM server and the device
// agent work on, whichever of XML and WBXML carried it.
namespace mcprov::syncml {

inline constexpr std::string_view syncml_namespace = "SYNCML:SYNCML1.2";
inline constexpr std::string_view metinf_namespace = "syncml:metinf";
inline constexpr std::string_view dm_xml_media_type = "application/vnd.syncml.dm+xml";
inline constexpr std::string_view dm_wbxml_media_type = "application/vnd.syncml.dm+wbxml";
inline constexpr std::string_view ver_dtd = "1.2";
inline constexpr std::string_view ver_proto = "DM/1.2";

// Meta information (MetInf), the parts DM uses.
struct meta {
    std::optional<std::string> format{};     // b64, bin, bool, chr, int, node, null, xml, date, time, float
    std::optional<std::string> type{};       // a MIME type, an authentication type or a Generic Alert type
    std::optional<std::string> mark{};       // a Generic Alert's severity
    std::optional<std::uint64_t> size{};     // of a large object, on its first chunk
    std::optional<std::string> next_nonce{}; // base64, as carried
    std::optional<std::uint64_t> max_msg_size{};
    std::optional<std::uint64_t> max_obj_size{};
    std::optional<std::string> emi{}; // extended meta information: implementation-specific (a smart card's flags)

    bool empty() const {
        return !format && !type && !mark && !size && !next_nonce && !max_msg_size && !max_obj_size && !emi;
    }
    friend bool operator==(const meta&, const meta&) = default;
};

struct item {
    std::optional<std::string> target{}; // Target/LocURI
    std::optional<std::string> source{}; // Source/LocURI
    struct meta meta{};
    std::optional<std::string> data{};
    bool more_data = false; // a chunk of a large object, more to come

    friend bool operator==(const item&, const item&) = default;
};

enum class command_name { add, alert, atomic, copy, delete_, exec, get, replace, results, sequence, status, other };

// "Add", "Alert", ...: the element names, and what a Status's Cmd says.
std::string_view to_string(command_name name);

struct command {
    command_name name = command_name::other;
    std::string other_name{}; // the element's name when name is other (a command DM does not know)
    std::string cmd_id{};
    bool no_resp = false;
    struct meta meta{};
    std::optional<std::string> data{};       // Alert: the alert code; Status: the status code
    std::optional<std::string> correlator{}; // Alert (Generic Alert) and Exec
    std::vector<item> items{};
    std::vector<command> commands{}; // inside Atomic and Sequence
    // Status and Results: what they answer.
    std::string msg_ref{};
    std::string cmd_ref{};
    std::string cmd{}; // Status: the name of the command answered ("SyncHdr" for the header)
    std::vector<std::string> target_refs{};
    std::vector<std::string> source_refs{};
    std::optional<struct meta> chal{}; // Status: a challenge (its Meta)

    friend bool operator==(const command&, const command&) = default;
};

struct credential {
    struct meta meta{}; // Type (syncml:auth-basic, syncml:auth-md5), Format (b64)
    std::string data{};

    friend bool operator==(const credential&, const credential&) = default;
};

struct header {
    std::string ver_dtd = std::string(syncml::ver_dtd);
    std::string ver_proto = std::string(syncml::ver_proto);
    std::string session_id{};
    std::string msg_id{};
    std::string target{}; // Target/LocURI
    std::string target_name{};
    std::string source{}; // Source/LocURI
    std::string source_name{}; // Source/LocName: the user name of the credentials
    std::optional<std::string> resp_uri{};
    bool no_resp = false;
    std::optional<credential> cred{};
    struct meta meta{}; // MaxMsgSize, MaxObjSize

    friend bool operator==(const header&, const header&) = default;
};

struct message {
    struct header header;
    std::vector<command> commands{};
    bool final = false;

    friend bool operator==(const message&, const message&) = default;
};

// A Status answering one command of `to` with `code` (its TargetRefs and SourceRefs from the command's items), and
// one answering `to`'s header (CmdRef 0, Cmd SyncHdr). Their CmdIDs are left for the sender to number.
command status_for(const message& to, const command& c, unsigned code);
command header_status(const message& to, unsigned code);

// The bytes a command takes in a message, encoded as XML with a minimal header (WBXML is smaller): what decides whether
// it fits a peer's MaxMsgSize. Room is left for the header the message really has.
std::size_t encoded_size(const command& c);
// Where a chunk of a large object (OMA DM 1.2 clause 6.8) of at most `budget` bytes from `offset` ends: never inside a
// UTF-8 sequence, at least one byte on.
std::size_t chunk_end(std::string_view data, std::size_t offset, std::size_t budget);

// What a decoder accepts from outside.
struct decode_limits {
    std::size_t max_bytes = 1024 * 1024;
    unsigned max_depth = 24;          // elements: Atomic and Sequence nest
    std::size_t max_commands = 2000;  // commands, nested ones included, and items
};

// The XML representation. decode_xml refuses (errors) what is not a SyncML DM message: not_well_formed (XML syntax,
// or a DOCTYPE other than SyncML 1.2's without an internal subset), too_large (bytes, depth, commands), invalid_argument
// (not a SyncML root, a missing SyncHdr, SessionID, MsgID, Target or Source, a command without CmdID, a number that is
// not one, markup inside Data), each message naming the element.
support::result<message> decode_xml(std::string_view bytes, const decode_limits& limits = {});
// Errors: invalid_argument (text XML cannot carry, such as a control character).
support::result<std::string> encode_xml(const message& m);

// The WBXML representation (WBXML 1.2, SyncML 1.2's public id 0x1201, UTF-8, code pages SyncML and MetInf). Strings,
// string-table references, entities and opaque data are read; Data is written as an inline string, or as opaque bytes
// when it holds NUL or its item's Format is bin. decode_wbxml errors: too_large, invalid_argument (another public id,
// charset or code page, an unknown tag token, attributes, a truncated message, and what decode_xml refuses in the
// element tree).
support::result<message> decode_wbxml(std::string_view bytes, const decode_limits& limits = {});
// Errors: invalid_argument (a command DM does not know, which has no token).
support::result<std::string> encode_wbxml(const message& m);

} // namespace mcprov::syncml
