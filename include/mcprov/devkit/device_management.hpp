#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "mcprov/agent/device_agent.hpp"
#include "mcprov/devkit/example_data.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::devkit {

// A device of the local deployment: its id, what it is, and its folder below the DMS's.
struct example_device {
    std::string id;
    std::string label; // its folder: handset, corporate
    std::string model;
    std::string mc_user; // the MC user it is set up for (the handset), empty for none
};
const std::vector<example_device>& example_devices();

// The running DM server and devices.
struct running_device_management {
    std::unique_ptr<http::server> dms;
    std::vector<std::shared_ptr<agent::device_agent>> devices;
    std::vector<std::unique_ptr<http::server>> push; // each device's notification endpoint

    void stop();
    ~running_device_management() { stop(); }
};

// The device management of the local deployment's first MC system: its DM server (TLS with the system's certificate,
// administrators' tokens from its IdMS, the MCS UE initial configuration of the system) and two devices, an MC
// handset and a corporate device, each an agent with its own store and push endpoint, both enrolled.
struct device_management {
    std::filesystem::path system_dir; // the MC system's folder: its CA, TLS certificate and IdMS key
    mc_system system;
    std::string cms_base; // the system's CMS, https://host:port
    int first_port = 0;   // the DMS, then each device's push endpoint

    std::filesystem::path dir() const { return system_dir / "dms"; }
    std::filesystem::path device_dir(const example_device& d) const { return dir() / d.label; }
    std::string url() const { return "https://127.0.0.1:" + std::to_string(first_port) + "/dm"; }

    // Writes dms.toml, each device's agent.toml, and enrols the devices.
    support::result<void> prepare() const;
    support::result<std::unique_ptr<running_device_management>> start() const;
    // Provisions the handset's MCS UE initial configuration and runs a session of each device; describes what came of
    // it, a line each.
    support::result<std::string> demonstrate(running_device_management& running) const;
};

} // namespace mcprov::devkit
