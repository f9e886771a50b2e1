#include "mcprov/devkit/smart_cards.hpp"

#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcprov/agent/smart_card.hpp"
#include "mcprov/bsf/bsf_service.hpp"
#include "mcprov/dms/charging.hpp"
#include "mcprov/http/responses.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/dms/dm_interface.hpp"
#include "mcprov/dms/dms_config.hpp"
#include "mcprov/gsup/hlr_vty.hpp"
#include "mcprov/mcs_mo/tnds.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/uicc/card_description.hpp"

extern char** environ;

namespace mcprov::devkit {
namespace {

namespace fs = std::filesystem;
using support::errc;
using support::make_error;
using support::result;

const std::string device_id = "IMEI:490154203237518";
const std::string reader_name = "mcprov dev vpcd";

std::string server_id(const mc_system& system) {
    return "dms.operator." + system.id;
}

pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
    std::vector<char*> argv;
    std::vector<std::string> copy = args;
    for (auto& a : copy)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    // The daemon starts with no signal blocked: `mcprov dev` blocks the termination signals it waits for, and a child
    // would inherit that mask and never see the SIGTERM that stops it.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    if (posix_spawnp(&pid, args.front().c_str(), &actions, &attributes, argv.data(), environ) != 0)
        pid = -1;
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return pid;
}

// SIGTERM, and SIGKILL for a daemon still there 5 s later.
void end(pid_t& pid) {
    if (pid <= 0)
        return;
    ::kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && ::waitpid(pid, &status, WNOHANG) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (::waitpid(pid, &status, WNOHANG) == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    pid = -1;
}

// Waits up to 15 s for `text` in a daemon's log; its exit ends the wait early.
result<void> wait_for(pid_t pid, const fs::path& log, const std::string& text, const std::string& what) {
    for (int i = 0; i < 300; ++i) {
        std::ifstream in(log);
        std::stringstream content;
        content << in.rdbuf();
        if (content.str().find(text) != std::string::npos)
            return {};
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid)
            return make_error(errc::unavailable, what + " stopped: " + content.str().substr(0, 400));
        std::this_thread::sleep_for(std::chrono::milliseconds(50)); // a daemon's start-up, polled
    }
    return make_error(errc::unavailable, what + " did not start in time (see " + log.string() + ")");
}

// Whether a pcscd answers on the machine's socket (a file left by one that died is not one).
bool pcscd_listening() {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, "/run/pcscd/pcscd.comm", sizeof address.sun_path - 1);
    const bool listening = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    if (fd >= 0)
        ::close(fd);
    return listening;
}

mcs_mo::ue_initial_configuration mc_configuration(const mc_system& system, const std::string& name) {
    mcs_mo::ue_initial_configuration c;
    c.domain = system.id;
    c.name = name;
    c.hplmn = "00101";
    c.idms_auth_endpoint = "https://idms." + system.id + "/authorize";
    c.idms_token_endpoint = "https://idms." + system.id + "/token";
    c.http_proxy = "https://proxy." + system.id;
    c.gms = c.gms_uri = c.gms_xcap_root_uri = c.group_creation_xui = "https://gms." + system.id + "/xcap";
    c.cms = c.cms_xcap_root_uri = "https://cms." + system.id + "/xcap";
    c.kms = "https://kms.police." + system.id;
    return c;
}

struct card_data {
    std::string name;
    std::string iccid;
    std::string imsi;
    std::string k;
    std::string opc;
    std::string mc_name;
    bool bootstrap;
};

