#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "mcprov/support/result.hpp"

namespace mcprov::agent {

// Seed 003 5.1.5, provisioning through the PC (docs/subscriber-authentication.md): a PC agent next to the device (its
// local link, standing in for USB or Bluetooth) finds the device, asks its user's consent, lets the user choose offers
// of the DM server and how to pay, has the device prove the user (the card's PIN typed on the PC, verified by the
// card, then GBA) for the purchase the server describes, takes the card to the payment gateway for a token when the
// user pays by card, completes the purchase (again, with the same purchase, when the server says the gateway did not
// answer: nothing is paid twice), and has the device open its session with the server, which provisions it.
struct pc_agent_config {
    std::string link;                             // the device's local link, http://127.0.0.1:PORT
    std::string dms;                              // https://dms.example.org:8445
    std::optional<std::filesystem::path> dms_ca;
    std::string gateway;                          // https://gateway.example.org/ (card payments)
    std::optional<std::filesystem::path> gateway_ca;
    // The user's answers when nobody is at the PC (tests, the local deployment); a terminal asks instead.
    std::string consent = "no";
    std::vector<std::string> offers;
    std::string means;
    std::string pin;
    std::string card_number;
    std::string card_expiry;
    std::string card_cvc;
};

support::result<pc_agent_config> load_pc_agent_config(const std::filesystem::path& file);

// Asks the PC's user: the question, the answer (the configured one when unattended).
using pc_question = std::function<std::string(const std::string& question, const std::string& configured)>;

struct pc_purchase {
    std::string device;
    std::string purchase;
    std::string subscription;
    std::string confirmation;
    std::string means;
    std::string reference;
    std::vector<std::string> jobs;
};

// Errors: not_found (no device on the link), forbidden (the user declined; the payment was declined; the balance),
// unauthenticated (the PIN; the proof refused), unavailable (the device, the server or the gateway), invalid_argument.
support::result<pc_purchase> provision_through_pc(const pc_agent_config& config, const pc_question& ask,
                                                  std::ostream& progress);

} // namespace mcprov::agent
