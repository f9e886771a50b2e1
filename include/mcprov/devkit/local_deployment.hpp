#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "mcprov/cms/cms_server.hpp"
#include "mcprov/devkit/device_management.hpp"
#include "mcprov/devkit/example_data.hpp"
#include "mcprov/devkit/security_domains.hpp"
#include "mcprov/devkit/signalling_path.hpp"
#include "mcprov/devkit/system_credentials.hpp"
#include "mcprov/kms/kms_server.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::devkit {

// The servers of a local deployment, running: both CMSs, the KMSs of the security domains, the application servers of
// the signalling path, the DM server and its devices.
class running_deployment {
public:
    running_deployment(std::vector<std::unique_ptr<cms::cms_server>> cms,
                       std::vector<std::unique_ptr<kms::kms_server>> kms,
                       std::unique_ptr<running_signalling_path> sip,
                       std::unique_ptr<running_device_management> devices, std::filesystem::path root)
        : cms_(std::move(cms)), kms_(std::move(kms)), sip_(std::move(sip)), devices_(std::move(devices)),
          root_(std::move(root)) {}
    running_deployment(const running_deployment&) = delete;
    running_deployment& operator=(const running_deployment&) = delete;
    ~running_deployment() { stop(); }

    // Reads both systems' configurations and templates again and regenerates the visitors' profiles whose template
    // changed; one line for each system whose templates were not reloaded ("<system>: templates not reloaded: ...").
    std::vector<std::string> reload_templates();
    // Stops the devices and the DMS, the application servers, the KMSs, then the CMSs; idempotent.
    void stop();
    running_device_management& devices() { return *devices_; }

private:
    std::vector<std::unique_ptr<cms::cms_server>> cms_; // mcx-a's, then mcx-b's
    std::vector<std::unique_ptr<kms::kms_server>> kms_;
    std::unique_ptr<running_signalling_path> sip_;
    std::unique_ptr<running_device_management> devices_;
    std::filesystem::path root_;
};

// The local deployment of `mcprov dev` (docs/development.md) in the folder `root`, on twelve consecutive loopback
// ports from `first_port`: mcx-a's CMS and CSCM-x, mcx-b's CMS and CSCM-x, the KMSs of mcx-a's security domains
// police and fire, mcx-a's DM server and the push endpoints of its two devices, then (UDP and TCP) the application
// servers of mcx-a and mcx-b and the port where a called user's client answers. The systems are system_a() and
// system_b(), each with the example users and a migration agreement with the other; the files of a system are in
// root/<label>.
class local_deployment {
public:
    static constexpr int port_count = 12;

    local_deployment(std::filesystem::path root, int first_port);

    const std::filesystem::path& root() const { return root_; }
    std::filesystem::path dir(const mc_system& sys) const { return root_ / sys.label; }
    int xcap_port(const mc_system& sys) const { return first_port_ + (sys.id == system_a().id ? 0 : 2); }
    int cscm_port(const mc_system& sys) const { return xcap_port(sys) + 1; }
    std::string base(const mc_system& sys) const { return "https://127.0.0.1:" + std::to_string(xcap_port(sys)); }
    const security_domains& domains() const { return domains_; } // of mcx-a
    const device_management& devices() const { return devices_; } // of mcx-a
    const signalling_path& sip() const { return sip_; }

    // Writes both systems' keys, certificates, cms.toml and templates, their databases with the example users'
    // documents, the security domains (security_domains::prepare), the application servers' configurations and the
    // device management's. `root` must exist.
    support::result<void> prepare() const;

    // Starts what prepare() wrote. Errors: the configuration's, "<system>: ..." for a CMS that does not start,
    // "<KMS URI>: ..." for a KMS.
    support::result<std::unique_ptr<running_deployment>> start() const;

    // Alice of mcx-a visits mcx-b, on the running deployment: for each MC service, mcx-b's CMS obtains her migration
    // profile from mcx-a, adapts, signs and serves it; each is checked as her client would (signed by mcx-b, meant
    // for it, valid, hers) and compared with the migration profile. Returns, per service, the source profile, the
    // template and the signer, then what the template changed, one line each. Errors: the first that fails, naming
    // its service.
    support::result<std::string> demonstrate_migration() const;

    // An access token of `issuer`'s identity management server (its key in the system's folder) for `audience`.
    support::result<std::string> token(const mc_system& issuer, const std::string& audience, const std::string& mc_id,
                                       std::vector<std::string> scopes,
                                       std::chrono::seconds lifetime = std::chrono::hours(12)) const;

private:
    std::filesystem::path root_;
    int first_port_;
    security_domains domains_;
    device_management devices_;
    signalling_path sip_;
};

} // namespace mcprov::devkit