const std::vector<card_data>& cards() {
    static const std::vector<card_data> list{
        {"card-a", "8949000000000000017", "001010000000017", "8b7d5c3a1e0f9a2b4c6d8e0f1a2b3c4d",
         "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "Police of A (card A)", true},
        {"card-b", "8949000000000000025", "001010000000025", "00112233445566778899aabbccddeeff",
         "ffeeddccbbaa99887766554433221100", "Police of A (card B)", false},
    };
    return list;
}

// The device's user: confirms, and types the PIN the demonstration gives.
class scripted_user final : public agent::user_interaction {
public:
    explicit scripted_user(std::shared_ptr<std::string> pin) : pin_(std::move(pin)) {}
    agent::user_reply ask(const agent::user_prompt& prompt) override {
        if (prompt.alert == 1102)
            return {.status = agent::ui_status::ok, .values = {*pin_}};
        return {.status = agent::ui_status::ok, .values = {}};
    }

private:
    std::shared_ptr<std::string> pin_;
};

// The firmware packages' download server.
class package_server final : public http::handler {
public:
    http::response handle(http::request&& req, const http::peer_info&) override {
        auto res = http::make_response(boost::beast::http::status::ok, req.version());
        res.set(boost::beast::http::field::content_type, "application/octet-stream");
        res.body() = package(std::string(req.target()));
        return res;
    }
    static std::string package(const std::string& name) { return "firmware image " + name; }
};

constexpr std::string_view bsf_name = "bsf.mnc001.mcc001.pub.3gppnetwork.org";

constexpr std::string_view bootstrap_a = R"(<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD>
<VerProto>DM/1.2</VerProto><SessionID>0</SessionID><MsgID>1</MsgID><Target><LocURI>*</LocURI></Target>
<Source><LocURI>card issuer</LocURI></Source></SyncHdr><SyncBody>
<Add><CmdID>1</CmdID><Meta><EMI xmlns="syncml:metinf">persist</EMI></Meta>
<Item><Target><LocURI>./Vendor/acme/APN</LocURI></Target><Data>police.mcx-a.example.org</Data></Item></Add>
<Add><CmdID>2</CmdID><Meta><EMI xmlns="syncml:metinf">confirm</EMI></Meta>
<Item><Target><LocURI>./Vendor/acme/Proxy</LocURI></Target><Data>proxy.mcx-a.example.org:8080</Data></Item></Add>
<Add><CmdID>3</CmdID><Meta><Format xmlns="syncml:metinf">xml</Format>
<Type xmlns="syncml:metinf">application/vnd.syncml.dmtnds+xml</Type></Meta><Item><Target><LocURI>./Vendor/acme</LocURI>
</Target><Data><![CDATA[<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD><Node><NodeName>Corporate</NodeName>
<Node><NodeName>VPN</NodeName><Value>vpn.police.example</Value></Node></Node></MgmtTree>]]></Data></Item></Add>
<Final/></SyncBody></SyncML>)";

} // namespace

