#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "mcprov/agent/management_tree.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/support/result.hpp"
#include "mcprov/syncml/message.hpp"

// Firmware update (OMA FUMO 1.0, urn:oma:mo:oma-fumo:1.0) at the device: the object, the Exec a server sends to
// <x>/DownloadAndUpdate (or <x>/Download, then <x>/Update), accepted with 202, carried out after the session, and the
// result reported in a Generic Alert 1226 with the Exec's correlator.
namespace mcprov::agent {

inline constexpr std::string_view fumo_type = "urn:oma:mo:oma-fumo:1.0";

namespace fumo_state {
inline constexpr int idle = 10;
inline constexpr int download_failed = 20;
inline constexpr int download_progressing = 30;
inline constexpr int download_complete = 40;
inline constexpr int update_progressing = 60;
inline constexpr int update_failed_no_data = 80;
inline constexpr int update_successful_no_data = 100;
} // namespace fumo_state

// An Exec accepted for later (a firmware update, an application's installation): which operation of which object,
// and the correlator the report carries back. The object's values are taken when the Exec is accepted: a later Replace
// in the same session (another job) does not change what this operation downloads.
struct deferred_operation {
    std::string node;       // the FUMO object (./FUMO/fw) or the SCOMO package (./SCOMO/Download/<x>)
    std::string operation;  // FUMO: Download, Update or DownloadAndUpdate; SCOMO: DownloadInstall(Inactive)
    std::optional<std::string> correlator;
    std::string url{};
    std::string digest{};
    std::string version{};
    std::string package_id{}; // SCOMO: PkgID, Name and Description
    std::string name{};
    std::string description{};
};

// The device's firmware: where packages go and what installing one means here (the package is kept as the device's
// installed image, its version becomes ./DevDetail/FwV).
struct firmware_config {
    std::filesystem::path directory;           // where the installed image is written
    std::optional<std::filesystem::path> ca;   // trusted for the package server's TLS certificate
    std::size_t max_package_bytes = 64 << 20;
};

// Installs ./FUMO/<name> with its leaves: the servers ("a+b", ACL style) may read everything, replace PkgName, PkgVersion, the PkgURLs and
// Ext/PkgDigest (the package's SHA-256, lower-case hex: this device's extension, required before a download), and
// execute Download, Update and DownloadAndUpdate.
support::result<void> install_firmware_object(management_tree& tree, std::string_view name, std::string_view servers);

// The Exec of a server: 202 and the operation to carry out when `uri` is one of a FUMO object's operations and its
// state allows it; else the status to answer (404 not such a node, 405 not an operation, 425 not allowed).
struct exec_decision {
    unsigned status = 0;
    std::optional<deferred_operation> accepted;
};
exec_decision accept_firmware_exec(const management_tree& tree, std::string_view uri, std::string_view server_id,
                                   const std::optional<std::string>& correlator);

// Carries the operation out: download over HTTPS (PkgURL), check the SHA-256 against Ext/PkgDigest, install; the
// object's State follows each step. Returns the Generic Alert that reports it (Data: the FUMO result code, 200 on
// success). Never fails: a failure is a result code.
syncml::command carry_out_firmware_operation(management_tree& tree, const deferred_operation& op,
                                             const firmware_config& config, http::client& client);

} // namespace mcprov::agent
