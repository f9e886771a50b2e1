#include "mcprov/dms/device_notifier.hpp"

#include <boost/beast/http.hpp>

#include "mcprov/dms/audit.hpp"
#include "mcprov/dms/device_registry.hpp"
#include "mcprov/support/log.hpp"
#include "mcprov/syncml/credentials.hpp"

namespace mcprov::dms {

using support::errc;
using support::make_error;
using support::result;

device_notifier::device_notifier(std::string server_id, std::shared_ptr<store::document_store> documents,
                                 std::shared_ptr<http::client> client)
    : server_id_(std::move(server_id)), documents_(std::move(documents)), client_(std::move(client)) {}

result<std::string> device_notifier::notify(const std::string& device, std::string_view actor,
                                            syncml::ui_mode ui) const {
    static const auto log = support::logger("dms");
    auto creds = device_registry(documents_).credentials(device);
    if (!creds) {
        return std::move(creds).err();
    }
    if (!*creds) {
        return make_error(errc::not_found, "no device " + device + " is enrolled");
    }
    const auto& d = **creds;
    if (d.push_url.empty()) {
        return make_error(errc::invalid_argument, device + " has no push address: it is not notified, it calls in");
    }
    const auto random = syncml::random_nonce();
    syncml::notification n;
    n.ui = ui;
    n.session_id = static_cast<std::uint16_t>((static_cast<unsigned char>(random[0]) << 8) |
                                              static_cast<unsigned char>(random[1]));
    if (n.session_id == 0) {
        n.session_id = 1;
    }
    n.server_id = server_id_;
    auto bytes = syncml::encode_notification(n, d.server_secret, d.server_nonce);
    if (!bytes) {
        return std::move(bytes).err();
    }
    http::client_request req;
    req.method = boost::beast::http::verb::post;
    req.url = d.push_url;
    req.headers = {{"Content-Type", std::string(syncml::notification_media_type)}};
    req.body = std::move(bytes).value();
    auto res = client_->fetch(req);
    if (!res) {
        log->warn("{}: notification to {}: {}", device, d.push_url, res.err().message);
        return make_error(errc::unavailable, "the device's push endpoint cannot be reached: " + res.err().message);
    }
    if (res->result_int() / 100 != 2) {
        log->warn("{}: notification to {}: HTTP {}", device, d.push_url, res->result_int());
        return make_error(errc::unavailable,
                          "the device's push endpoint answered HTTP " + std::to_string(res->result_int()));
    }
    const auto session_id = syncml::session_id_text(n.session_id);
    log->info("{} [{}] notified", device, session_id);
    (void)documents_->write_all({audit_write({std::chrono::system_clock::now(), std::string(actor), "notify", device,
                                              "session " + session_id})});
    return session_id;
}

} // namespace mcprov::dms
