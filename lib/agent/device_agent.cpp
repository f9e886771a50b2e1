#include "mcprov/agent/device_agent.hpp"

#include "mcprov/gba/dm_proof.hpp"

#include <condition_variable>
#include <deque>
#include <thread>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "mcprov/agent/client_session.hpp"
#include "mcprov/agent/local_link.hpp"
#include "mcprov/mcs_mo/ue_configuration.hpp"
#include "mcprov/mcs_mo/ue_initial_configuration.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/http/pipeline.hpp"
#include "mcprov/http/responses.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/json.hpp"
#include "mcprov/syncml/credentials.hpp"
#include "mcprov/syncml/notification.hpp"

namespace mcprov::agent {
namespace {

using support::errc;
using support::make_error;
using support::result;
namespace bhttp = boost::beast::http;

constexpr std::string_view agent_auid = "org.mcprov.dm-agent";
constexpr unsigned max_messages = 64; // a session that goes on longer is given up

store::document_key tree_key(const std::string& device) {
    return {std::string(agent_auid), device, "tree.json"};
}

// DevInfo and DevDetail (OMA-TS-DM_StdObj-V1_2): readable by every server, changed by none.
result<void> install_standard_objects(management_tree& tree, const agent_config& config) {
    for (const auto& [root, leaves, type] :
         {std::tuple{"./DevInfo", &config.dev_info, "urn:oma:mo:oma-dm-devinfo:1.0"},
          std::tuple{"./DevDetail", &config.dev_detail, "urn:oma:mo:oma-dm-devdetail:1.0"}}) {
        if (auto made = tree.install_interior(root, type, "Get=*"); !made) {
            return made;
        }
        // The device's own: no server adds to them, whatever the root's ACL lets it add elsewhere.
        if (auto only_read = tree.set_access_types(root, {dm_command::get}); !only_read) {
            return only_read;
        }
        for (const auto& [name, value] : *leaves) {
            const auto format = value == "true" || value == "false" ? "bool" : "chr";
            if (auto made = tree.install_leaf(std::string(root) + "/" + name, {format, "text/plain", value});
                !made) {
                return made;
            }
        }
    }
    return {};
}

std::string hex_session_id() {
    const auto bytes = syncml::random_nonce();
    return syncml::session_id_text(static_cast<std::uint16_t>((static_cast<unsigned char>(bytes[0]) << 8) |
                                                              static_cast<unsigned char>(bytes[1])) |
                                   1);
}

} // namespace

device_agent::device_agent(agent_config config, std::shared_ptr<store::document_store> documents, management_tree tree,
                           std::unique_ptr<user_interaction> ui)
    : config_(std::move(config)), documents_(std::move(documents)), tree_(std::move(tree)), ui_(std::move(ui)),
      log_(support::logger("agent")) {}

result<std::unique_ptr<device_agent>> device_agent::create(const agent_config& config,
                                                           std::shared_ptr<store::document_store> documents,
                                                           std::unique_ptr<user_interaction> ui) {
    auto stored = documents->get(tree_key(config.device_id()));
    std::optional<management_tree> tree;
    if (stored) {
        auto read = management_tree::from_json(stored->content);
        if (!read) {
            return make_error(errc::invalid_argument, "the stored management tree: " + read.err().message);
        }
        tree = std::move(read).value();
    } else if (stored.err().code != errc::not_found) {
        return std::move(stored).err();
    } else {
        tree.emplace();
        if (auto made = install_standard_objects(*tree, config); !made) {
            return std::move(made).err();
        }
        std::string servers;
        for (const auto& a : config.accounts) {
            if (auto made = install_account(*tree, a.account); !made) {
                return std::move(made).err();
            }
            servers += (servers.empty() ? "" : "+") + a.account.server_id;
        }
        if (servers.empty()) {
            servers = "*"; // a device whose accounts come from its smart card: whichever server it has one with
        }
        if (!tree->exists("./DMAcc")) { // a device whose accounts are all to come from its card
            if (auto made = tree->install_interior("./DMAcc"); !made) {
                return std::move(made).err();
            }
        }
        // Accounts come from the device (its configuration, a bootstrap), never from a server's Add.
        if (auto only_read = tree->set_access_types("./DMAcc", {dm_command::get}); !only_read) {
            return std::move(only_read).err();
        }
        if (auto made = install_firmware_object(*tree, "fw", servers); !made) {
            return std::move(made).err();
        }
        // The MC services' objects (TS 24.483) go below ./MCS: every server of the device's may manage them.
        if (auto made = tree->install_interior("./MCS", {}, "Add=" + servers + "&Delete=" + servers + "&Get=" +
                                                                servers + "&Replace=" + servers);
            !made) {
            return std::move(made).err();
        }
    }
    // Applications (SCOMO) came after the first devices: a tree stored before gets the object too.
    if (!tree->exists("./SCOMO")) {
        std::string servers;
        for (const auto& a : config.accounts) {
            servers += (servers.empty() ? "" : "+") + a.account.server_id;
        }
        if (auto made = install_software_object(*tree, servers.empty() ? "*" : servers); !made) {
            return std::move(made).err();
        }
    }
    // A device that bootstraps with GBA lets its servers ask for the subscriber or the user (docs/agent.md, "GBA").
    if (config.card && !config.card->bsf.empty() && !tree->exists(gba::dm_gba_node)) {
        if (auto made = tree->install_interior(gba::dm_gba_node, {}, "Get=*"); !made) {
            return std::move(made).err();
        }
        if (auto made = tree->install_leaf(gba::dm_authenticate_node,
                                           {.format = "null", .type = "text/plain", .data = {}}, "Exec=*&Get=*");
            !made) {
            return std::move(made).err();
        }
        if (auto made = tree->install_leaf(gba::dm_proof_node, {.format = "chr", .type = "text/plain", .data = {}},
                                           "Get=*");
            !made) {
            return std::move(made).err();
        }
    }
    std::unique_ptr<device_agent> agent(new device_agent(config, std::move(documents), std::move(*tree), std::move(ui)));
    if (auto loaded = agent->load_firmware_state(); !loaded) {
        return std::move(loaded).err();
    }
    if (!stored) {
        if (auto saved = agent->save(); !saved) {
            return std::move(saved).err();
        }
    }
    return agent;
}

namespace {

boost::json::object alert_json(const syncml::command& a) {
    const auto& i = a.items.front();
    boost::json::object o{{"source", i.source.value_or("")},   {"type", i.meta.type.value_or("")},
                          {"format", i.meta.format.value_or("")}, {"mark", i.meta.mark.value_or("")},
                          {"data", i.data.value_or("")}};
    if (a.correlator) {
        o["correlator"] = *a.correlator;
    }
    return o;
}

std::optional<std::string> optional_text(const boost::json::object& o, std::string_view k) {
    const auto* v = o.if_contains(k);
    return v && v->is_string() ? std::optional<std::string>(std::string(v->as_string())) : std::nullopt;
}

syncml::command alert_from(const boost::json::object& o) {
    syncml::command a{.name = syncml::command_name::alert, .data = "1226"};
    a.correlator = optional_text(o, "correlator");
    syncml::item i;
    i.source = support::json_text(o, "source");
    i.meta.type = support::json_text(o, "type");
    i.meta.format = support::json_text(o, "format");
    i.meta.mark = support::json_text(o, "mark");
    i.data = support::json_text(o, "data");
    a.items.push_back(std::move(i));
    return a;
}

store::document_key firmware_key(const std::string& device) {
    return {std::string(agent_auid), device, "firmware.json"};
}

} // namespace

result<void> device_agent::load_firmware_state() {
    auto doc = documents_->get(firmware_key(config_.device_id()));
    if (!doc) {
        return doc.err().code == errc::not_found ? result<void>{} : result<void>(std::move(doc).err());
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(doc->content, ec);
    if (ec || !v.is_object()) {
        return make_error(errc::invalid_argument, "the stored firmware state is not JSON");
    }
    const auto& o = v.as_object();
    if (const auto* ops = o.if_contains("operations"); ops && ops->is_array()) {
        for (const auto& op : ops->as_array()) {
            if (op.is_object()) {
                const auto& oo = op.as_object();
                operations_.emplace_back(support::json_text(oo, "server"),
                                         deferred_operation{.node = support::json_text(oo, "node"),
                                                            .operation = support::json_text(oo, "operation"),
                                                            .correlator = optional_text(oo, "correlator"),
                                                            .url = support::json_text(oo, "url"),
                                                            .digest = support::json_text(oo, "digest"),
                                                            .version = support::json_text(oo, "version"),
                                                            .package_id = support::json_text(oo, "package_id"),
                                                            .name = support::json_text(oo, "name"),
                                                            .description = support::json_text(oo, "description")});
            }
        }
    }
    if (const auto* reports = o.if_contains("reports"); reports && reports->is_array()) {
        for (const auto& r : reports->as_array()) {
            if (r.is_object()) {
                reports_.emplace_back(support::json_text(r.as_object(), "server"), alert_from(r.as_object()));
            }
        }
    }
    return {};
}

result<void> device_agent::save() {
    boost::json::array ops;
    for (const auto& [server, op] : operations_) {
        boost::json::object o{{"server", server},
                              {"node", op.node},
                              {"operation", op.operation},
                              {"url", op.url},
                              {"digest", op.digest},
                              {"version", op.version},
                              {"package_id", op.package_id},
                              {"name", op.name},
                              {"description", op.description}};
        if (op.correlator) {
            o["correlator"] = *op.correlator;
        }
        ops.push_back(std::move(o));
    }
    boost::json::array reports;
    for (const auto& [server, alert] : reports_) {
        auto o = alert_json(alert);
        o["server"] = server;
        reports.push_back(std::move(o));
    }
    // The tree and the firmware work it accepted, together: one transaction.
    return documents_->write_all(
        {{tree_key(config_.device_id()), tree_.to_json()},
         {firmware_key(config_.device_id()),
          boost::json::serialize(boost::json::object{{"operations", std::move(ops)}, {"reports", std::move(reports)}})}});
}

store::document_key card_state_key(const std::string& device) {
    return {std::string(agent_auid), device, "card.json"};
}

store::document_key gba_session_key(const std::string& device) {
    return {std::string(agent_auid), device, "gba.json"};
}

// The tree and the smart card's state, together: one transaction.
result<void> device_agent::save_with_card(const management_tree& tree, const std::string& card_state) {
    return documents_->write_all(
        {{tree_key(config_.device_id()), tree.to_json()}, {card_state_key(config_.device_id()), card_state}});
}

std::string device_agent::tree_json() const {
    std::lock_guard lock(mutex_);
    return tree_.to_json();
}

result<http::client*> device_agent::client_for(const std::string& server_id) {
    auto& client = clients_[server_id];
    if (!client) {
        http::client_options options;
        if (config_.card) {
            options.ca_file = config_.card->ca; // an account that came from the card
        }
        for (const auto& a : config_.accounts) {
            if (a.account.server_id == server_id) {
                options.ca_file = a.ca;
                options.certificate_chain = a.certificate;
                options.private_key = a.private_key;
            }
        }
        options.timeout = std::chrono::seconds(30);
        auto made = http::create_client(options);
        if (!made) {
            return std::move(made).err();
        }
        client = std::move(made).value();
    }
    return client.get();
}

result<session_outcome> device_agent::run_session(const std::string& server_id, const std::string& alert,
                                                  std::string session_id) {
    std::lock_guard lock(mutex_);
    auto outcome = session_with(server_id, alert, std::move(session_id), {});
    if (!outcome) {
        return outcome;
    }
    if (!outcome->authenticated) {
        return outcome; // nothing of the session was the server's to decide
    }
    publish_mc_configuration();
    auto reported = finish_firmware(server_id);
    if (!reported) {
        log_->warn("{}: firmware results not reported yet: {}", config_.device_id(), reported.err().message);
    } else {
        outcome->reports = *reported;
    }
    return outcome;
}

void device_agent::publish_mc_configuration() {
    // The leaves below an object's root, by their paths below it.
    auto leaves_of = [&](const std::string& root) {
        std::map<std::string, std::string> leaves;
        std::function<void(const std::string&, const std::string&)> collect = [&](const std::string& uri,
                                                                                  const std::string& relative) {
            if (auto v = tree_.value(uri)) {
                leaves[relative] = v->data;
                return;
            }
            for (const auto& child : tree_.children(uri)) {
                collect(uri + "/" + child, relative.empty() ? child : relative + "/" + child);
            }
        };
        collect(root, "");
        return leaves;
    };
    auto publish = [&](const std::string& root, const std::string& file, const result<std::string>& document) {
        if (!document) {
            log_->warn("{}: {} is not handed to the MC client: {}", config_.device_id(), root, document.err().message);
            return;
        }
        std::error_code ec;
        std::filesystem::create_directories(config_.mc_client_directory, ec);
        if (auto written = support::write_file(config_.mc_client_directory / file, *document); !written) {
            log_->warn("{}: {}", config_.device_id(), written.err().message);
            return;
        }
        log_->info("{}: {} handed to the MC client ({})", config_.device_id(), root, file);
    };
    // An object that is gone (a card's, withdrawn at switch-off) takes the application's copy with it.
    auto withdraw = [&](const std::string& root, const std::string& file) {
        std::error_code ec;
        if (std::filesystem::remove(config_.mc_client_directory / file, ec)) {
            log_->info("{}: {} is gone: {} taken from the MC client", config_.device_id(), root, file);
        }
    };
    if (const std::string root = "./MCS/UEInitConfig"; tree_.exists(root)) {
        auto config = mcs_mo::from_mo_leaves(leaves_of(root));
        publish(root, "ue-init-config.xml", config ? mcs_mo::to_document(*config) : result<std::string>(config.err()));
    } else {
        withdraw(root, "ue-init-config.xml");
    }
    if (const std::string root = "./MCS/UEConfig"; tree_.exists(root)) {
        auto config = mcs_mo::ue_configuration_from_mo_leaves(leaves_of(root));
        publish(root, "ue-config.xml", config ? mcs_mo::to_document(*config) : result<std::string>(config.err()));
    } else {
        withdraw(root, "ue-config.xml");
    }
}

result<unsigned> device_agent::finish_firmware(const std::string& server_id) {
    if (!operations_.empty()) {
        if (!firmware_client_) {
            http::client_options options;
            options.ca_file = config_.firmware.ca;
            options.timeout = std::chrono::seconds(120);
            auto made = http::create_client(options);
            if (!made) {
                return std::move(made).err();
            }
            firmware_client_ = std::move(made).value();
        }
        // Done one at a time, each kept with its report as soon as it is done.
        while (!operations_.empty()) {
            auto [server, op] = operations_.front();
            auto alert = op.node.starts_with("./SCOMO/")
                             ? carry_out_software_operation(tree_, op, config_.applications,
                                                            config_.firmware.max_package_bytes, *firmware_client_)
                             : carry_out_firmware_operation(tree_, op, config_.firmware, *firmware_client_);
            operations_.erase(operations_.begin());
            reports_.emplace_back(server, std::move(alert));
            if (auto saved = save(); !saved) {
                return std::move(saved).err();
            }
        }
    }
    std::vector<syncml::command> due;
    for (const auto& [server, alert] : reports_) {
        if (server == server_id) {
            due.push_back(alert);
        }
    }
    if (due.empty()) {
        return 0u;
    }
    auto reported = session_with(server_id, "1201", {}, due);
    if (!reported) {
        return std::move(reported).err();
    }
    if (reported->reports == 0) {
        return 0u;
    }
    std::erase_if(reports_, [&](const auto& r) { return r.first == server_id; });
    if (auto saved = save(); !saved) {
        return std::move(saved).err();
    }
    return static_cast<unsigned>(due.size());
}

result<session_outcome> device_agent::session_with(const std::string& server_id, const std::string& alert,
                                                   std::string session_id,
                                                   const std::vector<syncml::command>& reports) {
    const auto* configured = [&]() -> const account_config* {
        for (const auto& a : config_.accounts) {
            if (a.account.server_id == server_id) {
                return &a;
            }
        }
        return nullptr;
    }();
    auto client_made = client_for(server_id);
    if (!client_made) {
        return std::move(client_made).err();
    }
    auto& client = **client_made;
    const bool wbxml = configured && configured->wbxml;
    if (session_id.empty()) {
        session_id = hex_session_id();
    }
    session_outcome outcome{server_id, session_id, 0, false, 0};
    client_session session(tree_, server_id, config_.device_id(), session_id, alert, ui_.get());
    session.set_limits(config_.max_message_bytes, config_.max_object_bytes);
    last_confirmation_.reset();
    session.set_confirmation_observer(
        [this](const std::string& text, bool confirmed) { last_confirmation_.emplace(text, confirmed); });
    session.set_exec_handler([&](const syncml::command& c, const syncml::item& i) {
        if (i.target.value_or("") == gba::dm_authenticate_node)
            return authenticate_for(server_id, i);
        const auto target = i.target.value_or("");
        auto decision = target.starts_with("./SCOMO/")
                            ? accept_software_exec(tree_, target, server_id, c.correlator, config_.applications)
                            : accept_firmware_exec(tree_, target, server_id, c.correlator);
        if (decision.accepted) {
            operations_.emplace_back(server_id, *decision.accepted);
        }
        return decision.status;
    });
    for (const auto& r : reports) {
        session.add_report(r);
    }
    auto first = session.start();
    if (!first) {
        return std::move(first).err();
    }
    std::optional<syncml::message> next = std::move(first).value();
    while (next) {
        if (++outcome.messages > max_messages) {
            return make_error(errc::unavailable, server_id + ": the session goes on past " +
                                                     std::to_string(max_messages) + " messages; given up");
        }
        auto body = wbxml ? syncml::encode_wbxml(*next) : syncml::encode_xml(*next);
        if (!body) {
            return std::move(body).err();
        }
        auto account = read_account(tree_, server_id);
        if (!account) {
            return std::move(account).err();
        }
        http::client_request req;
        req.method = bhttp::verb::post;
        req.url = session.next_uri();
        const auto media = std::string(wbxml ? syncml::dm_wbxml_media_type : syncml::dm_xml_media_type);
        req.headers = {{"Content-Type", media}, {"Accept", media}};
        if (account->client.type == "HMAC" && !account->client.nonce.empty()) {
            req.headers.emplace_back(std::string(syncml::hmac_header_name),
                                     syncml::format_hmac_header(
                                         {account->client.name,
                                          syncml::mac_credential(account->client.name, account->client.secret,
                                                                 account->client.nonce, *body)}));
        }
        req.body = std::move(body).value();
        auto res = client.fetch(req);
        if (!res) {
            return std::move(res).err();
        }
        if (res->result() != bhttp::status::ok) {
            return make_error(errc::unavailable, server_id + " answered HTTP " +
                                                     std::to_string(static_cast<unsigned>(res->result_int())));
        }
        if (account->server.type == "HMAC") {
            auto mac = syncml::parse_hmac_header((*res)[syncml::hmac_header_name]);
            if (!mac || mac->username != account->server.name ||
                !syncml::credentials_equal(mac->mac, syncml::mac_credential(account->server.name,
                                                                            account->server.secret,
                                                                            account->server.nonce, res->body()))) {
                log_->warn("{} [{}] {}: the reply's MAC does not verify", config_.device_id(), session_id, server_id);
                return make_error(errc::unauthenticated, server_id + ": the reply's x-syncml-hmac does not verify");
            }
        }
        auto reply = wbxml ? syncml::decode_wbxml(res->body()) : syncml::decode_xml(res->body());
        if (!reply) {
            return make_error(errc::invalid_argument, server_id + " answered no DM message: " + reply.err().message);
        }
        auto answered = session.answer(*reply);
        // The tree is kept after every message: a crash leaves it as it was after the last one, never half of one.
        if (auto saved = save(); !saved) {
            return std::move(saved).err();
        }
        if (!answered) {
            log_->warn("{} [{}] {}: {}", config_.device_id(), session_id, server_id, answered.err().message);
            return std::move(answered).err();
        }
        next = std::move(answered).value();
    }
    outcome.authenticated = session.authenticated();
    outcome.reports = session.reports_delivered() ? static_cast<unsigned>(reports.size()) : 0;
    log_->info("{} [{}] {}: session over after {} message(s)", config_.device_id(), session_id, server_id,
               outcome.messages);
    return outcome;
}

result<session_outcome> device_agent::on_notification(std::string_view bytes) {
    auto n = syncml::decode_notification(bytes);
    if (!n) {
        return std::move(n).err();
    }
    dm_account account;
    {
        std::lock_guard lock(mutex_);
        auto read = read_account(tree_, n->content.server_id);
        if (!read) {
            return std::move(read).err();
        }
        account = std::move(read).value();
    }
    if (!syncml::digest_matches(*n, account.server.secret, account.server.nonce)) {
        log_->warn("{}: a notification from {} whose digest does not match", config_.device_id(),
                   n->content.server_id);
        return make_error(errc::unauthenticated, "the notification's digest does not match");
    }
    return run_session(n->content.server_id, "1200", syncml::session_id_text(n->content.session_id));
}

namespace {

// Takes notifications as they come and runs their sessions one after another on a thread of its own.
class push_handler final : public http::handler {
public:
    explicit push_handler(std::shared_ptr<device_agent> agent)
        : agent_(std::move(agent)), pipeline_(std::make_shared<http::pipeline>("agent")),
          worker_([this](std::stop_token stop) { work(stop); }) {
        pipeline_->add(http::health_route());
        pipeline_->add({.name = "push",
                        .methods = {bhttp::verb::post},
                        .path = "/push",
                        .handle = [this](http::call& c) { return take(c); },
                        .max_body_bytes = syncml::max_notification_bytes});
        // The local link: a PC agent next to the device (seed 003 5.1.5), on the loopback only.
        pipeline_->add({.name = "local-device",
                        .methods = {bhttp::verb::get},
                        .path = "/local/v1/device",
                        .handle = [this](http::call& c) { return describe(c); }});
        pipeline_->add({.name = "local-proof",
                        .methods = {bhttp::verb::post},
                        .path = "/local/v1/proof",
                        .handle = [this](http::call& c) { return prove(c); },
                        .max_body_bytes = 8192,
                        .may_wait = true});
        pipeline_->add({.name = "local-session",
                        .methods = {bhttp::verb::post},
                        .path = "/local/v1/session",
                        .handle = [this](http::call& c) { return open_session(c); },
                        .max_body_bytes = 1024,
                        .may_wait = true});
    }
    ~push_handler() override {
        worker_.request_stop();
        wake_.notify_all();
    }

    http::response handle(http::request&& req, const http::peer_info& peer) override {
        return pipeline_->handle(std::move(req), peer);
    }
    std::optional<http::response> screen(const http::request& req, const http::peer_info& peer) override {
        return pipeline_->screen(req, peer);
    }

private:
    result<http::response> take(http::call& c) {
        const auto type = c.req[bhttp::field::content_type];
        if (type.substr(0, type.find(';')) != syncml::notification_media_type) {
            return make_error(errc::unsupported_media_type, "a notification is application/vnd.syncml.notification");
        }
        if (auto n = syncml::decode_notification(c.req.body()); !n) {
            return make_error(errc::invalid_argument, n.err().message);
        }
        {
            std::lock_guard lock(mutex_);
            if (pending_.size() >= 16) {
                return make_error(errc::unavailable, "too many notifications waiting");
            }
            pending_.push_back(c.req.body());
        }
        wake_.notify_one();
        auto res = http::make_response(bhttp::status::accepted, c.req.version());
        return res;
    }

    static result<void> loopback_only(const http::call& c) {
        if (!c.peer.address.starts_with("127.") && c.peer.address != "::1")
            return make_error(errc::forbidden, "the local link takes requests from this machine only");
        return {};
    }

    static result<boost::json::value> json_of(const http::call& c) {
        boost::system::error_code ec;
        auto v = boost::json::parse(c.req.body(), ec);
        if (ec)
            return make_error(errc::invalid_argument, "the body must be a JSON object");
        return v;
    }

    result<http::response> describe(http::call& c) {
        if (auto local = loopback_only(c); !local)
            return std::move(local).err();
        boost::json::object o;
        for (const auto& [k, v] : agent_->device_info())
            o[k] = v;
        return http::json_response(o, c.req.version());
    }

    // {"server_id", "request": "<level=...&nonce=...>", "confirmation", "pin"} -> {"proof"}
    result<http::response> prove(http::call& c) {
        if (auto local = loopback_only(c); !local)
            return std::move(local).err();
        auto body = json_of(c);
        if (!body)
            return std::move(body).err();
        auto asked = local_proof_request_from_json(*body);
        if (!asked)
            return std::move(asked).err();
        auto proof = agent_->proof_for(asked->server_id, asked->request, asked->confirmation, asked->pin);
        if (!proof)
            return std::move(proof).err();
        return http::json_response(boost::json::object{{"proof", *proof}}, c.req.version());
    }

    // {"server_id"}: a session with that server now.
    result<http::response> open_session(http::call& c) {
        if (auto local = loopback_only(c); !local)
            return std::move(local).err();
        auto body = json_of(c);
        if (!body)
            return std::move(body).err();
        auto server = local_session_request_from_json(*body);
        if (!server)
            return std::move(server).err();
        auto done = agent_->run_session(*server);
        if (!done)
            return std::move(done).err();
        return http::json_response(boost::json::object{{"session", done->session_id}, {"messages", done->messages}},
                                   c.req.version());
    }

    void work(std::stop_token stop) {
        static const auto log = support::logger("agent");
        while (true) {
            std::string bytes;
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [&] { return stop.stop_requested() || !pending_.empty(); });
                if (stop.stop_requested()) {
                    return;
                }
                bytes = std::move(pending_.front());
                pending_.pop_front();
            }
            if (auto done = agent_->on_notification(bytes); !done) {
                log->warn("notification: {}", done.err().message);
            }
        }
    }

    std::shared_ptr<device_agent> agent_;
    std::shared_ptr<http::pipeline> pipeline_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::string> pending_;
    std::jthread worker_;
};

} // namespace

std::shared_ptr<http::handler> create_push_handler(std::shared_ptr<device_agent> agent) {
    return std::make_shared<push_handler>(std::move(agent));
}

} // namespace mcprov::agent