result<void> smart_cards::prepare() const {
    std::error_code ec;
    fs::create_directories(dir() / "device", ec);
    if (ec)
        return make_error(errc::io, dir().string() + ": " + ec.message());
    const std::string sys = "../" + system.label + "/";
    for (const auto& c : cards()) {
        if (auto w = support::write_file(dir() / (c.name + ".tnds.xml"),
                                         mcs_mo::to_tnds("UEInitConfig", mcs_mo::ue_initial_configuration_mo,
                                                         mcs_mo::to_mo_leaves(mc_configuration(system, c.mc_name))));
            !w)
            return w;
        std::string description = "[card]\niccid = \"" + c.iccid + "\"\nimsi = \"" + c.imsi + "\"\nk = \"" + c.k +
                                  "\"\nopc = \"" + c.opc + "\"\npin = \"1234\"\npuk = \"12345678\"\n[mcs]\n"
                                  "ue_initial_configuration = \"" + c.name + ".tnds.xml\"\n";
        if (c.bootstrap) {
            if (auto w = support::write_file(dir() / (c.name + ".bootstrap.xml"), std::string(bootstrap_a)); !w)
                return w;
            description += "[dm_bootstrap]\nmessage = \"" + c.name + ".bootstrap.xml\"\n";
        }
        if (auto w = support::write_file(dir() / (c.name + ".toml"), description); !w)
            return w;
        auto image = uicc::build_card(description, (dir() / (c.name + ".toml")).string(), dir());
        if (!image)
            return make_error(image.err().code, c.name + ": " + image.err().message);
        if (auto saved = uicc::save_card_image(dir() / (c.name + ".json"), *image); !saved)
            return saved;
    }
    const std::string hlr = hlr_address();
    if (auto w = support::write_file(dir() / "osmo-hlr.cfg",
                                     "log stderr\n logging filter all 1\n logging color 0\n logging level main notice\n"
                                     "line vty\n bind " + hlr + " 4258\nctrl\n bind " + hlr + "\nhlr\n store-imei\n"
                                     " gsup\n  bind ip " + hlr + "\n");
        !w)
        return w;
    const auto port = std::to_string(first_port + 1);
    if (auto w = support::write_file(dir() / "reader.conf",
                                     "FRIENDLYNAME \"" + reader_name + "\"\nDEVICENAME /dev/null:" + port +
                                         "\nLIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID " + port +
                                         "\n");
        !w)
        return w;
    // The DM server is a NAF of the BSF: its client certificate, from a CA of the BSF's NAFs, names its ServerID.
    auto naf_ca = http::create_certificate_authority("mcprov dev NAFs", std::chrono::hours(24 * 365));
    auto naf = naf_ca ? http::issue_certificate(*naf_ca, server_id(system), {server_id(system)}, {},
                                                http::certificate_usage::client, std::chrono::hours(24 * 365))
                      : support::result<http::certificate_and_key>(naf_ca.err());
    if (!naf)
        return std::move(naf).err();
    for (auto [name, text] : {std::pair{"nafs-ca.pem", naf_ca->certificate_pem}, std::pair{"naf.crt", naf->certificate_pem},
                              std::pair{"naf.key", naf->private_key_pem}})
        if (auto w = support::write_file(dir() / name, text); !w)
            return w;
    std::ostringstream dms;
    dms << "[server]\nlisten = \"127.0.0.1:" << first_port << "\"\n\n"
        << "[tls]\ncertificate = \"" << sys << "cms.crt\"\nprivate_key = \"" << sys << "cms.key\"\n\n"
        << "[store]\npath = \"dms.db\"\n\n"
        << "[auth]\nissuer = \"" << system.issuer() << "\"\naudience = \"" << server_id(system)
        << "\"\npublic_key = \"" << sys << "idms.pub.pem\"\n\n"
        << "[dm]\nserver_id = \"" << server_id(system) << "\"\nauth = \"md5\"\n\n"
        << "[hlr]\ngsup = \"" << hlr << ":4222\"\n\n"
        << "[gba]\nbsf = \"" << bsf_url() << "\"\ncertificate = \"naf.crt\"\nprivate_key = \"naf.key\"\nca = \"" << sys
        << "ca.pem\"\n\n[subscribers]\nhome_networks = [\"00101\"]\n\n"
        << "[mc]\ndomain = \"" << system.id << "\"\nname = \"Police of A (the device's own)\"\n"
        << "cms_xcap_root_uri = \"https://cms." << system.id << "/xcap\"\n"
        << "idms_auth_endpoint = \"https://idms." << system.id << "/authorize\"\n"
        << "idms_token_endpoint = \"https://idms." << system.id << "/token\"\n"
        << "gms_xcap_root_uri = \"https://gms." << system.id << "/xcap\"\n"
        << "kms = \"https://kms.police." << system.id << "\"\n\n[log]\nlevel = \"info\"\n";
    if (auto w = support::write_file(dir() / "dms.toml", dms.str()); !w)
        return w;
    auto config = dms::load_dms_config(dir() / "dms.toml");
    if (!config)
        return std::move(config).err();
    auto documents = store::open_store(config->store_url, support::create_system_clock());
    if (!documents)
        return std::move(documents).err();
    dms::device_registry registry(*documents);
    dms::job_queue jobs(*documents);
    const dms::device_credentials creds{device_id, "smartphone-secret", "", server_id(system), "operator-secret", "",
                                        ""};
    if (auto enrolled = dms::enroll_device(registry, jobs, device_id, creds, "mcprov dev", std::chrono::system_clock::now());
        !enrolled)
        return enrolled;
    auto provision = dms::mc_configuration_job(*config->mc, std::nullopt, std::nullopt, false);
    if (!provision)
        return std::move(provision).err();
    if (auto queued = dms::queue_jobs(jobs, {device_id}, *provision, "mcprov dev", std::chrono::system_clock::now());
        !queued)
        return std::move(queued).err();
    return support::write_file(
        dir() / "device" / "agent.toml",
        "[device]\nid = \"" + device_id + "\"\nmodel = \"MC smartphone with a card slot\"\n\n"
        "[store]\npath = \"agent.db\"\n\n"
        "[[account]]\nserver_id = \"" + server_id(system) + "\"\naddress = \"" + dms_url() + "/dm\"\n"
        "client_secret = \"smartphone-secret\"\nserver_secret = \"operator-secret\"\nca = \"../" + sys + "ca.pem\"\n\n"
        "[card]\nreader = \"" + reader_name + "\"\npin = \"1234\"\nnetwork = \"" + dms_url() +
            "/dms/v1/switch-on\"\nca = \"../" + sys + "ca.pem\"\nlocked = [\"./Vendor/acme/Corporate\"]\n"
        "bsf = \"" + bsf_url() + "\"\n\n"
        "[firmware]\nca = \"../" + sys + "ca.pem\"\ndirectory = \"firmware\"\n\n"
        "[ui]\nconfirm = \"yes\"\ntext = \"1234\"\n\n[log]\nlevel = \"warn\"\n");
}

