#pragma once

#include <filesystem>
#include <memory>
#include <thread>
#include <string>
#include <vector>

#include "mcprov/agent/device_agent.hpp"
#include "mcprov/devkit/example_data.hpp"
#include "mcprov/gsup/hlr_client.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/support/result.hpp"
#include "mcprov/uicc/vpcd.hpp"

namespace mcprov::devkit {

// The processes and threads of the smart-card part of the local deployment, running.
struct running_smart_cards {
    pid_t hlr = -1;   // osmo-hlr
    pid_t pcscd = -1; // pcscd with the vpcd reader
    std::shared_ptr<gsup::hlr_client> hlr_client;
    std::unique_ptr<http::server> dms;
    std::unique_ptr<http::server> bsf;      // the GBA bootstrapping server, on the same HLR client
    std::unique_ptr<http::server> packages; // the firmware packages' download server
    std::shared_ptr<agent::device_agent> device;
    // What the device's user types when asked (the card's PIN): the demonstration changes it.
    std::shared_ptr<std::string> users_pin = std::make_shared<std::string>("1234");
    std::unique_ptr<uicc::uicc> card;
    std::unique_ptr<uicc::vpcd_slot> slot;
    std::thread slot_thread;
    int reader_port = 0;

    // Pulls the card out of the reader (and waits until pcscd has seen it go).
    void remove_card();
    // Inserts a card image into the reader.
    support::result<void> insert_card(const std::filesystem::path& image);
    void stop();
    ~running_smart_cards() { stop(); }
};

// Seed 004 in the local deployment (docs/smart-card-provisioning.md): the operator's network (a DM server whose
// switch-on authentication asks osmo-hlr over GSUP), pcscd with the vpcd reader, two cards of the operator's
// subscribers (card A with a DM bootstrap and the MC configuration on its USIM, card B with its MC configuration only)
// and a device with a card slot, its own MC configuration provisioned by the DM server. In root/smart-cards, on the
// loopback ports first_port (the DM server), first_port + 1, + 2 (the reader's two slots) and first_port + 3 (the BSF);
// osmo-hlr on 127.0.10.1.
// pcscd's socket is the machine's: nothing else may run a pcscd meanwhile.
struct smart_cards {
    std::filesystem::path root;
    mc_system system;
    int first_port = 0;

    std::filesystem::path dir() const { return root / "smart-cards"; }
    std::string hlr_address() const { return "127.0.10.1"; }
    std::string dms_url() const { return "https://127.0.0.1:" + std::to_string(first_port); }
    std::string bsf_url() const { return "https://127.0.0.1:" + std::to_string(first_port + 3) + "/"; }

    // Writes the cards (descriptions and images), osmo-hlr's and pcscd's configurations, the DM server's and the
    // device's. Needs root/<system label>/ with the system's CA, TLS certificate and IdMS key (local_deployment).
    support::result<void> prepare() const;
    // Starts osmo-hlr and pcscd, provisions both cards' subscribers, starts the DM server and the device, inserts card A.
    support::result<std::unique_ptr<running_smart_cards>> start() const;
    // Switch-on with card A, switch-off, switch-on with card B; describes each step, a line each.
    support::result<std::string> demonstrate(running_smart_cards& running) const;
    // Seed 003 after demonstrate(): a firmware update the user (card B's subscriber) confirms, authenticates with the
    // card's PIN and pays from the prepaid balance, then one refused because the PIN typed is wrong.
    support::result<std::string> demonstrate_subscriber(running_smart_cards& running) const;
};

} // namespace mcprov::devkit
