#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "mcprov/agent/firmware_update.hpp"
#include "mcprov/agent/management_tree.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/support/result.hpp"
#include "mcprov/syncml/message.hpp"

// Applications at the device (OMA SCOMO 1.0, urn:oma:mo:oma-scomo:1.0): a server adds a delivery package under
// ./SCOMO/Download/<x> (PkgID, Name, PkgURL, Description; this device's Ext/PkgDigest and Ext/PkgVersion) and
// executes <x>/Operations/Download, DownloadInstall or DownloadInstallInactive; the device answers 202, downloads
// and installs after the session, lists the component under ./SCOMO/Inventory/Deployed/<x> and reports a Generic
// Alert 1226 of type urn:oma:at:scomo:1.0:OperationComplete with the Exec's correlator. A deployed component is
// activated, deactivated or removed by an Exec of its Operations/Activate, Deactivate or Remove (answered at once).
namespace mcprov::agent {

inline constexpr std::string_view scomo_type = "urn:oma:mo:oma-scomo:1.0";
inline constexpr std::string_view scomo_operation_complete = "urn:oma:at:scomo:1.0:OperationComplete";

// The result codes of SCOMO 1.0 this device reports.
namespace scomo_result {
inline constexpr unsigned successful = 1200;
inline constexpr unsigned client_error = 1400;
inline constexpr unsigned download_failed = 1402;
inline constexpr unsigned out_of_memory = 1404;
inline constexpr unsigned install_failed = 1405;
inline constexpr unsigned signature_failed = 1407; // the package's SHA-256 is not Ext/PkgDigest
inline constexpr unsigned remove_failed = 1408;
inline constexpr unsigned download_server_error = 1500;
inline constexpr unsigned download_server_unavailable = 1501;
} // namespace scomo_result

// ./SCOMO/Download/<x>/Status while the device works on a package.
namespace scomo_status {
inline constexpr int idle = 10;
inline constexpr int download_failed = 20;
inline constexpr int download_progressing = 30;
inline constexpr int download_complete = 40;
inline constexpr int install_progressing = 50;
inline constexpr int install_failed = 70;
} // namespace scomo_status

// ./SCOMO/Inventory/Deployed/<x>/State.
namespace scomo_state {
inline constexpr int inactive = 10;
inline constexpr int active = 20;
} // namespace scomo_state

// Where the device keeps its installed applications: one directory per component (<ID>/package, its SHA-256 checked
// before it is kept), and an `active` file while it is active.
struct software_config {
    std::filesystem::path directory;
};

// Installs ./SCOMO: the servers ("a+b", ACL style) may add packages under Download and read everything.
support::result<void> install_software_object(management_tree& tree, std::string_view servers);

// The Exec of a server on ./SCOMO: a package's DownloadInstall or DownloadInstallInactive is accepted (202, carried
// out later; the package's values are taken now) when the server may read the package it names (the server that
// added it) and it has a PkgID, an http(s) PkgURL and an Ext/PkgDigest; Download alone (a delivered, not installed,
// package) is not supported (406). A deployed component's Activate, Deactivate or Remove is carried out at once (200;
// 500 when its files cannot be changed). Otherwise 404 (no such package or component), 405, or 425 (another
// server's).
exec_decision accept_software_exec(management_tree& tree, std::string_view uri, std::string_view server_id,
                                   const std::optional<std::string>& correlator, const software_config& config);

// Carries out an accepted operation: download over HTTPS, check the SHA-256, install into the directory and list it
// under Inventory/Deployed (Active unless DownloadInstallInactive). The package node is taken out of ./SCOMO/Download once done, whatever the result, so that a server may
// add it again. Returns the Generic Alert that reports it. Never fails: a failure is a result code.
syncml::command carry_out_software_operation(management_tree& tree, const deferred_operation& op,
                                             const software_config& config, std::size_t max_package_bytes,
                                             http::client& client);

} // namespace mcprov::agent