void running_smart_cards::remove_card() {
    if (slot) {
        slot->stop();
        if (slot_thread.joinable())
            slot_thread.join();
        slot.reset();
        (void)agent::wait_for_card_removal(reader_name, 10'000);
    }
    card.reset();
}

result<void> running_smart_cards::insert_card(const fs::path& image_file) {
    remove_card();
    auto image = uicc::load_card_image(image_file);
    if (!image)
        return std::move(image).err();
    card = std::make_unique<uicc::uicc>(std::move(*image));
    const std::string file = image_file.string();
    auto inserted = uicc::vpcd_slot::insert(
        *card, "127.0.0.1", static_cast<std::uint16_t>(reader_port),
        [file](const uicc::card_image& i) { return uicc::save_card_image(file, i); });
    if (!inserted)
        return std::move(inserted).err();
    slot = std::move(*inserted);
    slot_thread = std::thread([this] { (void)slot->serve(); });
    return {};
}

void running_smart_cards::stop() {
    remove_card();
    device.reset();
    for (auto* server : {&dms, &bsf, &packages}) {
        if (*server) {
            (*server)->stop();
            (*server)->wait();
            server->reset();
        }
    }
    hlr_client.reset();
    end(pcscd);
    end(hlr);
}

result<std::unique_ptr<running_smart_cards>> smart_cards::start() const {
    if (pcscd_listening())
        return make_error(errc::conflict, "a pcscd runs already on this machine (/run/pcscd/pcscd.comm): its socket "
                                          "is the machine's, stop it to have the smart cards");
    auto running = std::make_unique<running_smart_cards>();
    running->reader_port = first_port + 1;
    running->hlr = spawn({"osmo-hlr", "-c", (dir() / "osmo-hlr.cfg").string(), "-l", (dir() / "hlr.db").string()},
                         dir() / "osmo-hlr.log");
    if (auto up = wait_for(running->hlr, dir() / "osmo-hlr.log", "Available via telnet", "osmo-hlr"); !up)
        return std::move(up).err();
    for (const auto& c : cards()) {
        auto image = uicc::load_card_image(dir() / (c.name + ".json"));
        if (!image)
            return std::move(image).err();
        if (auto done = gsup::provision_subscriber({.host = hlr_address(), .port = 4258, .timeout = std::chrono::seconds(5)},
                                                   {.imsi = image->imsi, .k = image->k, .opc = image->opc, .msisdn = {}});
            !done)
            return std::move(done).err();
    }
    running->pcscd = spawn({"pcscd", "-f", "-d", "-c", (dir() / "reader.conf").string()}, dir() / "pcscd.log");
    if (auto up = wait_for(running->pcscd, dir() / "pcscd.log", "daemon ready", "pcscd"); !up)
        return std::move(up).err();
    if (auto log = support::read_file(dir() / "pcscd.log");
        log && log->find("Could not initialize connection to virtual ICC") != std::string::npos)
        return make_error(errc::conflict, "pcscd could not open the virtual reader's ports " +
                                              std::to_string(first_port + 1) + " and " +
                                              std::to_string(first_port + 2) + " (in use?); see " +
                                              (dir() / "pcscd.log").string());

    auto config = dms::load_dms_config(dir() / "dms.toml");
    if (!config)
        return std::move(config).err();
    auto clock = support::create_system_clock();
    auto documents = store::open_store(config->store_url, clock);
    auto verifier = identity::create_access_token_verifier(config->auth, clock);
    auto push_client = http::create_client({});
    auto hlr_client = gsup::create_gsup_hlr_client(*config->hlr);
    if (!documents || !verifier || !push_client || !hlr_client)
        return make_error(errc::internal, "the operator's DM server cannot start" +
                                              (hlr_client ? std::string() : ": " + hlr_client.err().message));
    running->hlr_client = std::move(*hlr_client);
    // The BSF, on the same HLR client (a process has one), with its own store.
    auto bsf_store = store::open_store("sqlite:" + (dir() / "bsf.db").string(), clock);
    if (!bsf_store)
        return std::move(bsf_store).err();
    std::shared_ptr<store::document_store> bsf_documents = std::move(bsf_store).value();
    auto ub = std::make_shared<bsf::bootstrapping_procedure>(
        bsf::bootstrapping_settings{.name = std::string(bsf_name),
                                    .key_lifetime = std::chrono::hours(12),
                                    .challenge_lifetime = std::chrono::seconds(60)},
        bsf_documents, running->hlr_client, clock);
    auto zn = std::make_shared<bsf::bootstrapping_info_request>(std::vector<std::string>{server_id(system)},
                                                                bsf_documents, clock);
    http::server_config bsf_server;
    bsf_server.port = static_cast<std::uint16_t>(first_port + 3);
    bsf_server.tls = config->server.tls;
    bsf_server.tls->client_cas = {dir() / "nafs-ca.pem"};
    bsf_server.tls->client_certificate_required = false;
    auto bsf = http::create_server(bsf_server, bsf::create_bsf_pipeline(ub, zn, bsf_documents));
    if (!bsf)
        return make_error(bsf.err().code, "the BSF: " + bsf.err().message);
    running->bsf = std::move(*bsf);
    http::server_config packages;
    packages.tls = config->server.tls;
    auto package_server_made = http::create_server(packages, std::make_shared<package_server>());
    if (!package_server_made)
        return make_error(package_server_made.err().code, "the package server: " + package_server_made.err().message);
    running->packages = std::move(*package_server_made);

    std::shared_ptr<dms::zn_client> zn_client;
    if (config->zn) {
        auto made = dms::create_zn_client(*config->zn, config->session.server_id);
        if (!made)
            return std::move(made).err();
        zn_client = std::move(made).value();
    }
    auto handler = std::make_shared<dms::dm_interface>(
        dms::dm_interface_config{config->session, config->dm_path, config->admin_scope, true, config->mc,
                                 config->client_certificates, config->mc_ue, config->subscribers},
        std::move(documents).value(), clock, std::move(verifier).value(), std::move(push_client).value(),
        running->hlr_client,
        std::make_shared<dms::operation_gate>(zn_client, config->subscribers, config->session.server_id));
    auto server = http::create_server(config->server, handler);
    if (!server)
        return make_error(server.err().code, "operator's DMS: " + server.err().message);
    running->dms = std::move(*server);

    auto agent_config = agent::load_agent_config(dir() / "device" / "agent.toml");
    if (!agent_config)
        return std::move(agent_config).err();
    auto store = store::open_store(agent_config->store_url, clock);
    if (!store)
        return std::move(store).err();
    auto device = agent::device_agent::create(*agent_config, std::move(*store),
                                              std::make_unique<scripted_user>(running->users_pin));
    if (!device)
        return std::move(device).err();
    running->device = std::move(*device);
    if (auto inserted = running->insert_card(dir() / "card-a.json"); !inserted)
        return std::move(inserted).err();
    return running;
}

result<std::string> smart_cards::demonstrate(running_smart_cards& running) const {
    std::ostringstream out;
    const auto name_in_mc_client = [&]() -> std::string {
        auto doc = support::read_file(dir() / "device" / "mc-client" / "ue-init-config.xml");
        if (!doc)
            return "(none)";
        const auto at = doc->find("Police of A");
        return at == std::string::npos ? "(another)" : doc->substr(at, doc->find('<', at) - at);
    };
    auto own = running.device->run_session(server_id(system));
    if (!own)
        return make_error(own.err().code, "the device's own configuration: " + own.err().message);
    out << "  " << device_id << " has its own MC configuration from " << server_id(system)
        << "; its MC client: " << name_in_mc_client() << "\n";
    for (const auto& [label, card] : {std::pair{"A", "card-a"}, std::pair{"B", "card-b"}}) {
        if (std::string(card) == "card-b") {
            if (auto swapped = running.insert_card(dir() / "card-b.json"); !swapped)
                return std::move(swapped).err();
            out << "  card A taken out, card B put in\n";
        }
        auto on = running.device->switch_on();
        if (!on)
            return make_error(on.err().code, std::string("switch-on with card ") + label + ": " + on.err().message);
        out << "  switched on with card " << label << " (" << on->iccid << ", IMSI " << on->imsi
            << "), authenticated by the network; in the tree:";
        for (const auto& uri : on->inserted)
            out << " " << uri;
        out << "\n";
        for (const auto& reason : on->not_used)
            out << "    not used: " << reason << "\n";
        out << "    its MC client now: " << name_in_mc_client() << "\n";
        if (std::string(card) == "card-a") {
            auto off = running.device->switch_off();
            if (!off)
                return std::move(off).err();
            out << "  switched off: " << off->withdrawn.size() << " of card A's objects withdrawn, kept:";
            for (const auto& uri : off->kept)
                out << " " << uri;
            out << "; its MC client again: " << name_in_mc_client() << "\n";
        }
    }
    return out.str();
}

result<std::string> smart_cards::demonstrate_subscriber(running_smart_cards& running) const {
    std::ostringstream out;
    auto config = dms::load_dms_config(dir() / "dms.toml");
    if (!config)
        return std::move(config).err();
    auto documents = store::open_store(config->store_url, support::create_system_clock());
    if (!documents)
        return std::move(documents).err();
    const auto& card_b = cards().at(1);
    auto credited = dms::credit_prepaid(**documents, card_b.imsi, 500, "EUR");
    if (!credited)
        return std::move(credited).err();
    out << "  card B's subscription " << card_b.imsi << " has 5.00 EUR prepaid\n";
    dms::job_queue jobs(*documents);
    for (const auto& [version, pin] : {std::pair{"2.0", "1234"}, std::pair{"3.0", "9999"}}) {
        const std::string url = "https://127.0.0.1:" + std::to_string(running.packages->port()) + "/fw-" + version;
        const std::string confirmation = std::string("Update to firmware ") + version + " for 1.99 EUR?";
        auto request = dms::job_request_from_json(boost::json::value{
            {"firmware", {{"url", url}, {"version", version},
                          {"sha256", support::hex_encode(support::sha256(package_server::package("/fw-" +
                                                                                                std::string(version))))}}},
            {"gate", {{"level", "user"},
                      {"confirmation", confirmation},
                      {"entitlement", "home"},
                      {"charge", {{"amount", 199}, {"currency", "EUR"}, {"means", "prepaid"},
                                  {"description", std::string("firmware ") + version}}}}}});
        if (!request)
            return std::move(request).err();
        auto queued = dms::queue_jobs(jobs, {device_id}, *request, "mcprov dev", std::chrono::system_clock::now());
        if (!queued)
            return std::move(queued).err();
        *running.users_pin = pin;
        if (auto session = running.device->run_session(server_id(system)); !session)
            return make_error(session.err().code, "the session: " + session.err().message);
        auto done = jobs.find(device_id, queued->front().id);
        if (!done)
            return std::move(done).err();
        out << "  firmware " << version << ": the user was asked \"" << confirmation << "\", said yes and typed PIN "
            << pin << ": ";
        if (done->state == dms::job_state::done) {
            auto balance = dms::read_prepaid(**documents, card_b.imsi);
            out << "authenticated by the card and GBA, 1.99 EUR charged (prepaid now "
                << (balance ? dms::format_money(balance->balance, balance->currency) : std::string("?"))
                << "), installed\n";
        } else {
            out << "refused: " << done->reason << "\n";
        }
    }
    return out.str();
}

} // namespace mcprov::devkit
