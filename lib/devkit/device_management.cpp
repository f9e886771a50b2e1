#include "mcprov/devkit/device_management.hpp"

#include <sstream>

#include "mcprov/dms/dm_interface.hpp"
#include "mcprov/dms/dms_config.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::devkit {
namespace {

using support::errc;
using support::make_error;
using support::result;
namespace fs = std::filesystem;

std::string secret_of(const example_device& d, std::string_view whose) {
    return std::string(whose) + "-secret-of-" + d.label;
}

} // namespace

const std::vector<example_device>& example_devices() {
    static const std::vector<example_device> devices{
        {"IMEI:493005100592800", "handset", "MC handset", "alice"},
        {"IMEI:352099001761481", "corporate", "corporate tablet", ""},
    };
    return devices;
}

void running_device_management::stop() {
    for (auto& p : push) {
        p->stop();
        p->wait();
    }
    push.clear();
    devices.clear();
    if (dms) {
        dms->stop();
        dms->wait();
        dms.reset();
    }
}

result<void> device_management::prepare() const {
    std::error_code ec;
    fs::create_directories(dir(), ec);
    if (ec) {
        return make_error(errc::io, dir().string() + ": " + ec.message());
    }
    const auto server_id = "dms." + system.id;
    std::ostringstream dms;
    dms << "[server]\nlisten = \"127.0.0.1:" << first_port << "\"\n\n"
        << "[tls]\ncertificate = \"../cms.crt\"\nprivate_key = \"../cms.key\"\n\n"
        << "[store]\npath = \"dms.db\"\n\n"
        << "[auth]\nissuer = \"" << system.issuer() << "\"\naudience = \"" << server_id
        << "\"\npublic_key = \"../idms.pub.pem\"\n\n"
        << "[dm]\nserver_id = \"" << server_id << "\"\nserver_uri = \"" << url() << "\"\nauth = \"md5\"\n\n"
        << "[mc]\ndomain = \"" << system.id << "\"\ncms_xcap_root_uri = \"" << cms_base << "/xcap\"\n"
        << "idms_auth_endpoint = \"https://idms." << system.id << "/authorize\"\n"
        << "idms_token_endpoint = \"https://idms." << system.id << "/token\"\n"
        << "gms_xcap_root_uri = \"https://gms." << system.id << "/xcap\"\n"
        << "kms = \"https://kms.police." << system.id << "\"\n"
        << "prioritized_groups = [\"" << system.group_uri("all-police") << "\", \"" << system.group_uri("patrol-north")
        << "\"]\n\n[log]\nlevel = \"info\"\n";
    if (auto w = support::write_file(dir() / "dms.toml", dms.str()); !w) {
        return w;
    }
    auto config = dms::load_dms_config(dir() / "dms.toml");
    if (!config) {
        return std::move(config).err();
    }
    auto documents = store::open_store(config->store_url, support::create_system_clock());
    if (!documents) {
        return std::move(documents).err();
    }
    dms::device_registry registry(*documents);
    dms::job_queue jobs(*documents);
    int port = first_port;
    for (const auto& d : example_devices()) {
        const auto push = "http://127.0.0.1:" + std::to_string(++port) + "/push";
        dms::device_credentials creds{d.id, secret_of(d, "device"), "", server_id, secret_of(d, "server"), "", push};
        if (auto enrolled =
                dms::enroll_device(registry, jobs, d.id, creds, "mcprov dev", std::chrono::system_clock::now());
            !enrolled) {
            return enrolled;
        }
        fs::create_directories(device_dir(d), ec);
        std::ostringstream agent;
        agent << "[device]\nid = \"" << d.id << "\"\nmodel = \"" << d.model << "\"\n\n"
              << "[store]\npath = \"agent.db\"\n\n"
              << "[[account]]\nserver_id = \"" << server_id << "\"\naddress = \"" << url() << "\"\n"
              << "auth = \"md5\"\nclient_secret = \"" << secret_of(d, "device") << "\"\nserver_secret = \""
              << secret_of(d, "server") << "\"\nca = \"../../ca.pem\"\n"
              << (d.label == "corporate" ? "encoding = \"wbxml\"\n" : "") << "\n"
              << "[push]\nlisten = \"127.0.0.1:" << port << "\"\n\n"
              << "[ui]\nconfirm = \"" << (d.label == "corporate" ? "no" : "yes") << "\"\n\n"
              << "[firmware]\nca = \"../../ca.pem\"\n\n[log]\nlevel = \"info\"\n";
        if (auto w = support::write_file(device_dir(d) / "agent.toml", agent.str()); !w) {
            return w;
        }
    }
    return {};
}

