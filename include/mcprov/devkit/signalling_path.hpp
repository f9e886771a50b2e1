#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mcprov/devkit/security_domains.hpp"
#include "mcprov/sip_as/sip_as_service.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::devkit {

// The application servers of the local deployment, running, each on a thread of its own that made it and ends it.
struct running_signalling_path {
    struct server {
        sip_as::sip_application_server* as = nullptr; // while its thread runs
        std::thread thread;
    };
    std::vector<server> servers; // mcx-a's, then mcx-b's

    void stop();
    ~running_signalling_path() { stop(); }
};

// The signalling path of the local deployment's private calls (seed 002, 7.2.X.3.2): an application server per MC
// system. mcx-a's is in front of the users of its security domains: it follows the KMSs of police and fire and sends
// what it lets through on to the called user's client. mcx-b's is in front of mcx-a's for the calls of mcx-a's users
// visiting mcx-b: it follows police (the domain of its agreement) and allows only police on its path, so it narrows
// mcx-a's redirects to that.
struct signalling_path {
    security_domains domains; // of mcx-a
    mc_system partner;        // mcx-b
    std::filesystem::path partner_dir;
    int first_port = 0; // mcx-a's AS, mcx-b's AS, the called user's client (UDP and TCP)

    std::filesystem::path config(const mc_system& sys) const;
    std::string proxy(const mc_system& sys) const; // sip:127.0.0.1:port of the system's AS
    int callee_port() const { return first_port + 2; }

    // Writes each system's sip-as.toml and the token its AS presents to the KMSs it follows.
    support::result<void> prepare() const;
    support::result<std::unique_ptr<running_signalling_path>> start() const;
    // Places three private calls and describes them, a line each: carol, signing in fire, calls alice under police's
    // key (through); carol calls bob in police (redirected twice, established in fire); alice, visiting mcx-b, calls
    // bob through both servers (mcx-b narrows mcx-a's offer to nothing: she gives up).
    support::result<std::string> demonstrate() const;
};

} // namespace mcprov::devkit