result<std::unique_ptr<running_device_management>> device_management::start() const {
    auto running = std::make_unique<running_device_management>();
    auto config = dms::load_dms_config(dir() / "dms.toml");
    if (!config) {
        return std::move(config).err();
    }
    auto clock = support::create_system_clock();
    auto documents = store::open_store(config->store_url, clock);
    auto verifier = identity::create_access_token_verifier(config->auth, clock);
    auto push_client = http::create_client({});
    if (!documents || !verifier || !push_client) {
        return make_error(errc::internal, "the DM server cannot start");
    }
    auto handler = std::make_shared<dms::dm_interface>(
        dms::dm_interface_config{config->session, config->dm_path, config->admin_scope, true, config->mc,
                                 config->client_certificates, config->mc_ue, config->subscribers},
        std::move(documents).value(), clock, std::move(verifier).value(), std::move(push_client).value());
    auto server = http::create_server(config->server, handler);
    if (!server) {
        return make_error(server.err().code, "DMS: " + server.err().message);
    }
    running->dms = std::move(server).value();
    for (const auto& d : example_devices()) {
        auto agent_config = agent::load_agent_config(device_dir(d) / "agent.toml");
        if (!agent_config) {
            return std::move(agent_config).err();
        }
        auto store = store::open_store(agent_config->store_url, clock);
        if (!store) {
            return std::move(store).err();
        }
        auto device = agent::device_agent::create(*agent_config, std::move(store).value(),
                                                  agent::create_unattended_interaction(agent_config->policy).value());
        if (!device) {
            return make_error(device.err().code, d.label + ": " + device.err().message);
        }
        std::shared_ptr<agent::device_agent> shared = std::move(device).value();
        auto push = http::create_server(*agent_config->push, agent::create_push_handler(shared));
        if (!push) {
            return make_error(push.err().code, d.label + ": " + push.err().message);
        }
        running->devices.push_back(shared);
        running->push.push_back(std::move(push).value());
    }
    return running;
}

result<std::string> device_management::demonstrate(running_device_management& running) const {
    auto config = dms::load_dms_config(dir() / "dms.toml");
    if (!config) {
        return std::move(config).err();
    }
    auto documents = store::open_store(config->store_url, support::create_system_clock());
    if (!documents) {
        return std::move(documents).err();
    }
    dms::job_queue jobs(*documents);
    std::ostringstream out;
    const auto& handset = example_devices().front();
    auto provision = dms::mc_configuration_job(*config->mc, config->mc_ue, "sip:" + handset.mc_user + "@police." + system.id, false);
    if (!provision) {
        return std::move(provision).err();
    }
    auto queued = dms::queue_jobs(jobs, {handset.id}, *provision, "mcprov dev", std::chrono::system_clock::now());
    if (!queued) {
        return std::move(queued).err();
    }
    for (std::size_t i = 0; i < example_devices().size(); ++i) {
        const auto& d = example_devices()[i];
        auto session = running.devices[i]->run_session(config->session.server_id);
        if (!session) {
            return make_error(session.err().code, d.label + ": " + session.err().message);
        }
        out << "  " << d.label << " (" << d.id << "): session " << session->session_id << ", "
            << session->messages << " message(s), its inventory read";
        if (!d.mc_user.empty()) {
            out << "; MCS UE initial configuration provisioned, handed to its MC client at "
                << (device_dir(d) / "mc-client" / "ue-init-config.xml").string();
        }
        out << "\n";
    }
    return out.str();
}

} // namespace mcprov::devkit
